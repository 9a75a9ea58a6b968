/* ES10 over APDUs (SGP.22 5.7.1, ETSI TS 102 221): a logical channel to the
 * ISD-R, STORE DATA in blocks of at most 255 bytes, '61xx' answered with GET
 * RESPONSE. */
#include "ipacore/internal.h"

#include <stdlib.h>
#include <string.h>

#include "base/log.h"

/* SGP.22 2.2.3: the ISD-R's AID, unless the eUICC's maker uses its own */
const uint8_t ipa_gsma_isd_r_aid[16] = { 0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
					 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00 };

/* The class byte for the channel (ETSI TS 102 221 10.1.1: channels 1-3 in b1-b2,
 * 4-19 in the further interindustry form). */
static uint8_t cla(const struct ipa *ipa, uint8_t base)
{
	if (ipa->channel < 4)
		return (uint8_t)(base | ipa->channel);
	return (uint8_t)((base & 0x80) | 0x40 | (ipa->channel - 4));
}

/* One APDU; *sw gets SW1SW2, data (up to cap) appended at out + *len. */
static iot_err exchange(struct ipa *ipa, const uint8_t *apdu, size_t n, uint8_t *out, size_t cap, size_t *len,
			unsigned *sw)
{
	uint8_t resp[258];
	size_t rl;
	iot_err err = ipa->p.transmit(ipa->p.ctx, apdu, n, resp, sizeof(resp), &rl);

	if (err != IOT_OK)
		return err;
	if (rl < 2)
		return IOT_E_CARD;
	*sw = (unsigned)resp[rl - 2] << 8 | resp[rl - 1];
	/* ETSI TS 102 221 10.2.1.1: '91XX' is a normal ending, the card's
	 * toolkit has a proactive command waiting (for the terminal, not us) */
	if ((*sw & 0xFF00) == 0x9100)
		*sw = 0x9000;
	if (rl - 2) {
		if (!out || *len + rl - 2 > cap)
			return IOT_E_BUFFER;
		memcpy(out + *len, resp, rl - 2);
		*len += rl - 2;
	}
	return IOT_OK;
}

/* Exchanges apdu and drains '61xx' with GET RESPONSE into out. */
static iot_err command(struct ipa *ipa, const uint8_t *apdu, size_t n, uint8_t *out, size_t cap, size_t *len,
		       unsigned *sw)
{
	iot_err err = exchange(ipa, apdu, n, out, cap, len, sw);

	while (err == IOT_OK && (*sw & 0xFF00) == 0x6100) {
		uint8_t get[5] = { cla(ipa, 0x00), 0xC0, 0x00, 0x00, (uint8_t)(*sw & 0xFF) };

		err = exchange(ipa, get, sizeof(get), out, cap, len, sw);
	}
	return err;
}

/* ETSI TS 102 221 11.1.19: what the terminal supports, before anything else
 * of the session; the eUICC-related capabilities (tag '83') by default. A
 * card that does not know the command is used all the same. */
static iot_err terminal_capability(struct ipa *ipa)
{
	static const uint8_t euicc_related[] = { 0xA9, 0x03, 0x83, 0x01, 0x07 };
	const uint8_t *v = ipa->cfg.terminal_capability ? ipa->cfg.terminal_capability : euicc_related;
	size_t n = ipa->cfg.terminal_capability ? ipa->cfg.terminal_capability_len : sizeof(euicc_related);
	uint8_t apdu[5 + 64], out[4];
	size_t len = 0;
	unsigned sw;
	iot_err err;

	if (n > 64)
		return IOT_E_ARG;
	apdu[0] = 0x80;
	apdu[1] = 0xAA;
	apdu[2] = apdu[3] = 0x00;
	apdu[4] = (uint8_t)n;
	memcpy(apdu + 5, v, n);
	if ((err = exchange(ipa, apdu, 5 + n, out, sizeof(out), &len, &sw)) != IOT_OK)
		return err;
	if (sw != 0x9000)
		log_info("ipa", "TERMINAL CAPABILITY not taken", "sw=%04X", sw);
	return IOT_OK;
}

iot_err ipa_card_open(struct ipa *ipa)
{
	static const uint8_t manage_open[5] = { 0x00, 0x70, 0x00, 0x00, 0x01 };
	uint8_t select[22], ch[4];
	size_t n = ipa->isd_r_aid_len;
	size_t len = 0;
	unsigned sw;
	iot_err err;

	if (ipa->open)
		return IOT_OK;
	if ((err = terminal_capability(ipa)) != IOT_OK)
		return err;
	/* ETSI TS 102 221 11.1.17: the card picks the channel */
	if ((err = exchange(ipa, manage_open, sizeof(manage_open), ch, sizeof(ch), &len, &sw)) != IOT_OK)
		return err;
	if (sw != 0x9000 || len != 1 || !ch[0] || ch[0] > 19)
		return IOT_E_CARD;
	ipa->channel = ch[0];
	select[0] = cla(ipa, 0x00);
	select[1] = 0xA4;
	select[2] = 0x04;
	select[3] = 0x00;
	select[4] = (uint8_t)n;
	memcpy(select + 5, ipa->isd_r_aid, n);
	select[5 + n] = 0x00;
	len = 0;
	if ((err = command(ipa, select, 6 + n, ipa->buf, ipa->cap, &len, &sw)) != IOT_OK)
		return err;
	if (sw != 0x9000) {
		log_warn("ipa", "the ISD-R cannot be selected", "sw=%04X", sw);
		return IOT_E_CARD;
	}
	ipa->open = true;
	return IOT_OK;
}

void ipa_card_close(struct ipa *ipa)
{
	uint8_t close[5] = { 0x00, 0x70, 0x80, 0x00, 0x00 };
	size_t len = 0;
	unsigned sw;

	if (!ipa->open)
		return;
	close[3] = ipa->channel;
	(void)exchange(ipa, close, sizeof(close), NULL, 0, &len, &sw);
	ipa->open = false;
}

static iot_err store_data(struct ipa *ipa, const uint8_t *req, size_t len, const uint8_t **resp, size_t *resp_len,
			  unsigned *first_sw);

iot_err ipa_es10(struct ipa *ipa, const uint8_t *req, size_t len, const uint8_t **resp, size_t *resp_len)
{
	unsigned first_sw = 0;
	iot_err err;

	if (ipa->p.es10) {              /* an IPAe: no APDUs, no channel */
		if ((err = ipa->p.es10(ipa->p.ctx, req, len, ipa->buf, ipa->cap, resp_len)) != IOT_OK)
			return err;
		*resp = ipa->buf;
		return IOT_OK;
	}
	err = store_data(ipa, req, len, resp, resp_len, &first_sw);

	/* ETSI TS 102 221 11.1.17: a card reset (REFRESH after a profile switch)
	 * closed our channel; nothing was executed, so open a new one and resend */
	if (err == IOT_E_CARD && first_sw == 0x6881) {
		log_info("ipa", "the card was reset: reopening the ISD-R channel", "channel=%u", ipa->channel);
		ipa->open = false;
		err = store_data(ipa, req, len, resp, resp_len, &first_sw);
	}
	return err;
}

static iot_err store_data(struct ipa *ipa, const uint8_t *req, size_t len, const uint8_t **resp, size_t *resp_len,
			  unsigned *first_sw)
{
	uint8_t apdu[261];
	size_t off = 0, got = 0;
	unsigned block = 0, sw = 0;
	iot_err err;

	if ((err = ipa_card_open(ipa)) != IOT_OK)
		return err;
	do {
		size_t n = len - off < 255 ? len - off : 255;
		bool last = off + n == len;

		/* SGP.22 5.7.1: P1 '11' more blocks follow, '91' the last; P2 the block number */
		apdu[0] = cla(ipa, 0x80);
		apdu[1] = 0xE2;
		apdu[2] = last ? 0x91 : 0x11;
		apdu[3] = (uint8_t)block++;
		apdu[4] = (uint8_t)n;
		memcpy(apdu + 5, req + off, n);
		apdu[5 + n] = 0x00;
		got = 0;
		if ((err = command(ipa, apdu, 6 + n, ipa->buf, ipa->cap, &got, &sw)) != IOT_OK)
			return err;
		off += n;
		if (block == 1)
			*first_sw = sw;
		if (sw != 0x9000) {
			log_warn("ipa", "STORE DATA refused", "sw=%04X block=%u", sw, block - 1);
			return IOT_E_CARD;
		}
	} while (off < len);
	*resp = ipa->buf;
	*resp_len = got;
	return IOT_OK;
}
