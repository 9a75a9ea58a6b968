/* The eIM side of ESipa, played in the tests with lib/rsp until eimd
 * exists: signed eUICC Packages, IPA eUICC Data Requests and Profile
 * Download Triggers queued for getEimPackage, results acknowledged, and
 * indirect download relayed to an in-process SM-DP+. Faults on demand. */
#ifndef IOT_TEST_EIM_SIDE_H
#define IOT_TEST_EIM_SIDE_H

#include <stdbool.h>
#include <stdio.h>

#include "crypto/crypto.h"
#include "rsp/rsp.h"

struct smdp;

enum eim_fault {
	EIM_FAULT_NONE,
	EIM_FAULT_DROP,                 /* no answer (connectivity lost) */
	EIM_FAULT_GARBAGE,              /* an answer that does not decode */
	EIM_FAULT_WRONG_MESSAGE,        /* a well-formed answer of another function */
};

struct eim_side {
	struct crypto_key *key;         /* SK.EIM.ECDSA */
	const char *eim_id;
	const char *fqdn;
	int64_t token;                  /* the association token, once added */
	int64_t counter;                /* the last counterValue used */
	uint8_t eid[16];
	struct smdp *dp;                /* the SM-DP+ behind indirect download, or NULL */
	const char *smdp_address;
	const char *matching_id;         /* the order the eIM holds (PDT without data) */
	bool no_acks;                   /* answer results with an empty response */
	bool indirect;                  /* the eIM configuration asks for indirect download */
	enum eim_fault fault;           /* applied to the next message whose tag is fault_tag (0: any) */
	uint32_t fault_tag;
	int fault_count;                /* how many messages get the fault (0 = 1) */
	/* queued getEimPackage answers (encoded 'BF4F') */
	uint8_t *queue[32];
	size_t queue_len[32];
	size_t queued;
	/* what came back */
	unsigned results, eprs, notifications_in_results, data_responses, pdt_results, pdt_installed;
	unsigned handle_notifications, messages;
	int64_t last_pdt_error;         /* -1 when the last PDT result was a PIR */
	uint8_t *last_result;           /* the last ProvideEimPackageResult, raw */
	size_t last_result_len;
	FILE *transcript;               /* when set: each answer, behind its 2-byte length (fuzz seeds) */
};

/* A new eIM side with a fresh key on curve; eid is the eUICC's. */
void eim_side_init(struct eim_side *s, enum crypto_curve curve, const uint8_t eid[16]);
void eim_side_free(struct eim_side *s);
/* The AddInitialEim request ('BF57') that makes this eIM the eUICC's
 * (HTTPS and CoAPs in retrieve mode); the answer gives the token. */
void eim_side_add_initial_eim_request(struct eim_side *s, bool coaps_only, uint8_t **req, size_t *len);
void eim_side_set_token(struct eim_side *s, const uint8_t *answer, size_t len);

/* Queues a signed PSMO package (counterValue the next one). */
void eim_side_queue_psmos(struct eim_side *s, const struct rsp_psmo *psmos, size_t n);
/* Queues a package signed with the given counter (replays, corruption). */
void eim_side_queue_psmos_counter(struct eim_side *s, const struct rsp_psmo *psmos, size_t n, int64_t counter,
				  bool corrupt);
void eim_side_queue_data_request(struct eim_side *s, const uint8_t *tags, size_t n);
/* activation_code NULL: the eIM names nothing, the order it holds is used. */
void eim_side_queue_pdt(struct eim_side *s, const char *activation_code);

/* One ESipa message from the IPA; the answer malloc'd (may be empty).
 * IOT_E_IO when the fault is DROP. */
iot_err eim_side_handle(struct eim_side *s, const uint8_t *req, size_t len, uint8_t **resp, size_t *resp_len);

#endif
