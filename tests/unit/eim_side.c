/* The eIM side of ESipa for the tests (eim_side.h). */
#include "eim_side.h"

#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "smdp/smdp.h"

void eim_side_init(struct eim_side *s, enum crypto_curve curve, const uint8_t eid[16])
{
	memset(s, 0, sizeof(*s));
	assert_int_equal(crypto_key_generate(curve, &s->key), IOT_OK);
	s->eim_id = "eim.iotrsp.test";
	s->fqdn = "eim.iotrsp.test";
	memcpy(s->eid, eid, 16);
	s->last_pdt_error = -2;
}

void eim_side_free(struct eim_side *s)
{
	crypto_key_free(s->key);
	for (size_t i = 0; i < s->queued; i++)
		free(s->queue[i]);
	free(s->last_result);
}

void eim_side_add_initial_eim_request(struct eim_side *s, bool coaps_only, uint8_t **req, size_t *len)
{
	struct rsp_add_initial_eim_request q = { 0 };
	struct rsp_eim_configuration_data c = { 0 };
	uint8_t *spki;
	size_t n;

	assert_int_equal(crypto_key_spki(s->key, &spki, &n), IOT_OK);
	c.eim_id = RSP_BYTES(s->eim_id, strlen(s->eim_id));
	c.has_eim_fqdn = true;
	c.eim_fqdn = RSP_BYTES(s->fqdn, strlen(s->fqdn));
	c.has_counter_value = true;
	c.has_association_token = true;
	c.has_eim_public_key_data = true;
	c.eim_public_key_data.choice = RSP_KEY_DATA_PUBLIC_KEY;
	c.eim_public_key_data.u.public_key = RSP_BYTES(spki, n);
	c.has_eim_supported_protocol = true;
	c.eim_supported_protocol = coaps_only ? RSP_PROTO_RETRIEVE_COAPS :
						RSP_PROTO_RETRIEVE_HTTPS | RSP_PROTO_RETRIEVE_COAPS;
	c.indirect_profile_download = s->indirect;
	q.eim_configuration_data_list.items = &c;
	q.eim_configuration_data_list.count = 1;
	assert_int_equal(rsp_encode_alloc(&rsp_t_add_initial_eim_request, &q, req, len), IOT_OK);
	free(spki);
}

void eim_side_set_token(struct eim_side *s, const uint8_t *answer, size_t len)
{
	struct rsp_add_initial_eim_response r;
	struct rsp_arena a;

	rsp_arena_dynamic(&a);
	assert_int_equal(rsp_decode(&rsp_t_add_initial_eim_response, answer, len, &r, &a), IOT_OK);
	assert_int_equal(r.choice, RSP_ADD_INITIAL_EIM_OK);
	assert_int_equal(r.u.ok.items[0].choice, RSP_ADD_INITIAL_EIM_ASSOCIATION_TOKEN);
	s->token = r.u.ok.items[0].u.association_token;
	rsp_arena_free(&a);
}

static void queue(struct eim_side *s, const struct rsp_esipa_message_from_eim *m)
{
	assert_true(s->queued < sizeof(s->queue) / sizeof(s->queue[0]));
	assert_int_equal(rsp_encode_alloc(&rsp_t_esipa_message_from_eim, m, &s->queue[s->queued],
					  &s->queue_len[s->queued]), IOT_OK);
	s->queued++;
}

void eim_side_queue_psmos_counter(struct eim_side *s, const struct rsp_psmo *psmos, size_t n, int64_t counter,
				  bool corrupt)
{
	struct rsp_esipa_message_from_eim m = { .choice = RSP_EIM_TO_IPA_GET_EIM_PACKAGE };
	struct rsp_euicc_package_request *q = &m.u.get_eim_package.u.euicc_package_request;
	struct crypto_buf parts[2];
	struct der_writer tw;
	uint8_t *signed_der, tok[12], sig[64];
	size_t len;

	m.u.get_eim_package.choice = RSP_GET_EIM_PKG_EUICC_PACKAGE;
	q->signed_data.eim_id = RSP_BYTES(s->eim_id, strlen(s->eim_id));
	q->signed_data.eid_value = RSP_BYTES(s->eid, 16);
	q->signed_data.counter_value = counter;
	q->signed_data.has_eim_transaction_id = true;
	q->signed_data.eim_transaction_id = RSP_BYTES(&counter, 1);
	q->signed_data.euicc_package.choice = RSP_PACKAGE_PSMO_LIST;
	q->signed_data.euicc_package.u.psmo_list.items = (struct rsp_psmo *)psmos;
	q->signed_data.euicc_package.u.psmo_list.count = n;
	/* SGP.32 2.6.x: the eIM signs DER(EuiccPackageSigned) then the associationToken TLV */
	assert_int_equal(rsp_encode_alloc(&rsp_t_euicc_package_signed, &q->signed_data, &signed_der, &len), IOT_OK);
	der_writer_fixed(&tw, tok, sizeof(tok));
	der_put_int64(&tw, 0x84, s->token);
	parts[0] = (struct crypto_buf){ signed_der, len };
	parts[1] = (struct crypto_buf){ tok, tw.len };
	assert_int_equal(ecdsa_sign(s->key, parts, 2, sig), IOT_OK);
	if (corrupt)
		sig[7] ^= 0x10;
	q->eim_signature = RSP_BYTES(sig, 64);
	queue(s, &m);
	free(signed_der);
}

void eim_side_queue_psmos(struct eim_side *s, const struct rsp_psmo *psmos, size_t n)
{
	eim_side_queue_psmos_counter(s, psmos, n, ++s->counter, false);
}

void eim_side_queue_data_request(struct eim_side *s, const uint8_t *tags, size_t n)
{
	struct rsp_esipa_message_from_eim m = { .choice = RSP_EIM_TO_IPA_GET_EIM_PACKAGE };
	struct rsp_ipa_euicc_data_request *q = &m.u.get_eim_package.u.ipa_euicc_data_request;

	m.u.get_eim_package.choice = RSP_GET_EIM_PKG_IPA_EUICC_DATA_REQUEST;
	q->tag_list = RSP_BYTES(tags, n);
	q->has_eim_transaction_id = true;
	q->eim_transaction_id = RSP_STR("\x0D\xA7");
	queue(s, &m);
}

void eim_side_queue_pdt(struct eim_side *s, const char *activation_code)
{
	struct rsp_esipa_message_from_eim m = { .choice = RSP_EIM_TO_IPA_GET_EIM_PACKAGE };
	struct rsp_profile_download_trigger_request *q = &m.u.get_eim_package.u.pdt_request;

	m.u.get_eim_package.choice = RSP_GET_EIM_PKG_PDT_REQUEST;
	if (activation_code) {
		q->has_profile_download_data = true;
		q->profile_download_data.choice = RSP_PDD_ACTIVATION_CODE;
		q->profile_download_data.u.activation_code = RSP_BYTES(activation_code, strlen(activation_code));
	}
	q->has_eim_transaction_id = true;
	q->eim_transaction_id = RSP_STR("\x70\x07");
	queue(s, &m);
}

/* ---- answers ---- */

static iot_err answer(const struct rsp_esipa_message_from_eim *m, uint8_t **resp, size_t *resp_len)
{
	return rsp_encode_alloc(&rsp_t_esipa_message_from_eim, m, resp, resp_len);
}

/* One ES9+ exchange with the in-process SM-DP+. */
static void es9(struct eim_side *s, const struct rsp_remote_profile_provisioning_request *q,
		struct rsp_remote_profile_provisioning_response *r, struct rsp_arena *a, struct der_writer *w)
{
	uint8_t *req;
	size_t len;

	assert_non_null(s->dp);
	assert_int_equal(rsp_encode_alloc(&rsp_t_remote_profile_provisioning_request, q, &req, &len), IOT_OK);
	der_writer_dynamic(w);
	assert_int_equal(smdp_es9(s->dp, req, len, w, NULL), IOT_OK);
	free(req);
	if (w->len)
		assert_int_equal(rsp_decode(&rsp_t_remote_profile_provisioning_response, w->buf, w->len, r, a), IOT_OK);
}

/* The sequence numbers a result carries: acknowledged once stored. */
static void acks_of(struct eim_side *s, const struct rsp_eim_package_result *r, rsp_eim_acknowledgements *acks,
		    int64_t *mem)
{
	const struct rsp_euicc_package_result *epr = NULL;

	acks->items = mem;
	acks->count = 0;
	switch (r->choice) {
	case RSP_EIM_RESULT_EPR:
		epr = &r->u.epr;
		s->eprs++;
		break;
	case RSP_EIM_RESULT_EPR_AND_NOTIFICATIONS:
		epr = &r->u.epr_and_notifications.euicc_package_result;
		s->eprs++;
		for (size_t i = 0; i < r->u.epr_and_notifications.notification_list.count; i++) {
			const struct rsp_pending_notification *n = &r->u.epr_and_notifications.notification_list.items[i];

			mem[acks->count++] = rsp_pending_notification_seq(n);
			s->notifications_in_results++;
		}
		break;
	case RSP_EIM_RESULT_IPA_EUICC_DATA:
		s->data_responses++;
		break;
	case RSP_EIM_RESULT_PDT_RESULT:
		s->pdt_results++;
		if (r->u.pdt_result.result_data.choice == RSP_PDT_RESULT_PIR) {
			const struct rsp_profile_installation_result *p = &r->u.pdt_result.result_data.u.pir;

			mem[acks->count++] = p->data.notification_metadata.seq_number;
			s->last_pdt_error = -1;
			if (p->data.final_result.choice == RSP_FINAL_RESULT_SUCCESS)
				s->pdt_installed++;
		} else {
			s->last_pdt_error = r->u.pdt_result.result_data.u.error.reason;
		}
		break;
	default:
		break;
	}
	if (epr && epr->choice == RSP_EPR_RESULT_SIGNED)
		mem[acks->count++] = epr->u.result_signed.data.seq_number;
}

static iot_err relay(struct eim_side *s, const struct rsp_esipa_message_from_ipa *q, uint8_t **resp, size_t *resp_len,
		     struct rsp_arena *a)
{
	struct rsp_remote_profile_provisioning_request e = { 0 };
	struct rsp_remote_profile_provisioning_response r = { 0 };
	struct rsp_esipa_message_from_eim m = { 0 };
	struct der_writer w;
	iot_err err;

	switch (q->choice) {
	case RSP_IPA_TO_EIM_INITIATE_AUTHENTICATION:
		e.choice = RSP_ES9_REQ_INITIATE_AUTHENTICATION;
		e.u.initiate_authentication.euicc_challenge = q->u.initiate_authentication.euicc_challenge;
		e.u.initiate_authentication.euicc_info1 = q->u.initiate_authentication.euicc_info1;
		e.u.initiate_authentication.smdp_address = q->u.initiate_authentication.has_smdp_address ?
			q->u.initiate_authentication.smdp_address : RSP_BYTES(s->smdp_address, strlen(s->smdp_address));
		es9(s, &e, &r, a, &w);
		m.choice = RSP_EIM_TO_IPA_INITIATE_AUTHENTICATION;
		m.u.initiate_authentication.choice = r.u.initiate_authentication.choice;
		if (r.u.initiate_authentication.choice == RSP_ES9_OK) {
			struct rsp_initiate_authentication_ok_esipa *ok = &m.u.initiate_authentication.u.ok;

			ok->has_transaction_id = true;
			ok->transaction_id = r.u.initiate_authentication.u.ok.transaction_id;
			ok->server_signed1 = r.u.initiate_authentication.u.ok.server_signed1;
			ok->server_signature1 = r.u.initiate_authentication.u.ok.server_signature1;
			ok->euicc_ci_pkid_to_be_used = r.u.initiate_authentication.u.ok.euicc_ci_pkid_to_be_used;
			ok->server_certificate = r.u.initiate_authentication.u.ok.server_certificate;
			if (!q->u.initiate_authentication.has_smdp_address && s->matching_id) {
				ok->has_matching_id = true;
				ok->matching_id = RSP_BYTES(s->matching_id, strlen(s->matching_id));
			}
		} else {
			m.u.initiate_authentication.u.error = r.u.initiate_authentication.u.error;
		}
		break;
	case RSP_IPA_TO_EIM_AUTHENTICATE_CLIENT:
		e.choice = RSP_ES9_REQ_AUTHENTICATE_CLIENT;
		e.u.authenticate_client.transaction_id = q->u.authenticate_client.transaction_id;
		e.u.authenticate_client.authenticate_server_response = q->u.authenticate_client.authenticate_server_response;
		es9(s, &e, &r, a, &w);
		m.choice = RSP_EIM_TO_IPA_AUTHENTICATE_CLIENT;
		if (r.u.authenticate_client.choice == RSP_ES9_OK) {
			struct rsp_authenticate_client_ok_dp_esipa *ok = &m.u.authenticate_client.u.ok_dp;

			m.u.authenticate_client.choice = RSP_AUTH_CLIENT_OK_DP;
			ok->has_transaction_id = true;
			ok->transaction_id = r.u.authenticate_client.u.ok.transaction_id;
			ok->has_profile_metadata = true;
			ok->profile_metadata = r.u.authenticate_client.u.ok.profile_metadata;
			ok->smdp_signed2 = r.u.authenticate_client.u.ok.smdp_signed2;
			ok->smdp_signature2 = r.u.authenticate_client.u.ok.smdp_signature2;
			ok->smdp_certificate = r.u.authenticate_client.u.ok.smdp_certificate;
		} else {
			m.u.authenticate_client.choice = RSP_AUTH_CLIENT_ERROR;
			m.u.authenticate_client.u.error = r.u.authenticate_client.u.error;
		}
		break;
	case RSP_IPA_TO_EIM_GET_BPP:
		e.choice = RSP_ES9_REQ_GET_BPP;
		e.u.get_bpp.transaction_id = q->u.get_bpp.transaction_id;
		e.u.get_bpp.prepare_download_response = q->u.get_bpp.prepare_download_response;
		es9(s, &e, &r, a, &w);
		m.choice = RSP_EIM_TO_IPA_GET_BPP;
		m.u.get_bpp.choice = r.u.get_bpp.choice;
		if (r.u.get_bpp.choice == RSP_ES9_OK) {
			m.u.get_bpp.u.ok.has_transaction_id = true;
			m.u.get_bpp.u.ok.transaction_id = r.u.get_bpp.u.ok.transaction_id;
			m.u.get_bpp.u.ok.bound_profile_package = r.u.get_bpp.u.ok.bound_profile_package;
		} else {
			m.u.get_bpp.u.error = r.u.get_bpp.u.error;
		}
		break;
	default:        /* cancel session */
		e.choice = RSP_ES9_REQ_CANCEL_SESSION;
		e.u.cancel_session.transaction_id = q->u.cancel_session.transaction_id;
		e.u.cancel_session.cancel_session_response = q->u.cancel_session.cancel_session_response;
		es9(s, &e, &r, a, &w);
		m.choice = RSP_EIM_TO_IPA_CANCEL_SESSION;
		m.u.cancel_session.choice = r.u.cancel_session.choice;
		m.u.cancel_session.u.error = r.u.cancel_session.u.error;
		break;
	}
	err = answer(&m, resp, resp_len);
	der_writer_free(&w);
	return err;
}

static uint32_t tag_of(const uint8_t *req, size_t len)
{
	struct der_tlv t;

	return der_parse_one(req, len, &t) == IOT_OK ? t.tag : 0;
}

static iot_err handle(struct eim_side *s, const uint8_t *req, size_t len, uint8_t **resp, size_t *resp_len);

iot_err eim_side_handle(struct eim_side *s, const uint8_t *req, size_t len, uint8_t **resp, size_t *resp_len)
{
	iot_err err = handle(s, req, len, resp, resp_len);

	if (s->transcript && err == IOT_OK) {
		fputc((int)(*resp_len >> 8 & 0xFF), s->transcript);
		fputc((int)(*resp_len & 0xFF), s->transcript);
		fwrite(*resp, 1, *resp_len, s->transcript);
	}
	return err;
}

static iot_err handle(struct eim_side *s, const uint8_t *req, size_t len, uint8_t **resp, size_t *resp_len)
{
	struct rsp_esipa_message_from_ipa q;
	struct rsp_esipa_message_from_eim m = { 0 };
	struct rsp_arena a;
	int64_t mem[64];
	iot_err err = IOT_OK;

	*resp = NULL;
	*resp_len = 0;
	s->messages++;
	if (s->fault && (!s->fault_tag || s->fault_tag == tag_of(req, len))) {
		enum eim_fault f = s->fault;

		if (s->fault_count <= 1)
			s->fault = EIM_FAULT_NONE;
		else
			s->fault_count--;
		if (f == EIM_FAULT_DROP)
			return IOT_E_IO;
		if (f == EIM_FAULT_GARBAGE) {
			*resp = malloc(4);
			memcpy(*resp, "\xBF\x4F\x05\x02", 4);
			*resp_len = 4;
			return IOT_OK;
		}
		m.choice = RSP_EIM_TO_IPA_CANCEL_SESSION;       /* the wrong function */
		m.u.cancel_session.choice = RSP_ESIPA_OK;
		return answer(&m, resp, resp_len);
	}
	rsp_arena_dynamic(&a);
	assert_int_equal(rsp_decode(&rsp_t_esipa_message_from_ipa, req, len, &q, &a), IOT_OK);
	switch (q.choice) {
	case RSP_IPA_TO_EIM_GET_EIM_PACKAGE:
		assert_int_equal(q.u.get_eim_package.eid_value.len, 16);
		if (memcmp(q.u.get_eim_package.eid_value.ptr, s->eid, 16)) {
			m.choice = RSP_EIM_TO_IPA_GET_EIM_PACKAGE;
			m.u.get_eim_package.choice = RSP_GET_EIM_PKG_ERROR;
			m.u.get_eim_package.u.error = RSP_EIM_PKG_EID_NOT_FOUND;
			err = answer(&m, resp, resp_len);
		} else if (s->queued) {
			*resp = s->queue[0];
			*resp_len = s->queue_len[0];
			memmove(s->queue, s->queue + 1, --s->queued * sizeof(s->queue[0]));
			memmove(s->queue_len, s->queue_len + 1, s->queued * sizeof(s->queue_len[0]));
		} else {
			m.choice = RSP_EIM_TO_IPA_GET_EIM_PACKAGE;
			m.u.get_eim_package.choice = RSP_GET_EIM_PKG_ERROR;
			m.u.get_eim_package.u.error = RSP_EIM_PKG_NO_PACKAGE;
			err = answer(&m, resp, resp_len);
		}
		break;
	case RSP_IPA_TO_EIM_PROVIDE_EIM_PACKAGE_RESULT:
		s->results++;
		free(s->last_result);
		s->last_result = malloc(len);
		memcpy(s->last_result, req, len);
		s->last_result_len = len;
		m.choice = RSP_EIM_TO_IPA_PROVIDE_EIM_PACKAGE_RESULT;
		m.u.provide_eim_package_result.choice = RSP_PROVIDE_RESULT_ACKS;
		acks_of(s, &q.u.provide_eim_package_result.eim_package_result, &m.u.provide_eim_package_result.u.acks, mem);
		if (s->no_acks)
			m.u.provide_eim_package_result.choice = RSP_PROVIDE_RESULT_EMPTY;
		err = answer(&m, resp, resp_len);
		break;
	case RSP_IPA_TO_EIM_HANDLE_NOTIFICATION:
		s->handle_notifications++;
		break;
	default:
		err = relay(s, &q, resp, resp_len, &a);
		break;
	}
	rsp_arena_free(&a);
	return err;
}
