/* Inside the SM-DP+. */
#ifndef IOT_SMDP_INTERNAL_H
#define IOT_SMDP_INTERNAL_H

#include "crypto/bsp.h"
#include "crypto/crypto.h"
#include "crypto/eum_cache.h"
#include "crypto/key_cache.h"
#include "crypto/x509.h"
#include "rsp/rsp.h"
#include "smdp/smdp.h"
#include "store/store.h"

#define SMDP_PPK_LEN 48                 /* s_enc || s_mac || initial MAC chaining value */

struct smdp_cred {
	struct crypto_cert *ci, *auth, *pb;
	struct crypto_key *auth_key, *pb_key;
	uint8_t oid[32];                /* the SM-DP+ OID of CERT.DPauth (subjectAltName RID) */
	size_t oid_len;
};

struct smdp {
	char *address;
	struct smdp_cred *creds;
	size_t cred_count;
	struct store *db;
	struct crypto_key_cache *keys;  /* the config's, or this smdp's own (own_keys) */
	struct x509_eum_cache *eums;    /* the same */
	bool own_keys;
	int cc_attempts, download_attempts, session_seconds, order_seconds;
	time_t fixed_now;
	time_t swept;                   /* when this connection last removed expired sessions */
	bool legacy_upp;                /* a store from before profile_package: profile.upp exists (kept empty) */
	bool import_batch;              /* inside smdp_import_begin/_end */
	int64_t import_count;
};

/* A profile row without its large columns. */
struct smdp_profile {
	char iccid[21], owner[65], eid[33], matching_id[65];
	int state, cc_tries, downloads;
	bool has_cc, has_bound;
	uint8_t cc_hash[CRYPTO_SHA256_LEN];     /* SHA-256 of the confirmation code */
	uint8_t bound_otpk[CRYPTO_POINT_LEN];   /* otPK.EUICC.ECKA of the last binding */
	int64_t expires;                        /* the order's end; 0: none */
};

enum smdp_key { SMDP_BY_ICCID, SMDP_BY_MATCHING_ID, SMDP_BY_RELEASED_EID };

time_t smdp_now(const struct smdp *s);
/* Fills st (when not NULL) and returns err. */
iot_err smdp_status_set(struct smdp_status *st, iot_err err, int code, const char *subject,
			const char *reason, const char *message);
/* Commits the transaction when err is IOT_OK, else rolls it back. */
iot_err smdp_finish(struct smdp *s, iot_err err);
/* IOT_E_NOT_FOUND when no profile matches. */
iot_err smdp_profile_load(struct smdp *s, enum smdp_key by, const char *key, struct smdp_profile *p);
iot_err smdp_profile_set_state(struct smdp *s, const char *iccid, enum smdp_state st);

/* Queues an ES2+.HandleDownloadProgressInfo for the owner of iccid (hex of
 * EF.ICCID); failure NULL for a success. */
iot_err smdp_progress_add(struct smdp *s, const char *iccid, const char *eid, enum smdp_progress_point point,
			  const struct smdp_status *failure, const uint8_t *result, size_t result_len);

/* The profile as bpp.c binds it: metadata (StoreMetadataRequest DER) and
 * the package, plain or (with ppk) already '86' segments under the PPK. */
struct smdp_package {
	uint8_t *metadata, *upp, *ppk;
	size_t metadata_len, upp_len;
};
/* Text column col of q into out ("" when NULL), cut to cap. */
void smdp_col_text(struct store_stmt *q, int col, char *out, size_t cap);
iot_err smdp_package_load(struct smdp *s, const char *iccid, struct smdp_package *pkg);
void smdp_package_free(struct smdp_package *pkg);
/* The order's StoreMetadataRequest, malloc'd. */
iot_err smdp_metadata_load(struct smdp *s, const char *iccid, uint8_t **metadata, size_t *len);
/* bpp.c: protects a package ahead with a new PPK (SGP.22 2.5.3). */
iot_err smdp_protect_ahead(const uint8_t *upp, size_t upp_len, uint8_t ppk[SMDP_PPK_LEN],
			   struct der_writer *segments);
/* bpp.c: binds a package for the eUICC's one-time key (SGP.22 2.5.4) with
 * the SM-DP+'s one-time key pair dp_ot. */
iot_err smdp_bind(const struct smdp_cred *c, const uint8_t *txid, size_t txid_len, const uint8_t eid[16],
		  const uint8_t euicc_otpk[CRYPTO_POINT_LEN], const struct crypto_key *dp_ot,
		  const struct smdp_package *pkg, struct der_writer *bpp);

#endif
