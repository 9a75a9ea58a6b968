/* The card interface: ISO/IEC 7816-4 APDUs as a GlobalPlatform eUICC takes
 * them (SGP.22 5.7.2: ES10 over STORE DATA to the ISD-R). */
#include "euicc/es10.h"

#include <string.h>

#include "base/log.h"

/* SGP.02/SGP.22: the ISD-R application identifier */
static const uint8_t isdr_aid[] = { 0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
				    0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00 };

/* TS 102 221: T=0 and T=1 offered (TD1 = '80' T=0, TD2 = '31' T=1, IFSC 254) */
static const uint8_t atr[] = { 0x3B, 0x9F, 0x96, 0x80, 0x1F, 0xC7, 0x80, 0x31, 0xE0, 0x73, 0xFE,
			       0x21, 0x1B, 0x63, 0x3A, 0x20, 0x4E, 0x83, 0x00, 0x90, 0x00, 0x31 };

enum {
	SW_OK = 0x9000,
	SW_WRONG_LENGTH = 0x6700,
	SW_MEMORY_PROBLEM = 0x6581,
	SW_CHANNEL_NOT_SUPPORTED = 0x6881,
	SW_SECURE_MESSAGING_NOT_SUPPORTED = 0x6882,
	SW_CONDITIONS_NOT_SATISFIED = 0x6985,
	SW_WRONG_DATA = 0x6A80,
	SW_FUNCTION_NOT_SUPPORTED = 0x6A81,
	SW_FILE_NOT_FOUND = 0x6A82,
	SW_NOT_ENOUGH_MEMORY = 0x6A84,
	SW_INCORRECT_P1P2 = 0x6A86,
	SW_WRONG_LE = 0x6C00,
	SW_INS_NOT_SUPPORTED = 0x6D00,
	SW_CLA_NOT_SUPPORTED = 0x6E00,
	SW_UNKNOWN = 0x6F00,
};

const uint8_t *euicc_atr(size_t *len)
{
	*len = sizeof(atr);
	return atr;
}

struct apdu {
	uint8_t cla, ins, p1, p2;
	const uint8_t *data;
	size_t lc;
	bool has_le;
	size_t le;              /* 1..256 */
};

/* ISO/IEC 7816-3 12.1: the four short cases */
static bool parse_apdu(const uint8_t *b, size_t n, struct apdu *a)
{
	if (n < 4)
		return false;
	memset(a, 0, sizeof(*a));
	a->cla = b[0];
	a->ins = b[1];
	a->p1 = b[2];
	a->p2 = b[3];
	if (n == 4)
		return true;                            /* case 1 */
	if (n == 5) {                                   /* case 2 */
		a->has_le = true;
		a->le = b[4] ? b[4] : 256;
		return true;
	}
	if (b[4] == 0)
		return false;                           /* extended length: not offered */
	a->lc = b[4];
	a->data = b + 5;
	if (n == 5 + a->lc)
		return true;                            /* case 3 */
	if (n == 6 + a->lc) {                           /* case 4 */
		a->has_le = true;
		a->le = b[n - 1] ? b[n - 1] : 256;
		return true;
	}
	return false;
}

/* ISO/IEC 7816-4 5.1.1: channels 0-3 in b1-b2 of a first interindustry CLA,
 * 4-19 in b1-b4 of a further one; b8 set for proprietary (GlobalPlatform) */
static int channel_of(uint8_t cla)
{
	if ((cla & 0x40) == 0)
		return cla & 0x03;
	return 4 + (cla & 0x0F);
}

static size_t put_sw(uint8_t *resp, size_t at, unsigned sw)
{
	resp[at] = (uint8_t)(sw >> 8);
	resp[at + 1] = (uint8_t)sw;
	return at + 2;
}

/* Sends what is pending on ch: up to le bytes, '61xx' while more remain. */
static size_t send_out(struct euicc_channel *ch, size_t le, uint8_t *resp)
{
	size_t left = ch->out.len - ch->out_pos, n = left < le ? left : le;

	memcpy(resp, ch->out.buf + ch->out_pos, n);
	ch->out_pos += n;
	left -= n;
	if (!left) {
		ch->out.len = ch->out_pos = 0;
		return put_sw(resp, n, SW_OK);
	}
	/* ISO/IEC 7816-4 5.6: '61xx', xx the bytes still available (00: 256 or more) */
	return put_sw(resp, n, 0x6100 | (left > 255 ? 0 : (unsigned)left));
}

static void channel_reset(struct euicc_channel *ch, bool open)
{
	der_writer_free(&ch->in);
	der_writer_free(&ch->out);
	memset(ch, 0, sizeof(*ch));
	ch->open = open;
	der_writer_dynamic(&ch->in);
	der_writer_dynamic(&ch->out);
	uicc_cursor_reset(&ch->cursor);
}

void euicc_reset(struct euicc *e)
{
	int i;

	euicc_ipae_reset(e);            /* the terminal's channels are gone too */
	pthread_mutex_lock(&e->lock);
	/* power loss ends a download session: nothing of it was kept, and an
	 * interrupted BPP is reported */
	euicc_session_end(e);
	e->has_challenge = false;
	e->terminal_capability_len = 0;
	(void)euicc_report_interruption(e);
	/* after a reset only the basic channel is open, nothing selected, no
	 * PIN verified */
	for (i = 0; i < EUICC_CHANNELS; i++)
		channel_reset(&e->ch[i], i == 0);
	uicc_fs_reset_security(&e->fs);
	pthread_mutex_unlock(&e->lock);
}

static unsigned do_select(struct euicc *e, struct euicc_channel *ch, const struct apdu *a)
{
	size_t mark;

	/* by DF name (P1 '04'), first or only occurrence, FCI or no data */
	if (a->p1 != 0x04 || (a->p2 & 0xF3) != 0x00)
		return SW_INCORRECT_P1P2;
	if (!a->lc)
		return SW_WRONG_LENGTH;
	if (a->lc != sizeof(isdr_aid) || memcmp(a->data, isdr_aid, sizeof(isdr_aid)) != 0) {
		ch->selected = false;
		return SW_FILE_NOT_FOUND;
	}
	ch->selected = true;
	ch->next_block = 0;
	ch->in.len = 0;
	ch->out.len = ch->out_pos = 0;
	/* ISO/IEC 7816-4 7.1.1: P2 b4-b3 '11' asks for no response data */
	if ((a->p2 & 0x0C) == 0x0C)
		return SW_OK;
	/* FCI: '6F' { '84' AID, 'A5' { '9F65' max length of data in STORE DATA } } */
	mark = der_begin(&ch->out, 0x6F);
	der_put_tlv(&ch->out, 0x84, isdr_aid, sizeof(isdr_aid));
	{
		size_t prop = der_begin(&ch->out, 0xA5);
		static const uint8_t max_len[] = { 0xFF };

		uint8_t iccid[10];
		size_t iot;

		der_put_tlv(&ch->out, 0x9F65, max_len, sizeof(max_len));
		/* SGP.32 ISDRProprietaryApplicationTemplateIoT: ipaeSupported(0), enabledProfile(1) */
		iot = der_begin(&ch->out, 0xE1);
		der_put_bits(&ch->out, 0x03, (e->ipae ? 1u : 0) | (euicc_enabled_iccid(e, iccid) ? 2u : 0));
		der_end(&ch->out, iot);
		der_end(&ch->out, prop);
	}
	der_end(&ch->out, mark);
	return der_writer_err(&ch->out) ? SW_UNKNOWN : SW_OK;
}

/* A file-system command on the enabled profile's UICC (TS 102 221 11.1). */
static unsigned file_command(struct euicc *e, struct euicc_channel *ch, const struct apdu *a)
{
	struct uicc_fs *fs = euicc_fs(e);
	unsigned sw;

	if (!fs)
		return SW_UNKNOWN;
	ch->out.len = ch->out_pos = 0;
	sw = uicc_fs_command(fs, &ch->cursor, a->ins, a->p1, a->p2, a->data, a->lc, a->has_le ? a->le : 0, &ch->out);
	if (a->ins == 0xA4 && sw == SW_OK)
		ch->selected = false;           /* a file selected: the ISD-R no longer is */
	if (der_writer_err(&ch->out) != IOT_OK) {
		ch->out.len = 0;
		return SW_UNKNOWN;
	}
	if (sw != SW_OK)
		ch->out.len = 0;
	/* an update is kept across power cuts before it is confirmed */
	if (sw == SW_OK && (a->ins == 0xD6 || a->ins == 0xDC) && euicc_fs_keep(e, ch->cursor.ef) != IOT_OK)
		return SW_MEMORY_PROBLEM;
	return sw;
}

static unsigned do_store_data(struct euicc *e, struct euicc_channel *ch, const struct apdu *a)
{
	bool last;
	iot_err err;

	if (!ch->selected)
		return SW_CONDITIONS_NOT_SATISFIED;
	/* GP 11.11.2.1: P1 b8 last block, b5-b4 '10' BER-TLV data, b1 set (SGP.22 5.7.2) */
	if ((a->p1 & 0x7F) != 0x11)
		return SW_INCORRECT_P1P2;
	/* GP 11.11.2.2: block numbers from '00', in sequence */
	if (a->p2 != ch->next_block) {
		ch->in.len = 0;
		ch->next_block = 0;
		return SW_INCORRECT_P1P2;
	}
	if (!a->lc)
		return SW_WRONG_LENGTH;
	if (ch->in.len + a->lc > EUICC_MAX_REQUEST) {
		ch->in.len = 0;
		ch->next_block = 0;
		return SW_NOT_ENOUGH_MEMORY;
	}
	der_put_raw(&ch->in, a->data, a->lc);
	if (der_writer_err(&ch->in) != IOT_OK) {
		channel_reset(ch, true);
		ch->selected = true;
		return SW_NOT_ENOUGH_MEMORY;
	}
	last = a->p1 & 0x80;
	ch->next_block++;
	if (!last)
		return SW_OK;
	ch->next_block = 0;
	ch->out.len = ch->out_pos = 0;
	err = euicc_es10(e, ch->in.buf, ch->in.len, &ch->out);
	ch->in.len = 0;
	if (err != IOT_OK) {
		ch->out.len = 0;
		/* a request the ISD-R cannot parse at all */
		return err == IOT_E_NOMEM || err == IOT_E_IO ? SW_UNKNOWN : SW_WRONG_DATA;
	}
	return SW_OK;
}

static unsigned do_manage_channel(struct euicc *e, const struct apdu *a, uint8_t *resp, size_t *n)
{
	int i;

	if (channel_of(a->cla) != 0 && a->p1 == 0x00)
		return SW_INCORRECT_P1P2;       /* simplification: open from the basic channel */
	if (a->p1 == 0x00) {                    /* open */
		if (a->p2 != 0x00 && a->p2 >= EUICC_CHANNELS)
			return SW_CHANNEL_NOT_SUPPORTED;
		if (a->p2) {
			if (e->ch[a->p2].open)
				return SW_INCORRECT_P1P2;
			channel_reset(&e->ch[a->p2], true);
			return SW_OK;
		}
		for (i = 1; i < EUICC_CHANNELS; i++) {
			if (e->ch[i].open)
				continue;
			channel_reset(&e->ch[i], true);
			resp[0] = (uint8_t)i;
			*n = 1;
			return SW_OK;
		}
		return SW_CHANNEL_NOT_SUPPORTED;
	}
	if (a->p1 == 0x80) {                    /* close */
		if (a->p2 == 0 || a->p2 >= EUICC_CHANNELS || !e->ch[a->p2].open)
			return SW_INCORRECT_P1P2;
		channel_reset(&e->ch[a->p2], false);
		return SW_OK;
	}
	return SW_INCORRECT_P1P2;
}

static iot_err transmit_locked(struct euicc *e, const struct apdu *a, uint8_t *resp, size_t *resp_len);

iot_err euicc_transmit(struct euicc *e, const uint8_t *apdu, size_t len,
		       uint8_t *resp, size_t cap, size_t *resp_len)
{
	struct apdu a;
	size_t n = 0, pending;
	unsigned sw;
	iot_err err;

	if (cap < 258)
		return IOT_E_BUFFER;
	if (!parse_apdu(apdu, len, &a)) {
		*resp_len = put_sw(resp, 0, SW_WRONG_LENGTH);
		return IOT_OK;
	}
	/* the toolkit's instructions (ETSI TS 102 221 10.1.2) go to the IPA
	 * inside, without the card's lock: it may wait for that IPA, which
	 * takes the lock for its own ES10 calls */
	{
		struct euicc_apdu_view v = { a.cla, a.ins, a.p1, a.p2, a.data, a.lc, a.le, a.has_le };

		if (euicc_ipae_apdu(e, &v, resp, &n, &sw)) {
			*resp_len = put_sw(resp, n, sw);
			err = IOT_OK;
			goto toolkit;
		}
	}
	pthread_mutex_lock(&e->lock);
	err = transmit_locked(e, &a, resp, resp_len);
	pthread_mutex_unlock(&e->lock);
toolkit:
	/* TS 102 221 7.4.2.2: '91XX' instead of '9000' while a proactive
	 * command waits for FETCH */
	if (err == IOT_OK && *resp_len >= 2 && resp[*resp_len - 2] == 0x90 && resp[*resp_len - 1] == 0x00 &&
	    (pending = euicc_ipae_pending(e)) != 0) {
		resp[*resp_len - 2] = 0x91;
		resp[*resp_len - 1] = (uint8_t)pending;
	}
	return err;
}

static iot_err transmit_locked(struct euicc *e, const struct apdu *ap, uint8_t *resp, size_t *resp_len)
{
	struct euicc_channel *ch;
	struct apdu a = *ap;
	unsigned sw;
	size_t n = 0;
	int chan;

	if (a.cla == 0xFF) {
		*resp_len = put_sw(resp, 0, SW_CLA_NOT_SUPPORTED);
		return IOT_OK;
	}
	/* secure messaging bits are not offered on the ISD-R */
	if ((a.cla & 0x40) == 0 && (a.cla & 0x0C)) {
		*resp_len = put_sw(resp, 0, SW_SECURE_MESSAGING_NOT_SUPPORTED);
		return IOT_OK;
	}
	chan = channel_of(a.cla);
	if (chan >= EUICC_CHANNELS || !e->ch[chan].open) {
		*resp_len = put_sw(resp, 0, SW_CHANNEL_NOT_SUPPORTED);
		return IOT_OK;
	}
	ch = &e->ch[chan];
	/* a pending response is only fetched by GET RESPONSE */
	if (a.ins != 0xC0 && ch->out.len) {
		ch->out.len = ch->out_pos = 0;
	}
	switch (a.ins) {
	case 0xA4:                              /* SELECT: the ISD-R, or a file */
		if (a.cla & 0x80)
			sw = SW_CLA_NOT_SUPPORTED;
		else if (a.p1 == 0x04 && a.lc == sizeof(isdr_aid) && !memcmp(a.data, isdr_aid, sizeof(isdr_aid)))
			sw = do_select(e, ch, &a);
		else
			sw = file_command(e, ch, &a);
		break;
	case 0xF2:                              /* STATUS (TS 102 221 11.1.2) */
		sw = (a.cla & 0x80) ? file_command(e, ch, &a) : SW_CLA_NOT_SUPPORTED;
		break;
	case 0xB0:                              /* READ BINARY, UPDATE BINARY */
	case 0xD6:
	case 0xB2:                              /* READ RECORD, UPDATE RECORD */
	case 0xDC:
	case 0x20:                              /* VERIFY PIN */
		sw = (a.cla & 0x80) ? SW_CLA_NOT_SUPPORTED : file_command(e, ch, &a);
		break;
	case 0x70:                              /* MANAGE CHANNEL */
		sw = (a.cla & 0x80) ? SW_CLA_NOT_SUPPORTED : do_manage_channel(e, &a, resp, &n);
		break;
	case 0xAA:                              /* TERMINAL CAPABILITY (TS 102 221 11.1.19) */
		sw = (a.cla & 0x80) ? (a.p1 || a.p2 ? SW_INCORRECT_P1P2 : SW_OK) : SW_CLA_NOT_SUPPORTED;
		if (sw == SW_OK) {              /* kept: what the device supports */
			e->terminal_capability_len = a.lc < sizeof(e->terminal_capability) ? a.lc
											  : sizeof(e->terminal_capability);
			if (e->terminal_capability_len)         /* no data (Lc absent): a.data is NULL */
				memcpy(e->terminal_capability, a.data, e->terminal_capability_len);
			log_info("euicc", "terminal capability", "bytes=%zu", e->terminal_capability_len);
		}
		break;
	case 0xE2:                              /* STORE DATA (GP 11.11) */
		sw = (a.cla & 0x80) ? do_store_data(e, ch, &a) : SW_CLA_NOT_SUPPORTED;
		break;
	case 0xC0:                              /* GET RESPONSE */
		/* ISO/IEC 7816-4 7.6.1 in either class: GlobalPlatform cards take the
		 * proprietary one too ('8X' with the channel), which lpac sends */
		if (a.p1 || a.p2)
			sw = SW_INCORRECT_P1P2;
		else if (!ch->out.len)
			sw = SW_CONDITIONS_NOT_SATISFIED;
		else {
			*resp_len = send_out(ch, a.has_le ? a.le : 256, resp);
			return IOT_OK;
		}
		break;
	default:
		sw = SW_INS_NOT_SUPPORTED;
		break;
	}
	if (sw == SW_OK && ch->out.len) {
		/* ISO/IEC 7816-4 5.3.4: without Le the data waits for GET
		 * RESPONSE ('61xx'); with Le, as much as Le allows, then '61xx' */
		if (!a.has_le) {
			size_t left = ch->out.len;

			*resp_len = put_sw(resp, 0, 0x6100 | (left > 255 ? 0 : (unsigned)left));
			return IOT_OK;
		}
		*resp_len = send_out(ch, a.le, resp);
		return IOT_OK;
	}
	*resp_len = put_sw(resp, n, sw);
	return IOT_OK;
}

const uint8_t *euicc_terminal_capability(const struct euicc *e, size_t *len)
{
	*len = e->terminal_capability_len;
	return e->terminal_capability;
}
