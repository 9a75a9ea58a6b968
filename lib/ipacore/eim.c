/* The IPAd's side of ESipa (SGP.32 3.1, 3.3, 3.5, 6.3): eIM selection,
 * polling with back-off, eUICC Packages (data requests: data.c), the
 * rollback of an enable that cut us off, and the delivery of results and notifications, each removed from the eUICC only
 * once the eIM has acknowledged it. */
#include "ipacore/internal.h"

#include <stdlib.h>
#include <string.h>

#include "base/log.h"

#define MAX_PACKAGES_PER_POLL 16

static void copy_text(char *dst, size_t cap, const rsp_bytes *b)
{
	size_t n = b->len < cap - 1 ? b->len : cap - 1;

	memcpy(dst, b->ptr, n);
	dst[n] = 0;
}

iot_err ipa_eim_select(struct ipa *ipa, struct ipa_eim *out)
{
	struct rsp_get_eim_configuration_data_request q = { 0 };
	struct rsp_get_eim_configuration_data_response r;
	iot_err err;

	err = ipa_es10_struct(ipa, &rsp_t_get_eim_configuration_data_request, &q,
			      &rsp_t_get_eim_configuration_data_response, &r, ipa_arena_reset(ipa));
	if (err == IOT_OK)
		err = IOT_E_NOT_FOUND;
	for (size_t i = 0; err == IOT_E_NOT_FOUND && i < r.eim_configuration_data_list.count; i++) {
		const struct rsp_eim_configuration_data *c = &r.eim_configuration_data_list.items[i];
		uint64_t proto = c->has_eim_supported_protocol ? c->eim_supported_protocol : RSP_PROTO_RETRIEVE_HTTPS;
		const struct rsp_eim_key_data *k = &c->trusted_public_key_data_tls;
		const rsp_bytes *tls = k->choice == RSP_KEY_DATA_CERTIFICATE ? &k->u.certificate : &k->u.public_key;

		/* SGP.32 2.11.1: the IPA polls an eIM at its eimFqdn, in retrieve mode */
		if (!c->has_eim_fqdn || !c->eim_fqdn.len || !(proto & (RSP_PROTO_RETRIEVE_HTTPS | RSP_PROTO_RETRIEVE_COAPS)))
			continue;
		memset(out, 0, sizeof(*out));
		copy_text(out->id, sizeof(out->id), &c->eim_id);
		copy_text(out->fqdn, sizeof(out->fqdn), &c->eim_fqdn);
		out->coaps = (proto & RSP_PROTO_RETRIEVE_COAPS) &&
			     (!(proto & RSP_PROTO_RETRIEVE_HTTPS) || ipa->cfg.prefer_coaps);
		out->indirect_download = c->indirect_profile_download;
		out->protocols = (unsigned)proto;
		if (c->has_trusted_public_key_data_tls && tls->len <= sizeof(out->tls_trust)) {
			memcpy(out->tls_trust, tls->ptr, tls->len);
			out->tls_trust_len = tls->len;
			out->tls_trust_is_cert = k->choice == RSP_KEY_DATA_CERTIFICATE;
		}
		err = IOT_OK;
	}
	if (err == IOT_OK) {
		ipa->eim = *out;
		ipa->have_eim = true;
		log_info("ipa", "eIM selected", "eim=%s fqdn=%s transport=%s", out->id, out->fqdn,
			 out->coaps ? "coaps" : "https");
	}
	return err;
}

/* ---- results and notifications ---- */

/* An installation result left to deliver, compact: only when every download
 * goes through the eIM (it rebuilds the rest from its session) and the
 * ISD-P AID has the SGP.22 layout the compact form assumes. */
static void compact_pir(const struct ipa *ipa, struct rsp_pending_notification *n)
{
	struct rsp_profile_installation_result full = n->u.pir;
	struct rsp_compact_profile_installation_result_data *d;
	const struct rsp_success_result *ok = &full.data.final_result.u.success;

	if (ipa->p.es9 || (full.data.final_result.choice == RSP_FINAL_RESULT_SUCCESS &&
			   (ok->aid.len != 16 || memcmp(ok->aid.ptr, rsp_isdp_aid_head, 13) || ok->aid.ptr[15])))
		return;
	memset(&n->u, 0, sizeof(n->u));
	n->choice = RSP_PENDING_COMPACT_PIR;
	d = &n->u.compact_pir.data;
	d->transaction_id = full.data.transaction_id;
	d->seq_number = full.data.notification_metadata.seq_number;
	d->iccid_present = full.data.notification_metadata.has_iccid;
	if (full.data.final_result.choice == RSP_FINAL_RESULT_SUCCESS) {
		d->compact_final_result.choice = RSP_COMPACT_FINAL_RESULT_SUCCESS;
		d->compact_final_result.u.success.compact_aid = RSP_BYTES(ok->aid.ptr + 13, 2);
		/* SGP.32: simaResponse only when it is not the plain success */
		d->compact_final_result.u.success.has_sima_response =
			ok->sima_response.len != sizeof(rsp_sima_response_ok) ||
			memcmp(ok->sima_response.ptr, rsp_sima_response_ok, sizeof(rsp_sima_response_ok));
		d->compact_final_result.u.success.sima_response = ok->sima_response;
	} else {
		d->compact_final_result.choice = RSP_COMPACT_FINAL_RESULT_ERROR;
		d->compact_final_result.u.error = full.data.final_result.u.error;
	}
	n->u.compact_pir.euicc_sign_pir = full.euicc_sign_pir;
}

void ipa_compact_notification(const struct ipa *ipa, struct rsp_pending_notification *n, const uint8_t *eid)
{
	struct rsp_other_signed_notification full;

	if (!ipa->cfg.minimize_esipa_bytes)
		return;
	if (n->choice == RSP_PENDING_PIR) {
		compact_pir(ipa, n);
		return;
	}
	if (n->choice != RSP_PENDING_OTHER)
		return;
	full = n->u.other;
	memset(&n->u, 0, sizeof(n->u));
	n->choice = RSP_PENDING_COMPACT_OTHER;
	n->u.compact_other.tbs_other_notification = full.tbs_other_notification;
	n->u.compact_other.euicc_notification_signature = full.euicc_notification_signature;
	n->u.compact_other.has_eid_value = eid != NULL;
	n->u.compact_other.eid_value = RSP_BYTES(eid, 16);
}

iot_err ipa_provide_result(struct ipa *ipa, const struct rsp_eim_package_result *r)
{
	struct rsp_esipa_message_from_ipa q = { .choice = RSP_IPA_TO_EIM_PROVIDE_EIM_PACKAGE_RESULT };
	struct rsp_esipa_message_from_eim ans;
	const struct rsp_provide_eim_package_result_response *pr = &ans.u.provide_eim_package_result;
	const uint8_t *eid;
	uint8_t *raw;
	iot_err err;

	if ((err = ipa_eid(ipa, &eid)) != IOT_OK)
		return err;
	q.u.provide_eim_package_result.has_eid_value = true;
	q.u.provide_eim_package_result.eid_value = RSP_BYTES(eid, 16);
	q.u.provide_eim_package_result.eim_package_result = *r;
	err = ipa_esipa(ipa, &q, RSP_EIM_TO_IPA_PROVIDE_EIM_PACKAGE_RESULT, &ans, &ipa->arena, &raw, NULL);
	if (err == IOT_OK && pr->choice == RSP_PROVIDE_RESULT_ERROR) {
		log_warn("ipa", "the eIM refused the result", "code=%lld", (long long)pr->u.error);
		err = IOT_E_REFUSED;
	}
	if (err == IOT_OK) {
		ipa->stats.results_delivered++;
		/* SGP.32 3.5: what the eIM acknowledged leaves the eUICC, nothing else */
		for (size_t i = 0; pr->choice == RSP_PROVIDE_RESULT_ACKS && i < pr->u.acks.count && err == IOT_OK; i++)
			err = ipa_remove_notification(ipa, pr->u.acks.items[i]);
	}
	free(raw);
	return err;
}

iot_err ipa_retrieve(struct ipa *ipa, bool results, struct rsp_retrieve_notifications_list_response *r,
		     struct rsp_arena *a)
{
	struct rsp_retrieve_notifications_list_request q = { 0 };

	if (results) {
		q.has_search_criteria = true;
		q.search_criteria.choice = RSP_SEARCH_EUICC_PACKAGE_RESULTS;
	}
	return ipa_es10_struct(ipa, &rsp_t_retrieve_notifications_list_request, &q,
			       &rsp_t_retrieve_notifications_list_response, r, a);
}

/* SGP.32 3.5: results the eIM never acknowledged (a power cut, a lost
 * answer) go before anything new; then pending notifications. */
static iot_err deliver_pending(struct ipa *ipa)
{
	struct rsp_retrieve_notifications_list_response r;
	struct rsp_arena *a = ipa_arena_reset(ipa);
	iot_err err;

	err = ipa_retrieve(ipa, true, &r, a);
	for (size_t i = 0; err == IOT_OK && r.choice == RSP_RETRIEVE_NOTIF_EPR_LIST &&
			   i < r.u.euicc_package_result_list.count; i++) {
		struct rsp_eim_package_result res = { .choice = RSP_EIM_RESULT_EPR };

		res.u.epr = r.u.euicc_package_result_list.items[i];
		err = ipa_provide_result(ipa, &res);
	}
	if (err == IOT_OK)
		err = ipa_retrieve(ipa, false, &r, a);
	for (size_t i = 0; err == IOT_OK && r.choice == RSP_RETRIEVE_NOTIF_LIST && i < r.u.notification_list.count; i++) {
		struct rsp_esipa_message_from_ipa q = { .choice = RSP_IPA_TO_EIM_HANDLE_NOTIFICATION };
		const struct rsp_pending_notification *n = &r.u.notification_list.items[i];
		int64_t seq = rsp_pending_notification_seq(n);
		uint8_t *raw;

		/* SGP.32 6.3.2.4 HandleNotification: no answer but the transport's */
		q.u.handle_notification.choice = RSP_HANDLE_NOTIFICATION_PENDING;
		q.u.handle_notification.u.pending = *n;
		ipa_compact_notification(ipa, &q.u.handle_notification.u.pending, ipa->have_eid ? ipa->eid : NULL);
		if ((err = ipa_esipa(ipa, &q, 0, NULL, a, &raw, NULL)) == IOT_OK) {
			ipa->stats.notifications_delivered++;
			err = ipa_remove_notification(ipa, seq);
		}
		free(raw);
	}
	return err;
}

/* ---- eUICC Packages (SGP.32 3.3) ---- */

static uint64_t now(struct ipa *ipa);

static bool switched_profile(const struct rsp_euicc_package_result *r)
{
	const rsp_euicc_result_list *l = &r->u.result_signed.data.euicc_result;

	if (r->choice != RSP_EPR_RESULT_SIGNED)
		return false;
	for (size_t i = 0; i < l->count; i++)
		if ((l->items[i].choice == RSP_RESULT_ENABLE || l->items[i].choice == RSP_RESULT_DISABLE) &&
		    l->items[i].u.code == 0)
			return true;
	return false;
}

static bool changed_eims(const struct rsp_euicc_package_result *r)
{
	const rsp_euicc_result_list *l = &r->u.result_signed.data.euicc_result;

	if (r->choice != RSP_EPR_RESULT_SIGNED)
		return false;
	for (size_t i = 0; i < l->count; i++)
		if (l->items[i].choice == RSP_RESULT_ADD_EIM || l->items[i].choice == RSP_RESULT_UPDATE_EIM ||
		    l->items[i].choice == RSP_RESULT_DELETE_EIM)
			return true;
	return false;
}

/* FNV-1a of a package or trigger as received: the same bytes arriving both
 * by poll and by inject are executed once. */
static uint64_t fingerprint(const uint8_t *p, size_t len)
{
	uint64_t h = 0xCBF29CE484222325ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001B3ull;
	return h;
}

static bool seen_before(struct ipa *ipa, const uint8_t *p, size_t len)
{
	uint64_t h = fingerprint(p, len);

	for (size_t i = 0; i < IPA_SEEN; i++)
		if (ipa->seen[i] == h)
			return true;
	ipa->seen[ipa->seen_next++ % IPA_SEEN] = h;
	return false;
}

/* Triggers are not fingerprinted like packages: an eIM may well send the
 * same one twice on purpose (no transaction ID, a retry); only one pushed
 * and waiting to run is not taken again. */
static bool injected_pdt_is(const struct ipa *ipa, const uint8_t *tlv, size_t len)
{
	return ipa->injected_pdt && ipa->injected_pdt_len == len && !memcmp(ipa->injected_pdt, tlv, len);
}

/* Whether the package enables a profile with rollbackFlag and the eUICC
 * did it: then the eIM must be reached on that profile, or we roll back. */
static bool enabled_with_rollback(struct ipa *ipa, const uint8_t *package, size_t len,
				  const struct rsp_euicc_package_result *r)
{
	const rsp_euicc_result_list *l = &r->u.result_signed.data.euicc_result;
	struct rsp_euicc_package_request q;
	bool flagged = false, enabled = false;

	if (r->choice != RSP_EPR_RESULT_SIGNED ||
	    rsp_decode(&rsp_t_euicc_package_request, package, len, &q, &ipa->arena) != IOT_OK ||
	    q.signed_data.euicc_package.choice != RSP_PACKAGE_PSMO_LIST)
		return false;
	for (size_t i = 0; i < q.signed_data.euicc_package.u.psmo_list.count; i++) {
		const struct rsp_psmo *p = &q.signed_data.euicc_package.u.psmo_list.items[i];

		flagged |= p->choice == RSP_PSMO_ENABLE && p->u.enable.rollback_flag;
	}
	for (size_t i = 0; i < l->count; i++)
		enabled |= l->items[i].choice == RSP_RESULT_ENABLE && l->items[i].u.code == 0;
	return flagged && enabled;
}

/* The package goes to the eUICC exactly as the eIM sent it (its signature
 * covers those bytes); its result, with the notifications it caused, in res. */
static iot_err run_package(struct ipa *ipa, const uint8_t *package, size_t len, struct rsp_eim_package_result *res)
{
	struct rsp_retrieve_notifications_list_response notes;
	struct rsp_arena *a = &ipa->arena;
	const uint8_t *resp;
	uint8_t *epr;
	size_t n;
	bool reset;
	iot_err err;

	ipa->stats.packages++;
	/* SGP.32 5.9.1 ES10b.LoadEuiccPackage */
	if ((err = ipa_es10(ipa, package, len, &resp, &n)) != IOT_OK)
		return err;
	if (!(epr = rsp_arena_alloc(a, n ? n : 1)))
		return IOT_E_NOMEM;
	memcpy(epr, resp, n);
	memset(res, 0, sizeof(*res));
	res->choice = RSP_EIM_RESULT_EPR;
	if ((err = rsp_decode(&rsp_t_euicc_package_result, epr, n, &res->u.epr, a)) != IOT_OK)
		return err;
	reset = switched_profile(&res->u.epr);
	/* SGP.32 ES10b.ProfileRollback: an enable with rollbackFlag is confirmed by reaching the eIM on it */
	if (enabled_with_rollback(ipa, package, len, &res->u.epr)) {
		ipa->rollback_armed = true;
		ipa->rollback_at_ms = now(ipa) + (ipa->cfg.rollback_after_ms ? ipa->cfg.rollback_after_ms : 600000);
		log_info("ipa", "enable with rollback: the eIM must be reached on the new profile", "within_ms=%llu",
			 (unsigned long long)(ipa->rollback_at_ms - now(ipa)));
	}
	/* an eCO may have changed how we reach the eIM: read its configuration again */
	if (changed_eims(&res->u.epr))
		ipa->eim_changed = true;
	/* SGP.32 3.3.1: the notifications the package caused travel with its result */
	if (ipa_retrieve(ipa, false, &notes, a) == IOT_OK && notes.choice == RSP_RETRIEVE_NOTIF_LIST &&
	    notes.u.notification_list.count) {
		struct rsp_euicc_package_result epr_only = res->u.epr;

		res->choice = RSP_EIM_RESULT_EPR_AND_NOTIFICATIONS;
		res->u.epr_and_notifications.euicc_package_result = epr_only;
		res->u.epr_and_notifications.notification_list = notes.u.notification_list;
		for (size_t i = 0; i < notes.u.notification_list.count; i++)
			ipa_compact_notification(ipa, &res->u.epr_and_notifications.notification_list.items[i], NULL);
	}
	/* SGP.32 3.3.1: a profile switch refreshes the card before anything else */
	if (reset && ipa->p.reset) {
		ipa_card_close(ipa);
		if ((err = ipa->p.reset(ipa->p.ctx)) != IOT_OK)
			return err;
		ipa->open = false;
	}
	return IOT_OK;
}

static iot_err execute_package(struct ipa *ipa, const uint8_t *package, size_t len)
{
	struct rsp_eim_package_result res;
	iot_err err = run_package(ipa, package, len, &res);

	return err == IOT_OK ? ipa_provide_result(ipa, &res) : err;
}

/* ---- the poll ---- */

/* The BF51 / BF52 / BF54 TLV inside 'BF4F', exactly as received. */
static iot_err package_tlv(const uint8_t *raw, size_t len, const uint8_t **tlv, size_t *tlv_len)
{
	struct der_reader r, in;
	struct der_tlv t;
	iot_err err;

	der_reader_init(&r, raw, len);
	if ((err = der_read(&r, &t)) != IOT_OK || (err = der_enter(&r, &t, &in)) != IOT_OK ||
	    (err = der_read(&in, &t)) != IOT_OK)
		return err;
	*tlv = t.raw;
	*tlv_len = t.raw_len;
	return IOT_OK;
}

/* One getEimPackage and what it brings; *more when the eIM may have more. */
static iot_err poll_once(struct ipa *ipa, bool *more)
{
	struct rsp_esipa_message_from_ipa q = { .choice = RSP_IPA_TO_EIM_GET_EIM_PACKAGE };
	struct rsp_esipa_message_from_eim ans;
	const struct rsp_get_eim_package_response *g = &ans.u.get_eim_package;
	const uint8_t *eid, *tlv;
	uint8_t *raw = NULL;
	size_t len = 0, tlv_len;
	iot_err err;

	*more = false;
	if ((err = ipa_eid(ipa, &eid)) != IOT_OK)
		return err;
	q.u.get_eim_package.eid_value = RSP_BYTES(eid, 16);
	/* SGP.32 6.3.2.6: a change the eIM did not make, and where the device is */
	q.u.get_eim_package.notify_state_change = ipa->state_changed;
	q.u.get_eim_package.has_state_change_cause = ipa->state_changed;
	q.u.get_eim_package.state_change_cause = ipa->change_cause;
	q.u.get_eim_package.has_rplmn = ipa->has_rplmn;
	q.u.get_eim_package.rplmn = RSP_BYTES(ipa->rplmn, sizeof(ipa->rplmn));
	/* a malformed answer is refused here: nothing of it is executed */
	if ((err = ipa_esipa(ipa, &q, RSP_EIM_TO_IPA_GET_EIM_PACKAGE, &ans, ipa_arena_reset(ipa), &raw, &len)) != IOT_OK)
		goto out;
	ipa->state_changed = false;     /* the eIM has it */
	switch (g->choice) {
	case RSP_GET_EIM_PKG_EUICC_PACKAGE:
		if ((err = package_tlv(raw, len, &tlv, &tlv_len)) != IOT_OK)
			break;
		/* pushed to us as well and run already: its result is on its way */
		if (seen_before(ipa, tlv, tlv_len)) {
			log_info("ipa", "package already executed (injected)", "bytes=%zu", tlv_len);
			break;
		}
		err = execute_package(ipa, tlv, tlv_len);
		*more = err == IOT_OK;
		break;
	case RSP_GET_EIM_PKG_IPA_EUICC_DATA_REQUEST:
		err = ipa_execute_data_request(ipa, &g->u.ipa_euicc_data_request);
		*more = err == IOT_OK;
		break;
	case RSP_GET_EIM_PKG_PDT_REQUEST:
		if ((err = package_tlv(raw, len, &tlv, &tlv_len)) != IOT_OK)
			break;
		if (injected_pdt_is(ipa, tlv, tlv_len)) {
			log_info("ipa", "trigger already taken (injected)", "bytes=%zu", tlv_len);
			break;
		}
		err = ipa_pdt_execute(ipa, &g->u.pdt_request);
		*more = err == IOT_OK;
		break;
	default:
		/* SGP.32 6.3.2.6: noEimPackageAvailable ends the poll; other codes are the eIM refusing us */
		if (g->u.error != RSP_EIM_PKG_NO_PACKAGE) {
			log_warn("ipa", "the eIM refused getEimPackage", "code=%lld", (long long)g->u.error);
			err = IOT_E_REFUSED;
		}
		break;
	}
out:
	free(raw);
	return err;
}

/* A trigger pushed by inject runs here, on the poll's side: a download
 * talks to the eIM and lasts longer than any push may wait. */
static iot_err run_injected_trigger(struct ipa *ipa)
{
	struct rsp_profile_download_trigger_request t;
	iot_err err = rsp_decode(&rsp_t_profile_download_trigger_request, ipa->injected_pdt, ipa->injected_pdt_len, &t,
				 ipa_arena_reset(ipa));

	if (err == IOT_OK)
		err = ipa_pdt_execute(ipa, &t);
	/* once tried it is the download's record that resumes it, not this copy */
	free(ipa->injected_pdt);
	ipa->injected_pdt = NULL;
	return err;
}

static uint64_t now(struct ipa *ipa)
{
	return ipa->p.now_ms ? ipa->p.now_ms(ipa->p.ctx) : 0;
}

/* Jittered exponential back-off (retry_min doubling to retry_max, each wait
 * drawn from [w/2, w]) so that a fleet cut off together does not come back
 * in step. */
static void schedule(struct ipa *ipa, bool ok)
{
	uint64_t wait, base = ipa->cfg.retry_min_s ? ipa->cfg.retry_min_s : 10;
	uint64_t top = ipa->cfg.retry_max_s ? ipa->cfg.retry_max_s : 3600;

	if (ok) {
		ipa->failures = 0;
		wait = (uint64_t)(ipa->cfg.poll_interval_s ? ipa->cfg.poll_interval_s : 3600) * 1000;
	} else {
		unsigned shift = ipa->failures < 20 ? ipa->failures : 20;

		ipa->failures++;
		wait = base << shift;
		wait = (wait < top ? wait : top) * 1000;
	}
	/* xorshift64, seeded from the EID and the clock at creation */
	ipa->jitter_state ^= ipa->jitter_state << 13;
	ipa->jitter_state ^= ipa->jitter_state >> 7;
	ipa->jitter_state ^= ipa->jitter_state << 17;
	wait = wait / 2 + ipa->jitter_state % (wait / 2 + 1);
	ipa->next_poll_ms = now(ipa) + wait;
}

uint64_t ipa_poll_due_in(struct ipa *ipa)
{
	uint64_t t = now(ipa);

	return ipa->next_poll_ms > t ? ipa->next_poll_ms - t : 0;
}

void ipa_poll_now(struct ipa *ipa)
{
	ipa->next_poll_ms = 0;
}

bool ipa_rollback_armed(const struct ipa *ipa, uint64_t *due_in_ms)
{
	uint64_t t = now((struct ipa *)ipa);

	if (due_in_ms)
		*due_in_ms = ipa->rollback_armed && ipa->rollback_at_ms > t ? ipa->rollback_at_ms - t : 0;
	return ipa->rollback_armed;
}

/* SGP.32 ES10b.ProfileRollback: the eIM could not be reached on the profile
 * an enable with rollbackFlag switched to: back to the one before. The
 * eUICC signs a new EuiccPackageResult (rollbackResult) and keeps it pending
 * with the enable's: the next poll, on the old profile, delivers both. */
static void roll_back(struct ipa *ipa)
{
	struct rsp_refresh_flag q = { .refresh_flag = true };
	struct rsp_profile_rollback_response r;
	iot_err err;

	ipa->rollback_armed = false;
	err = ipa_es10_struct(ipa, &rsp_t_profile_rollback_request, &q, &rsp_t_profile_rollback_response, &r,
			      ipa_arena_reset(ipa));
	if (err != IOT_OK || r.cmd_result) {
		log_warn("ipa", "profile rollback refused", "error=\"%s\" result=%lld", iot_strerror(err),
			 err == IOT_OK ? (long long)r.cmd_result : -1LL);
		return;
	}
	ipa->stats.rollbacks++;
	log_warn("ipa", "the eIM was not reached on the new profile: rolled back", "rollbacks=%u", ipa->stats.rollbacks);
	/* SGP.32 3.3.1: a profile switch refreshes the card */
	if (ipa->p.reset) {
		ipa_card_close(ipa);
		(void)ipa->p.reset(ipa->p.ctx);
		ipa->open = false;
	}
	ipa->failures = 0;
	ipa_poll_now(ipa);
}

iot_err ipa_poll(struct ipa *ipa)
{
	struct ipa_eim eim;
	bool more = true;
	unsigned n;
	iot_err err = IOT_OK;

	ipa->stats.polls++;
	if (ipa->eim_changed)
		ipa->have_eim = ipa->eim_changed = false;
	if (!ipa->have_eim)
		err = ipa_eim_select(ipa, &eim);
	if (err == IOT_OK)
		err = ipa_pdt_resume(ipa);
	if (err == IOT_OK)
		err = deliver_pending(ipa);
	if (err == IOT_OK && ipa->injected_pdt)
		err = run_injected_trigger(ipa);
	for (n = 0; err == IOT_OK && more && n < MAX_PACKAGES_PER_POLL; n++)
		err = poll_once(ipa, &more);
	if (err == IOT_OK && more)
		ipa_poll_now(ipa);      /* the eIM has more: come back at once */
	else
		schedule(ipa, err == IOT_OK);
	/* reached on the profile an enable with rollbackFlag switched to: it stays */
	if ((err == IOT_OK || err == IOT_E_REFUSED) && ipa->rollback_armed) {
		ipa->rollback_armed = false;
		log_info("ipa", "enable with rollback confirmed: the eIM was reached on the new profile", "eim=%s",
			 ipa->eim.id);
	}
	/* not reached (no answer, or none we could trust): past the deadline, back */
	if (err != IOT_OK && err != IOT_E_REFUSED && err != IOT_E_CARD && err != IOT_E_NOMEM && ipa->rollback_armed &&
	    now(ipa) >= ipa->rollback_at_ms)
		roll_back(ipa);
	if (err != IOT_OK) {
		ipa->stats.polls_failed++;
		log_warn("ipa", "poll failed", "eim=%s error=\"%s\" failures=%u", ipa->eim.id, iot_strerror(err),
			 ipa->failures);
	}
	return err;
}

/* ---- inject mode (SGP.32 ESipa.TransferEimPackage) ---- */

/* The raw alternative inside 'BF4E', as package_tlv finds it inside 'BF4F'. */
static iot_err transfer_answer(const struct rsp_transfer_eim_package_response *r, uint8_t **resp, size_t *resp_len)
{
	return rsp_encode_alloc(&rsp_t_transfer_eim_package_response, r, resp, resp_len);
}

static iot_err transfer_error(int64_t code, uint8_t **resp, size_t *resp_len)
{
	struct rsp_transfer_eim_package_response r = { .choice = RSP_TRANSFER_RESP_ERROR, .u.error = code };

	return transfer_answer(&r, resp, resp_len);
}

iot_err ipa_transfer_eim_package(struct ipa *ipa, bool coaps, const uint8_t *req, size_t len, uint8_t **resp,
				 size_t *resp_len)
{
	struct rsp_transfer_eim_package_request q;
	struct rsp_transfer_eim_package_response r = { .choice = RSP_TRANSFER_RESP_RECEIVED };
	struct rsp_eim_package_result res;
	const uint8_t *tlv;
	size_t tlv_len;
	struct ipa_eim eim;
	iot_err err = IOT_OK;

	*resp = NULL;
	*resp_len = 0;
	if (ipa->eim_changed)
		ipa->have_eim = ipa->eim_changed = false;
	if (!ipa->have_eim && (err = ipa_eim_select(ipa, &eim)) != IOT_OK)
		return err;
	/* SGP.32 2.11.1: pushes only from an eIM configured for inject over this transport */
	if (!(ipa->eim.protocols & (coaps ? RSP_PROTO_INJECT_COAPS : RSP_PROTO_INJECT_HTTPS)) ||
	    !(coaps ? ipa->cfg.inject_coaps : ipa->cfg.inject_https)) {
		log_warn("ipa", "inject refused: not configured for it", "eim=%s transport=%s", ipa->eim.id,
			 coaps ? "coaps" : "https");
		return IOT_E_REFUSED;
	}
	ipa->stats.injected++;
	if (rsp_decode(&rsp_t_transfer_eim_package_request, req, len, &q, ipa_arena_reset(ipa)) != IOT_OK ||
	    package_tlv(req, len, &tlv, &tlv_len) != IOT_OK) {
		ipa->stats.rejected++;
		/* SGP.32 6.3.2.x TransferEimPackageResponse: invalidPackageFormat */
		return transfer_error(1, resp, resp_len);
	}
	switch (q.choice) {
	case RSP_TRANSFER_EUICC_PACKAGE:
		if (seen_before(ipa, tlv, tlv_len)) {
			log_info("ipa", "package already executed (polled)", "bytes=%zu", tlv_len);
			break;
		}
		if ((err = run_package(ipa, tlv, tlv_len, &res)) != IOT_OK)
			return err;
		/* same alternatives, same numbers: EPR, EPR and notifications */
		r.choice = res.choice;
		if (res.choice == RSP_EIM_RESULT_EPR)
			r.u.epr = res.u.epr;
		else
			r.u.epr_and_notifications = res.u.epr_and_notifications;
		break;
	case RSP_TRANSFER_IPA_EUICC_DATA_REQUEST:
		ipa->stats.data_requests++;
		r.choice = RSP_TRANSFER_RESP_IPA_EUICC_DATA;
		if ((err = ipa_collect_data(ipa, &q.u.ipa_euicc_data_request, &r.u.ipa_euicc_data_response)) != IOT_OK)
			return err;
		break;
	case RSP_TRANSFER_EIM_ACKNOWLEDGEMENTS:
		/* SGP.32 3.5: what the eIM acknowledged leaves the eUICC (gone already: fine) */
		for (size_t i = 0; i < q.u.acks.count; i++)
			if ((err = ipa_remove_notification(ipa, q.u.acks.items[i])) != IOT_OK && err != IOT_E_NOT_FOUND)
				return err;
		break;
	case RSP_TRANSFER_PDT_REQUEST:
		if (injected_pdt_is(ipa, tlv, tlv_len))
			break;
		/* one waits already: the eIM tries again or the poll brings it */
		if (ipa->injected_pdt)
			return transfer_error(127, resp, resp_len);
		if (!(ipa->injected_pdt = malloc(tlv_len)))
			return IOT_E_NOMEM;
		memcpy(ipa->injected_pdt, tlv, tlv_len);
		ipa->injected_pdt_len = tlv_len;
		ipa_poll_now(ipa);      /* eimPackageReceived now, the download at the poll, its result by ProvideEimPackageResult */
		break;
	}
	return transfer_answer(&r, resp, resp_len);
}
