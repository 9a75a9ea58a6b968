/* The SM-DP+ end to end: profiles downloaded into the software eUICC
 * through its APDU interface by a test-side LPA that relays ES9+ in the
 * ASN.1 binding (as an eIM does in SGP.32 indirect download), on both
 * curves: the nominal path, PPK, default SM-DP+, confirmation codes, the
 * retry paths, a restart mid-session, and each error with its codes. */
#include "testutil.h"
#include "fixture.h"

#include <stdio.h>
#include <unistd.h>

#include "base/hex.h"
#include "rsp/rsp.h"
#include "smdp/server.h"
#include "smdp/smdp.h"

#define ADDRESS "smdp.iotrsp.test"
#define OWNER "operator-a"
#define PROFILE_LEN (12 * 1024)

static enum crypto_curve curve;
/* how the LPA reaches the SM-DP+: calls, or the ASN.1 binding over HTTPS to smdpd's server */
static enum { DIRECT, HTTPS_ASN1 } transport;
static struct smdp_credentials creds;
static struct smdp_server *server;
static struct http_client *client;
static char tls_cert[200], tls_key[200], url[128];
static struct fixture_pki pki;
static struct euicc *euicc;
static struct smdp *dp;
static char db_url[512];
static uint8_t iccid[10] = { 0x98, 0x94, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10 };
static uint8_t resp[65536];
static size_t resp_len;

/* ---- set-up ---- */

static struct smdp_config dp_config(int order_seconds, int download_attempts)
{
	creds = (struct smdp_credentials){ pki.ci, pki.dp_auth, pki.dp_key, pki.dp_pb, pki.dp_pb_key };
	return (struct smdp_config){ .address = ADDRESS, .creds = &creds, .cred_count = 1, .store_url = db_url,
				     .order_seconds = order_seconds, .download_attempts = download_attempts };
}

static struct smdp *open_dp(int order_seconds, int download_attempts)
{
	struct smdp_config cfg = dp_config(order_seconds, download_attempts);
	struct smdp *s;

	assert_int_equal(smdp_open(&cfg, &s), IOT_OK);
	return s;
}

static void start_server(void)
{
	struct smdp_server_config sc = { .smdp = dp_config(0, 0) };

	sc.http = (struct http_server_config){ .cert_file = tls_cert, .key_file = tls_key, .threads = 2 };
	assert_int_equal(smdp_server_start(&sc, &server), IOT_OK);
	snprintf(url, sizeof(url), "https://localhost:%u/gsma/rsp2/asn1", smdp_server_port(server));
}

/* A restart of the SM-DP+ (and its server): all it knows is in the store. */
static void restart(void)
{
	smdp_close(dp);
	dp = open_dp(0, 0);
	if (transport != DIRECT) {
		smdp_server_stop(server);
		start_server();
	}
}

static void add_profile(bool ppk)
{
	struct smdp_profile_info info = { .owner = OWNER, .service_provider_name = "Operator A",
					  .profile_name = "IoT operational", .profile_class = 2,
					  .notification_address = ADDRESS, .protect_ahead = ppk };
	uint8_t *upp = malloc(PROFILE_LEN);

	for (size_t i = 0; i < PROFILE_LEN; i++)
		upp[i] = (uint8_t)(i * 7 + 1);
	assert_int_equal(smdp_add_profile(dp, iccid, &info, upp, PROFILE_LEN), IOT_OK);
	free(upp);
}

static int setup(void **state)
{
	(void)state;
	fixture_pki_make(&pki, curve);
	test_store_url(db_url, sizeof(db_url), pki.dir, "smdp.db");
	dp = open_dp(0, 0);
	euicc = fixture_euicc(&pki);
	apdu(euicc, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL);
	if (transport != DIRECT) {
		struct http_client_config cc = { .ca_file = tls_cert };

		fixture_tls_cert(pki.dir, "tls", tls_cert, sizeof(tls_cert), tls_key, sizeof(tls_key));
		start_server();
		assert_int_equal(http_client_new(&cc, &client), IOT_OK);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (transport != DIRECT) {
		http_client_free(client);
		smdp_server_stop(server);
	}
	smdp_close(dp);
	euicc_free(euicc);
	fixture_pki_remove(&pki);
	return 0;
}

static void order(const char *eid, const char *matching_id, const char *cc, bool release)
{
	uint8_t got[10];
	char mid[65];

	assert_int_equal(smdp_download_order(dp, OWNER, iccid, eid, got, NULL), IOT_OK);
	assert_memory_equal(got, iccid, 10);
	assert_int_equal(smdp_confirm_order(dp, OWNER, iccid, eid, matching_id, cc, release, mid, NULL), IOT_OK);
	if (matching_id)
		assert_string_equal(mid, matching_id);
}

static enum smdp_state state_of(void)
{
	enum smdp_state st;

	assert_int_equal(smdp_profile_state(dp, iccid, &st), IOT_OK);
	return st;
}

/* ---- the test-side LPA ---- */

struct lpa {
	struct rsp_arena a;
	uint8_t *keep[64];                      /* buffers decoded values point into */
	size_t kept;
	struct smdp_status st;
	uint8_t txid[16];
	/* InitiateAuthentication */
	struct rsp_initiate_authentication_ok_es9 init;
	/* AuthenticateClient */
	struct rsp_authenticate_client_ok auth;
	/* GetBoundProfilePackage */
	const uint8_t *prepare;
	size_t prepare_len;
	const uint8_t *bpp;
	size_t bpp_len;
};

static uint8_t *keep(struct lpa *l, const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);

	assert_true(l->kept < sizeof(l->keep) / sizeof(l->keep[0]));
	if (n)
		memcpy(c, p, n);
	l->keep[l->kept++] = c;
	return c;
}

static void lpa_init(struct lpa *l)
{
	memset(l, 0, sizeof(*l));
	rsp_arena_dynamic(&l->a);
}

static void lpa_free(struct lpa *l)
{
	for (size_t i = 0; i < l->kept; i++)
		free(l->keep[i]);
	rsp_arena_free(&l->a);
}

static unsigned es10(const uint8_t *req, size_t n)
{
	unsigned count;

	return es10_apdus(euicc, req, n, 255, resp, sizeof(resp), &resp_len, &count);
}

/* One ES9+ call; returns the response bytes (kept) and the function's code. */
static int es9(struct lpa *l, const uint8_t *req, size_t n, struct rsp_remote_profile_provisioning_response *r,
	       const uint8_t **raw, size_t *raw_len)
{
	struct der_writer w;
	uint8_t *copy;

	der_writer_dynamic(&w);
	if (transport == DIRECT) {
		assert_int_equal(smdp_es9(dp, req, n, &w, &l->st), IOT_OK);
	} else {
		static const char *const headers[] = { "Content-Type: application/x-gsma-rsp-asn1",
						       "X-Admin-Protocol: gsma/rsp/v2.5.0", NULL };
		uint8_t *body;
		size_t len;
		int status;

		assert_int_equal(http_client_post(client, url, headers, req, n, &status, &body, &len), IOT_OK);
		assert_true(status == 200 || status == 204);
		der_put_raw(&w, body, len);
		free(body);
		memset(&l->st, 0, sizeof(l->st));
	}
	copy = keep(l, w.buf, w.len);
	if (raw) {
		*raw = copy;
		*raw_len = w.len;
	}
	if (r && w.len)
		assert_int_equal(rsp_decode(&rsp_t_remote_profile_provisioning_response, copy, w.len, r, &l->a), IOT_OK);
	if (transport != DIRECT && w.len) {
		/* only the function's error code travels in the ASN.1 binding */
		struct rsp_remote_profile_provisioning_response d;

		assert_int_equal(rsp_decode(&rsp_t_remote_profile_provisioning_response, copy, w.len, &d, &l->a), IOT_OK);
		if (d.choice == RSP_ES9_RESP_INITIATE_AUTHENTICATION && d.u.initiate_authentication.choice == 2)
			l->st.code = (int)d.u.initiate_authentication.u.error;
		else if (d.choice == RSP_ES9_RESP_AUTHENTICATE_CLIENT && d.u.authenticate_client.choice == 2)
			l->st.code = (int)d.u.authenticate_client.u.error;
		else if (d.choice == RSP_ES9_RESP_GET_BPP && d.u.get_bpp.choice == 2)
			l->st.code = (int)d.u.get_bpp.u.error;
		else if (d.choice == RSP_ES9_RESP_CANCEL_SESSION && d.u.cancel_session.choice == 2)
			l->st.code = (int)d.u.cancel_session.u.error;
	}
	der_writer_free(&w);
	return l->st.code;
}

/* A2 { tag { 80 txid, relayed } }: what the eUICC gave, as it is, or (the
 * ASN.1 of HandleNotification and CancelSessionRequestEs9) inside an
 * explicit [0] or with its tag replaced by [1]. */
enum { AS_GIVEN, IN_A0, RETAGGED_A1 };

static int relay(struct lpa *l, uint32_t tag, const uint8_t *txid, const uint8_t *relayed, size_t relayed_len,
		 struct rsp_remote_profile_provisioning_response *r, const uint8_t **raw, size_t *raw_len)
{
	int how = tag == 0xBF3D ? IN_A0 : tag == 0xBF41 ? RETAGGED_A1 : AS_GIVEN;
	struct der_writer w;
	struct der_tlv t;
	size_t a2, inner, a0;
	int code;

	der_writer_dynamic(&w);
	a2 = der_begin(&w, 0xA2);
	inner = der_begin(&w, tag);
	if (txid)
		der_put_tlv(&w, 0x80, txid, 16);
	if (how == IN_A0) {
		a0 = der_begin(&w, 0xA0);
		der_put_raw(&w, relayed, relayed_len);
		der_end(&w, a0);
	} else if (how == RETAGGED_A1) {
		assert_int_equal(der_parse_one(relayed, relayed_len, &t), IOT_OK);
		der_put_tlv(&w, 0xA1, t.value, t.len);
	} else {
		der_put_raw(&w, relayed, relayed_len);
	}
	der_end(&w, inner);
	der_end(&w, a2);
	code = es9(l, w.buf, w.len, r, raw, raw_len);
	der_writer_free(&w);
	return code;
}

enum { AS_IS = 0, OTHER_CI_PKIDS = 1, OTHER_CI_FOR_SIGNING = 2 };

static int lpa_initiate(struct lpa *l, int variant)
{
	struct rsp_remote_profile_provisioning_request q = { .choice = RSP_ES9_REQ_INITIATE_AUTHENTICATION };
	struct rsp_remote_profile_provisioning_response r;
	struct rsp_get_euicc_challenge_response ch;
	static const uint8_t other[20] = { 0xAA, 0xBB };
	rsp_bytes other_list[1] = { { other, sizeof(other) } };
	uint8_t *req;
	size_t n;
	int code;

	assert_int_equal(es10((const uint8_t *)"\xBF\x2E\x00", 3), 0x9000);
	assert_int_equal(rsp_decode(&rsp_t_get_euicc_challenge_response, keep(l, resp, resp_len), resp_len, &ch, &l->a),
			 IOT_OK);
	q.u.initiate_authentication.euicc_challenge = ch.euicc_challenge;
	q.u.initiate_authentication.smdp_address = RSP_STR(ADDRESS);
	assert_int_equal(es10((const uint8_t *)"\xBF\x20\x00", 3), 0x9000);
	assert_int_equal(rsp_decode(&rsp_t_euicc_info1, keep(l, resp, resp_len), resp_len,
				    &q.u.initiate_authentication.euicc_info1, &l->a), IOT_OK);
	if (variant == OTHER_CI_FOR_SIGNING) {
		/* the eUICC verifies only another CI: it can be verified, it cannot verify us */
		q.u.initiate_authentication.euicc_info1.euicc_ci_pkid_list_for_signing.items = other_list;
		q.u.initiate_authentication.euicc_info1.euicc_ci_pkid_list_for_signing.count = 1;
	}
	if (variant == OTHER_CI_PKIDS) {
		q.u.initiate_authentication.euicc_info1.euicc_ci_pkid_list_for_signing.items = other_list;
		q.u.initiate_authentication.euicc_info1.euicc_ci_pkid_list_for_verification.items = other_list;
		q.u.initiate_authentication.euicc_info1.euicc_ci_pkid_list_for_signing.count = 1;
		q.u.initiate_authentication.euicc_info1.euicc_ci_pkid_list_for_verification.count = 1;
	}
	assert_int_equal(rsp_encode_alloc(&rsp_t_remote_profile_provisioning_request, &q, &req, &n), IOT_OK);
	code = es9(l, req, n, &r, NULL, NULL);
	free(req);
	if (code)
		return code;
	assert_int_equal(r.choice, RSP_ES9_RESP_INITIATE_AUTHENTICATION);
	assert_int_equal(r.u.initiate_authentication.choice, 1);
	l->init = r.u.initiate_authentication.u.ok;
	assert_int_equal(l->init.transaction_id.len, 16);
	memcpy(l->txid, l->init.transaction_id.ptr, 16);
	return 0;
}

/* What to do to the eUICC's AuthenticateServerResponse on its way. */
enum tamper { NONE, BAD_SIGNATURE1, FOREIGN_EUM, EXPIRED_EUICC, EXPIRED_EUM, INVALID_EUICC, INVALID_EUM,
	      UNKNOWN_TXID };

/* The eUICC's certificate (or its EUM's) reissued: expired, or with a
 * broken signature. */
static const uint8_t *reissued(struct lpa *l, enum tamper t, size_t *len)
{
	struct crypto_key *ci_key, *eum_key, *subject;
	struct crypto_cert *ci, *eum, *c;
	struct x509_template tpl = { 0 };
	const uint8_t *der;
	uint8_t *copy;
	time_t now = time(NULL);

	assert_int_equal(crypto_key_load_pem(pki.ci_key, &ci_key), IOT_OK);
	assert_int_equal(crypto_key_load_pem(pki.eum_key, &eum_key), IOT_OK);
	assert_int_equal(x509_load(pki.ci, &ci), IOT_OK);
	assert_int_equal(x509_load(pki.eum, &eum), IOT_OK);
	tpl.not_before = now - 7200;
	tpl.not_after = now - 3600;     /* expired an hour ago */
	tpl.serial = 77;
	tpl.o = "iotrsp EUM";
	if (t == EXPIRED_EUICC) {
		assert_int_equal(crypto_key_load_pem(pki.euicc_key, &subject), IOT_OK);
		tpl.role = X509_ROLE_EUICC;
		tpl.cn = "Test eUICC";
		tpl.serial_number = FIXTURE_EID;
		assert_int_equal(x509_issue(&tpl, subject, eum, eum_key, &c), IOT_OK);
	} else {
		subject = NULL;
		tpl.role = X509_ROLE_EUM;
		tpl.cn = "Test EUM";
		tpl.ein = "89049032";
		assert_int_equal(x509_issue(&tpl, eum_key, ci, ci_key, &c), IOT_OK);
	}
	der = x509_der(c, len);
	copy = keep(l, der, *len);
	crypto_key_free(subject);
	crypto_key_free(ci_key);
	crypto_key_free(eum_key);
	x509_free(ci);
	x509_free(eum);
	x509_free(c);
	return copy;
}

static const uint8_t *foreign_eum(struct lpa *l, size_t *len)
{
	struct fixture_pki other;
	struct crypto_cert *c;
	const uint8_t *p, *der;

	fixture_pki_make(&other, curve);
	assert_int_equal(x509_load(other.eum, &c), IOT_OK);
	der = x509_der(c, len);
	p = keep(l, der, *len);
	x509_free(c);
	fixture_pki_remove(&other);
	return p;
}

static void tamper_response(struct lpa *l, enum tamper t, const uint8_t **raw, size_t *len)
{
	struct rsp_authenticate_server_response ar;
	uint8_t *copy, *out;
	size_t n;

	if (t == NONE || t == UNKNOWN_TXID)
		return;
	copy = keep(l, *raw, *len);
	assert_int_equal(rsp_decode(&rsp_t_authenticate_server_response, copy, *len, &ar, &l->a), IOT_OK);
	assert_int_equal(ar.choice, RSP_AUTH_RESP_OK);
	switch (t) {
	case BAD_SIGNATURE1:
		((uint8_t *)ar.u.ok.euicc_signature1.ptr)[10] ^= 1;
		break;
	case FOREIGN_EUM:
		ar.u.ok.eum_certificate.ptr = foreign_eum(l, &ar.u.ok.eum_certificate.len);
		break;
	case EXPIRED_EUICC:
		ar.u.ok.euicc_certificate.ptr = reissued(l, t, &ar.u.ok.euicc_certificate.len);
		break;
	case EXPIRED_EUM:
		ar.u.ok.eum_certificate.ptr = reissued(l, t, &ar.u.ok.eum_certificate.len);
		break;
	case INVALID_EUICC:
		/* the last byte of the certificate is in its signature */
		((uint8_t *)ar.u.ok.euicc_certificate.ptr)[ar.u.ok.euicc_certificate.len - 1] ^= 1;
		break;
	default:
		((uint8_t *)ar.u.ok.eum_certificate.ptr)[ar.u.ok.eum_certificate.len - 1] ^= 1;
		break;
	}
	assert_int_equal(rsp_encode_alloc(&rsp_t_authenticate_server_response, &ar, &out, &n), IOT_OK);
	*raw = keep(l, out, n);
	*len = n;
	free(out);
}

/* AuthenticateServer on the eUICC, AuthenticateClient relayed; matching_id
 * NULL leaves it out. */
static int lpa_authenticate(struct lpa *l, const char *matching_id, enum tamper t)
{
	struct rsp_authenticate_server_request q = { 0 };
	struct rsp_remote_profile_provisioning_response r;
	static const uint8_t random_txid[16] = { 0x0B, 0xAD };
	const uint8_t *raw;
	uint8_t *req;
	size_t n;
	int code;

	q.server_signed1 = l->init.server_signed1;
	q.server_signature1 = l->init.server_signature1;
	q.euicc_ci_pkid_to_be_used = l->init.euicc_ci_pkid_to_be_used;
	q.server_certificate = l->init.server_certificate;
	q.ctx_params1.choice = RSP_CTX_PARAMS_FOR_COMMON_AUTHENTICATION;
	if (matching_id) {
		q.ctx_params1.u.common.has_matching_id = true;
		q.ctx_params1.u.common.matching_id = RSP_BYTES(matching_id, strlen(matching_id));
	}
	q.ctx_params1.u.common.device_info.tac = RSP_STR("\x35\x29\x06\x11");
	assert_int_equal(rsp_encode_alloc(&rsp_t_authenticate_server_request, &q, &req, &n), IOT_OK);
	assert_int_equal(es10(req, n), 0x9000);
	free(req);
	raw = keep(l, resp, resp_len);
	n = resp_len;
	tamper_response(l, t, &raw, &n);
	code = relay(l, 0xBF3B, t == UNKNOWN_TXID ? random_txid : l->txid, raw, n, &r, NULL, NULL);
	if (code)
		return code;
	assert_int_equal(r.choice, RSP_ES9_RESP_AUTHENTICATE_CLIENT);
	l->auth = r.u.authenticate_client.u.ok;
	return 0;
}

/* PrepareDownload on the eUICC (hashCc from cc when given). */
static void lpa_prepare(struct lpa *l, const char *cc)
{
	struct rsp_prepare_download_request q = { 0 };
	uint8_t hash[32], *req;
	size_t n;

	q.smdp_signed2 = l->auth.smdp_signed2;
	q.smdp_signature2 = l->auth.smdp_signature2;
	q.smdp_certificate = l->auth.smdp_certificate;
	if (cc) {
		assert_int_equal(crypto_hash_confirmation_code((const uint8_t *)cc, strlen(cc), l->txid, 16, hash), IOT_OK);
		q.has_hash_cc = true;
		q.hash_cc = RSP_BYTES(hash, 32);
	}
	assert_int_equal(rsp_encode_alloc(&rsp_t_prepare_download_request, &q, &req, &n), IOT_OK);
	assert_int_equal(es10(req, n), 0x9000);
	free(req);
	l->prepare = keep(l, resp, resp_len);
	l->prepare_len = resp_len;
	assert_int_equal(resp[0], 0xBF);
}

/* GetBoundProfilePackage relayed; the BPP bytes into l->bpp. */
static int lpa_get_bpp(struct lpa *l, const uint8_t *txid, bool bad_signature2)
{
	struct der_reader top, in, ok;
	struct der_tlv t;
	const uint8_t *raw, *prepare = l->prepare;
	size_t raw_len;
	int code;

	if (bad_signature2) {
		uint8_t *copy = keep(l, l->prepare, l->prepare_len);

		copy[l->prepare_len - 5] ^= 1;  /* inside euiccSignature2, the last DO */
		prepare = copy;
	}
	code = relay(l, 0xBF3A, txid ? txid : l->txid, prepare, l->prepare_len, NULL, &raw, &raw_len);
	if (code)
		return code;
	/* A2 { BF3A { A0 { 80 txid, BF36 bpp } } } */
	der_reader_init(&top, raw, raw_len);
	assert_int_equal(der_read(&top, &t), IOT_OK);
	assert_int_equal(der_enter(&top, &t, &in), IOT_OK);
	assert_int_equal(der_read(&in, &t), IOT_OK);
	assert_int_equal(t.tag, 0xBF3A);
	assert_int_equal(der_enter(&in, &t, &ok), IOT_OK);
	assert_int_equal(der_read(&ok, &t), IOT_OK);
	assert_int_equal(t.tag, 0xA0);
	assert_int_equal(der_enter(&ok, &t, &in), IOT_OK);
	assert_int_equal(der_read(&in, &t), IOT_OK);
	assert_int_equal(t.tag, 0x80);
	assert_int_equal(der_read(&in, &t), IOT_OK);
	assert_int_equal(t.tag, 0xBF36);
	l->bpp = t.raw;
	l->bpp_len = t.raw_len;
	return 0;
}

/* The BPP into the eUICC; the PIR relayed in HandleNotification. Returns
 * whether the eUICC installed the profile. */
static bool lpa_install(struct lpa *l)
{
	struct rsp_profile_installation_result pir;
	const uint8_t *raw;

	assert_int_equal(fixture_load_bpp(euicc, l->bpp, l->bpp_len, 255, -1, resp, sizeof(resp), &resp_len), 0x9000);
	raw = keep(l, resp, resp_len);
	assert_int_equal(rsp_decode(&rsp_t_profile_installation_result, raw, resp_len, &pir, &l->a), IOT_OK);
	assert_int_equal(relay(l, 0xBF3D, NULL, raw, resp_len, NULL, NULL, NULL), 0);
	assert_null(l->st.subject);
	return pir.data.final_result.choice == RSP_FINAL_RESULT_SUCCESS;
}

/* CancelSession on the eUICC, relayed. */
static int lpa_cancel(struct lpa *l, int reason)
{
	struct rsp_cancel_session_request q = { RSP_BYTES(l->txid, 16), reason };
	struct rsp_remote_profile_provisioning_response r;
	uint8_t *req;
	size_t n;
	int code;

	assert_int_equal(rsp_encode_alloc(&rsp_t_cancel_session_request, &q, &req, &n), IOT_OK);
	assert_int_equal(es10(req, n), 0x9000);
	free(req);
	code = relay(l, 0xBF41, l->txid, keep(l, resp, resp_len), resp_len, &r, NULL, NULL);
	if (!code)
		assert_int_equal(r.choice, RSP_ES9_RESP_CANCEL_SESSION);
	return code;
}

/* A whole download; returns the first non-zero code, 0 when installed. */
static int download(const char *matching_id, const char *cc)
{
	struct lpa l;
	int code;

	lpa_init(&l);
	if (!(code = lpa_initiate(&l, AS_IS)) && !(code = lpa_authenticate(&l, matching_id, NONE))) {
		lpa_prepare(&l, cc);
		if (!(code = lpa_get_bpp(&l, NULL, false)))
			assert_true(lpa_install(&l));
	}
	lpa_free(&l);
	return code;
}

static void assert_status(const struct lpa *l, const char *subject, const char *reason)
{
	if (transport != DIRECT)
		return;         /* the ASN.1 binding carries no subject/reason codes */
	assert_non_null(l->st.subject);
	assert_string_equal(l->st.subject, subject);
	assert_string_equal(l->st.reason, reason);
}

/* ---- the nominal paths ---- */

static void test_download(void **state)
{
	char ac[128];

	(void)state;
	add_profile(false);
	assert_int_equal(state_of(), SMDP_AVAILABLE);
	order(NULL, "MATCH-0001", NULL, true);
	assert_int_equal(state_of(), SMDP_RELEASED);
	smdp_activation_code(dp, "MATCH-0001", ac, sizeof(ac));
	assert_string_equal(ac, "LPA:1$" ADDRESS "$MATCH-0001");
	assert_int_equal(download("MATCH-0001", NULL), 0);
	assert_int_equal(state_of(), SMDP_INSTALLED);
	/* the same order cannot serve a second download */
	assert_int_equal(download("MATCH-0001", NULL), 8);
}

static void test_download_with_ppk(void **state)
{
	(void)state;
	add_profile(true);
	order(NULL, "MATCH-PPK", NULL, true);
	assert_int_equal(download("MATCH-PPK", NULL), 0);
	assert_int_equal(state_of(), SMDP_INSTALLED);
}

static void test_default_smdp_order(void **state)
{
	(void)state;
	add_profile(false);
	/* SGP.22 3.1.2: an order for the EID, no MatchingID: found by the EID */
	order(FIXTURE_EID, "", NULL, true);
	assert_int_equal(download(NULL, NULL), 0);
	assert_int_equal(state_of(), SMDP_INSTALLED);
}

static void test_generated_matching_id(void **state)
{
	uint8_t got[10];
	char mid[65];

	(void)state;
	add_profile(false);
	assert_int_equal(smdp_download_order(dp, OWNER, NULL, NULL, got, NULL), IOT_OK);
	assert_memory_equal(got, iccid, 10);
	assert_int_equal(smdp_confirm_order(dp, OWNER, iccid, NULL, NULL, NULL, true, mid, NULL), IOT_OK);
	assert_int_equal(strlen(mid), 23);
	assert_int_equal(download(mid, NULL), 0);
}

/* The GSMA TS.48 test profiles, when the reference folder is there: each
 * imported with the ICCID of its ProfileHeader and installed. */
static void test_ts48_profiles(void **state)
{
	const char *ref = getenv("IOTRSP_REFERENCE");
	struct smdp_profile_info info = { .owner = OWNER, .service_provider_name = "GSMA",
					  .profile_name = "TS.48 test profile", .profile_class = 2 };
	char path[512], list[600];
	FILE *names = NULL;
	int installed = 0;

	(void)state;
	snprintf(list, sizeof(list), "ls %s/upp/*.der 2>/dev/null", ref ? ref : "/nonexistent");
	if (!ref || transport != DIRECT || !(names = popen(list, "r")))
		skip();
	while (fgets(path, sizeof(path), names)) {
		struct der_reader r, in;
		struct der_tlv header, t;
		uint8_t *upp;
		size_t len;
		FILE *f;

		path[strcspn(path, "\n")] = 0;
		assert_non_null(f = fopen(path, "rb"));
		fseek(f, 0, SEEK_END);
		len = (size_t)ftell(f);
		rewind(f);
		upp = malloc(len);
		assert_int_equal(fread(upp, 1, len, f), len);
		fclose(f);
		/* ProfileElement header [0] { ..., iccid [3] } */
		der_reader_init(&r, upp, len);
		assert_int_equal(der_read(&r, &header), IOT_OK);
		assert_int_equal(header.tag, 0xA0);
		assert_int_equal(der_enter(&r, &header, &in), IOT_OK);
		do
			assert_int_equal(der_read(&in, &t), IOT_OK);
		while (t.tag != 0x83);
		assert_int_equal(t.len, 10);
		if (installed) {        /* the profiles share ICCIDs: a new eUICC and SM-DP+ each */
			teardown(NULL);
			setup(NULL);
		}
		/* the header holds the ICCID as printed; the metadata as in EF.ICCID */
		{
			char digits[21];

			hex_encode(t.value, 10, digits);
			digits[strcspn(digits, "F")] = 0;
			assert_int_equal(rsp_iccid_from_digits(digits, iccid), IOT_OK);
		}
		assert_int_equal(smdp_add_profile(dp, iccid, &info, upp, len), IOT_OK);
		free(upp);
		order(NULL, "TS48", NULL, true);
		assert_int_equal(download("TS48", NULL), 0);
		assert_int_equal(state_of(), SMDP_INSTALLED);
		installed++;
	}
	pclose(names);
	memcpy(iccid, "\x98\x94\x11\x00\x00\x00\x00\x00\x00\x10", 10);
	if (!installed)
		skip();
	print_message("%d TS.48 profiles installed\n", installed);
}

/* ---- confirmation codes ---- */

static void test_confirmation_code(void **state)
{
	(void)state;
	add_profile(false);
	order(NULL, "MATCH-CC", "4711", true);
	assert_int_equal(download("MATCH-CC", NULL), 2);        /* confirmationCodeMissing */
	assert_int_equal(download("MATCH-CC", "1234"), 3);      /* confirmationCodeRefused */
	assert_int_equal(state_of(), SMDP_RELEASED);
	assert_int_equal(download("MATCH-CC", "4711"), 0);
	assert_int_equal(state_of(), SMDP_INSTALLED);
}

static void test_confirmation_code_retry_limit(void **state)
{
	struct lpa l;

	(void)state;
	add_profile(false);
	order(NULL, "MATCH-CC3", "4711", true);
	assert_int_equal(download("MATCH-CC3", "0000"), 3);
	assert_int_equal(download("MATCH-CC3", "1111"), 3);
	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, AS_IS), 0);
	assert_int_equal(lpa_authenticate(&l, "MATCH-CC3", NONE), 0);
	lpa_prepare(&l, "2222");
	assert_int_equal(lpa_get_bpp(&l, NULL, false), 4);     /* confirmationCodeRetriesExceeded */
	assert_status(&l, "8.2.7", "6.4");
	lpa_free(&l);
	assert_int_equal(state_of(), SMDP_ERROR);
	assert_int_equal(download("MATCH-CC3", "4711"), 8);     /* the order is over */
}

/* ---- retries ---- */

static void test_retry_same_session(void **state)
{
	struct lpa l;
	const uint8_t *first;

	(void)state;
	add_profile(false);
	order(NULL, "MATCH-R1", NULL, true);
	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, AS_IS), 0);
	assert_int_equal(lpa_authenticate(&l, "MATCH-R1", NONE), 0);
	lpa_prepare(&l, NULL);
	assert_int_equal(lpa_get_bpp(&l, NULL, false), 0);
	first = l.bpp;
	/* the response was lost: the LPA asks again in the same session */
	assert_int_equal(lpa_get_bpp(&l, NULL, false), 0);
	assert_ptr_not_equal(first, l.bpp);
	assert_true(lpa_install(&l));
	lpa_free(&l);
	assert_int_equal(state_of(), SMDP_INSTALLED);
}

static void test_retry_new_session_same_key(void **state)
{
	struct lpa l;

	(void)state;
	add_profile(false);
	order(NULL, "MATCH-R2", NULL, true);
	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, AS_IS), 0);
	assert_int_equal(lpa_authenticate(&l, "MATCH-R2", NONE), 0);
	lpa_prepare(&l, NULL);
	assert_int_equal(lpa_get_bpp(&l, NULL, false), 0);
	lpa_free(&l);
	assert_int_equal(state_of(), SMDP_DOWNLOADED);
	/* the BPP never reached the eUICC; a new session offers the same
	 * one-time key (SGP.22 3.1.3.2: bppEuiccOtpk) */
	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, AS_IS), 0);
	assert_int_equal(lpa_authenticate(&l, "MATCH-R2", NONE), 0);
	assert_true(l.auth.smdp_signed2.has_bpp_euicc_otpk);
	lpa_prepare(&l, NULL);
	assert_int_equal(lpa_get_bpp(&l, NULL, false), 0);
	assert_true(lpa_install(&l));
	lpa_free(&l);
	assert_int_equal(state_of(), SMDP_INSTALLED);
}

/* #15 item 14: a download postponed after its package was bound
 * (CancelSession, postponed) is retried with the same one-time keys and
 * the package already bound, not bound anew. */
static void test_postponed_after_binding(void **state)
{
	struct lpa l;

	(void)state;
	add_profile(false);
	order(NULL, "MATCH-PB", NULL, true);
	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, AS_IS), 0);
	assert_int_equal(lpa_authenticate(&l, "MATCH-PB", NONE), 0);
	lpa_prepare(&l, NULL);
	assert_int_equal(lpa_get_bpp(&l, NULL, false), 0);
	assert_int_equal(state_of(), SMDP_DOWNLOADED);
	assert_int_equal(lpa_cancel(&l, 1), 0);                 /* postponed */
	lpa_free(&l);
	assert_int_equal(state_of(), SMDP_DOWNLOADED);
	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, AS_IS), 0);
	assert_int_equal(lpa_authenticate(&l, "MATCH-PB", NONE), 0);
	assert_true(l.auth.smdp_signed2.has_bpp_euicc_otpk);
	lpa_prepare(&l, NULL);
	assert_int_equal(lpa_get_bpp(&l, NULL, false), 0);
	assert_true(lpa_install(&l));
	lpa_free(&l);
	assert_int_equal(state_of(), SMDP_INSTALLED);
}

static void test_rebinding_limit(void **state)
{
	struct lpa l;

	(void)state;
	if (transport != DIRECT)
		skip();        /* it moves the clock or changes the configuration of the SM-DP+ */
	smdp_close(dp);
	dp = open_dp(0, 1);
	add_profile(false);
	order(NULL, "MATCH-R3", NULL, true);
	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, AS_IS), 0);
	assert_int_equal(lpa_authenticate(&l, "MATCH-R3", NONE), 0);
	lpa_prepare(&l, NULL);
	assert_int_equal(lpa_get_bpp(&l, NULL, false), 0);
	/* the eUICC made a new one-time key: a new binding, beyond the limit */
	lpa_prepare(&l, NULL);
	assert_int_equal(lpa_get_bpp(&l, NULL, false), 5);     /* bppRebindingRefused */
	assert_status(&l, "8.8.5", "6.4");
	lpa_free(&l);
}

static void test_restart_mid_session(void **state)
{
	struct lpa l;

	(void)state;
	add_profile(false);
	order(NULL, "MATCH-RS", NULL, true);
	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, AS_IS), 0);
	assert_int_equal(lpa_authenticate(&l, "MATCH-RS", NONE), 0);
	restart();
	lpa_prepare(&l, NULL);
	assert_int_equal(lpa_get_bpp(&l, NULL, false), 0);
	restart();
	assert_true(lpa_install(&l));
	lpa_free(&l);
	assert_int_equal(state_of(), SMDP_INSTALLED);
}

/* ---- errors ---- */

static void test_matching_id_errors(void **state)
{
	struct lpa l;

	(void)state;
	add_profile(false);
	order(NULL, "MATCH-E1", NULL, true);
	assert_int_equal(download("MATCH-WRONG", NULL), 6);     /* matchingIdRefused */
	/* no MatchingID and no order for this EID: the EID is refused (8.1.1/3.8), not a MatchingID */
	assert_int_equal(download(NULL, NULL), 7);
	assert_int_equal(download("", NULL), 7);
	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, AS_IS), 0);
	assert_int_equal(lpa_authenticate(&l, NULL, NONE), 7);
	assert_status(&l, "8.1.1", "3.8");
	lpa_free(&l);
	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, AS_IS), 0);
	assert_int_equal(lpa_authenticate(&l, "MATCH-WRONG", NONE), 6);
	assert_status(&l, "8.2.6", "3.8");
	/* the session ended with the refusal */
	assert_int_equal(lpa_authenticate(&l, "MATCH-E1", NONE), 10);
	lpa_free(&l);
	assert_int_equal(state_of(), SMDP_RELEASED);
}

static void test_eid_mismatch(void **state)
{
	(void)state;
	add_profile(false);
	order("89049032123451234512345678909999", "MATCH-EID", NULL, true);
	assert_int_equal(download("MATCH-EID", NULL), 7);       /* eidMismatch */
	assert_int_equal(state_of(), SMDP_RELEASED);
}

static void test_unreleased_profile(void **state)
{
	struct smdp_status st;

	(void)state;
	add_profile(false);
	order(NULL, "MATCH-UR", NULL, false);
	assert_int_equal(state_of(), SMDP_CONFIRMED);
	assert_int_equal(download("MATCH-UR", NULL), 8);        /* noEligibleProfile: not released */
	assert_int_equal(smdp_release_profile(dp, OWNER, iccid, &st), IOT_OK);
	assert_int_equal(smdp_release_profile(dp, OWNER, iccid, &st), IOT_E_REFUSED);
	assert_string_equal(st.subject, "8.2.1");
	assert_int_equal(download("MATCH-UR", NULL), 0);
}

static void test_expired_order(void **state)
{
	struct lpa l;
	time_t now = time(NULL);

	(void)state;
	if (transport != DIRECT)
		skip();        /* it moves the clock or changes the configuration of the SM-DP+ */
	smdp_close(dp);
	dp = open_dp(300, 0);
	add_profile(false);
	smdp_set_time(dp, now);
	order(NULL, "MATCH-EX", NULL, true);
	/* expiring between AuthenticateClient and GetBoundProfilePackage */
	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, AS_IS), 0);
	assert_int_equal(lpa_authenticate(&l, "MATCH-EX", NONE), 0);
	lpa_prepare(&l, NULL);
	smdp_set_time(dp, now + 301);
	assert_int_equal(lpa_get_bpp(&l, NULL, false), 6);     /* downloadOrderExpired */
	assert_status(&l, "8.8.5", "4.10");
	lpa_free(&l);
	/* and at AuthenticateClient */
	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, AS_IS), 0);
	assert_int_equal(lpa_authenticate(&l, "MATCH-EX", NONE), 127);
	assert_status(&l, "8.8.5", "4.10");
	lpa_free(&l);
}

static void test_session_expiry(void **state)
{
	struct lpa l;

	(void)state;
	if (transport != DIRECT)
		skip();        /* it moves the clock or changes the configuration of the SM-DP+ */
	add_profile(false);
	order(NULL, "MATCH-SX", NULL, true);
	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, AS_IS), 0);
	smdp_set_time(dp, time(NULL) + 601);
	assert_int_equal(lpa_authenticate(&l, "MATCH-SX", NONE), 10);
	lpa_free(&l);
}

static void test_bad_euicc_signatures(void **state)
{
	struct lpa l;

	(void)state;
	add_profile(false);
	order(NULL, "MATCH-SIG", NULL, true);
	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, AS_IS), 0);
	assert_int_equal(lpa_authenticate(&l, "MATCH-SIG", BAD_SIGNATURE1), 5);   /* euiccSignatureInvalid */
	assert_status(&l, "8.1", "6.1");
	lpa_free(&l);
	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, AS_IS), 0);
	assert_int_equal(lpa_authenticate(&l, "MATCH-SIG", NONE), 0);
	lpa_prepare(&l, NULL);
	assert_int_equal(lpa_get_bpp(&l, NULL, true), 1);      /* euiccSignatureInvalid */
	assert_status(&l, "8.1", "6.1");
	lpa_free(&l);
	assert_int_equal(state_of(), SMDP_RELEASED);
}

static void test_certificate_errors(void **state)
{
	static const struct {
		enum tamper t;
		int code;
		const char *subject, *reason;
	} cases[] = {
		{ FOREIGN_EUM, 9, "8.11.1", "3.9" },            /* ciPKUnknown */
		{ INVALID_EUM, 1, "8.1.2", "6.1" },             /* eumCertificateInvalid */
		{ EXPIRED_EUM, 2, "8.1.2", "6.3" },             /* eumCertificateExpired */
		{ INVALID_EUICC, 3, "8.1.3", "6.1" },           /* euiccCertificateInvalid */
		{ EXPIRED_EUICC, 4, "8.1.3", "6.3" },           /* euiccCertificateExpired */
	};
	struct lpa l;

	(void)state;
	add_profile(false);
	order(NULL, "MATCH-CERT", NULL, true);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lpa_init(&l);
		assert_int_equal(lpa_initiate(&l, AS_IS), 0);
		assert_int_equal(lpa_authenticate(&l, "MATCH-CERT", cases[i].t), cases[i].code);
		assert_status(&l, cases[i].subject, cases[i].reason);
		lpa_free(&l);
	}
	assert_int_equal(state_of(), SMDP_RELEASED);
}

static void test_initiate_errors(void **state)
{
	struct rsp_remote_profile_provisioning_request q = { .choice = RSP_ES9_REQ_INITIATE_AUTHENTICATION };
	static const uint8_t challenge[16] = { 1 };
	struct lpa l;
	uint8_t *req;
	size_t n;

	(void)state;
	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, OTHER_CI_PKIDS), 3);  /* ciPKNotSupported */
	assert_status(&l, "8.8.2", "3.1");
	assert_int_equal(lpa_initiate(&l, OTHER_CI_FOR_SIGNING), 3);
	assert_status(&l, "8.8.4", "3.7");
	q.u.initiate_authentication.euicc_challenge = RSP_BYTES(challenge, 16);
	q.u.initiate_authentication.smdp_address = RSP_STR("other.example");
	q.u.initiate_authentication.euicc_info1.svn = RSP_STR("\x02\x05\x00");
	assert_int_equal(rsp_encode_alloc(&rsp_t_remote_profile_provisioning_request, &q, &req, &n), IOT_OK);
	assert_int_equal(es9(&l, req, n, NULL, NULL, NULL), 1); /* invalidDpAddress */
	assert_status(&l, "8.8.1", "3.8");
	free(req);
	q.u.initiate_authentication.smdp_address = RSP_STR("SMDP.iotrsp.TEST");
	q.u.initiate_authentication.euicc_info1.svn = RSP_STR("\x01\x00\x00");
	assert_int_equal(rsp_encode_alloc(&rsp_t_remote_profile_provisioning_request, &q, &req, &n), IOT_OK);
	assert_int_equal(es9(&l, req, n, NULL, NULL, NULL), 2); /* euiccVersionNotSupportedByDp */
	free(req);
	/* a request that does not decode is an error of the call, nothing else */
	{
		struct der_writer w;

		der_writer_dynamic(&w);
		assert_int_not_equal(smdp_es9(dp, (const uint8_t *)"\xA2\x03\xBF\x39\x00", 5, &w, &l.st), IOT_OK);
		assert_int_equal(w.len, 0);
		der_writer_free(&w);
	}
	lpa_free(&l);
}

static void test_unknown_transaction(void **state)
{
	static const uint8_t random_txid[16] = { 0x5E, 0x55 };
	struct lpa l;

	(void)state;
	add_profile(false);
	order(NULL, "MATCH-TX", NULL, true);
	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, AS_IS), 0);
	assert_int_equal(lpa_authenticate(&l, "MATCH-TX", UNKNOWN_TXID), 10);  /* invalidTransactionId */
	assert_status(&l, "8.10.1", "3.9");
	lpa_free(&l);
	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, AS_IS), 0);
	assert_int_equal(lpa_authenticate(&l, "MATCH-TX", NONE), 0);
	lpa_prepare(&l, NULL);
	assert_int_equal(lpa_get_bpp(&l, random_txid, false), 95);     /* invalidTransactionId */
	assert_status(&l, "8.10.1", "3.9");
	memcpy(l.txid, random_txid, 16);
	assert_int_equal(lpa_cancel(&l, 1), 1);                         /* invalidTransactionId */
	lpa_free(&l);
}

static void test_cancelled_session(void **state)
{
	struct lpa l;

	(void)state;
	add_profile(false);
	order(NULL, "MATCH-CS", NULL, true);
	/* postponed: the order stands */
	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, AS_IS), 0);
	assert_int_equal(lpa_authenticate(&l, "MATCH-CS", NONE), 0);
	assert_int_equal(lpa_cancel(&l, 1), 0);
	lpa_prepare(&l, NULL);
	assert_int_equal(lpa_get_bpp(&l, NULL, false), 95);    /* the session is gone */
	lpa_free(&l);
	assert_int_equal(state_of(), SMDP_RELEASED);
	/* the end user rejected it: the order ends in error */
	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, AS_IS), 0);
	assert_int_equal(lpa_authenticate(&l, "MATCH-CS", NONE), 0);
	assert_int_equal(lpa_cancel(&l, 0), 0);
	lpa_free(&l);
	assert_int_equal(state_of(), SMDP_ERROR);
}

/* ---- ES2+ ---- */

static void test_es2_rules(void **state)
{
	static const uint8_t unknown[10] = { 0x98, 0x94, 0x99 };
	struct smdp_profile_info info = { .owner = OWNER, .service_provider_name = "Operator A",
					  .profile_name = "IoT", .profile_class = 2 };
	struct smdp_status st;
	enum smdp_state other_state;
	uint8_t got[10], other[10];
	char mid[65];

	(void)state;
	add_profile(false);
	/* the same ICCID twice */
	assert_int_equal(smdp_add_profile(dp, iccid, &info, (const uint8_t *)"\x30\x00", 2), IOT_E_REFUSED);
	/* another owner does not see the profile */
	assert_int_equal(smdp_download_order(dp, "operator-b", iccid, NULL, got, &st), IOT_E_NOT_FOUND);
	assert_string_equal(st.subject, "8.2.1");
	assert_string_equal(st.reason, "3.9");
	assert_int_equal(smdp_download_order(dp, "operator-b", NULL, NULL, got, &st), IOT_E_REFUSED);
	assert_string_equal(st.subject, "8.2.5");
	assert_int_equal(smdp_download_order(dp, OWNER, unknown, NULL, got, &st), IOT_E_NOT_FOUND);
	assert_int_equal(smdp_download_order(dp, OWNER, iccid, "8904", got, &st), IOT_E_REFUSED);
	assert_string_equal(st.subject, "8.1.1");
	/* confirm before the order: invalid transition */
	assert_int_equal(smdp_confirm_order(dp, OWNER, iccid, NULL, "M-1", NULL, true, mid, &st), IOT_E_REFUSED);
	assert_string_equal(st.reason, "3.5");
	assert_int_equal(smdp_download_order(dp, OWNER, iccid, NULL, got, &st), IOT_OK);
	assert_int_equal(state_of(), SMDP_ALLOCATED);
	assert_int_equal(smdp_download_order(dp, OWNER, iccid, NULL, got, &st), IOT_E_REFUSED);
	assert_string_equal(st.reason, "3.3");
	/* an empty MatchingID needs an EID; MatchingIDs are unique and well-formed */
	assert_int_equal(smdp_confirm_order(dp, OWNER, iccid, NULL, "", NULL, true, mid, &st), IOT_E_REFUSED);
	assert_string_equal(st.subject, "8.1.1");
	assert_string_equal(st.reason, "2.2");
	assert_int_equal(smdp_confirm_order(dp, OWNER, iccid, NULL, "bad id!", NULL, true, mid, &st), IOT_E_REFUSED);
	assert_string_equal(st.subject, "8.2.6");
	memcpy(other, iccid, 10);
	other[9] = 0x20;
	assert_int_equal(smdp_add_profile(dp, other, &info, (const uint8_t *)"\x30\x00", 2), IOT_OK);
	assert_int_equal(smdp_download_order(dp, OWNER, other, NULL, got, &st), IOT_OK);
	assert_int_equal(smdp_confirm_order(dp, OWNER, other, NULL, "M-DUP", NULL, false, mid, &st), IOT_OK);
	assert_int_equal(smdp_confirm_order(dp, OWNER, iccid, NULL, "M-DUP", NULL, false, mid, &st), IOT_E_REFUSED);
	assert_string_equal(st.reason, "3.3");
	assert_int_equal(state_of(), SMDP_ALLOCATED);           /* refused: nothing changed */
	/* cancel: only the order named (its MatchingID, its EID), nothing on a mismatch */
	assert_int_equal(smdp_cancel_order(dp, OWNER, other, NULL, "M-OTHER", true, &st), IOT_E_REFUSED);
	assert_string_equal(st.subject, "8.2.6");
	assert_string_equal(st.reason, "3.8");
	assert_int_equal(smdp_cancel_order(dp, OWNER, other, "89049032123451234512345678901299", "M-DUP", true, &st),
			 IOT_E_REFUSED);
	assert_string_equal(st.subject, "8.1.1");
	assert_string_equal(st.reason, "3.8");
	assert_int_equal(smdp_profile_state(dp, other, &other_state), IOT_OK);
	assert_int_not_equal(other_state, SMDP_AVAILABLE);        /* the order stands */
	/* cancel: back to available, or gone for good */
	assert_int_equal(smdp_cancel_order(dp, OWNER, other, NULL, "M-DUP", true, &st), IOT_OK);
	assert_int_equal(smdp_profile_state(dp, other, &other_state), IOT_OK);
	assert_int_equal(other_state, SMDP_AVAILABLE);
	assert_int_equal(smdp_cancel_order(dp, OWNER, other, NULL, NULL, true, &st), IOT_E_REFUSED);
	assert_int_equal(smdp_confirm_order(dp, OWNER, iccid, NULL, "M-DUP", NULL, false, mid, &st), IOT_OK);
	assert_int_equal(smdp_cancel_order(dp, OWNER, iccid, NULL, NULL, false, &st), IOT_OK);
	assert_int_equal(state_of(), SMDP_UNAVAILABLE);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
static const struct CMUnitTest tests[] = {
	T(test_download), T(test_download_with_ppk), T(test_default_smdp_order), T(test_generated_matching_id),
	T(test_ts48_profiles),
	T(test_confirmation_code), T(test_confirmation_code_retry_limit), T(test_retry_same_session),
	T(test_retry_new_session_same_key), T(test_postponed_after_binding), T(test_rebinding_limit), T(test_restart_mid_session),
	T(test_matching_id_errors), T(test_eid_mismatch), T(test_unreleased_profile), T(test_expired_order),
	T(test_session_expiry), T(test_bad_euicc_signatures), T(test_certificate_errors), T(test_initiate_errors),
	T(test_unknown_transaction), T(test_cancelled_session), T(test_es2_rules),
};

int main(void)
{
	int failed;

	curve = CRYPTO_P256;
	failed = cmocka_run_group_tests_name("smdp, NIST P-256", tests, NULL, NULL);
	curve = CRYPTO_BRAINPOOL_P256R1;
	failed += cmocka_run_group_tests_name("smdp, brainpoolP256r1", tests, NULL, NULL);
	curve = CRYPTO_P256;
	transport = HTTPS_ASN1;
	failed += cmocka_run_group_tests_name("smdp over HTTPS, ASN.1 binding", tests, NULL, NULL);
	return failed;
}
