/* Helpers shared by the unit tests (cmocka). */
#ifndef IOT_TESTUTIL_H
#define IOT_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/crypto.h"
#include "rsp/codec.h"

/* Parses hex text (spaces allowed) into a static-sized buffer; returns the
 * byte count. Aborts the test on malformed hex. */
size_t hex(const char *text, uint8_t *out, size_t cap);

/* Asserts that encoding *value with t gives exactly the hex bytes, that
 * decoding those bytes succeeds, and that re-encoding the decoded value
 * gives the same bytes again (round trip). Returns nothing; fails the test. */
void assert_kat(const struct rsp_type *t, const void *value, const char *expected_hex);
/* Asserts that decoding hex with t fails with err. */
void assert_decode_fails(const struct rsp_type *t, const char *hex_text, iot_err err);
/* Decodes hex with t into out (arena a), asserting success. */
void decode_hex(const struct rsp_type *t, const char *hex_text, void *out, struct rsp_arena *a,
		uint8_t *buf, size_t cap);

/* Waiting for what another thread or process does: on the event itself,
 * never on a guess of how long it takes. WAIT_UNTIL(cond) tests cond until it
 * holds, napping between tries; it gives up only after IOTRSP_TEST_WAIT
 * seconds (120 by default, wall-clock), so only a real hang fails. Assert
 * cond after it. */
struct test_wait {
	double end;
	unsigned nap_us;
};
struct test_wait test_wait_start(void);
/* Naps once; false when the bound has passed. */
bool test_wait_nap(struct test_wait *w);
#define WAIT_UNTIL(cond) for (struct test_wait wait_ = test_wait_start(); !(cond) && test_wait_nap(&wait_);)

/* The store URL for a store called name in the test directory dir: a SQLite
 * file there, or, when IOTRSP_TEST_PG holds the URL of a throwaway
 * PostgreSQL (ctest's *_pg tests), a schema of its own in that database, so
 * that the same test runs on both backends. */
void test_store_url(char *out, size_t cap, const char *dir, const char *name);
/* The integer the store at url answers sql with (text parameters a, b;
 * NULL: none), on a connection of its own. */
int64_t test_store_int(const char *url, const char *sql, const char *a, const char *b);
/* Runs the group tests once with *curve set to NIST P-256, once to
 * brainpoolP256r1 (left at P-256); the failures of both. */
int test_run_both_curves(const char *name, const struct CMUnitTest *tests, size_t n, enum crypto_curve *curve);

#endif
