/* A whole profile download into euiccd through APDUs, the SM-DP+ side
 * computed here with lib/crypto: AuthenticateServer, PrepareDownload, the
 * BPP in STORE DATA sequences as an LPA sends it, the signed PIR; and each
 * error path: unknown CI, bad signatures, challenge, transaction, session,
 * a tampered segment, an existing ICCID, an interruption, CancelSession. */
#include "testutil.h"
#include "fixture.h"
#include "saip_side.h"
#include "smdp_side.h"

#include "rsp/rsp.h"

static struct fixture_pki pki;
static struct crypto_key *dp_auth_key, *dp_pb_key;
static struct crypto_cert *ci, *dp_auth, *dp_pb, *euicc_cert;
static uint8_t eid[16];
static uint8_t resp[65536];
static size_t resp_len;
static uint8_t txid[16] = { 0x71, 0x1D };
static unsigned apdus;

static int setup(void **state)
{
	(void)state;
	fixture_pki_make(&pki, CRYPTO_P256);
	assert_int_equal(crypto_key_load_pem(pki.dp_key, &dp_auth_key), IOT_OK);
	assert_int_equal(crypto_key_load_pem(pki.dp_pb_key, &dp_pb_key), IOT_OK);
	assert_int_equal(x509_load(pki.ci, &ci), IOT_OK);
	assert_int_equal(x509_load(pki.dp_auth, &dp_auth), IOT_OK);
	assert_int_equal(x509_load(pki.dp_pb, &dp_pb), IOT_OK);
	assert_int_equal(x509_load(pki.euicc_cert, &euicc_cert), IOT_OK);
	hex(FIXTURE_EID, eid, 16);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	crypto_key_free(dp_auth_key);
	crypto_key_free(dp_pb_key);
	x509_free(ci);
	x509_free(dp_auth);
	x509_free(dp_pb);
	x509_free(euicc_cert);
	fixture_pki_remove(&pki);
	return 0;
}

static unsigned send_raw(struct euicc *e, const uint8_t *req, size_t n, size_t block)
{
	return es10_apdus(e, req, n, block, resp, sizeof(resp), &resp_len, &apdus);
}

static void send_es10(struct euicc *e, const void *value, const struct rsp_type *qt)
{
	uint8_t *req;
	size_t n;

	assert_int_equal(rsp_encode_alloc(qt, value, &req, &n), IOT_OK);
	assert_int_equal(send_raw(e, req, n, 255), 0x9000);
	free(req);
}

static void get_challenge(struct euicc *e, uint8_t challenge[16])
{
	struct rsp_get_euicc_challenge_response r;
	struct rsp_arena a;

	rsp_arena_dynamic(&a);
	assert_int_equal(send_raw(e, (const uint8_t *)"\xBF\x2E\x00", 3, 255), 0x9000);
	assert_int_equal(rsp_decode(&rsp_t_get_euicc_challenge_response, resp, resp_len, &r, &a), IOT_OK);
	memcpy(challenge, r.euicc_challenge.ptr, 16);
	rsp_arena_free(&a);
}

enum { OK_AS_IS, BAD_SIGNATURE, WRONG_CHALLENGE, UNKNOWN_CI };

/* AuthenticateServer; returns the decoded response (arena a); sig1 gets
 * euiccSignature1 on success. */
static void authenticate(struct euicc *e, int variant, struct rsp_authenticate_server_response *r,
			 struct rsp_arena *a, uint8_t sig1[64])
{
	struct rsp_authenticate_server_request q = { 0 };
	uint8_t challenge[16], server_challenge[16], sig[64], *ss1;
	size_t n, ski_len, cert_len;
	const uint8_t *ski = x509_ski(ci, &ski_len);
	struct crypto_buf part;
	static const uint8_t other_ci[20] = { 1, 2, 3 };

	get_challenge(e, challenge);
	if (variant == WRONG_CHALLENGE)
		challenge[0] ^= 1;
	crypto_random(server_challenge, 16);
	q.server_signed1.transaction_id = RSP_BYTES(txid, sizeof(txid));
	q.server_signed1.euicc_challenge = RSP_BYTES(challenge, 16);
	q.server_signed1.server_address = RSP_STR("smdp.iotrsp.test");
	q.server_signed1.server_challenge = RSP_BYTES(server_challenge, 16);
	assert_int_equal(rsp_encode_alloc(&rsp_t_server_signed1, &q.server_signed1, &ss1, &n), IOT_OK);
	part = (struct crypto_buf){ ss1, n };
	assert_int_equal(ecdsa_sign(dp_auth_key, &part, 1, sig), IOT_OK);
	free(ss1);
	if (variant == BAD_SIGNATURE)
		sig[9] ^= 1;
	q.server_signature1 = RSP_BYTES(sig, 64);
	q.euicc_ci_pkid_to_be_used = variant == UNKNOWN_CI ? RSP_BYTES(other_ci, 20) : RSP_BYTES(ski, ski_len);
	q.server_certificate = RSP_BYTES(x509_der(dp_auth, &cert_len), cert_len);
	q.ctx_params1.choice = RSP_CTX_PARAMS_FOR_COMMON_AUTHENTICATION;
	q.ctx_params1.u.common.has_matching_id = true;
	q.ctx_params1.u.common.matching_id = RSP_STR("MATCHING-ID-1");
	q.ctx_params1.u.common.device_info.tac = RSP_STR("\x35\x29\x06\x11");
	send_es10(e, &q, &rsp_t_authenticate_server_request);
	assert_int_equal(rsp_decode(&rsp_t_authenticate_server_response, resp, resp_len, r, a), IOT_OK);
	if (r->choice == RSP_AUTH_RESP_OK && sig1)
		memcpy(sig1, r->u.ok.euicc_signature1.ptr, 64);
}

/* PrepareDownload; otpk gets otPK.EUICC.ECKA on success. */
static void prepare(struct euicc *e, const uint8_t sig1[64], bool bad_signature, const uint8_t *use_txid,
		    struct rsp_prepare_download_response *r, struct rsp_arena *a, uint8_t otpk[65])
{
	struct rsp_prepare_download_request q = { 0 };
	uint8_t sig[64], tlv[67], *s2;
	size_t n, cert_len;
	struct crypto_buf parts[2];

	q.smdp_signed2.transaction_id = RSP_BYTES(use_txid, sizeof(txid));
	q.smdp_signed2.cc_required_flag = false;
	assert_int_equal(rsp_encode_alloc(&rsp_t_smdp_signed2, &q.smdp_signed2, &s2, &n), IOT_OK);
	tlv[0] = 0x5F;
	tlv[1] = 0x37;
	tlv[2] = 0x40;
	memcpy(tlv + 3, sig1, 64);
	parts[0] = (struct crypto_buf){ s2, n };
	parts[1] = (struct crypto_buf){ tlv, 67 };
	assert_int_equal(ecdsa_sign(dp_pb_key, parts, 2, sig), IOT_OK);
	free(s2);
	if (bad_signature)
		sig[3] ^= 1;
	q.smdp_signature2 = RSP_BYTES(sig, 64);
	q.smdp_certificate = RSP_BYTES(x509_der(dp_pb, &cert_len), cert_len);
	send_es10(e, &q, &rsp_t_prepare_download_request);
	assert_int_equal(rsp_decode(&rsp_t_prepare_download_response, resp, resp_len, r, a), IOT_OK);
	if (r->choice == RSP_PREPARE_DL_OK && otpk)
		memcpy(otpk, r->u.ok.euicc_signed2.euicc_otpk.ptr, 65);
}

static size_t make_metadata(uint8_t *buf, size_t cap, uint8_t last)
{
	struct rsp_store_metadata_request m = { 0 };
	static uint8_t iccid[10] = { 0x98, 0x94, 0x11, 0, 0, 0, 0, 0, 0, 0 };
	struct der_writer w;

	iccid[9] = last;
	m.iccid = RSP_BYTES(iccid, 10);
	m.service_provider_name = RSP_STR("Operator A");
	m.profile_name = RSP_STR("Operational A");
	m.profile_class = RSP_CLASS_OPERATIONAL;
	der_writer_fixed(&w, buf, cap);
	assert_int_equal(rsp_encode(&rsp_t_store_metadata_request, &m, &w), IOT_OK);
	return w.len;
}

static unsigned send_bpp(struct euicc *e, const uint8_t *bpp, size_t len, size_t block, int corrupt_at)
{
	return fixture_load_bpp(e, bpp, len, block, corrupt_at, resp, sizeof(resp), &resp_len);
}

struct outcome {
	struct rsp_profile_installation_result pir;
	struct rsp_arena a;
};

/* A whole download of a profile package (NULL: plen bytes of a pattern);
 * the PIR into o. */
static void download_package(struct euicc *e, uint8_t iccid_last, const uint8_t *package, size_t plen, size_t block,
			     int corrupt_at, bool ppk, struct outcome *o)
{
	struct rsp_authenticate_server_response ar;
	struct rsp_prepare_download_response pr;
	struct smdp_bind b = { 0 };
	uint8_t sig1[64], otpk[65], md[256], *profile = malloc(plen), *bpp;
	size_t mdl = make_metadata(md, sizeof(md), iccid_last), bpp_len, i;

	for (i = 0; i < plen; i++)
		profile[i] = package ? package[i] : (uint8_t)(i * 13);
	rsp_arena_dynamic(&o->a);
	authenticate(e, OK_AS_IS, &ar, &o->a, sig1);
	assert_int_equal(ar.choice, RSP_AUTH_RESP_OK);
	prepare(e, sig1, false, txid, &pr, &o->a, otpk);
	assert_int_equal(pr.choice, RSP_PREPARE_DL_OK);
	b.curve = pki.curve;
	b.pb = dp_pb_key;
	b.euicc_otpk = otpk;
	b.eid = eid;
	b.txid = txid;
	b.txid_len = sizeof(txid);
	b.metadata = md;
	b.metadata_len = mdl;
	b.profile = profile;
	b.profile_len = plen;
	b.with_ppk = ppk;
	smdp_make_bpp(&b, &bpp, &bpp_len);
	assert_int_equal(send_bpp(e, bpp, bpp_len, block, corrupt_at), 0x9000);
	assert_int_equal(rsp_decode(&rsp_t_profile_installation_result, resp, resp_len, &o->pir, &o->a), IOT_OK);
	/* the eUICC's signature over profileInstallationResultData */
	{
		struct crypto_buf part = { o->pir.data.der.ptr, o->pir.data.der.len };

		assert_int_equal(ecdsa_verify(x509_key(euicc_cert), &part, 1, o->pir.euicc_sign_pir.ptr, 64), IOT_OK);
	}
	free(bpp);
	free(profile);
}

static void download(struct euicc *e, uint8_t iccid_last, size_t plen, size_t block, int corrupt_at, bool ppk,
		     struct outcome *o)
{
	download_package(e, iccid_last, NULL, plen, block, corrupt_at, ppk, o);
}

static size_t profile_count(struct euicc *e)
{
	struct rsp_profile_info_list_response list;
	struct rsp_arena a;
	size_t n;

	rsp_arena_dynamic(&a);
	assert_int_equal(send_raw(e, (const uint8_t *)"\xBF\x2D\x00", 3, 255), 0x9000);
	assert_int_equal(rsp_decode(&rsp_t_profile_info_list_response, resp, resp_len, &list, &a), IOT_OK);
	n = list.u.ok.count;
	rsp_arena_free(&a);
	return n;
}

static struct euicc *ready(void)
{
	struct euicc *e = fixture_euicc(&pki);

	apdu(e, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL);
	return e;
}

static void test_full_download(void **state)
{
	struct euicc *e = ready();
	struct rsp_authenticate_server_response ar;
	struct outcome o;
	uint8_t sig1[64];
	enum x509_role failed;
	(void)state;

	/* the eUICC's answer to AuthenticateServer verifies as an SM-DP+ checks it */
	{
		struct rsp_arena a;
		struct crypto_cert *c1, *c2;
		struct crypto_buf part;

		rsp_arena_dynamic(&a);
		authenticate(e, OK_AS_IS, &ar, &a, sig1);
		assert_int_equal(ar.choice, RSP_AUTH_RESP_OK);
		assert_int_equal(x509_parse(ar.u.ok.euicc_certificate.ptr, ar.u.ok.euicc_certificate.len, &c1), IOT_OK);
		assert_int_equal(x509_parse(ar.u.ok.eum_certificate.ptr, ar.u.ok.eum_certificate.len, &c2), IOT_OK);
		assert_int_equal(x509_verify_euicc_chain(ci, c2, c1, time(NULL), &failed), IOT_OK);
		part = (struct crypto_buf){ ar.u.ok.euicc_signed1.der.ptr, ar.u.ok.euicc_signed1.der.len };
		assert_int_equal(ecdsa_verify(x509_key(c1), &part, 1, sig1, 64), IOT_OK);
		assert_true(ar.u.ok.euicc_signed1.euicc_info2.has_iot_specific_info);
		assert_int_equal(ar.u.ok.euicc_signed1.ctx_params1.u.common.matching_id.len, 13);
		x509_free(c1);
		x509_free(c2);
		rsp_arena_free(&a);
	}
	euicc_reset(e);
	apdu(e, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL);
	/* immediate enable: configured (no eIM yet), nothing downloaded yet */
	{
		struct rsp_result r;
		struct rsp_arena a;

		rsp_arena_dynamic(&a);
		assert_int_equal(send_raw(e, (const uint8_t *)"\xBF\x5A\x03\x80\x01\xFF", 6, 255), 0x9000);
		assert_int_equal(rsp_decode(&rsp_t_immediate_enable_response, resp, resp_len, &r, &a), IOT_OK);
		assert_int_equal(r.result, 1);          /* immediateEnableNotAvailable */
		assert_int_equal(send_raw(e, (const uint8_t *)"\xBF\x59\x02\x80\x00", 5, 255), 0x9000);
		assert_int_equal(rsp_decode(&rsp_t_configure_immediate_profile_enabling_response, resp, resp_len, &r, &a),
				 IOT_OK);
		assert_int_equal(r.result, 0);
		assert_int_equal(send_raw(e, (const uint8_t *)"\xBF\x5A\x03\x80\x01\xFF", 6, 255), 0x9000);
		assert_int_equal(rsp_decode(&rsp_t_immediate_enable_response, resp, resp_len, &r, &a), IOT_OK);
		assert_int_equal(r.result, 4);          /* noSessionContext */
		rsp_arena_free(&a);
	}
	apdus = 0;
	download(e, 0x01, 12 * 1024, 255, -1, false, &o);
	assert_int_equal(o.pir.data.final_result.choice, RSP_FINAL_RESULT_SUCCESS);
	assert_int_equal(o.pir.data.final_result.u.success.aid.len, 16);
	assert_true(o.pir.data.notification_metadata.has_iccid);
	assert_int_equal(profile_count(e), 1);
	rsp_arena_free(&o.a);
	/* the profile just downloaded is enabled at once */
	{
		struct rsp_result r;
		struct rsp_arena a;
		struct rsp_profile_info_list_response list;

		rsp_arena_dynamic(&a);
		assert_int_equal(send_raw(e, (const uint8_t *)"\xBF\x5A\x03\x80\x01\xFF", 6, 255), 0x9000);
		assert_int_equal(rsp_decode(&rsp_t_immediate_enable_response, resp, resp_len, &r, &a), IOT_OK);
		assert_int_equal(r.result, 0);
		assert_int_equal(send_raw(e, (const uint8_t *)"\xBF\x2D\x00", 3, 255), 0x9000);
		assert_int_equal(rsp_decode(&rsp_t_profile_info_list_response, resp, resp_len, &list, &a), IOT_OK);
		assert_int_equal(list.u.ok.items[0].profile_state, RSP_PROFILE_ENABLED);
		rsp_arena_free(&a);
	}
	/* with a profile protection key, and small STORE DATA blocks */
	download(e, 0x02, 5000, 120, -1, true, &o);
	assert_int_equal(o.pir.data.final_result.choice, RSP_FINAL_RESULT_SUCCESS);
	rsp_arena_free(&o.a);
	/* the same ICCID again is refused, and nothing is added */
	download(e, 0x02, 100, 255, -1, false, &o);
	assert_int_equal(o.pir.data.final_result.choice, RSP_FINAL_RESULT_ERROR);
	assert_int_equal(o.pir.data.final_result.u.error.error_reason, RSP_PIR_ICCID_ALREADY_EXISTS);
	assert_int_equal(o.pir.data.final_result.u.error.bpp_command_id, RSP_BPP_CMD_STORE_METADATA);
	rsp_arena_free(&o.a);
	assert_int_equal(profile_count(e), 2);
	/* the PIRs wait as notifications; the installs survive a restart */
	assert_int_equal(send_raw(e, (const uint8_t *)"\xBF\x2B\x00", 3, 255), 0x9000);
	{
		struct rsp_retrieve_notifications_list_response rr;
		struct rsp_arena a;

		rsp_arena_dynamic(&a);
		assert_int_equal(rsp_decode(&rsp_t_retrieve_notifications_list_response, resp, resp_len, &rr, &a), IOT_OK);
		assert_int_equal(rr.u.notification_list.count, 3);
		assert_int_equal(rr.u.notification_list.items[0].choice, RSP_PENDING_PIR);
		rsp_arena_free(&a);
	}
	euicc_free(e);
	assert_int_equal(euicc_open(pki.state, &e), IOT_OK);
	apdu(e, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL);
	assert_int_equal(profile_count(e), 2);
	euicc_free(e);
}

static void test_authentication_errors(void **state)
{
	struct euicc *e = ready();
	struct rsp_authenticate_server_response ar;
	struct rsp_prepare_download_response pr;
	struct rsp_arena a;
	uint8_t sig1[64], wrong_txid[16] = { 0x99 };
	(void)state;

	rsp_arena_dynamic(&a);
	authenticate(e, UNKNOWN_CI, &ar, &a, NULL);
	assert_int_equal(ar.choice, RSP_AUTH_RESP_ERROR);
	assert_int_equal(ar.u.error.authenticate_error_code, RSP_AUTH_ERR_CI_PK_UNKNOWN);
	authenticate(e, BAD_SIGNATURE, &ar, &a, NULL);
	assert_int_equal(ar.u.error.authenticate_error_code, RSP_AUTH_ERR_INVALID_SIGNATURE);
	authenticate(e, WRONG_CHALLENGE, &ar, &a, NULL);
	assert_int_equal(ar.u.error.authenticate_error_code, RSP_AUTH_ERR_EUICC_CHALLENGE_MISMATCH);
	/* PrepareDownload without an authenticated session */
	memset(sig1, 0, sizeof(sig1));
	prepare(e, sig1, false, txid, &pr, &a, NULL);
	assert_int_equal(pr.choice, RSP_PREPARE_DL_ERROR);
	assert_int_equal(pr.u.error.download_error_code, RSP_DL_ERR_NO_SESSION_CONTEXT);
	/* with one: a bad smdpSignature2, a wrong transaction */
	authenticate(e, OK_AS_IS, &ar, &a, sig1);
	assert_int_equal(ar.choice, RSP_AUTH_RESP_OK);
	prepare(e, sig1, true, txid, &pr, &a, NULL);
	assert_int_equal(pr.u.error.download_error_code, RSP_DL_ERR_INVALID_SIGNATURE);
	prepare(e, sig1, false, wrong_txid, &pr, &a, NULL);
	assert_int_equal(pr.u.error.download_error_code, RSP_DL_ERR_INVALID_TRANSACTION_ID);
	/* CancelSession: signed, and the session is gone */
	{
		struct rsp_cancel_session_request cq = { RSP_BYTES(txid, sizeof(txid)), RSP_CANCEL_POSTPONED };
		struct rsp_cancel_session_response cr;
		struct crypto_buf part;

		send_es10(e, &cq, &rsp_t_cancel_session_request);
		assert_int_equal(rsp_decode(&rsp_t_cancel_session_response, resp, resp_len, &cr, &a), IOT_OK);
		assert_int_equal(cr.choice, RSP_CANCEL_RESP_OK);
		part = (struct crypto_buf){ cr.u.ok.signed_data.der.ptr, cr.u.ok.signed_data.der.len };
		assert_int_equal(ecdsa_verify(x509_key(euicc_cert), &part, 1,
					      cr.u.ok.euicc_cancel_session_signature.ptr, 64), IOT_OK);
		send_es10(e, &cq, &rsp_t_cancel_session_request);
		assert_int_equal(rsp_decode(&rsp_t_cancel_session_response, resp, resp_len, &cr, &a), IOT_OK);
		assert_int_equal(cr.choice, RSP_CANCEL_RESP_ERROR);
		prepare(e, sig1, false, txid, &pr, &a, NULL);
		assert_int_equal(pr.u.error.download_error_code, RSP_DL_ERR_NO_SESSION_CONTEXT);
	}
	rsp_arena_free(&a);
	euicc_free(e);
}

static void test_bpp_errors_leave_no_trace(void **state)
{
	struct euicc *e = ready();
	struct outcome o;
	(void)state;

	/* a flipped bit in a profile segment: security error, nothing installed */
	download(e, 0x05, 4000, 255, 5, false, &o);
	assert_int_equal(o.pir.data.final_result.choice, RSP_FINAL_RESULT_ERROR);
	assert_int_equal(o.pir.data.final_result.u.error.bpp_command_id, RSP_BPP_CMD_LOAD_PROFILE_ELEMENTS);
	assert_int_equal(o.pir.data.final_result.u.error.error_reason, RSP_PIR_SCP03T_SECURITY_ERROR);
	rsp_arena_free(&o.a);
	/* in StoreMetadata (MAC only) */
	download(e, 0x05, 4000, 255, 1, false, &o);
	assert_int_equal(o.pir.data.final_result.u.error.bpp_command_id, RSP_BPP_CMD_STORE_METADATA);
	assert_int_equal(o.pir.data.final_result.u.error.error_reason, RSP_PIR_SCP03T_SECURITY_ERROR);
	rsp_arena_free(&o.a);
	assert_int_equal(profile_count(e), 0);
	/* an interruption (reset) half-way: no profile, the session is gone */
	{
		struct rsp_authenticate_server_response ar;
		struct rsp_prepare_download_response pr;
		struct smdp_bind b = { 0 };
		uint8_t sig1[64], otpk[65], md[256], profile[3000] = { 0 }, *bpp;
		size_t bpp_len;

		rsp_arena_dynamic(&o.a);
		authenticate(e, OK_AS_IS, &ar, &o.a, sig1);
		prepare(e, sig1, false, txid, &pr, &o.a, otpk);
		b.curve = pki.curve;
		b.pb = dp_pb_key;
		b.euicc_otpk = otpk;
		b.eid = eid;
		b.txid = txid;
		b.txid_len = sizeof(txid);
		b.metadata = md;
		b.metadata_len = make_metadata(md, sizeof(md), 0x06);
		b.profile = profile;
		b.profile_len = sizeof(profile);
		smdp_make_bpp(&b, &bpp, &bpp_len);
		assert_int_equal(send_raw(e, bpp, bpp_len / 2, 255), 0x9000);
		assert_int_equal(resp_len, 0);
		euicc_reset(e);
		apdu(e, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL);
		/* the rest of the package now finds no session */
		assert_int_equal(send_raw(e, bpp + bpp_len / 2, bpp_len - bpp_len / 2, 255), 0x6A80);
		free(bpp);
		rsp_arena_free(&o.a);
	}
	assert_int_equal(profile_count(e), 0);
	/* the interruption is reported to the SM-DP+ in a signed PIR */
	{
		struct rsp_retrieve_notifications_list_response rr;
		const struct rsp_profile_installation_result *pir;
		struct rsp_arena a;

		rsp_arena_dynamic(&a);
		assert_int_equal(send_raw(e, (const uint8_t *)"\xBF\x2B\x00", 3, 255), 0x9000);
		assert_int_equal(rsp_decode(&rsp_t_retrieve_notifications_list_response, resp, resp_len, &rr, &a), IOT_OK);
		assert_int_equal(rr.u.notification_list.count, 3);
		pir = &rr.u.notification_list.items[2].u.pir;
		assert_int_equal(pir->data.final_result.u.error.error_reason, RSP_PIR_INTERRUPTION);
		assert_memory_equal(pir->data.transaction_id.ptr, txid, sizeof(txid));
		rsp_arena_free(&a);
	}
	euicc_free(e);
}

/* #15 item 3: the eUICC presents the enabled profile's file system, built
 * from its package, as a UICC does: an MF alone before, the profile's
 * files once it is enabled, the other profile's after a switch; selecting
 * a file leaves the ISD-R; an update survives a power cut; a reset forgets
 * the PINs verified. */
static void test_file_system_of_enabled_profile(void **state)
{
	static const uint8_t iccid_a[10] = { 0x98, 0x94, 0x11, 0, 0, 0, 0, 0, 0, 0x31 };
	static const uint8_t iccid_b[10] = { 0x98, 0x94, 0x11, 0, 0, 0, 0, 0, 0, 0x32 };
	struct euicc *e = ready();
	struct outcome o;
	uint8_t pkg[4096], data[300];
	size_t n, len;

	(void)state;
	/* no profile: an MF without files; the ISD-R's STORE DATA still works */
	assert_int_equal(apdu(e, "00A40004023F0000", data, &n), 0x9000);
	assert_int_equal(data[0], 0x62);
	assert_int_equal(apdu(e, "00A40004022FE200", NULL, NULL), 0x6A82);
	len = saip_test_profile(iccid_a, pkg, sizeof(pkg));
	apdu(e, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL);
	download_package(e, 0x31, pkg, len, 255, -1, false, &o);
	rsp_arena_free(&o.a);
	len = saip_test_profile(iccid_b, pkg, sizeof(pkg));
	download_package(e, 0x32, pkg, len, 255, -1, false, &o);
	rsp_arena_free(&o.a);
	/* installed, none enabled: still the bare MF */
	assert_int_equal(apdu(e, "00A40004022FE200", NULL, NULL), 0x6A82);
	/* ES10c.EnableProfile of A: 'BF31' { [0] { '5A' ICCID }, refreshFlag } */
	apdu(e, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL);
	assert_int_equal(send_raw(e, (const uint8_t *)"\xBF\x31\x11\xA0\x0C\x5A\x0A\x98\x94\x11\x00\x00\x00\x00"
					      "\x00\x00\x31\x81\x01\xFF", 20, 255), 0x9000);
	assert_memory_equal(resp, "\xBF\x31\x03\x80\x01\x00", 6);
	assert_int_equal(apdu(e, "00A40004022FE200", NULL, NULL), 0x9000);
	assert_int_equal(apdu(e, "00B000000A", data, &n), 0x9000);
	assert_memory_equal(data, iccid_a, 10);
	/* the ISD-R is no longer selected on the basic channel */
	assert_int_equal(apdu(e, "80E2910003BF2E00", NULL, NULL), 0x6985);
	/* PIN1 verified, then a reset: forgotten */
	assert_int_equal(apdu(e, "00A4040C07A0000000871002", NULL, NULL), 0x9000);
	assert_int_equal(apdu(e, "002000010831323334FFFFFFFF", NULL, NULL), 0x9000);
	assert_int_equal(apdu(e, "00A4000C026F07", NULL, NULL), 0x9000);
	assert_int_equal(apdu(e, "00B0000009", NULL, NULL), 0x9000);
	/* an update is kept: across a power cut (a new process on the state) */
	assert_int_equal(apdu(e, "00D6000102 4455", NULL, NULL), 0x9000);
	euicc_free(e);
	assert_int_equal(euicc_open(pki.state, &e), IOT_OK);
	assert_int_equal(apdu(e, "002000010831323334FFFFFFFF", NULL, NULL), 0x9000);
	assert_int_equal(apdu(e, "00A4080C047FF16F07", NULL, NULL), 0x9000);
	assert_int_equal(apdu(e, "00B0000003", data, &n), 0x9000);
	assert_memory_equal(data, "\x08\x44\x55", 3);
	euicc_reset(e);
	assert_int_equal(apdu(e, "00A4080C047FF16F07", NULL, NULL), 0x9000);
	assert_int_equal(apdu(e, "00B0000009", NULL, NULL), 0x6982);
	/* B enabled (A disabled by it): its file system, every channel at its MF */
	apdu(e, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL);
	assert_int_equal(send_raw(e, (const uint8_t *)"\xBF\x31\x11\xA0\x0C\x5A\x0A\x98\x94\x11\x00\x00\x00\x00"
					      "\x00\x00\x32\x81\x01\xFF", 20, 255), 0x9000);
	assert_int_equal(apdu(e, "00B0000001", NULL, NULL), 0x6986);
	assert_int_equal(apdu(e, "00A4000C022FE2", NULL, NULL), 0x9000);
	assert_int_equal(apdu(e, "00B000000A", data, &n), 0x9000);
	assert_memory_equal(data, iccid_b, 10);
	/* B's EF.IMSI is its own; A's update waits for A */
	assert_int_equal(apdu(e, "002000010831323334FFFFFFFF", NULL, NULL), 0x9000);
	assert_int_equal(apdu(e, "00A4080C047FF16F07", NULL, NULL), 0x9000);
	assert_int_equal(apdu(e, "00B0000003", data, &n), 0x9000);
	assert_memory_equal(data, "\x08\x09\x10", 3);
	assert_int_equal(apdu(e, "00A4000C023F00", NULL, NULL), 0x9000);
	assert_int_equal(apdu(e, "00A4000C022FE2", NULL, NULL), 0x9000);
	/* a logical channel has its own place: the ISD-R there, files here */
	assert_int_equal(apdu(e, "0070000001", data, &n), 0x9000);
	assert_int_equal(apdu(e, "01A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL), 0x9000);
	assert_int_equal(apdu(e, "01A40004022F0000", NULL, NULL), 0x9000);
	assert_int_equal(apdu(e, "00B000000A", data, &n), 0x9000);
	assert_memory_equal(data, iccid_b, 10);
	/* READ and UPDATE are interindustry commands only */
	assert_int_equal(apdu(e, "80B000000A", NULL, NULL), 0x6E00);
	euicc_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_download),
		cmocka_unit_test(test_authentication_errors),
		cmocka_unit_test(test_bpp_errors_leave_no_trace),
		cmocka_unit_test(test_file_system_of_enabled_profile),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
