/* Autopilot: the eIM watches its fleet's health from what it already sees
 * (every poll, result, state change, security event), raises alerts that
 * explain themselves (signal, cohort, baseline, observed value, threshold)
 * and corrects trouble under policy: each automatic action is a change
 * record made by the "autopilot" identity through eim_change_submit, so
 * the policy, its approvals and its ceilings apply as to a person.
 * docs/operations.md ("Autopilot") explains each signal and its tuning.
 *
 * Time is passed in (milliseconds since the epoch) so that a simulated
 * week runs in seconds; eimd passes the real clock. */
#ifndef IOT_EIM_AUTOPILOT_H
#define IOT_EIM_AUTOPILOT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "eim/eim.h"

/* Milliseconds since the epoch: the clock eimd passes in. */
int64_t eim_now_ms(void);

/* The identity automatic changes are made by (a key name policies may name). */
#define EIM_AUTOPILOT_ACTOR "autopilot"

/* What the autopilot may do, each switched on or off on its own. */
enum eim_autopilot_action {
	EIM_AP_HALT_CAMPAIGN = 0,               /* pause campaigns that spread the trouble */
	EIM_AP_BLOCK_PROFILE,                   /* stop enabling a failed operator profile in a cohort */
	EIM_AP_ROLLBACK_ENABLE,                 /* enables in a cohort at risk go with rollbackFlag */
	EIM_AP_QUARANTINE,                      /* no lifecycle work for a device until an admin releases it */
	EIM_AP_COUNT
};
const char *eim_autopilot_action_name(enum eim_autopilot_action a);

struct eim_autopilot_settings {
	bool enabled;                           /* false: detection and alerts only, no action */
	bool actions[EIM_AP_COUNT];
	int64_t max_devices_per_hour;           /* devices automatic changes may touch in any hour */
	int64_t expected_interval_ms;           /* a device's rhythm until learned from its polls */
	int64_t silent_intervals;               /* silent after a switch for this many intervals */
	int64_t bucket_ms;                      /* cohort counters' period */
	int64_t history;                        /* buckets in a baseline (median, MAD) */
	int64_t warmup;                         /* buckets before a baseline is trusted */
	int64_t mad_k;                          /* threshold: median + k * 1.4826 * MAD (in tenths) */
	int64_t min_events;                     /* a bucket's rate is judged from this many events */
	int64_t failure_rise;                   /* and must rise this many percentage points, at least */
	int64_t poll_factor;                    /* cohort polls beyond x this, or below / this, of the median */
	int64_t profile_min_devices;            /* failed devices in a cohort before a profile is blocked there */
	int64_t profile_block_share;            /* percent of the cohort's switches that failed */
	int64_t storm_polls;                    /* empty polls by one device within its interval */
	int64_t stale_results;                  /* results for finished operations within an hour */
	int64_t unknown_eids;                   /* polls for unknown EIDs from one source within an hour */
};
iot_err eim_autopilot_settings_get(struct eim *e, struct eim_autopilot_settings *out);
/* From JSON (the members given change, the rest stay), audited as actor's.
 * IOT_E_ARG, why set: a member out of range, nothing changed. */
iot_err eim_autopilot_settings_put(struct eim *e, const char *actor, const json_t *in, char *why, size_t cap);
json_t *eim_autopilot_settings_json(const struct eim_autopilot_settings *s);

/* ---- events, from the ESipa paths (each in the caller's transaction, if any) ---- */

/* A getEimPackage from eid: empty when no operation went back; cause the
 * stateChangeCause it carried (-1 none). */
iot_err eim_health_poll(struct eim *e, const char *eid, const char *labels, int64_t now_ms, bool empty,
			int64_t cause);
/* Many polls in one transaction (recorded traffic replayed, a simulation). */
struct eim_poll_event {
	const char *eid, *labels;
	int64_t at;
	bool empty;
	int64_t cause;
};
iot_err eim_health_polls(struct eim *e, const struct eim_poll_event *ev, size_t n);
/* An enable of a profile of operator iin (the ICCID's first 7 digits) sent
 * to eid in operation op: the device must be heard from again. */
iot_err eim_health_switch(struct eim *e, const char *eid, int64_t op, const char *iin, int64_t now_ms);
/* An operation of eid finished (ok or failed). */
iot_err eim_health_result(struct eim *e, const char *eid, bool ok, int64_t now_ms);
/* eid rolled back the enable of operation op (a rollbackResult came). */
iot_err eim_health_rollback(struct eim *e, const char *eid, int64_t op, int64_t now_ms);
/* A security signal of eid (or of a source when eid is NULL): forged or
 * stale results, refused certificates, many sources, unknown EIDs. */
iot_err eim_health_security(struct eim *e, const char *eid, const char *signal, const char *detail, int64_t now_ms);
/* A signed result for an operation already finished: counted as a replay
 * when there are more than the setting within the hour. */
iot_err eim_health_stale_result(struct eim *e, const char *eid, int64_t now_ms);
/* A poll for an EID this eIM does not manage, from source. */
iot_err eim_health_unknown_eid(struct eim *e, const char *source, int64_t now_ms);

/* Whether eid is quarantined (no lifecycle work goes to it). */
bool eim_health_quarantined(struct eim *e, const char *eid);
/* What a PSMO package becomes for eid under the autopilot's marks: false
 * when it enables a profile blocked in one of eid's cohorts (*why says
 * which); *add_rollback when an enable goes to a cohort at risk. */
bool eim_health_enable_allowed(struct eim *e, const char *eid, const char *iin, bool *add_rollback, char *why,
			       size_t cap);

/* ---- the worker ---- */

/* One round: silent devices after a switch, cohort buckets closed against
 * their baselines, new alerts acted on (or only recorded when the autopilot
 * is off), webhooks queued. */
iot_err eim_autopilot_step(struct eim *e, int64_t now_ms, unsigned *alerts, unsigned *actions);
/* This process's cohort counters written to the store (each node writes its
 * own every round; one node, the lease holder, runs the rounds). */
iot_err eim_tally_flush(struct eim *e);

/* ---- what it saw and did ---- */

struct eim_alert_filter {
	const char *signal, *state;
	int64_t after;                          /* ids after this one */
	size_t limit;
};
iot_err eim_alert_list(struct eim *e, const struct eim_alert_filter *f, json_t **out);
/* An alert acknowledged by actor (audited); it opens again only when its
 * evidence grows. IOT_E_NOT_FOUND. */
iot_err eim_alert_close(struct eim *e, int64_t id, const char *actor);
/* A device's health: its rhythm, last contact, switch awaiting, quarantine. */
iot_err eim_health_get(struct eim *e, const char *eid, json_t **out);
/* The marks on profiles per cohort (blocked, at risk) and the outcomes behind them. */
iot_err eim_profile_marks(struct eim *e, json_t **out);
/* Counts for metrics: alerts by signal, actions by kind, quarantined devices. */
iot_err eim_autopilot_metrics(struct eim *e, json_t **out);

/* ---- applying an automatic (or reversing) change; called by eim_change_submit ---- */

/* The change's "autopilot" member: {"action": quarantine|release|
 * block-profile|unblock-profile|rollback-enable|halt-campaign, "iin",
 * "cohort", "campaigns", "alert"}, in the caller's transaction. */
iot_err eim_autopilot_apply(struct eim *e, int64_t change, const json_t *c);

/* ---- webhooks ---- */

/* A receiver: its URL (https://...) and the HMAC-SHA256 key its bodies are
 * signed with (header X-Iotrsp-Signature: sha256=HEX). */
struct eim_webhook {
	const char *url;
	const char *key;
};
/* Queues body (JSON) for every receiver, in the caller's transaction. */
iot_err eim_webhook_queue(struct eim *e, const char *body);
/* Delivers what is due, each failure retried with back-off (1 s doubling
 * to 10 min, 50 tries). *sent how many were delivered. Never blocks the
 * ESipa side: eimd runs it on a thread of its own. */
iot_err eim_webhook_step(struct eim *e, int64_t now_ms, unsigned max, unsigned *sent);
/* The signature header value of body under key: "sha256=" and 64 hex digits. */
iot_err eim_webhook_sign(const char *key, const char *body, size_t len, char out[72]);

#endif
