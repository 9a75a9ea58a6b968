/* libipa: the IoT Profile Assistant's portable core (SGP.32 IPAd). It knows
 * no network stack, card stack, file system or clock: the platform passes
 * its functions in. Built for constrained devices: three buffers fixed at
 * creation (ES10 answers, encoded requests, decoded messages) serve every
 * poll, so a poll allocates nothing of its own; only a profile download
 * allocates more, for the Bound Profile Package and its session. The
 * transport's answers are the platform's allocations, handed over.
 *
 * Ownership: the platform struct and its context outlive the ipa; buffers
 * handed to callbacks belong to libipa and are valid for the call only. */
#ifndef IOT_IPA_H
#define IOT_IPA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct rsp_device_capabilities;

struct ipa_eim;

struct ipa_platform {
	void *ctx;
	/* One command APDU to the eUICC, its response APDU (data + SW1 SW2). */
	iot_err (*transmit)(void *ctx, const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap, size_t *resp_len);
	/* Instead of transmit, for an IPA inside the eUICC (IPAe): one whole ES10
	 * request to its own ISD-R, called directly, its whole response into
	 * resp. IOT_E_BUFFER when cap is too small; another error when the
	 * ISD-R could not parse the request at all. */
	iot_err (*es10)(void *ctx, const uint8_t *req, size_t len, uint8_t *resp, size_t cap, size_t *resp_len);
	/* ES9+ in the ASN.1 binding to the SM-DP+ at address (SGP.22 6.6): POST
	 * the RemoteProfileProvisioningRequest, the response into a malloc'd
	 * *resp (empty for HandleNotification). IOT_E_IO when no answer came. */
	iot_err (*es9)(void *ctx, const char *address, const uint8_t *req, size_t len, uint8_t **resp,
		       size_t *resp_len);
	/* ESipa (SGP.32 6.1) to the eIM: POST one EsipaMessageFromIpaToEim,
	 * its EsipaMessageFromEimToIpa into a malloc'd *resp (empty when the
	 * eIM answers with no content). IOT_E_IO when no answer came; on any
	 * failure *resp is left to the platform (libipa frees nothing). */
	iot_err (*esipa)(void *ctx, const struct ipa_eim *eim, const uint8_t *req, size_t len, uint8_t **resp,
			 size_t *resp_len);
	/* A small record that must survive a power cut: save replaces it
	 * atomically (len 0 erases it); load gives IOT_E_NOT_FOUND when none. */
	iot_err (*save)(void *ctx, const uint8_t *rec, size_t len);
	iot_err (*load)(void *ctx, uint8_t *rec, size_t cap, size_t *len);
	/* A monotonic clock in milliseconds, for the poll schedule. */
	uint64_t (*now_ms)(void *ctx);
	/* Optional: resets the card (REFRESH after a profile switch); the next
	 * ES10 call opens a new channel. */
	iot_err (*reset)(void *ctx);
};

struct ipa_config {
	size_t buffer_size;                     /* the working buffer: ES10 answers (default 16 KiB) */
	size_t message_size;                    /* ESipa and ES10 requests are encoded here (default 8 KiB) */
	size_t arena_size;                      /* what a poll step decodes lives here (default 16 KiB) */
	const uint8_t *tac;                     /* the device's TAC, 4 bytes (DeviceInfo) */
	const uint8_t *imei;                    /* its IMEI, 8 bytes as DeviceInfo carries it; NULL: not sent */
	/* its DeviceCapabilities (SGP.22 4.2) as ctxParams1 and IPA eUICC data
	 * carry them; NULL: none declared. Kept by the caller while the IPA lives. */
	const struct rsp_device_capabilities *capabilities;
	/* the ISD-R's AID, for eUICCs with a vendor AID; NULL: A0000005591010FFFFFFFF8900000100 */
	const uint8_t *isd_r_aid;
	size_t isd_r_aid_len;                   /* 5 to 16 */
	unsigned poll_interval_s;               /* between polls when all is well (default 3600) */
	unsigned retry_min_s, retry_max_s;      /* back-off after a failed poll (default 10 s, doubling to 3600 s) */
	bool prefer_coaps;                      /* when the eIM offers both HTTPS and CoAPs */
	/* the platform takes pushes (inject mode) over HTTPS / CoAPs and hands
	 * them to ipa_transfer_eim_package; reported in ipaSupportedProtocols */
	bool inject_https, inject_coaps;
	/* minimizeEsipaBytes (SGP.32 ipaFeatures): the compact forms of
	 * AuthenticateServerResponse, PrepareDownloadResponse, CancelSession
	 * and signed notifications on ESipa; the eIM expands them for the
	 * SM-DP+ (it holds the certificates and eUICC info they leave out) */
	bool minimize_esipa_bytes;
	/* TERMINAL CAPABILITY sent at the start of every card session (ETSI TS
	 * 102 221 11.1.19, its value: TLVs in 'A9'); NULL: the eUICC-related
	 * capabilities as LPAs send them, 'A9 03 83 01 07' */
	const uint8_t *terminal_capability;
	size_t terminal_capability_len;         /* at most 64 */
	/* SGP.32 3.3.2 (enable with rollbackFlag): how long after such an enable
	 * the IPA keeps trying to reach the eIM on the new profile before it
	 * calls ES10b.ProfileRollback (default 600000 ms) */
	unsigned rollback_after_ms;
};

/* The eIM polled: from the eUICC's eIM configuration data (SGP.32 2.11.1). */
struct ipa_eim {
	char id[129];
	char fqdn[256];
	bool coaps;                             /* the transport: CoAP/DTLS, else HTTPS */
	bool indirect_download;                 /* profiles come through the eIM */
	unsigned protocols;                     /* its eimSupportedProtocol bits (RSP_PROTO_*) */
	uint8_t tls_trust[1024];                /* trustedPublicKeyDataTls: a SubjectPublicKeyInfo or */
	size_t tls_trust_len;                   /* a Certificate TLV; 0: the platform's trust store */
	bool tls_trust_is_cert;
};

/* What the IPA has done since it was created. */
struct ipa_stats {
	unsigned polls, polls_failed;
	unsigned packages, data_requests, downloads, downloads_installed;
	unsigned results_delivered, notifications_delivered;
	unsigned rejected;                      /* eIM messages refused as malformed */
	unsigned injected;                      /* pushes taken (inject mode) */
	unsigned rollbacks;                     /* ProfileRollbacks after an enable that cut us off */
};

struct ipa;

iot_err ipa_new(const struct ipa_platform *p, const struct ipa_config *c, struct ipa **out);
void ipa_free(struct ipa *ipa);

/* ---- the eUICC (ES10 over APDUs) ---- */

/* Opens a logical channel to the ISD-R (MANAGE CHANNEL, SELECT). Called by
 * every procedure when the channel is not open; again after a card reset. */
iot_err ipa_card_open(struct ipa *ipa);
void ipa_card_close(struct ipa *ipa);
/* One ES10 function: req in STORE DATA blocks, the whole response (GET
 * RESPONSE gathered) in the working buffer, valid until the next call. */
iot_err ipa_es10(struct ipa *ipa, const uint8_t *req, size_t len, const uint8_t **resp, size_t *resp_len);

/* ---- activation codes (SGP.22 4.1) ---- */

struct ipa_activation_code {
	char address[256];
	char matching_id[65];
	char oid[64];                           /* the SM-DP+ OID, or empty */
	bool cc_required;
};
/* "LPA:1$address$matchingId[$oid[$1]]" (the "LPA:" prefix optional). */
iot_err ipa_parse_activation_code(const char *text, struct ipa_activation_code *ac);

/* ---- direct profile download (SGP.32 3.2.3, SGP.22 3.1.3 over ES9+) ---- */

struct ipa_download_result {
	bool installed;
	uint8_t iccid[10];
	int server_code;                        /* the SM-DP+'s (or eIM's) error code when it refused, else 0 */
	uint32_t server_function;               /* then: the function that refused, its response tag ('BF3B'...) */
	int euicc_code;                         /* the eUICC's error (AuthenticateServer, PrepareDownload), else 0 */
	int pir_reason;                         /* the PIR's errorReason when installation failed */
	int64_t pir_seq;                        /* the PIR's sequence number on the eUICC */
};

/* Downloads and installs the profile of an activation code from the SM-DP+
 * (confirmation_code when the order wants one, else NULL), delivers the
 * installation result and removes it from the eUICC once the SM-DP+ has it.
 * IOT_OK when the procedure ran to its end (installed or refused, see r);
 * an error when it could not (transport, card). */
iot_err ipa_download(struct ipa *ipa, const struct ipa_activation_code *ac, const char *confirmation_code,
		     struct ipa_download_result *r);

/* ---- the eIM (SGP.32 3.1, 3.3, 3.5) ---- */

/* Picks the eIM to poll from the eUICC (ES10b.GetEimConfigurationData): the
 * first with an FQDN, over CoAPs when it offers only that (or both, and the
 * config prefers it). IOT_E_NOT_FOUND when the eUICC has none. */
iot_err ipa_eim_select(struct ipa *ipa, struct ipa_eim *out);

/* One poll (SGP.32 3.1.1 eIM polling): first what a power cut left (an
 * interrupted download is finished or cancelled and reported), then the
 * eUICC's undelivered package results and notifications, then
 * getEimPackage until the eIM has nothing more, each package executed and
 * its result provided. IOT_OK when the eIM was reached; the next poll is
 * scheduled from the outcome (ipa_poll_due_in). */
iot_err ipa_poll(struct ipa *ipa);
/* Milliseconds until the next poll is due (0: now). */
uint64_t ipa_poll_due_in(struct ipa *ipa);
/* Whether an enable with rollbackFlag waits for its connectivity check (the
 * eIM reached on the new profile); *due_in_ms: until the rollback. */
bool ipa_rollback_armed(const struct ipa *ipa, uint64_t *due_in_ms);
/* Makes the next poll due now (e.g. told to by SMS or an operator). */
void ipa_poll_now(struct ipa *ipa);
/* SGP.32 StateChangeCause values */
enum { IPA_CHANGE_OTHER_EIM = 0, IPA_CHANGE_FALLBACK = 1, IPA_CHANGE_EMERGENCY_PROFILE = 2, IPA_CHANGE_RESET = 4,
       IPA_CHANGE_IMMEDIATE_ENABLE = 5, IPA_CHANGE_DEVICE_CHANGE = 6, IPA_CHANGE_UNDEFINED = 127 };
/* Tells the eIM at the next poll that the eUICC's state changed without it
 * (notifyStateChange with the cause), and makes that poll due now; said
 * until a poll reaches the eIM. */
void ipa_notify_state_change(struct ipa *ipa, int cause);
/* Whether a state change waits to be told, and its cause (for a platform
 * that keeps it across restarts). */
bool ipa_state_change_pending(const struct ipa *ipa, int *cause);
/* The last registered PLMN (MCC and MNC, 3 bytes as 3GPP TS 24.008 codes
 * them) the next polls report; NULL: none. */
void ipa_set_rplmn(struct ipa *ipa, const uint8_t *plmn);
/* The device's own profile switches (SGP.32 5.9.x), for when it has had no
 * service for long or must place an emergency call. *result is the
 * eUICC's code (0 ok; e.g. 6 fallbackNotAvailable, 8 ecallNotAvailable,
 * 104 ecallActive). On success the card is reset (REFRESH) and the next
 * poll, made due now, tells the eIM (notifyStateChange with cause fallback
 * or emergencyProfile). */
enum ipa_switch { IPA_EXECUTE_FALLBACK, IPA_RETURN_FROM_FALLBACK, IPA_ENABLE_EMERGENCY, IPA_DISABLE_EMERGENCY };
iot_err ipa_switch_profile(struct ipa *ipa, enum ipa_switch what, int *result);
/* Inject mode (SGP.32 ESipa.TransferEimPackage): the eIM pushed a
 * TransferEimPackageRequest ('BF4E') over HTTPS or CoAPs, its transport
 * authenticated by the platform. An eUICC Package or a data request is
 * executed now and answered with its result; acknowledgements remove what
 * they name; a Profile Download Trigger is answered eimPackageReceived and
 * runs at the poll it makes due (its result by ProvideEimPackageResult).
 * The answer ('BF4E') is malloc'd into *resp. IOT_E_REFUSED: the selected
 * eIM is not configured for inject over this transport (or this IPA takes
 * none); other errors: the card failed (no answer to give).
 * Not reentrant with ipa_poll: the platform runs one at a time. */
iot_err ipa_transfer_eim_package(struct ipa *ipa, bool coaps, const uint8_t *req, size_t len, uint8_t **resp,
				 size_t *resp_len);
const struct ipa_stats *ipa_stats(const struct ipa *ipa);

#endif
