/* The SM-DP+ end to end: profiles downloaded into the software eUICC
 * through its APDU interface by a test-side LPA (smdp_lpa.c), on both
 * curves and over HTTPS: the nominal path, PPK, default SM-DP+, the TS.48
 * profiles, confirmation codes, the retry paths, a restart mid-session
 * (each error with its codes: test_smdp_errors.c). */
#include "smdp_lpa.h"

#include <stdio.h>
#include <time.h>

#include "base/hex.h"
#include "store/store.h"

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

/* The reports' outbox: due in order, a batch at most max long; those
 * delivered are gone, a refused one waits for its back-off, the rest stay. */
static void test_progress_outbox(void **state)
{
	struct smdp_progress p[8];
	int64_t first;
	time_t t0;
	size_t n;

	(void)state;
	if (transport != DIRECT)
		skip();        /* an smdpd's own sender would take the reports */
	/* the clock held: a back-off of a second must not run out between two calls */
	t0 = time(NULL);
	smdp_set_time(dp, t0);
	add_profile(false);
	order(NULL, "MATCH-OUT", NULL, true);
	assert_int_equal(download("MATCH-OUT", NULL), 0);
	/* eligibility, BPP download, installation */
	assert_int_equal(smdp_progress_due(dp, p, 8, &n), IOT_OK);
	assert_int_equal(n, 3);
	assert_int_equal(p[0].point, SMDP_POINT_ELIGIBILITY);
	assert_int_equal(p[1].point, SMDP_POINT_BPP_DOWNLOAD);
	assert_int_equal(p[2].point, SMDP_POINT_BPP_INSTALLATION);
	assert_true(p[0].id < p[1].id && p[1].id < p[2].id);
	assert_non_null(p[2].result);
	for (size_t i = 0; i < n; i++)
		free(p[i].result);
	assert_int_equal(smdp_progress_due(dp, p, 2, &n), IOT_OK);
	assert_int_equal(n, 2);
	first = p[0].id;
	for (size_t i = 0; i < n; i++)
		free(p[i].result);
	assert_int_equal(smdp_progress_done(dp, &first, 1, p[1].id), IOT_OK);
	assert_int_equal(smdp_progress_due(dp, p, 8, &n), IOT_OK);
	assert_int_equal(n, 1);
	assert_int_equal(p[0].point, SMDP_POINT_BPP_INSTALLATION);
	free(p[0].result);
	/* after the back-off the refused one is due again, ahead of nothing newer */
	smdp_set_time(dp, t0 + 5);
	assert_int_equal(smdp_progress_due(dp, p, 8, &n), IOT_OK);
	assert_int_equal(n, 2);
	assert_int_equal(p[0].point, SMDP_POINT_BPP_INSTALLATION);
	assert_int_equal(p[1].point, SMDP_POINT_BPP_DOWNLOAD);
	assert_int_equal(smdp_progress_done(dp, (int64_t[]){ p[0].id, p[1].id }, 2, 0), IOT_OK);
	for (size_t i = 0; i < n; i++)
		free(p[i].result);
	assert_int_equal(smdp_progress_due(dp, p, 8, &n), IOT_OK);
	assert_int_equal(n, 0);
	smdp_set_time(dp, 0);
}

static int64_t sessions(void)
{
	return test_store_int(db_url, "SELECT COUNT(*) FROM session", NULL, NULL);
}

/* Sessions past their end are removed by a later InitiateAuthentication
 * (at most once a minute), those still running kept. */
static void test_expired_sessions_swept(void **state)
{
	struct lpa a, b, c;
	int64_t before;

	(void)state;
	if (transport != DIRECT)
		skip();        /* it moves the SM-DP+'s clock */
	before = sessions();
	lpa_init(&a);
	lpa_init(&b);
	lpa_init(&c);
	assert_int_equal(lpa_initiate(&a, AS_IS), 0);
	assert_int_equal(lpa_initiate(&b, AS_IS), 0);
	assert_int_equal(sessions(), before + 2);
	smdp_set_time(dp, time(NULL) + 601);
	assert_int_equal(lpa_initiate(&c, AS_IS), 0);
	assert_int_equal(sessions(), 1);
	smdp_set_time(dp, 0);
	lpa_free(&a);
	lpa_free(&b);
	lpa_free(&c);
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

/* A new session for an order bound already: offered the same one-time key
 * (SGP.22 3.1.3.2: bppEuiccOtpk), bound and installed. */
static void retry_same_key(const char *matching_id)
{
	struct lpa l;

	lpa_init(&l);
	assert_int_equal(lpa_initiate(&l, AS_IS), 0);
	assert_int_equal(lpa_authenticate(&l, matching_id, NONE), 0);
	assert_true(l.auth.smdp_signed2.has_bpp_euicc_otpk);
	lpa_prepare(&l, NULL);
	assert_int_equal(lpa_get_bpp(&l, NULL, false), 0);
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
	lpa_bound(&l, "MATCH-R2");
	lpa_free(&l);
	assert_int_equal(state_of(), SMDP_DOWNLOADED);
	/* the BPP never reached the eUICC; a new session offers the same
	 * one-time key (SGP.22 3.1.3.2: bppEuiccOtpk) */
	retry_same_key("MATCH-R2");
}

/* The one-time key of a binding is kept as its bare scalar; a row an older
 * smdpd wrote holds it as PKCS#8, and a retry of that binding still finds
 * it. */
static void test_retry_key_kept_as_pkcs8(void **state)
{
	struct store *db;
	struct store_stmt *q;
	struct crypto_key *key;
	uint8_t *der;
	size_t len, n;
	bool row = false;
	struct lpa l;

	(void)state;
	add_profile(false);
	order(NULL, "MATCH-R3", NULL, true);
	lpa_bound(&l, "MATCH-R3");
	lpa_free(&l);
	assert_int_equal(store_open(db_url, &db), IOT_OK);
	assert_int_equal(store_prepare(db, "SELECT bound_otsk FROM profile WHERE matching_id = 'MATCH-R3'", &q), IOT_OK);
	assert_int_equal(store_step(q, &row), IOT_OK);
	assert_true(row);
	assert_non_null(store_col_blob(q, 0, &n));
	assert_int_equal(n, CRYPTO_SCALAR_LEN);
	assert_int_equal(crypto_key_from_private_scalar(curve, store_col_blob(q, 0, &n), n, &key), IOT_OK);
	store_finalize(q);
	assert_int_equal(crypto_key_private_der(key, &der, &len), IOT_OK);
	assert_int_equal(store_sql(db, "UPDATE profile SET bound_otsk = $1 WHERE matching_id = 'MATCH-R3'", "b", der, len),
			 IOT_OK);
	free(der);
	crypto_key_free(key);
	store_close(db);
	retry_same_key("MATCH-R3");
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
	lpa_bound(&l, "MATCH-PB");
	assert_int_equal(state_of(), SMDP_DOWNLOADED);
	assert_int_equal(lpa_cancel(&l, 1), 0);                 /* postponed */
	lpa_free(&l);
	assert_int_equal(state_of(), SMDP_DOWNLOADED);
	retry_same_key("MATCH-PB");
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

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
static const struct CMUnitTest tests[] = {
	T(test_download), T(test_progress_outbox), T(test_expired_sessions_swept), T(test_download_with_ppk),
	T(test_default_smdp_order),
	T(test_generated_matching_id),
	T(test_ts48_profiles),
	T(test_confirmation_code), T(test_confirmation_code_retry_limit), T(test_retry_same_session),
	T(test_retry_new_session_same_key), T(test_retry_key_kept_as_pkcs8), T(test_postponed_after_binding),
	T(test_rebinding_limit), T(test_restart_mid_session),
};

int main(void)
{
	return smdp_lpa_run("smdp", tests, sizeof(tests) / sizeof(tests[0]));
}
