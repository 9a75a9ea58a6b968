/* The SM-DP+ end to end in the tests (test_smdp, test_smdp_errors): an
 * SM-DP+ and a software eUICC per test (both curves, in-process or over
 * HTTPS in the ASN.1 binding), and a test-side LPA that relays ES9+ as an
 * eIM does in SGP.32 indirect download. */
#ifndef IOT_TEST_SMDP_LPA_H
#define IOT_TEST_SMDP_LPA_H

#include "testutil.h"
#include "fixture.h"

#include "rsp/rsp.h"
#include "smdp/smdp.h"

#define ADDRESS "smdp.iotrsp.test"
#define OWNER "operator-a"
#define PROFILE_LEN (12 * 1024)

/* how the LPA reaches the SM-DP+: calls, or the ASN.1 binding over HTTPS to smdpd's server */
enum smdp_transport { DIRECT, HTTPS_ASN1 };
extern enum smdp_transport transport;
extern enum crypto_curve curve;
extern struct smdp *dp;
extern char db_url[512];              /* its store */
extern uint8_t iccid[10];               /* the profile's */

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

enum { AS_IS = 0, OTHER_CI_PKIDS = 1, OTHER_CI_FOR_SIGNING = 2 };
/* What to do to the eUICC's AuthenticateServerResponse on its way. */
enum tamper { NONE, BAD_SIGNATURE1, FOREIGN_EUM, EXPIRED_EUICC, EXPIRED_EUM, INVALID_EUICC, INVALID_EUM,
	      UNKNOWN_TXID };

int setup(void **state);
int teardown(void **state);
struct smdp *open_dp(int order_seconds, int download_attempts);
/* A restart of the SM-DP+ (and its server): all it knows is in the store. */
void restart(void);
void add_profile(bool ppk);
void order(const char *eid, const char *matching_id, const char *cc, bool release);
enum smdp_state state_of(void);

void lpa_init(struct lpa *l);
void lpa_free(struct lpa *l);
/* One ES9+ request; 0 or the error code of its response. */
int es9(struct lpa *l, const uint8_t *req, size_t n, struct rsp_remote_profile_provisioning_response *r,
	const uint8_t **raw, size_t *raw_len);
int lpa_initiate(struct lpa *l, int variant);
int lpa_authenticate(struct lpa *l, const char *matching_id, enum tamper t);
void lpa_prepare(struct lpa *l, const char *cc);
int lpa_get_bpp(struct lpa *l, const uint8_t *txid, bool bad_signature2);
bool lpa_install(struct lpa *l);
int lpa_cancel(struct lpa *l, int reason);
/* A session up to the package bound (the BPP not given to the eUICC). */
void lpa_bound(struct lpa *l, const char *matching_id);
/* A whole download; returns the first non-zero code, 0 when installed. */
int download(const char *matching_id, const char *cc);
/* The status of a refusal (in-process only: the ASN.1 binding has no codes). */
void assert_status(const struct lpa *l, const char *subject, const char *reason);

/* Runs tests on both curves in-process, then over HTTPS. */
int smdp_lpa_run(const char *name, const struct CMUnitTest *tests, size_t n);

#endif
