/* What eimd's server shares between its files: server.c (the transports,
 * ESipa in both bindings, the background workers, health and metrics) and
 * rest.c (the REST API). Not for the rest of the role. */
#ifndef IOT_EIM_SERVER_INTERNAL_H
#define IOT_EIM_SERVER_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "eim/server.h"
#include "net/http.h"
#include "net/coap.h"
#include <jansson.h>

#define JSON_TYPE "application/json"

struct eim_server {
	struct eim_server_config cfg;
	struct http_server *http;
	struct net_coap_server *coap;
	pthread_key_t core;
	atomic_ulong esipa_https, esipa_coap, esipa_json, esipa_malformed, rest_calls, rest_refused, notifications_forwarded,
		bpp_streamed, pushed, campaign_moves, autopilot_alerts, webhooks_sent, polls_written;
	/* ESipa requests per minute over the last hour, for the console's chart */
#define EIM_POLL_MINUTES 60
	atomic_ulong poll_count[EIM_POLL_MINUTES];
	atomic_llong poll_minute[EIM_POLL_MINUTES];
	atomic_ulong changes[3];               /* asked for, by what the policy said: applied, pending, refused */
	/* work off the request path: notifications to SM-DP+s, pushes to devices */
	struct eim_worker {
		struct eim_server *s;
		iot_err (*step)(struct eim *e, unsigned max, unsigned *done);
		atomic_ulong *done;
		pthread_t thread;
		pthread_cond_t wake;
		bool woken, running;
		unsigned period_ms;             /* sleeps this long when not woken (default 5 s) */
		bool nudged;                    /* work may have come: runs once its gap since the last round passed */
		unsigned gap_ms;                /* nudged, runs at most once per gap (the nudges coalesce) */
		int64_t last_ms;                /* when its last round ended */
		const char *lease;              /* done by one node at a time: the holder of this lease */
	} forwarder, injector, governor, autopilot, webhooks, pollkeeper;
	struct eim_poll_queue *polls;          /* the polls' bookkeeping waiting for the pollkeeper */
	struct crypto_key_cache *keys;         /* the eUICCs' keys, shared by the cores */
	struct x509_eum_cache *eums;           /* the EUMs checked, shared by the cores */
	pthread_mutex_t lock;
	bool stopping;
};

/* This thread's eIM core (opened on first use); NULL when the store is unusable. */
struct eim *eim_server_core(struct eim_server *s);
/* Wakes a background worker: it has work. */
void eim_server_wake(struct eim_worker *w);
/* Tells it that it may have work (a device's result): it runs once its gap
 * since its last round has passed, many nudges one round. */
void eim_server_nudge(struct eim_worker *w);

/* rest.c: the REST API under /api/v1/ (docs/rest-api.yaml). */
void eim_rest(struct eim_server *s, const struct http_request *q, struct http_response *r);
/* The caller's key when it has role or above; NULL with 401/403 answered. */
const struct eim_api_key *eim_rest_authorize(struct eim_server *s, const struct http_request *q, enum eim_role role,
					     struct http_response *r);
/* rest_change.c: an operation (eid) or a campaign (NULL) asked for as a
 * change, answered 201 applied, 202 waiting for approval, 403 refused. */
struct eim;
void eim_rest_submit(struct eim_server *s, struct eim *e, const struct eim_api_key *k, const char *eid,
		     const json_t *in, struct http_response *r);
/* The same for a change already made (its "autopilot" member: a manual
 * quarantine, a release, a mark cleared), answered as above. */
void eim_rest_submit_change(struct eim_server *s, struct eim *e, const struct eim_api_key *k, const char *eid,
			    json_t *change, struct http_response *r);
/* rest_autopilot.c: alerts, the autopilot's settings and marks, a device's
 * health, quarantine and release; false: none of those. */
bool eim_rest_autopilot(struct eim_server *s, struct eim *e, const struct eim_api_key *k, const struct http_request *q,
			const json_t *in, struct http_response *r);
/* The policy, changes, campaign controls and the audit export; false: not one of those. */
bool eim_rest_governance(struct eim_server *s, struct eim *e, const struct eim_api_key *k, const struct http_request *q,
			 const json_t *in, struct http_response *r);
/* body (taken) as the answer with status. */
void eim_rest_reply(struct http_response *r, int status, json_t *body);
/* A failed call's answer: 503 with Retry-After when the store or the machine
 * failed (nothing was changed), else status with message. */
void eim_rest_failure(struct http_response *r, iot_err err, int status, const char *message);
/* An id as the API writes it: 1 to 18 digits; end (when given) gets what
 * follows, else nothing may follow. */
bool eim_rest_parse_id(const char *text, int64_t *id, const char **end);
/* rest_bulk.c: POST /api/v1/euiccs/bulk (JSON lines); false: not that path. */
bool eim_rest_bulk(struct eim_server *s, const struct http_request *q, struct http_response *r);
/* rest_fleet.c: /me, the fleet's summary and minutes, the audit log by page; false: none of those. */
bool eim_rest_fleet(struct eim_server *s, struct eim *e, const struct eim_api_key *k, const struct http_request *q,
		    struct http_response *r);
/* One ESipa request counted in this minute's slot. */
void eim_server_count_poll(struct eim_server *s);
/* console.c: the console's static files under /console/; false: not such a path. */
bool eim_console(struct eim_server *s, const struct http_request *q, struct http_response *r);
/* {"error": message} with status. */
void eim_rest_error(struct http_response *r, int status, const char *message);

#endif
