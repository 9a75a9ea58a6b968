/* Governance of the fleet: the policy every change meets before anything is
 * queued, approvals by a second key, a change record for every operation and
 * campaign, campaigns rolled out in stages, and the audit log exported with
 * signed checkpoints (docs/operations.md, "Governance").
 *
 * A change is a JSON document (the REST API's body, normalised):
 *   {"target": {"eid": E} | {"eids": [...]} | {"label": L},
 *    "operation": {"psmos": [...]} | {"ecos": [...]} | {"download": {...}} | ...,
 *    "campaign": {"name", "maxInFlight", "stages", "haltFailureRate",
 *                 "successRate", "stageTimeoutSeconds", "rollback"},   (absent: one operation)
 *    "reason": TEXT, "ticket": TEXT, "override": [RULE...]}
 * Its hash (SHA-256 of its canonical text) is what an approval binds. */
#ifndef IOT_EIM_CHANGE_H
#define IOT_EIM_CHANGE_H

#include <jansson.h>
#include <time.h>

#include "eim/eim.h"

/* ---- policy ---- */

struct eim_policy;
/* A policy from its JSON text; NULL text: the built-in rules alone, with
 * their defaults. IOT_E_ARG, why set, when the text is not a policy. */
iot_err eim_policy_parse(const char *text, size_t len, struct eim_policy **out, char *why, size_t cap);
iot_err eim_policy_load(const char *path, struct eim_policy **out, char *why, size_t cap);
void eim_policy_free(struct eim_policy *p);
/* The rules in force as JSON (the built-in ones too). */
json_t *eim_policy_json(const struct eim_policy *p);
/* Whether an eUICC with these labels may get lifecycle work at now: true
 * unless a window names one of its labels and none of its windows is open. */
bool eim_policy_window_open(const struct eim_policy *p, const char *labels, time_t now);

/* Where the threads of one eimd find the policy in force: replaced whole
 * (SIGHUP), each user holding the one it started with. */
struct eim_policy_slot;
iot_err eim_policy_slot_new(struct eim_policy *p, struct eim_policy_slot **out);
void eim_policy_slot_set(struct eim_policy_slot *s, struct eim_policy *p);
struct eim_policy *eim_policy_slot_hold(struct eim_policy_slot *s);
void eim_policy_release(struct eim_policy *p);
void eim_policy_slot_free(struct eim_policy_slot *s);
/* The policy in force for e, held (eim_policy_release): its slot's, or the
 * built-in rules when none is configured. */
struct eim_policy *eim_policy_of(struct eim *e);

enum eim_verdict { EIM_ALLOW = 0, EIM_NEEDS_APPROVAL, EIM_REFUSE };
const char *eim_verdict_name(enum eim_verdict v);
struct eim_decision {
	enum eim_verdict verdict;
	int64_t devices;                        /* the eUICCs the change targets */
	json_t *rules;                          /* every rule it met: [{"rule", "effect", "detail"}] */
	char why[200];                          /* a refusal: the first refusing rule, and why */
};
void eim_decision_clear(struct eim_decision *d);
/* What the policy says of change (a dry run: nothing queued, nothing
 * recorded). IOT_E_ARG, why set: not a change (its target or operation). */
iot_err eim_policy_evaluate(struct eim *e, const char *actor, enum eim_role role, const json_t *change,
			    struct eim_decision *d);

/* ---- changes ---- */

/* A change document from a REST body: one operation for eid (non-NULL), or
 * a campaign (eids or label in the body). IOT_E_ARG, why set. */
iot_err eim_change_from_body(const char *eid, const json_t *body, json_t **change, char *why, size_t cap);

struct eim_change_outcome {
	int64_t id;                             /* the change record */
	char state[16];                         /* applied, pending, refused, rejected, expired */
	char hash[65];
	int64_t operation, campaign, operations;
	struct eim_decision decision;
};
void eim_change_outcome_clear(struct eim_change_outcome *o);
/* Records the change with the policy's decision, and when it is allowed
 * applies it in the same transaction (its operations or campaign made,
 * audited). Pending: it waits for an approver. Refused: recorded, audited,
 * nothing queued. IOT_E_ARG: not a change. */
iot_err eim_change_submit(struct eim *e, const char *actor, enum eim_role role, json_t *change,
			  struct eim_change_outcome *out);
/* An approver's word on a pending change: approve (hash: the one they were
 * shown) applies it when the policy still allows it; reject ends it.
 * IOT_E_NOT_FOUND; IOT_E_REFUSED with out->decision.why: not pending,
 * expired, the requester's own, another hash, or the policy now refuses. */
iot_err eim_change_decide(struct eim *e, int64_t id, const char *actor, enum eim_role role, bool approve,
			  const char *hash, const char *note, struct eim_change_outcome *out);
/* A change record as JSON, with what its operations came to. */
iot_err eim_change_get(struct eim *e, int64_t id, json_t **out);
struct eim_change_filter {
	const char *state, *requester;
	int64_t after;                          /* ids after this one, newest last */
	size_t limit;
};
iot_err eim_change_list(struct eim *e, const struct eim_change_filter *f, json_t **out);
/* Pending changes past their approval's lifetime become expired. */
iot_err eim_change_expire(struct eim *e, unsigned *expired);

/* ---- staged campaigns ---- */

enum eim_campaign_state { EIM_CAMPAIGN_RUNNING = 0, EIM_CAMPAIGN_PAUSED, EIM_CAMPAIGN_HALTED, EIM_CAMPAIGN_ABORTED,
			  EIM_CAMPAIGN_DONE };
const char *eim_campaign_state_name(int s);
/* pause, resume (a paused or halted campaign) or abort (its pending
 * operations cancelled), audited as actor's. IOT_E_REFUSED: not from the
 * state it is in. */
iot_err eim_campaign_control(struct eim *e, int64_t id, const char *actor, const char *action);
/* Moves campaigns on: a stage whose operations are through starts the next
 * when it met its success rate; one whose failures pass the halt rate halts
 * the campaign (its reason kept); failed and late operations get the
 * campaign's rollback; pending changes expire. For a background worker. */
iot_err eim_rollout_step(struct eim *e, unsigned max, unsigned *done);

/* ---- audit export ---- */

/* The audit log as JSON lines: each entry with its hash, the signed
 * checkpoints the eIM made every EIM_AUDIT_CHECKPOINT_EVERY entries, and a
 * last checkpoint signed now that marks the end (malloc'd). */
#define EIM_AUDIT_CHECKPOINT_EVERY 100
iot_err eim_audit_export(struct eim *e, char **text, size_t *len);
/* Checks an export offline with the eIM's certificate: the chain from the
 * first entry, every checkpoint's signature, and the end marker.
 * IOT_E_CRYPTO_MAC with why (the line) when anything was edited, removed or
 * cut off. */
iot_err eim_audit_verify_export(const char *text, size_t len, const char *cert_file, int64_t *entries, char *why,
				size_t cap);

#endif
