/* libipa: creation, activation codes. */
#include "ipacore/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

iot_err ipa_new(const struct ipa_platform *p, const struct ipa_config *c, struct ipa **out)
{
	struct ipa *ipa;

	if (!p->transmit && !p->es10)
		return IOT_E_ARG;
	if (!(ipa = calloc(1, sizeof(*ipa))))
		return IOT_E_NOMEM;
	ipa->p = *p;
	if (c)
		ipa->cfg = *c;
	ipa->cap = ipa->cfg.buffer_size ? ipa->cfg.buffer_size : 16 * 1024;
	ipa->msg_cap = ipa->cfg.message_size ? ipa->cfg.message_size : 8 * 1024;
	if (!ipa->cfg.arena_size)
		ipa->cfg.arena_size = 16 * 1024;
	if (!(ipa->buf = malloc(ipa->cap)) || !(ipa->msg = malloc(ipa->msg_cap)) ||
	    !(ipa->arena_buf = malloc(ipa->cfg.arena_size))) {
		ipa_free(ipa);
		return IOT_E_NOMEM;
	}
	ipa_arena_reset(ipa);
	if (ipa->cfg.tac)
		memcpy(ipa->tac, ipa->cfg.tac, sizeof(ipa->tac));
	if ((ipa->has_imei = ipa->cfg.imei != NULL))
		memcpy(ipa->imei, ipa->cfg.imei, sizeof(ipa->imei));
	ipa->isd_r_aid_len = sizeof(ipa_gsma_isd_r_aid);
	memcpy(ipa->isd_r_aid, ipa_gsma_isd_r_aid, sizeof(ipa_gsma_isd_r_aid));
	if (ipa->cfg.isd_r_aid) {
		/* ISO/IEC 7816-4: an AID is 5 to 16 bytes */
		if (ipa->cfg.isd_r_aid_len < 5 || ipa->cfg.isd_r_aid_len > 16) {
			ipa_free(ipa);
			return IOT_E_ARG;
		}
		ipa->isd_r_aid_len = ipa->cfg.isd_r_aid_len;
		memcpy(ipa->isd_r_aid, ipa->cfg.isd_r_aid, ipa->isd_r_aid_len);
	}
	/* the back-off's jitter: distinct per device and per start */
	ipa->jitter_state = 0x9E3779B97F4A7C15ull ^ (uint64_t)(uintptr_t)ipa ^
			    (p->now_ms ? p->now_ms(p->ctx) * 0x100000001B3ull : 0);
	*out = ipa;
	return IOT_OK;
}

void ipa_device_info(const struct ipa *ipa, struct rsp_device_info *out)
{
	memset(out, 0, sizeof(*out));
	out->tac = RSP_BYTES(ipa->tac, sizeof(ipa->tac));
	if (ipa->cfg.capabilities)
		out->device_capabilities = *ipa->cfg.capabilities;
	out->has_imei = ipa->has_imei;
	out->imei = RSP_BYTES(ipa->imei, sizeof(ipa->imei));
}

void ipa_notify_state_change(struct ipa *ipa, int cause)
{
	ipa->state_changed = true;
	ipa->change_cause = cause;
	ipa_poll_now(ipa);
}

bool ipa_state_change_pending(const struct ipa *ipa, int *cause)
{
	*cause = ipa->change_cause;
	return ipa->state_changed;
}

void ipa_set_rplmn(struct ipa *ipa, const uint8_t *plmn)
{
	if ((ipa->has_rplmn = plmn != NULL))
		memcpy(ipa->rplmn, plmn, sizeof(ipa->rplmn));
}

iot_err ipa_switch_profile(struct ipa *ipa, enum ipa_switch what, int *result)
{
	static const struct {
		const struct rsp_type *q, *r;
		int cause;
	} fn[] = {
		[IPA_EXECUTE_FALLBACK] = { &rsp_t_execute_fallback_mechanism_request,
					   &rsp_t_execute_fallback_mechanism_response, IPA_CHANGE_FALLBACK },
		[IPA_RETURN_FROM_FALLBACK] = { &rsp_t_return_from_fallback_request, &rsp_t_return_from_fallback_response,
					       IPA_CHANGE_FALLBACK },
		[IPA_ENABLE_EMERGENCY] = { &rsp_t_enable_emergency_profile_request,
					   &rsp_t_enable_emergency_profile_response, IPA_CHANGE_EMERGENCY_PROFILE },
		[IPA_DISABLE_EMERGENCY] = { &rsp_t_disable_emergency_profile_request,
					    &rsp_t_disable_emergency_profile_response, IPA_CHANGE_EMERGENCY_PROFILE },
	};
	/* the card is reset below, by the platform */
	struct rsp_refresh_flag q = { .refresh_flag = true };
	struct rsp_result r;
	iot_err err;

	if ((unsigned)what >= sizeof(fn) / sizeof(fn[0]))
		return IOT_E_ARG;
	if ((err = ipa_es10_struct(ipa, fn[what].q, &q, fn[what].r, &r, ipa_arena_reset(ipa))) != IOT_OK)
		return err;
	*result = (int)r.result;
	log_info("ipa", "profile switch", "what=%d result=%d", (int)what, *result);
	if (r.result)
		return IOT_OK;
	/* SGP.32 3.3.1: a profile switch refreshes the card */
	if (ipa->p.reset) {
		ipa_card_close(ipa);
		err = ipa->p.reset(ipa->p.ctx);
		ipa->open = false;      /* a new channel to the ISD-R at the next command */
	}
	ipa_notify_state_change(ipa, fn[what].cause);
	return err;
}

void ipa_free(struct ipa *ipa)
{
	if (!ipa)
		return;
	if (ipa->buf)
		ipa_card_close(ipa);
	free(ipa->buf);
	free(ipa->msg);
	free(ipa->arena_buf);
	free(ipa->injected_pdt);
	free(ipa);
}

/* Copies the next '$'-separated field of *text into out. */
static iot_err field(const char **text, char *out, size_t cap, bool required)
{
	const char *end = strchr(*text, '$');
	size_t n = end ? (size_t)(end - *text) : strlen(*text);

	if (n >= cap || (required && !n))
		return IOT_E_ARG;
	memcpy(out, *text, n);
	out[n] = 0;
	*text += n + (end ? 1 : 0);
	return IOT_OK;
}

iot_err ipa_parse_activation_code(const char *text, struct ipa_activation_code *ac)
{
	char format[4], flag[4] = "";
	iot_err err;

	memset(ac, 0, sizeof(*ac));
	if (!strncmp(text, "LPA:", 4))
		text += 4;
	/* SGP.22 4.1: AC_Format "1" $ SM-DP+ address $ AC_Token [$ SM-DP+ OID [$ CC required flag]] */
	if ((err = field(&text, format, sizeof(format), true)) != IOT_OK || strcmp(format, "1") ||
	    (err = field(&text, ac->address, sizeof(ac->address), true)) != IOT_OK ||
	    (err = field(&text, ac->matching_id, sizeof(ac->matching_id), false)) != IOT_OK ||
	    (err = field(&text, ac->oid, sizeof(ac->oid), false)) != IOT_OK ||
	    (err = field(&text, flag, sizeof(flag), false)) != IOT_OK || *text)
		return IOT_E_ARG;
	if (*flag && strcmp(flag, "1"))
		return IOT_E_ARG;
	ac->cc_required = *flag == '1';
	return IOT_OK;
}

const struct ipa_stats *ipa_stats(const struct ipa *ipa)
{
	return &ipa->stats;
}

struct rsp_arena *ipa_arena_reset(struct ipa *ipa)
{
	rsp_arena_fixed(&ipa->arena, ipa->arena_buf, ipa->cfg.arena_size);
	return &ipa->arena;
}

iot_err ipa_encode(struct ipa *ipa, const struct rsp_type *t, const void *v, uint8_t **out, size_t *len, bool *heap)
{
	struct der_writer w;
	iot_err err;

	*heap = false;
	der_writer_fixed(&w, ipa->msg, ipa->msg_cap);
	err = rsp_encode(t, v, &w);
	if (err == IOT_OK && (err = der_writer_err(&w)) == IOT_OK) {
		*out = ipa->msg;
		*len = w.len;
		return IOT_OK;
	}
	if (err != IOT_E_BUFFER)
		return err;
	*heap = true;
	return rsp_encode_alloc(t, v, out, len);
}

iot_err ipa_es10_struct(struct ipa *ipa, const struct rsp_type *qt, const void *q, const struct rsp_type *rt,
			void *out, struct rsp_arena *a)
{
	const uint8_t *resp;
	uint8_t *req;
	size_t n, len;
	bool heap;
	iot_err err = ipa_encode(ipa, qt, q, &req, &n, &heap);

	if (err != IOT_OK)
		return err;
	/* the answer moves to the arena: the working buffer serves the next command */
	if ((err = ipa_es10(ipa, req, n, &resp, &len)) == IOT_OK) {
		uint8_t *copy = rsp_arena_alloc(a, len ? len : 1);

		if (!copy)
			err = IOT_E_NOMEM;
		else
			err = rsp_decode(rt, memcpy(copy, resp, len), len, out, a);
	}
	if (heap)
		free(req);
	return err;
}

iot_err ipa_eid(struct ipa *ipa, const uint8_t **eid)
{
	struct der_reader r, in;
	struct der_tlv t;
	const uint8_t *resp;
	size_t len;
	iot_err err;

	if (!ipa->have_eid) {
		/* SGP.22 5.7.20 GetEID: 'BF3E' { '5A' EID } */
		if ((err = ipa_es10(ipa, (const uint8_t *)"\xBF\x3E\x03\x5C\x01\x5A", 6, &resp, &len)) != IOT_OK)
			return err;
		der_reader_init(&r, resp, len);
		if ((err = der_read(&r, &t)) != IOT_OK || (err = der_enter(&r, &t, &in)) != IOT_OK ||
		    (err = der_read(&in, &t)) != IOT_OK)
			return err;
		if (t.tag != 0x5A || t.len != sizeof(ipa->eid))
			return IOT_E_CARD;
		memcpy(ipa->eid, t.value, sizeof(ipa->eid));
		ipa->have_eid = true;
	}
	*eid = ipa->eid;
	return IOT_OK;
}

iot_err ipa_remove_notification(struct ipa *ipa, int64_t seq)
{
	struct rsp_seq_number q = { seq };
	struct rsp_result r;
	struct rsp_arena a;
	uint8_t mem[64];

	rsp_arena_fixed(&a, mem, sizeof(mem));
	/* SGP.22 5.7.10: nothingToDelete(1) means an earlier attempt removed it */
	return ipa_es10_struct(ipa, &rsp_t_notification_sent_request, &q, &rsp_t_notification_sent_response, &r, &a);
}

iot_err ipa_esipa(struct ipa *ipa, const struct rsp_esipa_message_from_ipa *q, int expect,
		  struct rsp_esipa_message_from_eim *ans, struct rsp_arena *a, uint8_t **raw, size_t *raw_len)
{
	uint8_t *req;
	size_t n, len = 0;
	bool heap;
	iot_err err;

	*raw = NULL;
	if (!ipa->p.esipa || !ipa->have_eim)
		return IOT_E_ARG;
	if ((err = ipa_encode(ipa, &rsp_t_esipa_message_from_ipa, q, &req, &n, &heap)) != IOT_OK)
		return err;
	err = ipa->p.esipa(ipa->p.ctx, &ipa->eim, req, n, raw, &len);
	if (heap)
		free(req);
	if (raw_len)
		*raw_len = len;
	if (err != IOT_OK) {
		*raw = NULL;    /* no answer: nothing of the platform's to free */
		return err;
	}
	if (!expect) {
		if (!len)
			return IOT_OK;
		err = IOT_E_DER_TRAILING;
	} else if (!len) {
		err = IOT_E_DER_TRUNCATED;
	} else if ((err = rsp_decode(&rsp_t_esipa_message_from_eim, *raw, len, ans, a)) == IOT_OK &&
		   ans->choice != expect) {
		/* SGP.32 6.3: each function has its own answer */
		err = IOT_E_ASN1_TAG;
	}
	if (err != IOT_OK) {
		ipa->stats.rejected++;
		log_warn("ipa", "malformed answer from the eIM", "eim=%s error=\"%s\"", ipa->eim.id, iot_strerror(err));
	}
	return err;
}
