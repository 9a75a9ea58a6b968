/* Inside the software eUICC: its persistent state and its volatile card
 * context, shared by the files of euicc/. */
#ifndef IOT_EUICC_INTERNAL_H
#define IOT_EUICC_INTERNAL_H

#include <pthread.h>

#include "crypto/bsp.h"
#include "crypto/crypto.h"
#include "crypto/x509.h"
#include "der/der.h"
#include "euicc/euicc.h"
#include "euicc/uicc_fs.h"
#include "rsp/rsp.h"

#define EUICC_CHANNELS 4                /* basic channel 0 and logical channels 1-3 */
#define EUICC_MAX_REQUEST (64 * 1024)   /* one ES10 request (a BPP goes in pieces) */

struct euicc_blob {                     /* a malloc'd byte string */
	uint8_t *ptr;
	size_t len;
};

struct euicc_profile {
	uint8_t iccid[10];
	uint8_t aid[16];                /* ISD-P AID */
	bool enabled;
	bool fallback;                  /* the fallback attribute */
	struct euicc_blob nickname;     /* UTF-8 */
	struct euicc_blob metadata;     /* SGP32-StoreMetadataRequest DER, as installed */
	struct euicc_blob content;      /* the profile package */
	/* its EFs updated since: '30' { '02' file index, '04' body } each */
	struct euicc_blob files;
};

struct euicc_eim {
	struct euicc_blob config;       /* EimConfigurationData DER, as added */
	int64_t counter;                /* the last counterValue accepted */
	bool has_token;
	int64_t token;                  /* associationToken */
};

enum euicc_notification_kind {
	EUICC_NOTIFY_PIR = 1,           /* ProfileInstallationResult 'BF37' */
	EUICC_NOTIFY_OTHER = 2,         /* OtherSignedNotification '30' */
	EUICC_NOTIFY_EPR = 3,           /* EuiccPackageResult 'BF51' */
};

struct euicc_notification {
	int64_t seq;
	enum euicc_notification_kind kind;
	uint64_t operation;             /* NotificationEvent bits (PIR/other) */
	struct euicc_blob der;          /* the signed structure, as sent */
};

/* Everything that survives a power cut, saved after every change. */
struct euicc_state {
	uint8_t eid[16];
	struct euicc_blob key;          /* PKCS#8 of SK.EUICC.ECDSA */
	struct euicc_blob cert, eum_cert;
	struct euicc_blob *ci_certs;
	size_t ci_count;
	struct euicc_blob default_dp, root_ds;
	struct euicc_profile *profiles;
	size_t profile_count;
	struct euicc_eim *eims;
	size_t eim_count;
	struct euicc_notification *notifications;
	size_t notification_count;
	int64_t next_seq;
	uint32_t next_isdp;
	/* SGP.32 immediate enable configuration */
	bool immediate_enable;
	struct euicc_blob ie_smdp_oid, ie_smdp_address;
	/* the enable a ProfileRollback would undo (SGP.32 PSMO rollbackFlag) */
	bool has_rollback;
	uint8_t rollback_iccid[10];
	struct euicc_blob rollback_eim_id, rollback_txid;
	int64_t rollback_counter;
	/* the profile ReturnFromFallback goes back to */
	bool in_fallback;
	uint8_t fallback_return_iccid[10];
	/* an emergency profile enabled by the IPA (eCall active), and the
	 * profile DisableEmergencyProfile goes back to */
	bool in_emergency;
	bool has_emergency_return;
	uint8_t emergency_return_iccid[10];
	/* a BPP being loaded: if power goes, the next start reports the
	 * interruption (PIR installFailedDueToInterruption) */
	bool loading;
	struct euicc_blob loading_txid, loading_address, loading_oid;
	/* SGP.32 IpaeActivationRequest: the IPA inside the eUICC is the active
	 * one (ipaMode ipae), and what that IPA keeps across power cuts */
	bool ipae_active;
	struct euicc_blob ipa_record;
};

struct euicc_channel {
	bool open;
	bool selected;                  /* the ISD-R is selected on it */
	uint8_t next_block;             /* STORE DATA block number expected */
	struct der_writer in;           /* the request being received */
	struct der_writer out;          /* the response being read out */
	size_t out_pos;
	struct uicc_cursor cursor;      /* where it is in the file system */
};

enum euicc_phase {
	EUICC_IDLE = 0,
	EUICC_AUTHENTICATED,            /* after AuthenticateServer */
	EUICC_PREPARED,                 /* after PrepareDownload */
	EUICC_LOADING,                  /* inside LoadBoundProfilePackage */
};

/* A profile download session (SGP.22 3.1.3), volatile: a reset ends it. */
struct euicc_session {
	enum euicc_phase phase;
	uint8_t txid[16];
	size_t txid_len;
	struct euicc_blob server_address;
	struct crypto_cert *dp_auth, *dp_pb;
	uint8_t euicc_sig1[CRYPTO_SIG_LEN];
	struct crypto_key *otsk;        /* otSK.EUICC.ECKA */
	uint8_t otpk[CRYPTO_POINT_LEN];
	/* the Bound Profile Package, parsed as a stream */
	int bpp_step;
	size_t bpp_left, seq_left;
	uint32_t seq_tag;
	struct bsp bsp;
	struct der_writer pending;      /* bytes received, not yet a whole TLV */
	struct der_writer cfg, metadata, rsk, profile;
	bool has_iccid;
	uint8_t iccid[10];
};

struct euicc {
	struct euicc_state s;
	char *state_path;
	struct crypto_key *key;
	struct crypto_cert *cert, *eum;
	struct crypto_cert **ci;
	struct euicc_channel ch[EUICC_CHANNELS];
	/* the last TERMINAL CAPABILITY the device sent (TS 102 221 11.1.19) */
	uint8_t terminal_capability[64];
	size_t terminal_capability_len;
	/* the volatile part of a download session (SGP.22 3.1.3) */
	bool has_challenge;
	uint8_t challenge[16];
	struct euicc_session dl;
	/* the profile installed last in this power cycle (ImmediateEnable) */
	bool has_installed;
	uint8_t installed_iccid[10];
	/* the UICC file system of the enabled profile (TS 102 221), built from
	 * its package when first used, again after another one is enabled */
	struct uicc_fs fs;
	bool fs_built, fs_of_profile;
	uint8_t fs_iccid[10];
	/* the IPA inside (IPAe), when the eUICC was given one: it calls ES10
	 * from a thread of its own, so the card's state is changed under lock */
	pthread_mutex_t lock;
	struct euicc_ipae *ipae;
};

/* state.c */
iot_err euicc_state_save(struct euicc *e);
iot_err euicc_state_load(struct euicc *e, const uint8_t *buf, size_t len);
void euicc_state_clear(struct euicc_state *s);
/* A change of state: euicc_begin snapshots it; euicc_commit saves it when
 * err is IOT_OK, and otherwise (or when saving fails) restores the
 * snapshot. Returns the error that stands. */
iot_err euicc_begin(struct euicc *e, struct der_writer *snapshot);
iot_err euicc_commit(struct euicc *e, struct der_writer *snapshot, iot_err err);
iot_err euicc_blob_set(struct euicc_blob *b, const void *ptr, size_t len);
void euicc_blob_free(struct euicc_blob *b);

/* files.c: the enabled profile's file system (an MF alone without one),
 * built when first used and again after another profile is enabled; the
 * EF at index file updated, kept in the profile's state. */
struct uicc_fs *euicc_fs(struct euicc *e);
iot_err euicc_fs_keep(struct euicc *e, int file);

/* es10.c: one whole ES10 request in, its response appended to out. */
iot_err euicc_es10(struct euicc *e, const uint8_t *req, size_t len, struct der_writer *out);

/* ipae.c: the IPA inside. Activation (ES10 'BF42'); the CAT instructions
 * the device's terminal sends (TERMINAL PROFILE, FETCH, TERMINAL RESPONSE,
 * ENVELOPE: *sw set, true when taken); the length of a proactive command
 * waiting for FETCH (0: none), for '91XX'; stopping its thread. */
struct euicc_apdu_view {
	uint8_t cla, ins, p1, p2;
	const uint8_t *data;
	size_t lc, le;
	bool has_le;
};
bool euicc_ipae_apdu(struct euicc *e, const struct euicc_apdu_view *a, uint8_t *resp, size_t *n, unsigned *sw);
size_t euicc_ipae_pending(struct euicc *e);
void euicc_ipae_reset(struct euicc *e);
void euicc_ipae_free(struct euicc *e);
void euicc_ipae_changed(struct euicc *e);

/* profiles.c */
struct euicc_profile *euicc_find_iccid(struct euicc *e, const uint8_t *iccid);
struct euicc_profile *euicc_find_aid(struct euicc *e, const uint8_t *aid, size_t len);

#endif
