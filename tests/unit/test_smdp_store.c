/* smdpd's store: profiles in narrow rows with their packages apart (a store
 * from before moved once, in place), and bulk imports in batches that
 * commit every SMDP_IMPORT_BATCH profiles and roll back only the one that
 * failed. */
#include "testutil.h"
#include "fixture.h"

#include <stdio.h>
#include <string.h>

#include "rsp/rsp.h"
#include "smdp/smdp.h"
#include "store/store.h"

static struct fixture_pki pki;
static struct smdp_credentials creds;
static struct smdp_config cfg;
static char db_url[512];
static const struct smdp_profile_info info = { .owner = "op", .service_provider_name = "Operator",
					       .profile_name = "IoT", .profile_class = 2 };

static int setup(void **state)
{
	(void)state;
	fixture_pki_make(&pki, CRYPTO_P256);
	test_store_url(db_url, sizeof(db_url), pki.dir, "smdp.db");
	creds = (struct smdp_credentials){ pki.ci, pki.dp_auth, pki.dp_key, pki.dp_pb, pki.dp_pb_key };
	cfg = (struct smdp_config){ .address = "smdp.iotrsp.test", .creds = &creds, .cred_count = 1, .store_url = db_url };
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fixture_pki_remove(&pki);
	return 0;
}

static int64_t count(struct store *s, const char *sql)
{
	struct store_stmt *st;
	bool row = false;
	int64_t n = -1;

	assert_int_equal(store_prepare(s, sql, &st), IOT_OK);
	if (store_step(st, &row) == IOT_OK && row)
		n = store_col_int(st, 0);
	store_finalize(st);
	return n;
}

static void iccid_of(int i, uint8_t iccid[10])
{
	char digits[21];

	snprintf(digits, sizeof(digits), "8949449%012d", i);
	assert_int_equal(rsp_iccid_from_digits(digits, iccid), IOT_OK);
}

static void test_packages_moved(void **state)
{
	struct store *s;
	struct smdp *dp;
	enum smdp_state st;
	uint8_t iccid[10];
	(void)state;

	/* the profile table as stores before profile_package had it, one profile in it */
	assert_int_equal(store_open(db_url, &s), IOT_OK);
	assert_int_equal(store_exec(s, "CREATE TABLE profile (iccid TEXT PRIMARY KEY, owner TEXT NOT NULL,"
				    " state INTEGER NOT NULL, metadata BLOB NOT NULL, upp BLOB NOT NULL, ppk BLOB, eid TEXT,"
				    " matching_id TEXT, cc_hash BLOB, cc_tries INTEGER NOT NULL DEFAULT 0,"
				    " expires INTEGER NOT NULL DEFAULT 0, downloads INTEGER NOT NULL DEFAULT 0,"
				    " bound_otpk BLOB, bound_otsk BLOB, updated INTEGER NOT NULL);"
				    "INSERT INTO profile(iccid, owner, state, metadata, upp, updated)"
				    " VALUES ('98944499999999000000', 'op', 0, x'BF25', x'A0A1A2', 1);"), IOT_OK);
	assert_int_equal(smdp_open(&cfg, &dp), IOT_OK);
	/* moved out, the row narrow; a new profile goes the new way too */
	assert_int_equal(count(s, "SELECT COUNT(*) FROM profile_package WHERE upp = x'A0A1A2'"), 1);
	assert_int_equal(count(s, "SELECT COUNT(*) FROM profile WHERE length(upp) > 0"), 0);
	iccid_of(1, iccid);
	assert_int_equal(smdp_add_profile(dp, iccid, &info, (const uint8_t *)"\xA0\x01\x02", 3), IOT_OK);
	assert_int_equal(smdp_profile_state(dp, iccid, &st), IOT_OK);
	assert_int_equal(count(s, "SELECT COUNT(*) FROM profile_package"), 2);
	smdp_close(dp);
	/* once: a second open finds the marker */
	assert_int_equal(store_exec(s, "UPDATE profile SET upp = x'FF' WHERE iccid = '98944499999999000000'"), IOT_OK);
	assert_int_equal(smdp_open(&cfg, &dp), IOT_OK);
	assert_int_equal(count(s, "SELECT COUNT(*) FROM profile WHERE length(upp) > 0"), 1);
	smdp_close(dp);
	store_close(s);
}

static void test_import_batches(void **state)
{
	struct store *s;
	struct smdp *dp;
	uint8_t iccid[10];
	(void)state;

	assert_int_equal(smdp_open(&cfg, &dp), IOT_OK);
	assert_int_equal(store_open(db_url, &s), IOT_OK);
	assert_int_equal(smdp_import_begin(dp), IOT_OK);
	for (int i = 0; i < 2500; i++) {
		iccid_of(i, iccid);
		assert_int_equal(smdp_add_profile(dp, iccid, &info, (const uint8_t *)"\xA0\x01\x02", 3), IOT_OK);
	}
	assert_int_equal(smdp_import_end(dp, true), IOT_OK);
	assert_int_equal(count(s, "SELECT COUNT(*) FROM profile"), 2500);
	assert_int_equal(count(s, "SELECT COUNT(*) FROM profile_package"), 2500);
	/* a failure in the second batch: the first stays, the one at hand goes */
	assert_int_equal(smdp_import_begin(dp), IOT_OK);
	for (int i = 10000; i < 11500; i++) {
		iccid_of(i, iccid);
		assert_int_equal(smdp_add_profile(dp, iccid, &info, (const uint8_t *)"\xA0\x01\x02", 3), IOT_OK);
	}
	iccid_of(7, iccid);
	assert_int_equal(smdp_add_profile(dp, iccid, &info, (const uint8_t *)"\xA0\x01\x02", 3), IOT_E_REFUSED);
	assert_int_equal(smdp_import_end(dp, false), IOT_OK);
	assert_int_equal(count(s, "SELECT COUNT(*) FROM profile"), 3500);
	assert_int_equal(count(s, "SELECT COUNT(*) FROM profile_package"), 3500);
	store_close(s);
	smdp_close(dp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_packages_moved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_batches, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
