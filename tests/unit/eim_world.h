/* The eIM core's test world (test_eim, test_eim_more): per test an eIM on
 * its store, libipa and the software eUICC in-process (ESipa straight into
 * eim_esipa, or through eimd's HTTPS server), the SM-DP+ behind it over
 * HTTPS, and the switches the tests turn to lose or change what passes. */
#ifndef IOT_TEST_EIM_WORLD_H
#define IOT_TEST_EIM_WORLD_H

#include "testutil.h"
#include "fixture.h"
#include "owner_side.h"

#include <stdio.h>

#include "base/hex.h"
#include "eim/eim.h"
#include "eim/server.h"
#include "net/http.h"
#include "ipacore/ipa.h"
#include "rsp/rsp.h"
#include "smdp/server.h"
#include "store/store.h"
#include "smdp/smdp.h"

#define ADDRESS "smdp.iotrsp.test"
#define BOOT_EID_TEXT FIXTURE_EID

extern enum crypto_curve curve;
extern struct fixture_pki pki;
extern struct smdp_credentials creds;
extern struct smdp_server *smdp_https;
extern struct smdp_server_config ss;
extern struct owner_side owner;
extern struct smdp_es2_client owner_client;
extern int drop_results;
extern struct eim_config ec;
extern struct http_client *via;
/* the eIM's server when a test runs one: its polls' bookkeeping is flushed before it is read */
extern struct eim_server *world_server;
extern char via_url[128];
extern bool stop_smdp_at_bpp;
extern uint16_t restart_smdp_port;
extern struct smdp *dp;
extern struct euicc *euicc;
extern struct eim *eim;
extern struct ipa *ipa;
extern char eim_db[512];
extern bool drop_answer;
extern int64_t messages;
extern uint8_t packages[2][4096];
extern size_t package_len[2], package_count;
extern int compact_pirs;
extern int pir_by_notification;
extern int swallow_pdt_results;
extern const uint8_t op_iccid[10];

/* libipa's platform in the tests */
iot_err transmit(void *ctx, const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap, size_t *resp_len);
iot_err esipa(void *ctx, const struct ipa_eim *e, const uint8_t *req, size_t len, uint8_t **resp,
	      size_t *resp_len);
iot_err reset(void *ctx);
int setup(void **state);
int teardown(void **state);
enum eim_op_state op_state(int64_t id, int64_t *code);
int64_t psmo(int choice, const uint8_t *iccid);
int64_t ordered_download(const uint8_t *iccid, const char *mid);
void first_contact(void);
/* A count the store gives (sql with text parameters a, b; NULL: none). */
int64_t store_count(const char *sql, const char *a, const char *b);
/* Runs tests on both curves. */
int eim_world_run(const char *name, const struct CMUnitTest *tests, size_t n);

#endif
