/* The SM-DP+ tests' set-up and their test-side LPA (tests/unit/smdp_lpa.h). */
#include "smdp_lpa.h"

#include <stdio.h>
#include <unistd.h>

#include "base/hex.h"
#include "smdp/server.h"

enum crypto_curve curve;
/* how the LPA reaches the SM-DP+: calls, or the ASN.1 binding over HTTPS to smdpd's server */
enum smdp_transport transport;
static struct smdp_credentials creds;
static struct smdp_server *server;
static struct http_client *client;
static char tls_cert[200], tls_key[200], url[128];
static struct fixture_pki pki;
static struct euicc *euicc;
struct smdp *dp;
char db_url[512];
uint8_t iccid[10] = { 0x98, 0x94, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10 };
static uint8_t resp[65536];
static size_t resp_len;

/* ---- set-up ---- */

static struct smdp_config dp_config(int order_seconds, int download_attempts)
{
	creds = (struct smdp_credentials){ pki.ci, pki.dp_auth, pki.dp_key, pki.dp_pb, pki.dp_pb_key };
	return (struct smdp_config){ .address = ADDRESS, .creds = &creds, .cred_count = 1, .store_url = db_url,
				     .order_seconds = order_seconds, .download_attempts = download_attempts };
}

struct smdp *open_dp(int order_seconds, int download_attempts)
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
void restart(void)
{
	smdp_close(dp);
	dp = open_dp(0, 0);
	if (transport != DIRECT) {
		smdp_server_stop(server);
		start_server();
	}
}

void add_profile(bool ppk)
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

int setup(void **state)
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

int teardown(void **state)
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

void order(const char *eid, const char *matching_id, const char *cc, bool release)
{
	uint8_t got[10];
	char mid[65];

	assert_int_equal(smdp_download_order(dp, OWNER, iccid, eid, got, NULL), IOT_OK);
	assert_memory_equal(got, iccid, 10);
	assert_int_equal(smdp_confirm_order(dp, OWNER, iccid, eid, matching_id, cc, release, mid, NULL), IOT_OK);
	if (matching_id)
		assert_string_equal(mid, matching_id);
}

enum smdp_state state_of(void)
{
	enum smdp_state st;

	assert_int_equal(smdp_profile_state(dp, iccid, &st), IOT_OK);
	return st;
}

/* ---- the test-side LPA ---- */


static uint8_t *keep(struct lpa *l, const uint8_t *p, size_t n)
{
	uint8_t *c = malloc(n ? n : 1);

	assert_true(l->kept < sizeof(l->keep) / sizeof(l->keep[0]));
	if (n)
		memcpy(c, p, n);
	l->keep[l->kept++] = c;
	return c;
}

void lpa_init(struct lpa *l)
{
	memset(l, 0, sizeof(*l));
	rsp_arena_dynamic(&l->a);
}

void lpa_free(struct lpa *l)
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
int es9(struct lpa *l, const uint8_t *req, size_t n, struct rsp_remote_profile_provisioning_response *r,
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


int lpa_initiate(struct lpa *l, int variant)
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
int lpa_authenticate(struct lpa *l, const char *matching_id, enum tamper t)
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
void lpa_prepare(struct lpa *l, const char *cc)
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
int lpa_get_bpp(struct lpa *l, const uint8_t *txid, bool bad_signature2)
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
bool lpa_install(struct lpa *l)
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
int lpa_cancel(struct lpa *l, int reason)
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

/* A session up to the package bound (the BPP not given to the eUICC). */
void lpa_bound(struct lpa *l, const char *matching_id)
{
	lpa_init(l);
	assert_int_equal(lpa_initiate(l, AS_IS), 0);
	assert_int_equal(lpa_authenticate(l, matching_id, NONE), 0);
	lpa_prepare(l, NULL);
	assert_int_equal(lpa_get_bpp(l, NULL, false), 0);
}

/* A whole download; returns the first non-zero code, 0 when installed. */
int download(const char *matching_id, const char *cc)
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

void assert_status(const struct lpa *l, const char *subject, const char *reason)
{
	if (transport != DIRECT)
		return;         /* the ASN.1 binding carries no subject/reason codes */
	assert_non_null(l->st.subject);
	assert_string_equal(l->st.subject, subject);
	assert_string_equal(l->st.reason, reason);
}

/* ---- the nominal paths ---- */

int smdp_lpa_run(const char *name, const struct CMUnitTest *tests, size_t n)
{
	char title[128];
	int failed = test_run_both_curves(name, tests, n, &curve);

	transport = HTTPS_ASN1;
	snprintf(title, sizeof(title), "%s over HTTPS, ASN.1 binding", name);
	failed += _cmocka_run_group_tests(title, tests, n, NULL, NULL);
	transport = DIRECT;
	return failed;
}
