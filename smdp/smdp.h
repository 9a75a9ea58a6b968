/* smdp: the SM-DP+ (SGP.22 roles ES2+ and ES9+): profiles and their orders,
 * mutual authentication with the eUICC, Bound Profile Packages bound to
 * one-time keys, notifications. This is the core, independent of the HTTP
 * bindings: ES9+ requests go in and out in the ASN.1 binding
 * (RemoteProfileProvisioningRequest/Response), ES2+ as C calls.
 *
 * State (profiles, orders, sessions) lives in lib/store and every request
 * is one transaction, so a restart in the middle of a session loses nothing
 * and a failed request changes nothing.
 *
 * Not thread-safe: one struct smdp per thread (they may share the store). */
#ifndef IOT_SMDP_H
#define IOT_SMDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/err.h"
#include "der/der.h"

struct smdp;

/* One certificate set per CI (curve) the SM-DP+ serves; PEM files. */
struct smdp_credentials {
	const char *ci_cert;
	const char *auth_cert, *auth_key;       /* CERT.DPauth.ECDSA, SK.DPauth.ECDSA */
	const char *pb_cert, *pb_key;           /* CERT.DPpb.ECDSA, SK.DPpb.ECDSA */
};

struct crypto_key_cache;
struct x509_eum_cache;

struct smdp_config {
	const char *address;                    /* this SM-DP+'s FQDN */
	const struct smdp_credentials *creds;
	size_t cred_count;
	const char *store_url;                  /* lib/store URL */
	int cc_attempts;                        /* confirmation code tries (default 3) */
	int download_attempts;                  /* BPPs bound per order (default 3) */
	int session_seconds;                    /* a session's life (default 600) */
	int order_seconds;                      /* a confirmed order's life (default 7 days) */
	/* the eUICCs' public keys, parsed once per session's certificate and
	 * shared by a server's cores (lib/crypto/key_cache.h); unset, each
	 * smdp keeps its own */
	struct crypto_key_cache *keys;
	/* EUMs checked against a CI already, shared the same way (lib/crypto/eum_cache.h) */
	struct x509_eum_cache *eums;
};

/* The outcome of a function in SGP.22 terms: the function's error code of
 * the ASN.1 binding and the subject/reason codes of the JSON binding
 * (SGP.22 5.2.6). code 0 and NULL strings: success. */
struct smdp_status {
	int code;
	const char *subject, *reason, *message;
};

iot_err smdp_open(const struct smdp_config *c, struct smdp **out);
void smdp_close(struct smdp *s);
/* The clock the SM-DP+ uses (tests move it); 0 returns to the system clock. */
void smdp_set_time(struct smdp *s, time_t now);

/* ---- profiles and ES2+ ---- */

enum smdp_state { SMDP_AVAILABLE = 0, SMDP_ALLOCATED, SMDP_LINKED, SMDP_CONFIRMED, SMDP_RELEASED,
		  SMDP_DOWNLOADED, SMDP_INSTALLED, SMDP_ERROR, SMDP_UNAVAILABLE };
const char *smdp_state_name(enum smdp_state st);

struct smdp_profile_info {
	const char *owner;                      /* the profile owner (ES2+ client) */
	const char *service_provider_name;
	const char *profile_name;
	int profile_class;                      /* RSP_CLASS_* */
	const char *notification_address;       /* install/enable/disable/delete go there; NULL: none */
	uint64_t ppr;                           /* RSP_PPR1 | RSP_PPR2 */
	bool protect_ahead;                     /* protect with a PPK at import (SGP.22 2.5.3) */
};

/* Imports an unprotected profile package (SAIP DER); its ICCID (10 bytes,
 * as in EFiccid) comes from the caller. Failures: IOT_E_REFUSED (ICCID
 * exists), IOT_E_ARG. */
iot_err smdp_add_profile(struct smdp *s, const uint8_t iccid[10], const struct smdp_profile_info *info,
			 const uint8_t *upp, size_t upp_len);
iot_err smdp_profile_state(struct smdp *s, const uint8_t iccid[10], enum smdp_state *st);
/* A bulk import: between these, smdp_add_profile writes into one
 * transaction committed every SMDP_IMPORT_BATCH profiles (and at the end
 * when commit); a failure leaves the earlier batches in and rolls back the
 * one at hand (smdp_import_end(s, false)). */
#define SMDP_IMPORT_BATCH 1000
iot_err smdp_import_begin(struct smdp *s);
iot_err smdp_import_end(struct smdp *s, bool commit);

/* ES2+ functions: IOT_OK, or IOT_E_REFUSED / IOT_E_NOT_FOUND with st (may
 * be NULL) saying why in SGP.22 codes. An owner only ever sees its own
 * profiles: another owner's ICCID is unknown to it. */

/* ES2+.DownloadOrder: allocates the profile iccid (or, when NULL, any
 * available one of the owner), linked to eid (32 digits) when given. The
 * ICCID is returned in iccid_out. */
iot_err smdp_download_order(struct smdp *s, const char *owner, const uint8_t *iccid, const char *eid,
			    uint8_t iccid_out[10], struct smdp_status *st);
/* ES2+.ConfirmOrder: matchingId given or generated (out: up to 64
 * characters), optional EID and confirmation code; released at once when
 * release is set. */
iot_err smdp_confirm_order(struct smdp *s, const char *owner, const uint8_t iccid[10], const char *eid,
			   const char *matching_id, const char *confirmation_code, bool release,
			   char matching_id_out[65], struct smdp_status *st);
/* ES2+.ReleaseProfile */
iot_err smdp_release_profile(struct smdp *s, const char *owner, const uint8_t iccid[10],
			     struct smdp_status *st);
/* ES2+.CancelOrder: back to available, or unavailable for good; eid and
 * matching_id (NULL: not given) must be the order's. */
iot_err smdp_cancel_order(struct smdp *s, const char *owner, const uint8_t iccid[10], const char *eid,
			  const char *matching_id, bool available,
			  struct smdp_status *st);
/* The activation code of an order: LPA:1$<address>$<matchingId>. */
void smdp_activation_code(const struct smdp *s, const char *matching_id, char *out, size_t cap);

/* ---- ES2+.HandleDownloadProgressInfo (SGP.22 5.3.7) ---- */

/* What the SM-DP+ tells a profile owner about a download, written in the
 * same transaction as the change it reports and kept until delivered. */
enum smdp_progress_point {
	SMDP_POINT_ELIGIBILITY = 1,             /* eligibility and retry limit check (AuthenticateClient) */
	SMDP_POINT_CONFIRMATION = 2,            /* confirmation code failure */
	SMDP_POINT_BPP_DOWNLOAD = 3,            /* the BPP handed over (or the session cancelled) */
	SMDP_POINT_BPP_INSTALLATION = 4,        /* the installation result */
};

struct smdp_progress {
	int64_t id;
	char owner[65], iccid[21], eid[33], subject[16], reason[16];
	enum smdp_progress_point point;
	bool success;
	uint8_t *result;                        /* the ProfileInstallationResult, malloc'd, or NULL */
	size_t result_len;
	int64_t at;                             /* when it happened (Unix time) */
};

/* Every table of the store at from_url copied into c's store, in one
 * transaction; IOT_E_REFUSED, nothing changed: c's store has profiles. */
iot_err smdp_migrate_store(const struct smdp_config *c, const char *from_url, uint64_t *rows, size_t *tables);
/* Several smdpd nodes on one store: the reports are sent by the holder of
 * the "progress" lease (store_lease_hold, ttl_ms); *held says whether that
 * is this process now. smdp_progress_release hands it over (a clean stop). */
iot_err smdp_progress_lease(struct smdp *s, unsigned ttl_ms, bool *held);
iot_err smdp_progress_release(struct smdp *s);
/* The oldest reports due now, at most max, in the order they are to be
 * sent (iccid as printed digits); *n of them, 0 when none. The caller frees
 * each p[i].result. */
iot_err smdp_progress_due(struct smdp *s, struct smdp_progress *p, size_t max, size_t *n);
/* In one transaction: the n reports delivered forgotten, failed (an id, or
 * 0) tried again later. Not waited on to the disk: a report it forgot is,
 * after a crash of the machine, sent again. */
iot_err smdp_progress_done(struct smdp *s, const int64_t *delivered, size_t n, int64_t failed);

/* ---- ES9+ ---- */

/* One ES9+ request in the ASN.1 binding ('A2' RemoteProfileProvisioningRequest;
 * the SGP.32 AuthenticateClientRequest accepted too); its response appended
 * to out (nothing for HandleNotification), st (may be NULL) the outcome.
 * Fails only for a request that does not decode. */
iot_err smdp_es9(struct smdp *s, const uint8_t *req, size_t len, struct der_writer *out,
		 struct smdp_status *st);

#endif
