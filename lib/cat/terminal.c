/* The device's side of BIP: it lends its network to the IPA inside the
 * eUICC (IPAe), as a modem's CAT engine would (ETSI TS 102 223): TERMINAL PROFILE
 * offering BIP, STATUS while idle, and each proactive command the card
 * asks for ('91XX') FETCHed, run and answered with TERMINAL RESPONSE —
 * OPEN CHANNEL (TCP or UDP client), SEND DATA, RECEIVE DATA, CLOSE CHANNEL,
 * POLL INTERVAL — with the data available and channel status events sent
 * by ENVELOPE. No eSIM logic and no keys here: TLS is the card's. */
#include "cat/terminal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "cat/cat.h"

#define RX_CAP (64 * 1024)
#define TX_CAP 1500             /* the buffer size granted to the card */

struct terminal {
	const struct cat_terminal_config *c;
	unsigned status_ms;
	unsigned kbps;                  /* a slow bearer emulated (NB-IoT: tens of kbit/s); 0: as fast as it goes */
	/* channel 1, the only one offered */
	int fd;
	bool udp;
	uint8_t rx[RX_CAP];
	size_t rx_len, rx_pos;
	uint8_t tx[TX_CAP];
	size_t tx_len;
	bool dropped;                   /* told the card the link dropped */
	unsigned pending;               /* APDU link: the length of the command '91XX' announced */
	bool gone;                      /* the card (or the modem) went away */
	unsigned apdus, commands, channels;
	uint64_t sent, received;
	/* the counters when the channel opened: each channel's share is logged */
	unsigned open_apdus;
	uint64_t open_sent, open_received;
};

/* TS 102 223 5.2: the profile — byte 6 b3-b4 data available and channel
 * status events, byte 12 b1-b5 the channel commands, byte 13 GPRS and one
 * channel, byte 17 b1-b2 TCP and UDP in client mode, remote */
static const uint8_t terminal_profile[17] = { 0x01, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x00, 0x00, 0x00,
					      0x00, 0x00, 0x1F, 0x22, 0x00, 0x00, 0x00, 0x03 };

static iot_err apdu(struct terminal *t, const uint8_t *cmd, size_t len, uint8_t *resp, size_t cap, size_t *n,
		    unsigned *sw)
{
	iot_err err = t->c->transmit(t->c->ctx, cmd, len, resp, cap, n);

	t->apdus++;
	if (err != IOT_OK)
		return err;
	if (*n < 2)
		return IOT_E_CARD;
	*sw = (unsigned)resp[*n - 2] << 8 | resp[*n - 1];
	*n -= 2;
	return IOT_OK;
}

/* CLA '80', INS, data; the card's '91XX' kept as the command waiting */
static iot_err toolkit(struct terminal *t, uint8_t ins, const uint8_t *data, size_t len)
{
	uint8_t cmd[5 + 255], resp[258];
	size_t n;
	unsigned sw = 0;
	iot_err err;

	cmd[0] = 0x80;
	cmd[1] = ins;
	cmd[2] = cmd[3] = 0;
	cmd[4] = (uint8_t)len;
	if (len)
		memcpy(cmd + 5, data, len);
	if ((err = apdu(t, cmd, len ? 5 + len : 5, resp, sizeof(resp), &n, &sw)) != IOT_OK) {
		t->gone = true;
		return err;
	}
	t->pending = (sw & 0xFF00) == 0x9100 ? (sw & 0xFF ? sw & 0xFF : 256) : 0;
	if (sw != 0x9000 && !t->pending) {
		log_warn("terminal", "the card refused", "ins=%02X sw=%04X", ins, sw);
		return IOT_E_CARD;
	}
	return IOT_OK;
}

/* The link's four toolkit operations: over APDUs the terminal runs them
 * itself (FETCH when '91XX' says; STATUS while idle); a modem's own CAT
 * engine runs them for it (3GPP TS 27.007 +CUSAT*), through the callbacks. */
static iot_err link_profile(struct terminal *t, const uint8_t *tp, size_t len)
{
	if (t->c->toolkit)
		return t->c->toolkit->profile(t->c->ctx, tp, len);
	return toolkit(t, 0x10, tp, len);
}

static iot_err link_respond(struct terminal *t, const uint8_t *tr, size_t len)
{
	iot_err err = t->c->toolkit ? t->c->toolkit->respond(t->c->ctx, tr, len) : toolkit(t, 0x14, tr, len);

	if (err != IOT_OK && t->c->toolkit)
		t->gone = true;
	return err;
}

static iot_err link_envelope(struct terminal *t, const uint8_t *env, size_t len)
{
	iot_err err = t->c->toolkit ? t->c->toolkit->envelope(t->c->ctx, env, len) : toolkit(t, 0xC2, env, len);

	if (err != IOT_OK && t->c->toolkit)
		t->gone = true;
	return err;
}

/* The next proactive command, if one waits; *len 0 when none. */
static iot_err link_next(struct terminal *t, uint8_t *cmd, size_t cap, size_t *len)
{
	uint8_t fetch[5] = { 0x80, 0x12, 0x00, 0x00, 0x00 }, resp[258];
	size_t n;
	unsigned sw = 0;
	iot_err err;

	*len = 0;
	if (t->c->toolkit) {
		if ((err = t->c->toolkit->command(t->c->ctx, cmd, cap, len)) != IOT_OK)
			t->gone = true;
		return err;
	}
	if (!t->pending)
		return IOT_OK;
	fetch[4] = (uint8_t)t->pending;
	t->pending = 0;
	if ((err = apdu(t, fetch, sizeof(fetch), resp, sizeof(resp), &n, &sw)) != IOT_OK) {
		t->gone = true;
		return err;
	}
	if (sw != 0x9000 || n > cap) {
		log_warn("terminal", "FETCH failed", "sw=%04X", sw);
		return IOT_E_CARD;
	}
	memcpy(cmd, resp, n);
	*len = n;
	return IOT_OK;
}

/* TS 102 221 11.1.2: STATUS while idle, the card's chance to speak (a
 * modem does that itself) */
static iot_err link_idle(struct terminal *t)
{
	static const uint8_t status[5] = { 0x80, 0xF2, 0x00, 0x0C, 0x00 };
	uint8_t resp[258];
	size_t n;
	unsigned sw = 0;

	if (t->c->toolkit)
		return IOT_OK;
	if (apdu(t, status, sizeof(status), resp, sizeof(resp), &n, &sw) != IOT_OK) {
		t->gone = true;
		return IOT_E_IO;
	}
	t->pending = (sw & 0xFF00) == 0x9100 ? (sw & 0xFF ? sw & 0xFF : 256) : 0;
	return IOT_OK;
}

static void respond(struct terminal *t, struct cat_writer *w)
{
	if (cat_writer_err(w) == IOT_OK)
		(void)link_respond(t, w->buf, w->len);
}

static void close_channel(struct terminal *t)
{
	if (t->fd >= 0) {
		log_info("terminal", "channel closed", "sent=%llu received=%llu apdus=%u",
			 (unsigned long long)(t->sent - t->open_sent), (unsigned long long)(t->received - t->open_received),
			 t->apdus - t->open_apdus);
		close(t->fd);
	}
	t->fd = -1;
	t->rx_len = t->rx_pos = t->tx_len = 0;
	t->dropped = false;
}

/* 6.4.27 OPEN CHANNEL: the address and the port the card gives, at once */
static uint8_t open_channel(struct terminal *t, const struct cat_command *c, uint8_t *info)
{
	struct cat_tlv tl, addr;
	struct sockaddr_storage sa = { 0 };
	socklen_t salen;

	*info = 0;
	if (t->fd >= 0) {
		*info = CAT_BIP_NO_CHANNEL;
		return CAT_RESULT_BIP_ERROR;
	}
	if (!cat_find(c->objects, c->len, CAT_TAG_TRANSPORT_LEVEL, &tl) || tl.len != 3 ||
	    !cat_find(c->objects, c->len, CAT_TAG_OTHER_ADDRESS, &addr) || !addr.len)
		return CAT_RESULT_DATA_NOT_UNDERSTOOD;
	if (tl.val[0] != CAT_TRANSPORT_TCP_CLIENT && tl.val[0] != CAT_TRANSPORT_UDP_CLIENT) {
		*info = 0x06;           /* transport level not available */
		return CAT_RESULT_BIP_ERROR;
	}
	if (addr.val[0] == CAT_ADDRESS_IPV4 && addr.len == 5) {
		struct sockaddr_in *in = (struct sockaddr_in *)&sa;

		in->sin_family = AF_INET;
		memcpy(&in->sin_addr, addr.val + 1, 4);
		in->sin_port = htons((uint16_t)(tl.val[1] << 8 | tl.val[2]));
		salen = sizeof(*in);
	} else if (addr.val[0] == CAT_ADDRESS_IPV6 && addr.len == 17) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&sa;

		in6->sin6_family = AF_INET6;
		memcpy(&in6->sin6_addr, addr.val + 1, 16);
		in6->sin6_port = htons((uint16_t)(tl.val[1] << 8 | tl.val[2]));
		salen = sizeof(*in6);
	} else {
		return CAT_RESULT_DATA_NOT_UNDERSTOOD;
	}
	t->udp = tl.val[0] == CAT_TRANSPORT_UDP_CLIENT;
	t->fd = socket(sa.ss_family, (t->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	if (t->fd < 0 || connect(t->fd, (struct sockaddr *)&sa, salen) != 0) {
		log_warn("terminal", "OPEN CHANNEL failed", "error=\"%s\"", strerror(errno));
		close_channel(t);
		*info = 0x07;           /* remote device not reachable */
		return CAT_RESULT_BIP_ERROR;
	}
	t->channels++;
	t->open_apdus = t->apdus ? t->apdus - 1 : 0;    /* the FETCH that brought OPEN CHANNEL counts */
	t->open_sent = t->sent;
	t->open_received = t->received;
	log_info("terminal", "channel open", "transport=%s", t->udp ? "udp" : "tcp");
	return CAT_RESULT_OK;
}

/* the time n bytes take on the emulated bearer */
static void bearer_delay(const struct terminal *t, size_t n)
{
	uint64_t us;
	struct timespec d;

	if (!t->kbps || !n)
		return;
	us = (uint64_t)n * 8000u / t->kbps;
	d.tv_sec = (time_t)(us / 1000000u);
	d.tv_nsec = (long)(us % 1000000u) * 1000L;
	nanosleep(&d, NULL);
}

static bool flush_tx(struct terminal *t)
{
	bearer_delay(t, t->tx_len);
	size_t off = 0;

	if (t->udp) {                   /* one datagram */
		bool ok = send(t->fd, t->tx, t->tx_len, MSG_NOSIGNAL) == (ssize_t)t->tx_len;

		t->sent += t->tx_len;
		t->tx_len = 0;
		return ok;
	}
	while (off < t->tx_len) {
		ssize_t n = send(t->fd, t->tx + off, t->tx_len - off, MSG_NOSIGNAL);

		if (n <= 0)
			return false;
		off += (size_t)n;
	}
	t->sent += t->tx_len;
	t->tx_len = 0;
	return true;
}

static uint8_t space_left(const struct terminal *t)
{
	size_t left = TX_CAP - t->tx_len;

	return left > 255 ? 0xFF : (uint8_t)left;
}

static uint8_t rx_left(const struct terminal *t)
{
	size_t left = t->rx_len - t->rx_pos;

	return left > 255 ? 0xFF : (uint8_t)left;
}

/* One proactive command run and answered. */
static void run_command(struct terminal *t, const uint8_t *cmd, size_t len)
{
	uint8_t buf[CAT_MAX_OBJECT + 3], info = 0;
	struct cat_command c;
	struct cat_writer w;
	struct cat_tlv v;

	cat_writer_init(&w, buf, sizeof(buf));
	if (cat_command_parse(cmd, len, &c) != IOT_OK) {
		log_warn("terminal", "a proactive command that cannot be read", "bytes=%zu", len);
		return;
	}
	t->commands++;
	switch (c.type) {
	case CAT_CMD_OPEN_CHANNEL: {
		uint8_t r = open_channel(t, &c, &info), bearer = 0x03, size[2] = { TX_CAP >> 8, TX_CAP & 0xFF };
		uint8_t status[2] = { (uint8_t)(CAT_CHANNEL_LINK_UP | 1), 0x00 };

		cat_put_response_head(&w, &c, r, info ? &info : NULL, info ? 1 : 0);
		if (r == CAT_RESULT_OK)
			cat_put(&w, CAT_TAG_CHANNEL_STATUS, true, status, 2);
		cat_put(&w, CAT_TAG_BEARER_DESCRIPTION, true, &bearer, 1);
		cat_put(&w, CAT_TAG_BUFFER_SIZE, true, size, 2);
		break;
	}
	case CAT_CMD_SEND_DATA:
		if (t->fd < 0 || c.destination != CAT_DEV_CHANNEL1) {
			info = CAT_BIP_CHANNEL_CLOSED;
			cat_put_response_head(&w, &c, CAT_RESULT_BIP_ERROR, &info, 1);
		} else if (!cat_find(c.objects, c.len, CAT_TAG_CHANNEL_DATA, &v) || v.len > TX_CAP - t->tx_len) {
			cat_put_response_head(&w, &c, CAT_RESULT_DATA_NOT_UNDERSTOOD, NULL, 0);
		} else {
			memcpy(t->tx + t->tx_len, v.val, v.len);
			t->tx_len += v.len;
			/* qualifier b1: send now, else keep in the buffer */
			if ((c.qualifier & 1) && !flush_tx(t)) {
				info = CAT_BIP_CHANNEL_CLOSED;
				cat_put_response_head(&w, &c, CAT_RESULT_BIP_ERROR, &info, 1);
			} else {
				cat_put_response_head(&w, &c, CAT_RESULT_OK, NULL, 0);
				cat_put_byte(&w, CAT_TAG_CHANNEL_DATA_LENGTH, true, space_left(t));
			}
		}
		break;
	case CAT_CMD_RECEIVE_DATA: {
		size_t want, n;

		if (c.destination != CAT_DEV_CHANNEL1 || t->rx_pos == t->rx_len ||
		    !cat_find(c.objects, c.len, CAT_TAG_CHANNEL_DATA_LENGTH, &v) || v.len != 1) {
			info = CAT_BIP_NO_CHANNEL;
			cat_put_response_head(&w, &c, CAT_RESULT_BIP_ERROR, &info, 1);
			break;
		}
		want = v.val[0] ? v.val[0] : 1;
		n = t->rx_len - t->rx_pos;
		n = n < want ? n : want;
		n = n < CAT_MAX_CHANNEL_DATA ? n : CAT_MAX_CHANNEL_DATA;
		cat_put_response_head(&w, &c, CAT_RESULT_OK, NULL, 0);
		cat_put(&w, CAT_TAG_CHANNEL_DATA, true, t->rx + t->rx_pos, n);
		t->rx_pos += n;
		t->received += n;
		if (t->rx_pos == t->rx_len)
			t->rx_pos = t->rx_len = 0;
		cat_put_byte(&w, CAT_TAG_CHANNEL_DATA_LENGTH, true, rx_left(t));
		break;
	}
	case CAT_CMD_CLOSE_CHANNEL:
		close_channel(t);       /* by the card */
		cat_put_response_head(&w, &c, CAT_RESULT_OK, NULL, 0);
		break;
	case CAT_CMD_POLL_INTERVAL:
		/* 8.8 duration: unit (0 minutes, 1 seconds, 2 tenths) and count */
		if (cat_find(c.objects, c.len, CAT_TAG_DURATION, &v) && v.len == 2 && v.val[1] && v.val[0] <= 2) {
			static const unsigned unit_ms[] = { 60000, 1000, 100 };

			t->status_ms = unit_ms[v.val[0]] * v.val[1];
			cat_put_response_head(&w, &c, CAT_RESULT_OK, NULL, 0);
			cat_put(&w, CAT_TAG_DURATION, false, v.val, 2);
		} else {
			cat_put_response_head(&w, &c, CAT_RESULT_DATA_NOT_UNDERSTOOD, NULL, 0);
		}
		break;
	default:
		cat_put_response_head(&w, &c, CAT_RESULT_BEYOND_CAPABILITIES, NULL, 0);
		break;
	}
	respond(t, &w);
}

/* Every proactive command waiting: fetched, run, answered. */
static void proactive(struct terminal *t)
{
	uint8_t cmd[258];
	size_t n;

	while (!t->gone && link_next(t, cmd, sizeof(cmd), &n) == IOT_OK && n)
		run_command(t, cmd, n);
}

/* 7.5.10 / 7.5.11: an event download to the card */
static void event(struct terminal *t, uint8_t what)
{
	uint8_t buf[32], ids[2] = { CAT_DEV_TERMINAL, CAT_DEV_UICC }, status[2] = { CAT_CHANNEL_LINK_UP | 1, 0 };
	struct cat_writer w;

	cat_writer_init(&w, buf, sizeof(buf));
	cat_begin(&w, 0xD6);
	cat_put_byte(&w, CAT_TAG_EVENT_LIST, true, what);
	cat_put(&w, CAT_TAG_DEVICE_IDENTITIES, true, ids, 2);
	if (what == CAT_EVENT_CHANNEL_STATUS) {
		status[0] = 1;          /* channel 1, link not established */
		status[1] = CAT_CHANNEL_LINK_DROPPED;
	}
	cat_put(&w, CAT_TAG_CHANNEL_STATUS, true, status, 2);
	if (what == CAT_EVENT_DATA_AVAILABLE)
		cat_put_byte(&w, CAT_TAG_CHANNEL_DATA_LENGTH, true, rx_left(t));
	cat_end(&w);
	if (link_envelope(t, w.buf, w.len) == IOT_OK)
		proactive(t);
}

/* What came on the channel: kept, and the card told when the buffer was empty. */
static void channel_input(struct terminal *t)
{
	bool was_empty = t->rx_pos == t->rx_len;
	ssize_t n;

	if (t->rx_len == RX_CAP || (t->udp && !was_empty))
		return;                 /* full, or a datagram not yet read whole: the card reads first */
	/* a slow bearer delivers a frame at a time; UDP a datagram at a time,
	 * so the card reads each whole (its length is what the event says) */
	n = recv(t->fd, t->rx + t->rx_len, t->udp ? RX_CAP - t->rx_len : t->kbps ? 512 : RX_CAP - t->rx_len,
		 MSG_DONTWAIT);
	if (n > 0) {
		bearer_delay(t, (size_t)n);
		t->rx_len += (size_t)n;
		if (was_empty)
			event(t, CAT_EVENT_DATA_AVAILABLE);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	/* the peer closed (or the link broke): once the card has read what is left */
	if (!t->dropped && t->rx_pos == t->rx_len) {
		t->dropped = true;
		log_info("terminal", "link dropped", "by=peer");
		event(t, CAT_EVENT_CHANNEL_STATUS);
	}
}

int cat_terminal_run(const struct cat_terminal_config *c, struct cat_terminal_stats *stats)
{
	struct terminal *t = calloc(1, sizeof(*t));
	int rc = 0;

	if (!t)
		return -1;
	t->c = c;
	t->fd = -1;
	t->status_ms = c->status_ms ? c->status_ms : 30000;
	t->kbps = c->kbps;
	if (link_profile(t, terminal_profile, sizeof(terminal_profile)) != IOT_OK) {
		log_error("terminal", "the card refused TERMINAL PROFILE", "link=%s", c->toolkit ? "modem" : "apdu");
		free(t);
		return -1;
	}
	log_info("terminal", "running", "status_ms=%u kbps=%u link=%s", t->status_ms, t->kbps,
		 c->toolkit ? "modem" : "apdu");
	while (!c->stopped(c->ctx)) {
		struct pollfd pfd[2];
		int r;

		proactive(t);
		if (t->gone)
			break;
		/* after the commands: one of them may have opened or closed the channel */
		pfd[0] = (struct pollfd){ t->fd, POLLIN, 0 };
		pfd[1] = (struct pollfd){ c->toolkit ? c->toolkit->fd(c->ctx) : -1, POLLIN, 0 };
		if (t->fd >= 0 && (t->dropped || (t->udp && t->rx_pos != t->rx_len)))
			pfd[0].fd = -1; /* told already, or a datagram still unread: the card first */
		r = poll(pfd, 2, (int)t->status_ms);
		if (r < 0 && errno != EINTR)
			break;
		if (r > 0 && pfd[0].fd >= 0 && pfd[0].revents) {
			channel_input(t);
			continue;
		}
		if (r > 0)
			continue;       /* the modem said something: a command, seen above */
		if (!r && link_idle(t) != IOT_OK)
			break;
	}
	if (t->gone) {
		log_error("terminal", "the card is gone", "apdus=%u", t->apdus);
		rc = -1;
	}
	close_channel(t);
	log_info("terminal", "stopped", "apdus=%u commands=%u channels=%u sent=%llu received=%llu", t->apdus,
		 t->commands, t->channels, (unsigned long long)t->sent, (unsigned long long)t->received);
	if (stats)
		*stats = (struct cat_terminal_stats){ t->apdus, t->commands, t->channels, t->sent, t->received };
	free(t);
	return rc;
}
