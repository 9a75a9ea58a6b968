/* Inside libipa. */
#ifndef IOT_IPA_INTERNAL_H
#define IOT_IPA_INTERNAL_H

#include "ipacore/ipa.h"
#include "rsp/rsp.h"

struct ipa {
	struct ipa_platform p;
	struct ipa_config cfg;
	uint8_t *buf;                   /* the working buffer: ES10 responses */
	size_t cap;
	uint8_t *msg;                   /* encoded requests (ES10, ESipa) */
	size_t msg_cap;
	uint8_t *arena_buf;             /* decoded messages of the current poll step */
	struct rsp_arena arena;
	uint8_t channel;                /* the logical channel of the ISD-R */
	bool open;
	uint8_t tac[4];
	uint8_t imei[8];
	bool has_imei;
	uint8_t isd_r_aid[16];
	size_t isd_r_aid_len;
	uint8_t eid[16];
	bool have_eid;
	bool state_changed;             /* notifyStateChange at the next poll, with change_cause */
	int change_cause;
	uint8_t rplmn[3];
	bool has_rplmn;
	struct ipa_eim eim;             /* the eIM polled, once selected */
	bool have_eim;
	bool eim_changed;               /* an eCO ran: the eIM's configuration is read again */
	unsigned failures;              /* polls failed in a row, for the back-off */
	bool rollback_armed;            /* an enable with rollbackFlag awaits the eIM on its profile */
	uint64_t rollback_at_ms;        /* when ProfileRollback is called if it never comes */
	uint64_t next_poll_ms;
	uint64_t jitter_state;
	struct ipa_stats stats;
	/* packages and triggers executed lately, by fingerprint: one pushed and
	 * polled at once runs once */
#define IPA_SEEN 8
	uint64_t seen[IPA_SEEN];
	unsigned seen_next;
	uint8_t *injected_pdt;          /* a pushed trigger the next poll runs ('BF54', malloc'd) */
	size_t injected_pdt_len;
};

extern const uint8_t ipa_gsma_isd_r_aid[16];

/* The DeviceInfo this device gives (SGP.22 4.2): TAC, capabilities, IMEI. */
void ipa_device_info(const struct ipa *ipa, struct rsp_device_info *out);

/* ---- one profile download, direct (ES9+) or indirect (ESipa) ---- */

/* What AuthenticateServer needs from InitiateAuthentication's answer. */
struct dl_auth1 {
	struct rsp_server_signed1 server_signed1;
	rsp_bytes server_signature1, euicc_ci_pkid_to_be_used, server_certificate;
	RSP_OPT(rsp_bytes, matching_id);        /* the eIM's, overriding the activation code's */
};

/* What PrepareDownload needs from AuthenticateClient's answer. */
struct dl_auth2 {
	struct rsp_smdp_signed2 smdp_signed2;
	rsp_bytes smdp_signature2, smdp_certificate;
	RSP_OPT(rsp_bytes, hash_cc);            /* the eIM's, when it holds the confirmation code */
};

struct dl;
/* The four server functions of a download (SGP.22 3.1.3), each returning the
 * server's error code in *code (0: ok). */
struct dl_server {
	iot_err (*initiate)(struct dl *d, const rsp_bytes *challenge, const struct rsp_euicc_info1 *info1,
			    struct dl_auth1 *out, int *code);
	iot_err (*authenticate_client)(struct dl *d, const uint8_t *asr, size_t len, struct dl_auth2 *out, int *code);
	iot_err (*get_bpp)(struct dl *d, const uint8_t *pdr, size_t len, const uint8_t **bpp, size_t *bpp_len,
			   int *code);
	iot_err (*cancel)(struct dl *d, const uint8_t *csr, size_t len);
	/* The PIR to the SM-DP+ (ES9+ HandleNotification); NULL when the PIR
	 * travels in the trigger's result instead. */
	iot_err (*deliver_pir)(struct dl *d);
};
extern const struct dl_server dl_es9_server;

struct dl {
	struct ipa *ipa;
	const struct dl_server *server;
	const char *address;            /* the SM-DP+ */
	const char *matching_id;        /* "" for none */
	rsp_bytes eim_transaction_id;   /* indirect: the trigger's, or empty */
	struct rsp_arena a;
	uint8_t *keep[24];
	size_t kept;
	uint8_t txid[16];
	size_t txid_len;
	bool txid_known;
	const uint8_t *answer;          /* the last ESipa answer */
	size_t answer_len;
	uint8_t *pir;                   /* the eUICC's ProfileInstallationResult */
	size_t pir_len;
	/* Optional, for what must survive a power cut: the session is open (the
	 * transaction ID known), the BPP is about to go into the eUICC. */
	void (*on_session)(struct dl *d);
	void (*on_loading)(struct dl *d);
	void *user;
};

void dl_init(struct dl *d, struct ipa *ipa, const struct dl_server *s, const char *address, const char *matching_id);
void dl_free(struct dl *d);
/* Keeps p (malloc'd) until dl_free; NULL when it could not. */
uint8_t *dl_keep(struct dl *d, uint8_t *p);
/* ES10b.CancelSession with reason (SGP.22 5.7.14), its signed answer to the
 * server when tell_server. */
void dl_cancel(struct dl *d, int64_t reason, bool tell_server);
/* Runs the download up to the PIR (in d->pir); cancels where it must. */
iot_err dl_run(struct dl *d, const char *cc, struct ipa_download_result *r);

/* ---- helpers shared by the procedures ---- */

/* ES10 with a struct request; the answer copied into the arena a and
 * decoded into out, valid as long as a. */
iot_err ipa_es10_struct(struct ipa *ipa, const struct rsp_type *qt, const void *q, const struct rsp_type *rt,
			void *out, struct rsp_arena *a);
/* Encodes v into the message buffer; one that outgrows it is allocated
 * (*heap set: the caller frees *out). */
iot_err ipa_encode(struct ipa *ipa, const struct rsp_type *t, const void *v, uint8_t **out, size_t *len, bool *heap);
/* The poll step's arena, emptied. */
struct rsp_arena *ipa_arena_reset(struct ipa *ipa);
/* The EID (ES10c.GetEID), read once. */
iot_err ipa_eid(struct ipa *ipa, const uint8_t **eid);
/* Removes notification or result seq from the eUICC (ES10b.RemoveNotificationFromList). */
iot_err ipa_remove_notification(struct ipa *ipa, int64_t seq);
/* One ESipa exchange (SGP.32 6.3): q encoded, the answer decoded into ans
 * (pointing into *raw, which the caller frees); expect is the answer's
 * choice the function allows, or 0 for none (an empty answer). */
iot_err ipa_esipa(struct ipa *ipa, const struct rsp_esipa_message_from_ipa *q, int expect,
		  struct rsp_esipa_message_from_eim *ans, struct rsp_arena *a, uint8_t **raw, size_t *raw_len);
/* minimizeEsipaBytes: a notification in its compact form (SGP.32
 * CompactOtherSignedNotification), the certificates left to the eIM; with
 * the EID when nothing else tells the eIM whose it is (handleNotification). */
void ipa_compact_notification(const struct ipa *ipa, struct rsp_pending_notification *n, const uint8_t *eid);
/* ProvideEimPackageResult (SGP.32 6.3.2.x): r to the eIM, then what it
 * acknowledged removed from the eUICC. */
iot_err ipa_provide_result(struct ipa *ipa, const struct rsp_eim_package_result *r);
/* A Profile Download Trigger executed and its result provided (pdt.c). */
iot_err ipa_pdt_execute(struct ipa *ipa, const struct rsp_profile_download_trigger_request *t);
/* What a power cut left of a trigger: finished or cancelled, and reported. */
iot_err ipa_pdt_resume(struct ipa *ipa);

/* ES10b.RetrieveNotificationsList: the pending notifications, or (results)
 * the pending eUICC Package results (eim.c). */
iot_err ipa_retrieve(struct ipa *ipa, bool results, struct rsp_retrieve_notifications_list_response *r,
		     struct rsp_arena *a);

/* ---- IPA eUICC Data Requests (data.c) ---- */

/* The IpaEuiccData (or its error) a data request asks for. */
iot_err ipa_collect_data(struct ipa *ipa, const struct rsp_ipa_euicc_data_request *q,
			 struct rsp_ipa_euicc_data_response *resp);
/* The same, provided to the eIM. */
iot_err ipa_execute_data_request(struct ipa *ipa, const struct rsp_ipa_euicc_data_request *q);

#endif
