/* An LPA's side of a full ES9+ download (the ASN.1 or the JSON binding over
 * HTTPS) into a software eUICC through APDUs, for the benches: bench_smdp
 * (smdpd's server in the same process) and bench_smdp_client (an smdpd
 * running elsewhere). */
#include "download_client.h"

#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "fixture.h"

#include "net/es9_json.h"
#include "rsp/rsp.h"

static int es10(struct link *l, const uint8_t *req, size_t n)
{
	return es10_apdus(l->e, req, n, 255, l->resp, sizeof(l->resp), &l->resp_len, NULL) == 0x9000 ? 0 : -1;
}

static int post(struct link *l, const uint8_t *req, size_t n, uint8_t **out, size_t *out_len)
{
	static const char *const headers[] = { "Content-Type: application/x-gsma-rsp-asn1",
					       "X-Admin-Protocol: gsma/rsp/v2.5.0", NULL };
	int status = 0;

	*out = NULL;
	*out_len = 0;
	/* SGP.22 6.5.2: as an LPA speaking JSON would, the answer made ASN.1 for the rest */
	if (l->json_url) {
		struct es9_json_bytes b = { 0 };
		int rc = es9_json_post(l->http, l->json_url, req, n, &status, out, out_len, &b) == IOT_OK ? 0 : -1;

		l->bytes_out += b.sent;
		l->bytes_in += b.received;
		return rc;
	}
	if (http_client_post(l->http, l->url, headers, req, n, &status, out, out_len) != IOT_OK ||
	    (status != 200 && status != 204))
		return -1;
	l->bytes_out += n;
	l->bytes_in += *out_len;
	return 0;
}

/* What the eUICC said, relayed: A2 { tag { 80 txid, it } }; HandleNotification
 * takes it inside [0]. */
static int relay(struct link *l, uint32_t tag, const uint8_t *txid, uint8_t **out, size_t *out_len)
{
	struct der_writer w;
	size_t a2, t, a0 = 0;
	int rc;

	der_writer_dynamic(&w);
	a2 = der_begin(&w, 0xA2);
	t = der_begin(&w, tag);
	if (txid)
		der_put_tlv(&w, 0x80, txid, 16);
	if (tag == 0xBF3D)
		a0 = der_begin(&w, 0xA0);
	der_put_raw(&w, l->resp, l->resp_len);
	if (tag == 0xBF3D)
		der_end(&w, a0);
	der_end(&w, t);
	der_end(&w, a2);
	rc = der_writer_err(&w) ? -1 : post(l, w.buf, w.len, out, out_len);
	der_writer_free(&w);
	return rc;
}

/* The ok alternative of a decoded response, or NULL. */
static bool response_ok(const uint8_t *der, size_t len, struct rsp_remote_profile_provisioning_response *r,
			struct rsp_arena *a)
{
	if (rsp_decode(&rsp_t_remote_profile_provisioning_response, der, len, r, a) != IOT_OK)
		return false;
	switch (r->choice) {
	case RSP_ES9_RESP_INITIATE_AUTHENTICATION:
		return r->u.initiate_authentication.choice == 1;
	case RSP_ES9_RESP_AUTHENTICATE_CLIENT:
		return r->u.authenticate_client.choice == 1;
	default:
		return r->u.get_bpp.choice == 1;
	}
}

int dl_download(struct link *l, const char *matching_id, bool install)
{
	struct rsp_remote_profile_provisioning_request q = { .choice = RSP_ES9_REQ_INITIATE_AUTHENTICATION };
	struct rsp_remote_profile_provisioning_response r1, r2;
	struct rsp_authenticate_server_request as = { 0 };
	struct rsp_prepare_download_request pd = { 0 };
	struct rsp_get_euicc_challenge_response ch;
	struct der_reader top, in;
	struct der_tlv t;
	struct rsp_arena a;
	uint8_t *req = NULL, *b1 = NULL, *b2 = NULL, *b3 = NULL, *b4 = NULL, txid[16], challenge[16], info1[512];
	size_t n, l1, l2, l3, l4;
	int rc = -1;

	rsp_arena_dynamic(&a);
	if (es10(l, (const uint8_t *)"\xBF\x2E\x00", 3) ||
	    rsp_decode(&rsp_t_get_euicc_challenge_response, l->resp, l->resp_len, &ch, &a) != IOT_OK)
		goto out;
	memcpy(challenge, ch.euicc_challenge.ptr, 16);
	q.u.initiate_authentication.euicc_challenge = RSP_BYTES(challenge, 16);
	q.u.initiate_authentication.smdp_address = RSP_BYTES(l->address, strlen(l->address));
	if (es10(l, (const uint8_t *)"\xBF\x20\x00", 3) || l->resp_len > sizeof(info1))
		goto out;
	memcpy(info1, l->resp, l->resp_len);
	if (rsp_decode(&rsp_t_euicc_info1, info1, l->resp_len, &q.u.initiate_authentication.euicc_info1, &a) != IOT_OK ||
	    rsp_encode_alloc(&rsp_t_remote_profile_provisioning_request, &q, &req, &n) != IOT_OK ||
	    post(l, req, n, &b1, &l1) || !response_ok(b1, l1, &r1, &a))
		goto out;
	memcpy(txid, r1.u.initiate_authentication.u.ok.transaction_id.ptr, 16);
	as.server_signed1 = r1.u.initiate_authentication.u.ok.server_signed1;
	as.server_signature1 = r1.u.initiate_authentication.u.ok.server_signature1;
	as.euicc_ci_pkid_to_be_used = r1.u.initiate_authentication.u.ok.euicc_ci_pkid_to_be_used;
	as.server_certificate = r1.u.initiate_authentication.u.ok.server_certificate;
	as.ctx_params1.choice = RSP_CTX_PARAMS_FOR_COMMON_AUTHENTICATION;
	as.ctx_params1.u.common.has_matching_id = true;
	as.ctx_params1.u.common.matching_id = RSP_BYTES(matching_id, strlen(matching_id));
	as.ctx_params1.u.common.device_info.tac = RSP_STR("\x35\x29\x06\x11");
	free(req);
	req = NULL;
	if (rsp_encode_alloc(&rsp_t_authenticate_server_request, &as, &req, &n) != IOT_OK || es10(l, req, n) ||
	    relay(l, 0xBF3B, txid, &b2, &l2) || !response_ok(b2, l2, &r2, &a))
		goto out;
	pd.smdp_signed2 = r2.u.authenticate_client.u.ok.smdp_signed2;
	pd.smdp_signature2 = r2.u.authenticate_client.u.ok.smdp_signature2;
	pd.smdp_certificate = r2.u.authenticate_client.u.ok.smdp_certificate;
	free(req);
	req = NULL;
	if (rsp_encode_alloc(&rsp_t_prepare_download_request, &pd, &req, &n) != IOT_OK || es10(l, req, n) ||
	    relay(l, 0xBF3A, txid, &b3, &l3))
		goto out;
	/* A2 { BF3A { A0 { 80 txid, BF36 bpp } } } */
	der_reader_init(&top, b3, l3);
	if (der_read(&top, &t) || der_enter(&top, &t, &in) || der_read(&in, &t) || der_enter(&in, &t, &top) ||
	    der_read(&top, &t) || t.tag != 0xA0 || der_enter(&top, &t, &in) || der_read(&in, &t) || der_read(&in, &t) ||
	    t.tag != 0xBF36)
		goto out;
	/* the BPP lost on its way: the eUICC keeps its one-time key for the retry */
	if (!install) {
		rc = 0;
		goto out;
	}
	if (fixture_load_bpp(l->e, t.raw, t.raw_len, 255, -1, l->resp, sizeof(l->resp), &l->resp_len) != 0x9000 ||
	    l->resp_len < 2 || l->resp[1] != 0x37 || relay(l, 0xBF3D, NULL, &b4, &l4))
		goto out;
	rc = 0;
out:
	free(req);
	free(b1);
	free(b2);
	free(b3);
	free(b4);
	rsp_arena_free(&a);
	return rc;
}

