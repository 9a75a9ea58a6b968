/* The Bearer Independent Protocol (ETSI TS 102 223 6.4.27-6.4.30, 7.5) on
 * the card's side: the IPA inside queues one proactive command at a time,
 * the device's terminal learns of it from '91XX', FETCHes it, runs it and
 * answers with TERMINAL RESPONSE; the terminal tells of data that came
 * with an event download ENVELOPE. An APDU that gives the IPA work is
 * answered once the IPA has settled (waits for the terminal again, or is
 * done), so its answer carries the next command at once, as a card whose
 * applet runs inside the APDU would. */
#include "euicc/ipae.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "base/log.h"

enum {
	SW_OK = 0x9000,
	SW_WRONG_LENGTH = 0x6700,
	SW_CONDITIONS_NOT_SATISFIED = 0x6985,
	SW_WRONG_DATA = 0x6A80,
	SW_INCORRECT_P1P2 = 0x6A86,
};

static void deadline_in(struct timespec *ts, unsigned ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Called with mu held by the thread before it waits: nothing for the card
 * side to wait for any more. */
void ipae_settled(struct euicc_ipae *p)
{
	p->busy = false;
	pthread_cond_broadcast(&p->cv);
}

/* The card side, with mu held: the thread was given work; the answer waits
 * until it settles (a dead or stuck thread is not waited for forever). */
static void settle(struct euicc_ipae *p)
{
	struct timespec until;
	unsigned gen = p->generation;

	p->busy = true;
	pthread_cond_broadcast(&p->cv);
	deadline_in(&until, p->cfg.timeout_ms * 2);
	while (p->busy && !p->stop && gen == p->generation)
		if (pthread_cond_timedwait(&p->cv, &p->mu, &until) == ETIMEDOUT)
			break;
}

/* TS 102 223 5.2: what the terminal must offer for the IPA's channel —
 * byte 6 b3-b4 the data available and channel status events, byte 12
 * b1-b4 OPEN/CLOSE CHANNEL, RECEIVE/SEND DATA, byte 17 b1 TCP client */
static bool profile_has_bip(const uint8_t *tp, size_t n)
{
	return n >= 17 && (tp[5] & 0x0C) == 0x0C && (tp[11] & 0x0F) == 0x0F && (tp[16] & 0x01);
}

/* An event download (TS 102 223 7.5): data available, channel status. */
static unsigned envelope(struct euicc_ipae *p, const uint8_t *data, size_t len)
{
	const uint8_t *body;
	size_t blen;
	struct cat_tlv events, t;

	if (!len || data[0] != 0xD6)
		return SW_WRONG_DATA;   /* only event downloads are taken */
	if (cat_unwrap(data, len, 0xD6, &body, &blen) != IOT_OK ||
	    !cat_find(body, blen, CAT_TAG_EVENT_LIST, &events) || events.len != 1)
		return SW_WRONG_DATA;
	/* 7.5.10: data available with the bytes the terminal holds (FF: more than 255) */
	if (events.val[0] == CAT_EVENT_DATA_AVAILABLE) {
		if (!cat_find(body, blen, CAT_TAG_CHANNEL_DATA_LENGTH, &t) || t.len != 1)
			return SW_WRONG_DATA;
		p->rx_avail = t.val[0];
		p->stats.events++;
		settle(p);
		return SW_OK;
	}
	/* 7.5.11: the channel's status; byte 2 '05': the link dropped */
	if (events.val[0] == CAT_EVENT_CHANNEL_STATUS) {
		if (!cat_find(body, blen, CAT_TAG_CHANNEL_STATUS, &t) || t.len != 2)
			return SW_WRONG_DATA;
		if (!(t.val[0] & CAT_CHANNEL_LINK_UP))
			p->link_dropped = true;
		p->stats.events++;
		settle(p);
		return SW_OK;
	}
	return SW_OK;                   /* an event the IPA did not ask for: nothing to do */
}

bool euicc_ipae_apdu(struct euicc *e, const struct euicc_apdu_view *a, uint8_t *resp, size_t *n, unsigned *sw)
{
	struct euicc_ipae *p = e->ipae;

	/* TS 102 221 10.1.2: TERMINAL PROFILE '10', FETCH '12', TERMINAL
	 * RESPONSE '14', ENVELOPE 'C2', all in the proprietary class */
	if (!p || (a->cla & 0xF0) != 0x80 || (a->ins != 0x10 && a->ins != 0x12 && a->ins != 0x14 && a->ins != 0xC2))
		return false;
	*n = 0;
	if (a->p1 || a->p2) {
		*sw = SW_INCORRECT_P1P2;
		return true;
	}
	pthread_mutex_lock(&p->mu);
	switch (a->ins) {
	case 0x10:
		p->terminal_ready = profile_has_bip(a->data, a->lc);
		log_info("ipae", "terminal profile", "bytes=%zu bip=%d", a->lc, p->terminal_ready);
		if (p->terminal_ready && p->active)
			settle(p);      /* a poll may be due: its first command goes in this answer */
		*sw = SW_OK;
		break;
	case 0x12:
		if (p->cmd_state != IPAE_CMD_QUEUED) {
			*sw = SW_CONDITIONS_NOT_SATISFIED;
			break;
		}
		memcpy(resp, p->cmd, p->cmd_len);
		*n = p->cmd_len;
		p->cmd_state = IPAE_CMD_FETCHED;
		p->stats.commands++;
		*sw = SW_OK;
		break;
	case 0x14:
		if (p->cmd_state != IPAE_CMD_FETCHED) {
			*sw = SW_CONDITIONS_NOT_SATISFIED;
			break;
		}
		if (!a->lc || a->lc > sizeof(p->tr)) {
			*sw = SW_WRONG_LENGTH;
			break;
		}
		memcpy(p->tr, a->data, a->lc);
		p->tr_len = a->lc;
		p->tr_ready = true;
		p->cmd_state = IPAE_CMD_NONE;
		settle(p);
		*sw = SW_OK;
		break;
	default:
		*sw = envelope(p, a->data, a->lc);
		break;
	}
	pthread_mutex_unlock(&p->mu);
	return true;
}

size_t euicc_ipae_pending(struct euicc *e)
{
	struct euicc_ipae *p = e->ipae;
	size_t n = 0;

	if (!p)
		return 0;
	pthread_mutex_lock(&p->mu);
	if (p->cmd_state == IPAE_CMD_QUEUED && p->terminal_ready)
		n = p->cmd_len;
	pthread_mutex_unlock(&p->mu);
	return n;
}

void euicc_ipae_reset(struct euicc *e)
{
	struct euicc_ipae *p = e->ipae;

	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->generation++;
	p->terminal_ready = false;
	p->cmd_state = IPAE_CMD_NONE;
	p->tr_ready = false;
	p->channel_open = false;
	p->rx_avail = 0;
	p->link_dropped = false;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* ---- the thread's side ---- */

/* One proactive command out, its TERMINAL RESPONSE's objects into tr. */
static iot_err command(struct euicc_ipae *p, const struct cat_writer *w, uint8_t *tr, size_t *tr_len)
{
	struct timespec until;
	struct cat_tlv res;
	unsigned gen;
	iot_err err = IOT_OK;

	if (cat_writer_err(w) != IOT_OK)
		return IOT_E_BUFFER;
	pthread_mutex_lock(&p->mu);
	gen = p->generation;
	if (!p->terminal_ready || p->stop) {
		pthread_mutex_unlock(&p->mu);
		return IOT_E_IO;
	}
	memcpy(p->cmd, w->buf, w->len);
	p->cmd_len = w->len;
	p->cmd_state = IPAE_CMD_QUEUED;
	p->tr_ready = false;
	deadline_in(&until, p->cfg.timeout_ms);
	while (!p->tr_ready && gen == p->generation && !p->stop) {
		ipae_settled(p);
		if (pthread_cond_timedwait(&p->cv, &p->mu, &until) == ETIMEDOUT)
			break;
	}
	p->busy = true;
	if (!p->tr_ready || gen != p->generation) {
		if (gen == p->generation)
			p->cmd_state = IPAE_CMD_NONE;   /* withdrawn: the terminal never answered */
		err = IOT_E_IO;
	} else {
		memcpy(tr, p->tr, p->tr_len);
		*tr_len = p->tr_len;
		p->tr_ready = false;
	}
	pthread_mutex_unlock(&p->mu);
	if (err != IOT_OK) {
		log_warn("ipae", "the terminal did not answer", "command=%02X", w->len > 5 ? w->buf[5] : 0);
		return err;
	}
	/* TS 102 223 8.12: results '0X' are successes */
	if (!cat_find(tr, *tr_len, CAT_TAG_RESULT, &res) || !res.len || res.val[0] >= 0x10) {
		log_warn("ipae", "the terminal refused", "result=%02X info=%02X", res.len ? res.val[0] : 0xFF,
			 res.len > 1 ? res.val[1] : 0);
		return IOT_E_IO;
	}
	return IOT_OK;
}

static uint8_t next_number(struct euicc_ipae *p)
{
	/* TS 102 223 8.6: command numbers '01' to 'FE' */
	p->number = p->number >= 0xFE ? 1 : p->number + 1;
	return p->number;
}

iot_err ipae_bip_open(struct euicc_ipae *p, const char *address, uint16_t port, bool udp)
{
	uint8_t buf[CAT_MAX_OBJECT + 3], tr[sizeof(p->tr)], addr[17];
	uint8_t bearer = 0x03, bufsize[2] = { 0x05, 0xDC }; /* default bearer; 1500 bytes */
	uint8_t transport[3] = { udp ? CAT_TRANSPORT_UDP_CLIENT : CAT_TRANSPORT_TCP_CLIENT, (uint8_t)(port >> 8),
				 (uint8_t)port };
	size_t alen, tr_len = 0;
	struct cat_writer w;
	struct cat_tlv st, size;
	iot_err err;

	/* 8.58 other address: IPv4 '21' or IPv6 '57', then the address */
	if (inet_pton(AF_INET, address, addr + 1) == 1) {
		addr[0] = CAT_ADDRESS_IPV4;
		alen = 5;
	} else if (inet_pton(AF_INET6, address, addr + 1) == 1) {
		addr[0] = CAT_ADDRESS_IPV6;
		alen = 17;
	} else {
		return IOT_E_ARG;
	}
	/* 6.6.27: OPEN CHANNEL, qualifier b1: immediate link establishment */
	cat_writer_init(&w, buf, sizeof(buf));
	cat_begin(&w, 0xD0);
	cat_put_command_head(&w, next_number(p), CAT_CMD_OPEN_CHANNEL, 0x01, CAT_DEV_TERMINAL);
	cat_put(&w, CAT_TAG_BEARER_DESCRIPTION, true, &bearer, 1);
	cat_put(&w, CAT_TAG_BUFFER_SIZE, true, bufsize, 2);
	cat_put(&w, CAT_TAG_TRANSPORT_LEVEL, true, transport, 3);
	cat_put(&w, CAT_TAG_OTHER_ADDRESS, true, addr, alen);
	cat_end(&w);
	if ((err = command(p, &w, tr, &tr_len)) != IOT_OK)
		return err;
	/* 8.56: channel status, b1-b3 the channel, b8 the link up */
	if (!cat_find(tr, tr_len, CAT_TAG_CHANNEL_STATUS, &st) || st.len != 2 || !(st.val[0] & 0x07) ||
	    !(st.val[0] & CAT_CHANNEL_LINK_UP))
		return IOT_E_IO;
	pthread_mutex_lock(&p->mu);
	p->channel_open = true;
	p->channel = st.val[0] & 0x07;
	p->rx_avail = 0;
	p->link_dropped = false;
	p->stats.channels++;
	pthread_mutex_unlock(&p->mu);
	/* 8.55: the buffer size the terminal granted (it may give less) */
	p->tx_buffer = 1500;
	p->tx_stored = 0;
	if (cat_find(tr, tr_len, CAT_TAG_BUFFER_SIZE, &size) && size.len == 2)
		p->tx_buffer = (size_t)(size.val[0] << 8 | size.val[1]);
	if (p->tx_buffer < CAT_MAX_CHANNEL_DATA)
		return IOT_E_IO;        /* the channel is closed by the caller */
	return IOT_OK;
}

iot_err ipae_bip_send(struct euicc_ipae *p, const uint8_t *data, size_t len)
{
	uint8_t buf[CAT_MAX_OBJECT + 3], tr[sizeof(p->tr)];
	size_t off = 0, tr_len;
	struct cat_writer w;
	iot_err err;

	while (off < len) {
		size_t n = len - off < CAT_MAX_CHANNEL_DATA ? len - off : CAT_MAX_CHANNEL_DATA;
		/* sent now at the end, or before the terminal's buffer (the size
		 * it granted at OPEN CHANNEL) would overflow with the next piece */
		size_t next = len - off - n < CAT_MAX_CHANNEL_DATA ? len - off - n : CAT_MAX_CHANNEL_DATA;
		bool last = off + n == len || p->tx_stored + n + next > p->tx_buffer;

		/* 6.6.30: SEND DATA to the channel, qualifier b1: send now (the
		 * last piece), else store in the terminal's buffer */
		cat_writer_init(&w, buf, sizeof(buf));
		cat_begin(&w, 0xD0);
		cat_put_command_head(&w, next_number(p), CAT_CMD_SEND_DATA, last ? 0x01 : 0x00,
				     (uint8_t)(0x20 | p->channel));
		cat_put(&w, CAT_TAG_CHANNEL_DATA, true, data + off, n);
		cat_end(&w);
		if ((err = command(p, &w, tr, &tr_len)) != IOT_OK)
			return err;
		p->tx_stored = last ? 0 : p->tx_stored + n;
		off += n;
	}
	pthread_mutex_lock(&p->mu);
	p->stats.sent += len;
	pthread_mutex_unlock(&p->mu);
	return IOT_OK;
}

iot_err ipae_bip_recv(struct euicc_ipae *p, uint8_t *out, size_t cap, size_t *n)
{
	uint8_t buf[CAT_MAX_OBJECT + 3], tr[sizeof(p->tr)], want;
	size_t tr_len = 0;
	struct timespec until;
	struct cat_writer w;
	struct cat_tlv data, left;
	unsigned gen;
	iot_err err;

	*n = 0;
	pthread_mutex_lock(&p->mu);
	gen = p->generation;
	deadline_in(&until, p->cfg.timeout_ms);
	while (!p->rx_avail && !p->link_dropped && gen == p->generation && !p->stop) {
		ipae_settled(p);
		if (pthread_cond_timedwait(&p->cv, &p->mu, &until) == ETIMEDOUT)
			break;
	}
	p->busy = true;
	if (!p->rx_avail) {
		bool closed = p->link_dropped && gen == p->generation;

		pthread_mutex_unlock(&p->mu);
		return closed ? IOT_OK : IOT_E_IO;      /* the peer closed: *n 0 */
	}
	want = (uint8_t)(p->rx_avail < cap ? p->rx_avail : cap);
	if (want > CAT_MAX_CHANNEL_DATA)
		want = CAT_MAX_CHANNEL_DATA;
	pthread_mutex_unlock(&p->mu);
	/* 6.6.29: RECEIVE DATA, as many bytes as one answer carries */
	cat_writer_init(&w, buf, sizeof(buf));
	cat_begin(&w, 0xD0);
	cat_put_command_head(&w, next_number(p), CAT_CMD_RECEIVE_DATA, 0x00, (uint8_t)(0x20 | p->channel));
	cat_put_byte(&w, CAT_TAG_CHANNEL_DATA_LENGTH, true, want);
	cat_end(&w);
	if ((err = command(p, &w, tr, &tr_len)) != IOT_OK)
		return err;
	if (!cat_find(tr, tr_len, CAT_TAG_CHANNEL_DATA, &data) || !data.len || data.len > want ||
	    !cat_find(tr, tr_len, CAT_TAG_CHANNEL_DATA_LENGTH, &left) || left.len != 1)
		return IOT_E_IO;
	memcpy(out, data.val, data.len);
	*n = data.len;
	pthread_mutex_lock(&p->mu);
	p->rx_avail = left.val[0];      /* what the terminal still holds ('FF': more than 255) */
	p->stats.received += data.len;
	pthread_mutex_unlock(&p->mu);
	return IOT_OK;
}

iot_err ipae_bip_recv_datagram(struct euicc_ipae *p, uint8_t *out, size_t cap, size_t *n)
{
	size_t got = 0, k;
	bool more;
	iot_err err;

	/* the first piece waits for the data available event; the rest of
	 * the datagram is what the terminal says it still holds */
	do {
		if (got == cap)
			return IOT_E_BUFFER;
		if ((err = ipae_bip_recv(p, out + got, cap - got, &k)) != IOT_OK)
			return err;
		if (!k)
			return got ? IOT_OK : IOT_E_IO;
		got += k;
		pthread_mutex_lock(&p->mu);
		more = p->rx_avail != 0;
		pthread_mutex_unlock(&p->mu);
	} while (more);
	*n = got;
	return IOT_OK;
}

void ipae_bip_close(struct euicc_ipae *p)
{
	uint8_t buf[32], tr[sizeof(p->tr)];
	size_t tr_len;
	struct cat_writer w;

	if (!p->channel_open)
		return;
	/* 6.6.28: CLOSE CHANNEL */
	cat_writer_init(&w, buf, sizeof(buf));
	cat_begin(&w, 0xD0);
	cat_put_command_head(&w, next_number(p), CAT_CMD_CLOSE_CHANNEL, 0x00, (uint8_t)(0x20 | p->channel));
	cat_end(&w);
	(void)command(p, &w, tr, &tr_len);
	pthread_mutex_lock(&p->mu);
	p->channel_open = false;
	p->rx_avail = 0;
	pthread_mutex_unlock(&p->mu);
}
