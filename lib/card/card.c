/* lib/card: link selection, and euiccd's local socket (2-byte big-endian
 * length framing, as vpcd's; a 1-byte message is a control). */
#include "card/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/io.h"
#include "base/log.h"

iot_err card_parse(const char *spec, struct card_config *c)
{
	memset(c, 0, sizeof(*c));
	if (!strcmp(spec, "pcsc")) {
		c->kind = CARD_PCSC;
	} else if (!strncmp(spec, "pcsc:", 5)) {
		c->kind = CARD_PCSC;
		c->target = spec + 5;
	} else if (!strncmp(spec, "at:", 3) && spec[3]) {
		c->kind = CARD_AT;
		c->target = spec + 3;
	} else if (!strncmp(spec, "at-cgla:", 8) && spec[8]) {
		c->kind = CARD_AT;
		c->target = spec + 8;
		c->at_logical = true;
	} else if (!strncmp(spec, "socket:", 7) && spec[7]) {
		c->kind = CARD_SOCKET;
		c->target = spec + 7;
	} else {
		return IOT_E_ARG;
	}
	return IOT_OK;
}

/* ---- euiccd's socket ---- */

struct sock {
	int fd;
};

static iot_err sock_message(struct card *k, const uint8_t *msg, size_t len, uint8_t *resp, size_t cap, size_t *resp_len)
{
	struct sock *s = k->link;
	uint8_t hdr[2] = { (uint8_t)(len >> 8), (uint8_t)len };
	size_t n;
	iot_err err;

	if (len > 0xFFFF)
		return IOT_E_ARG;
	if ((err = io_write_full(s->fd, hdr, 2)) != IOT_OK || (err = io_write_full(s->fd, msg, len)) != IOT_OK ||
	    (err = io_read_full(s->fd, hdr, 2)) != IOT_OK)
		return err;
	n = (size_t)hdr[0] << 8 | hdr[1];
	if (n > cap)
		return IOT_E_BUFFER;
	if ((err = io_read_full(s->fd, resp, n)) != IOT_OK)
		return err;
	*resp_len = n;
	return IOT_OK;
}

static iot_err sock_transmit(struct card *k, const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap,
			     size_t *resp_len)
{
	if (len < 4)            /* 1-byte messages are controls, not APDUs */
		return IOT_E_ARG;
	return sock_message(k, apdu, len, resp, cap, resp_len);
}

/* vpcd's controls: reset (0x02) has no answer; get ATR (0x04) confirms the card is back */
static iot_err sock_reset(struct card *k)
{
	struct sock *s = k->link;
	uint8_t atr[64];
	size_t n;
	iot_err err = io_write_full(s->fd, (const uint8_t *)"\x00\x01\x02", 3);

	return err == IOT_OK ? sock_message(k, (const uint8_t *)"\x04", 1, atr, sizeof(atr), &n) : err;
}

static void sock_close(struct card *k)
{
	struct sock *s = k->link;

	close(s->fd);
	free(s);
}

static const struct card_ops sock_ops = { sock_transmit, sock_reset, sock_close };

static iot_err sock_open(struct card *k)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct sock *s;

	if (strlen(k->cfg.target) >= sizeof(a.sun_path))
		return IOT_E_ARG;
	strcpy(a.sun_path, k->cfg.target);
	if (!(s = calloc(1, sizeof(*s))))
		return IOT_E_NOMEM;
	if ((s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(s->fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		log_warn("card", "euiccd's socket cannot be reached", "path=%s error=\"%s\"", k->cfg.target,
			 strerror(errno));
		if (s->fd >= 0)
			close(s->fd);
		free(s);
		return IOT_E_IO;
	}
	k->link = s;
	k->ops = &sock_ops;
	return IOT_OK;
}

/* ---- the interface ---- */

iot_err card_open(const struct card_config *c, struct card **out)
{
	struct card *k = calloc(1, sizeof(*k));
	iot_err err;

	if (!k)
		return IOT_E_NOMEM;
	k->cfg = *c;
	switch (c->kind) {
	case CARD_PCSC:
		err = card_pcsc_open(k);
		break;
	case CARD_AT:
		err = card_at_open(k);
		break;
	case CARD_SOCKET:
		err = sock_open(k);
		break;
	default:
		err = IOT_E_ARG;
		break;
	}
	if (err != IOT_OK) {
		free(k);
		return err;
	}
	*out = k;
	return IOT_OK;
}

void card_close(struct card *k)
{
	if (!k)
		return;
	k->ops->close(k);
	free(k);
}

iot_err card_transmit(struct card *k, const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap, size_t *resp_len)
{
	return k->ops->transmit(k, apdu, len, resp, cap, resp_len);
}

iot_err card_reset(struct card *k)
{
	return k->ops->reset(k);
}

iot_err card_usat_profile(struct card *k, const uint8_t *tp, size_t len)
{
	return k->cfg.kind == CARD_AT ? card_at_usat_profile(k, tp, len) : IOT_E_ARG;
}

iot_err card_usat_command(struct card *k, uint8_t *cmd, size_t cap, size_t *len)
{
	return k->cfg.kind == CARD_AT ? card_at_usat_command(k, cmd, cap, len) : IOT_E_ARG;
}

iot_err card_usat_response(struct card *k, const uint8_t *tr, size_t len)
{
	return k->cfg.kind == CARD_AT ? card_at_usat_response(k, tr, len) : IOT_E_ARG;
}

iot_err card_usat_envelope(struct card *k, const uint8_t *env, size_t len)
{
	return k->cfg.kind == CARD_AT ? card_at_usat_envelope(k, env, len) : IOT_E_ARG;
}

int card_usat_fd(struct card *k)
{
	return k->cfg.kind == CARD_AT ? card_at_usat_fd(k) : -1;
}
