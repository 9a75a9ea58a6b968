/* The AT-command modem link (3GPP TS 27.007): APDUs on the basic channel by
 * AT+CSIM (8.17); in logical-channel mode, MANAGE CHANNEL and SELECT by AID
 * become AT+CCHO (8.45), AT+CCHC (8.46), and the channel's APDUs AT+CGLA
 * (8.43), for modems that keep the channels themselves. The modem's own CAT
 * engine (8.81-8.87: +CUSATW, +CUSATA, +CUSATT, +CUSATE, the +CUSATP
 * unsolicited result) for a terminal on this side. */
#include "card/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "base/hex.h"
#include "base/log.h"

#define AT_CHANNELS 4
#define AT_URCS 8

struct at {
	int fd;
	long session[AT_CHANNELS];      /* the modem's session per channel we gave out; 0: none */
	bool open[AT_CHANNELS];
	char line[2 * 300 + 64];        /* the answer line of interest */
	char in[2048];                  /* what came from the modem, not yet taken as lines */
	size_t in_len;
	/* +CUSATP proactive commands the modem passed on, oldest first */
	uint8_t urc[AT_URCS][256];
	size_t urc_len[AT_URCS], urcs;
};

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* 27.007 8.86: "+CUSATP: <hex>" (quoted or not), kept for the terminal */
static void take_urc(struct at *a, const char *line)
{
	const char *p = line + 8;
	char hex[600];
	size_t n = 0;

	while (*p == ' ' || *p == '"')
		p++;
	while (*p && *p != '"' && n < sizeof(hex) - 1)
		hex[n++] = *p++;
	hex[n] = 0;
	if (a->urcs == AT_URCS || hex_decode(hex, a->urc[a->urcs], sizeof(a->urc[0]), &a->urc_len[a->urcs]) != IOT_OK) {
		log_warn("card", "a proactive command from the modem is lost", "urcs=%zu", a->urcs);
		return;
	}
	a->urcs++;
}

static char *first_eol(char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] == '\r' || p[i] == '\n')
			return p + i;
	return NULL;
}

/* The next line from the modem, unsolicited results taken aside; waits
 * until deadline (none: what has come already). IOT_E_NOT_FOUND: no line. */
static iot_err read_line(struct at *a, long deadline, char *out, size_t cap)
{
	for (;;) {
		char *eol;

		while ((eol = first_eol(a->in, a->in_len))) {
			size_t n = (size_t)(eol - a->in);
			bool urc;

			if (n >= cap)
				n = cap - 1;
			memcpy(out, a->in, n);
			out[n] = 0;
			a->in_len -= (size_t)(eol + 1 - a->in);
			memmove(a->in, eol + 1, a->in_len);
			if ((urc = !strncmp(out, "+CUSATP:", 8)))
				take_urc(a, out);
			if (*out && !urc && strcmp(out, "+CUSATEND"))
				return IOT_OK;
		}
		if (a->in_len == sizeof(a->in))
			return IOT_E_BUFFER;
		{
			struct pollfd p = { a->fd, POLLIN, 0 };
			long left = deadline - now_ms();
			ssize_t r;

			if (poll(&p, 1, left > 0 ? (int)left : 0) <= 0)
				return left > 0 ? IOT_E_IO : IOT_E_NOT_FOUND;
			if ((r = read(a->fd, a->in + a->in_len, sizeof(a->in) - a->in_len)) <= 0) {
				if (r < 0 && errno == EINTR)
					continue;
				return IOT_E_IO;
			}
			a->in_len += (size_t)r;
		}
	}
}

/* Sends cmd, collects lines until OK or an error; the line starting with
 * prefix (if any) is kept in a->line. */
static iot_err at_command(struct card *k, const char *cmd, const char *prefix)
{
	struct at *a = k->link;
	char line[1024];
	long deadline = now_ms() + (k->cfg.at_timeout_ms ? k->cfg.at_timeout_ms : 5000);
	size_t n = strlen(cmd);
	iot_err err;

	a->line[0] = 0;
	if (write(a->fd, cmd, n) != (ssize_t)n || write(a->fd, "\r", 1) != 1)
		return IOT_E_IO;
	for (;;) {
		if ((err = read_line(a, deadline, line, sizeof(line))) != IOT_OK)
			return err == IOT_E_NOT_FOUND ? IOT_E_IO : err;
		if (!strcmp(line, "OK"))
			return IOT_OK;
		if (!strcmp(line, "ERROR") || !strncmp(line, "+CME ERROR", 10)) {
			log_warn("card", "the modem refused", "command=%.*s answer=\"%s\"", 12, cmd, line);
			return IOT_E_CARD;
		}
		if (prefix && !strncmp(line, prefix, strlen(prefix)) && strlen(line) < sizeof(a->line))
			strcpy(a->line, line);
	}
}

/* AT+VERB="<hex>" (and for +CUSATW the TE profile's action 0 first) */
static iot_err at_hex_command(struct card *k, const char *verb, const uint8_t *data, size_t len)
{
	char cmd[2 * 256 + 32], hex[2 * 256 + 1];

	if (len > 255)
		return IOT_E_ARG;
	hex_encode(data, len, hex);
	snprintf(cmd, sizeof(cmd), "AT+%s\"%s\"", verb, hex);
	return at_command(k, cmd, NULL);
}

iot_err card_at_usat_profile(struct card *k, const uint8_t *tp, size_t len)
{
	iot_err err;

	/* 8.83 +CUSATW=0: the TE's profile; 8.87 +CUSATA=1: the TE takes the
	 * proactive commands from now on (the modem sends the profile) */
	if ((err = at_hex_command(k, "CUSATW=0,", tp, len)) != IOT_OK)
		return err;
	return at_command(k, "AT+CUSATA=1", NULL);
}

iot_err card_at_usat_command(struct card *k, uint8_t *cmd, size_t cap, size_t *len)
{
	struct at *a = k->link;
	char line[1024];
	iot_err err;

	*len = 0;
	/* whatever came meanwhile: unsolicited results are taken aside */
	while ((err = read_line(a, 0, line, sizeof(line))) == IOT_OK)
		log_debug("card", "a line from the modem, unasked", "line=\"%s\"", line);
	if (err != IOT_E_NOT_FOUND)
		return err;
	if (!a->urcs)
		return IOT_OK;
	if (a->urc_len[0] > cap)
		return IOT_E_BUFFER;
	memcpy(cmd, a->urc[0], *len = a->urc_len[0]);
	a->urcs--;
	memmove(a->urc[0], a->urc[1], a->urcs * sizeof(a->urc[0]));
	memmove(a->urc_len, a->urc_len + 1, a->urcs * sizeof(a->urc_len[0]));
	return IOT_OK;
}

iot_err card_at_usat_response(struct card *k, const uint8_t *tr, size_t len)
{
	return at_hex_command(k, "CUSATT=", tr, len);       /* 8.84 */
}

iot_err card_at_usat_envelope(struct card *k, const uint8_t *env, size_t len)
{
	return at_hex_command(k, "CUSATE=", env, len);      /* 8.85 */
}

/* (what was read already has been taken: card_at_usat_command reads every
 * whole line there is before it says that no command waits) */
int card_at_usat_fd(struct card *k)
{
	struct at *a = k->link;

	return a->fd;
}

/* "+CSIM: <len>,"<hex>"" (and +CGLA alike) into resp. */
static iot_err at_response(struct at *a, uint8_t *resp, size_t cap, size_t *resp_len)
{
	char *q = strchr(a->line, '"'), *e;

	if (!q || !(e = strchr(q + 1, '"')))
		return IOT_E_CARD;
	*e = 0;
	if (hex_decode(q + 1, resp, cap, resp_len) != IOT_OK || *resp_len < 2)
		return IOT_E_CARD;
	return IOT_OK;
}

static iot_err at_apdu(struct card *k, const char *verb, long session, const uint8_t *apdu, size_t len, uint8_t *resp,
		       size_t cap, size_t *resp_len)
{
	struct at *a = k->link;
	char cmd[2 * 300 + 64], hex[2 * 300 + 1];
	char prefix[16];
	iot_err err;

	if (len > 261)
		return IOT_E_ARG;
	hex_encode(apdu, len, hex);
	if (session)
		snprintf(cmd, sizeof(cmd), "AT+%s=%ld,%zu,\"%s\"", verb, session, 2 * len, hex);
	else
		snprintf(cmd, sizeof(cmd), "AT+%s=%zu,\"%s\"", verb, 2 * len, hex);
	snprintf(prefix, sizeof(prefix), "+%s:", verb);
	if ((err = at_command(k, cmd, prefix)) != IOT_OK)
		return err;
	return at_response(a, resp, cap, resp_len);
}

static uint8_t channel_of(uint8_t cla)
{
	return (cla & 0x40) ? (uint8_t)(4 + (cla & 0x0F)) : (uint8_t)(cla & 0x03);
}

static iot_err status(uint8_t *resp, size_t cap, size_t *resp_len, const uint8_t *data, size_t n, uint16_t sw)
{
	if (cap < n + 2)
		return IOT_E_BUFFER;
	if (n)
		memcpy(resp, data, n);
	resp[n] = (uint8_t)(sw >> 8);
	resp[n + 1] = (uint8_t)sw;
	*resp_len = n + 2;
	return IOT_OK;
}

/* Logical-channel mode: the channel commands become the modem's. */
static iot_err at_logical(struct card *k, const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap, size_t *resp_len)
{
	struct at *a = k->link;
	uint8_t ch = channel_of(apdu[0]);
	char cmd[128], aid[33];
	iot_err err;

	/* ETSI TS 102 221 11.1.17 MANAGE CHANNEL: open gives a channel of ours */
	if (apdu[1] == 0x70 && apdu[2] == 0x00) {
		for (uint8_t c = 1; c < AT_CHANNELS; c++)
			if (!a->open[c]) {
				a->open[c] = true;
				a->session[c] = 0;
				return status(resp, cap, resp_len, &c, 1, 0x9000);
			}
		return status(resp, cap, resp_len, NULL, 0, 0x6A81);
	}
	if (apdu[1] == 0x70 && apdu[2] == 0x80) {
		ch = apdu[3];
		if (ch >= AT_CHANNELS || !a->open[ch])
			return status(resp, cap, resp_len, NULL, 0, 0x6881);
		if (a->session[ch]) {
			snprintf(cmd, sizeof(cmd), "AT+CCHC=%ld", a->session[ch]);
			(void)at_command(k, cmd, NULL);
		}
		a->open[ch] = false;
		a->session[ch] = 0;
		return status(resp, cap, resp_len, NULL, 0, 0x9000);
	}
	if (!ch)
		return at_apdu(k, "CSIM", 0, apdu, len, resp, cap, resp_len);
	if (ch >= AT_CHANNELS || !a->open[ch])
		return status(resp, cap, resp_len, NULL, 0, 0x6881);
	/* SELECT by AID on a channel the modem has not opened yet: AT+CCHO */
	if (apdu[1] == 0xA4 && apdu[2] == 0x04 && !a->session[ch]) {
		if (len < 5 || apdu[4] > 16 || len < 5u + apdu[4])
			return status(resp, cap, resp_len, NULL, 0, 0x6700);
		hex_encode(apdu + 5, apdu[4], aid);
		snprintf(cmd, sizeof(cmd), "AT+CCHO=\"%s\"", aid);
		if ((err = at_command(k, cmd, "+CCHO:")) != IOT_OK)
			return err == IOT_E_CARD ? status(resp, cap, resp_len, NULL, 0, 0x6A82) : err;
		a->session[ch] = strtol(a->line + 6, NULL, 10);
		if (a->session[ch] <= 0)
			return IOT_E_CARD;
		return status(resp, cap, resp_len, NULL, 0, 0x9000);
	}
	if (!a->session[ch])
		return status(resp, cap, resp_len, NULL, 0, 0x6985);
	return at_apdu(k, "CGLA", a->session[ch], apdu, len, resp, cap, resp_len);
}

static iot_err at_transmit(struct card *k, const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap,
			   size_t *resp_len)
{
	if (len < 4)
		return IOT_E_ARG;
	if (k->cfg.at_logical)
		return at_logical(k, apdu, len, resp, cap, resp_len);
	return at_apdu(k, "CSIM", 0, apdu, len, resp, cap, resp_len);
}

/* A REFRESH takes every channel with it. */
static iot_err at_reset(struct card *k)
{
	struct at *a = k->link;
	char cmd[32];

	for (int c = 1; c < AT_CHANNELS; c++) {
		if (a->session[c]) {
			snprintf(cmd, sizeof(cmd), "AT+CCHC=%ld", a->session[c]);
			(void)at_command(k, cmd, NULL);
		}
		a->open[c] = false;
		a->session[c] = 0;
	}
	return IOT_OK;
}

static void at_close(struct card *k)
{
	struct at *a = k->link;

	(void)at_reset(k);
	close(a->fd);
	free(a);
}

static const struct card_ops at_ops = { at_transmit, at_reset, at_close };

iot_err card_at_open(struct card *k)
{
	struct at *a = calloc(1, sizeof(*a));
	struct termios t;

	if (!a)
		return IOT_E_NOMEM;
	if ((a->fd = open(k->cfg.target, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
		log_warn("card", "the modem's port cannot be opened", "device=%s error=\"%s\"", k->cfg.target,
			 strerror(errno));
		free(a);
		return IOT_E_IO;
	}
	/* raw bytes, 115200 8N1 */
	if (tcgetattr(a->fd, &t) == 0) {
		cfmakeraw(&t);
		cfsetspeed(&t, B115200);
		t.c_cflag |= CLOCAL | CREAD;
		tcsetattr(a->fd, TCSANOW, &t);
	}
	k->link = a;
	k->ops = &at_ops;
	/* no echo, and the modem answers at all */
	if (at_command(k, "ATE0", NULL) != IOT_OK) {
		close(a->fd);
		free(a);
		return IOT_E_IO;
	}
	return IOT_OK;
}
