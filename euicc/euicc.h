/* euicc: a software eUICC (ISD-R with ES10a/b/c and the SGP.32 additions).
 * A simulator for development and fleet testing — not a secure element: its
 * keys live in an ordinary file.
 *
 * Many independent instances live in one process. Each is reached through
 * euicc_transmit (APDUs, as a card) and persists its state, when it has a
 * state path, atomically after every change and before the response leaves.
 *
 * Ownership: the caller owns what it passes in; an instance owns its state
 * and is released with euicc_free. */
#ifndef IOT_EUICC_H
#define IOT_EUICC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct euicc;

/* What a factory puts on a new eUICC. */
struct euicc_provision {
	const char *key_path;           /* SK.EUICC.ECDSA, PEM */
	const char *cert_path;          /* CERT.EUICC.ECDSA (PEM or DER); its serialNumber is the EID */
	const char *eum_cert_path;      /* CERT.EUM.ECDSA */
	const char *const *ci_cert_paths;       /* the CIs it trusts, one per curve or more */
	size_t ci_count;
	const char *state_path;         /* NULL: state in memory only */
	const char *default_dp_address; /* optional */
	const char *root_ds_address;    /* optional; defaults to lpa.ds.gsma.com */
};

/* A new eUICC from factory material; its state is written at once. */
iot_err euicc_create(const struct euicc_provision *p, struct euicc **out);
/* An eUICC from its state file, exactly as last acknowledged. */
iot_err euicc_open(const char *state_path, struct euicc **out);
void euicc_free(struct euicc *e);

/* One command APDU in, one response APDU (data and SW1 SW2) out. Never fails
 * for a bad APDU: that gets the status word a card would give. Fails only
 * when resp is too small (at least 258 bytes always suffice). */
iot_err euicc_transmit(struct euicc *e, const uint8_t *apdu, size_t len,
		       uint8_t *resp, size_t cap, size_t *resp_len);
/* A card reset: logical channels closed, selections and pending responses
 * dropped, the download session ended (what power loss does). */
void euicc_reset(struct euicc *e);
/* The answer to reset, offering T=0 and T=1. */
const uint8_t *euicc_atr(size_t *len);

/* The whole persistent state as bytes (malloc'd), and back: restoring puts
 * the same eUICC back to that state (fleet snapshots, fuzzing); the card is
 * reset. IOT_E_ARG when the state is another eUICC's. */
iot_err euicc_snapshot(const struct euicc *e, uint8_t **buf, size_t *len);
iot_err euicc_restore(struct euicc *e, const uint8_t *buf, size_t len);

/* The value of the last TERMINAL CAPABILITY the device sent (what it
 * supports, ETSI TS 102 221 11.1.19); *len 0 when none since power-up. */
const uint8_t *euicc_terminal_capability(const struct euicc *e, size_t *len);

/* The IPA inside the eUICC (IPAe, SGP.32): given to an eUICC, it answers
 * IpaeActivationRequest ('BF42') and, while activated (ipaMode ipae),
 * polls the eIM on its own, over the network the device lends it with the
 * Bearer Independent Protocol (ETSI TS 102 223: the device's terminal
 * fetches OPEN CHANNEL, SEND DATA, RECEIVE DATA, CLOSE CHANNEL and answers
 * them). TLS is terminated here; the device carries records only. Without
 * it the eUICC answers activation notSupported. */
struct euicc_ipae_config {
	/* trust for the eIM's TLS certificate when its eIM configuration
	 * carries none (trustedPublicKeyDataTls): PEM anchors */
	const char *ca_file;
	/* "HOST:PORT:ADDRESS:PORT": where HOST:PORT is reached (a simulator
	 * resolves names itself; ADDRESS is an IPv4 or IPv6 literal) */
	const char *connect_to;
	unsigned poll_interval_s;       /* default 3600 */
	unsigned retry_min_s, retry_max_s;      /* default 10 and 3600 */
	unsigned timeout_ms;            /* the terminal's answer to one command (default 30000) */
};
iot_err euicc_ipae_start(struct euicc *e, const struct euicc_ipae_config *c);

/* What the IPAe has done since it started (zeros without one). */
struct euicc_ipae_stats {
	unsigned polls, polls_failed;   /* ESipa polls tried, and failed */
	unsigned commands;              /* proactive commands fetched */
	unsigned events;                /* event downloads taken */
	unsigned channels;              /* BIP channels opened */
	uint64_t sent, received;        /* bytes on the channels (TLS records) */
};
void euicc_ipae_stats(struct euicc *e, struct euicc_ipae_stats *out);
/* Whether the IPA inside is the active one (ipaMode ipae). */
bool euicc_ipae_active(struct euicc *e);

/* The EID, 16 bytes. */
const uint8_t *euicc_eid(const struct euicc *e);
/* The ICCID of the enabled profile (10 bytes as stored); false: none. */
bool euicc_enabled_iccid(const struct euicc *e, uint8_t iccid[10]);

/* Factory provisioning of a profile (a bootstrap profile, say), outside any
 * download: metadata is a DER StoreMetadataRequest; enabled as asked. */
iot_err euicc_preload_profile(struct euicc *e, const uint8_t *metadata, size_t metadata_len,
			      const uint8_t *profile, size_t profile_len, bool enabled);

#endif
