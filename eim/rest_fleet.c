/* The REST API's views for people (docs/rest-api.yaml): who the key is, the
 * fleet's summary, what happened per minute, the audit log a page at a
 * time. What the console shows, eimctl can too. */
#include "eim/server_internal.h"
#include "eim/fleet.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A non-negative integer argument, or dflt when absent; -1 when malformed. */
static int64_t int_arg(const struct http_request *q, const char *name, int64_t dflt)
{
	const char *v = http_request_arg(q, name), *end;
	int64_t n;

	if (!v)
		return dflt;
	return eim_rest_parse_id(v, &n, &end) && !*end ? n : -1;
}

void eim_server_count_poll(struct eim_server *s)
{
	int64_t minute = (int64_t)time(NULL) / 60;
	size_t slot = (size_t)(minute % EIM_POLL_MINUTES);

	/* a slot of an older minute starts over (a lost count at the turn is fine for a chart) */
	if (atomic_exchange(&s->poll_minute[slot], minute) != minute)
		atomic_store(&s->poll_count[slot], 0);
	atomic_fetch_add(&s->poll_count[slot], 1);
}

bool eim_rest_fleet(struct eim_server *s, struct eim *e, const struct eim_api_key *k, const struct http_request *q,
		    struct http_response *r)
{
	int64_t now = (int64_t)time(NULL), a, b;
	json_t *j = NULL;
	iot_err err;

	if (strcmp(q->method, "GET"))
		return false;
	if (!strcmp(q->path, "/api/v1/me")) {
		eim_rest_reply(r, 200, json_pack("{s:s,s:s}", "name", k->name, "role", eim_role_name(k->role)));
	} else if (!strcmp(q->path, "/api/v1/fleet/summary")) {
		/* ?silentSeconds=N: no contact for that long (default a day) */
		if ((a = int_arg(q, "silentSeconds", 86400)) < 0)
			eim_rest_error(r, 400, "silentSeconds is digits");
		else if ((err = eim_fleet_summary(e, now - a, &j)) == IOT_OK)
			eim_rest_reply(r, 200, j);
		else
			eim_rest_failure(r, err, 500, "the summary could not be read");
	} else if (!strcmp(q->path, "/api/v1/fleet/minutes")) {
		json_t *polls = json_array();

		/* the last hour: operations ended per minute (store), ESipa requests per minute (this node) */
		if ((err = eim_fleet_minutes(e, now - 3600, &j)) != IOT_OK) {
			json_decref(j);
			json_decref(polls);
			eim_rest_failure(r, err, 500, "the minutes could not be read");
			return true;
		}
		for (int64_t m = now / 60 - EIM_POLL_MINUTES + 1; m <= now / 60; m++) {
			size_t slot = (size_t)(m % EIM_POLL_MINUTES);

			json_array_append_new(polls, json_pack("{s:I,s:I}", "minute", (json_int_t)m, "count",
							       (json_int_t)(atomic_load(&s->poll_minute[slot]) == m
										    ? atomic_load(&s->poll_count[slot]) : 0)));
		}
		eim_rest_reply(r, 200, json_pack("{s:o,s:o}", "operations", j, "esipaRequests", polls));
	} else if (!strcmp(q->path, "/api/v1/audit")) {
		/* ?before=ID&limit=N (100 by default, 500 at most)&subject=PREFIX */
		if ((a = int_arg(q, "before", 0)) < 0 || (b = int_arg(q, "limit", 100)) < 1 || b > 500)
			eim_rest_error(r, 400, "before: digits; limit: 1 to 500");
		else if ((err = eim_audit_page(e, a, (size_t)b, http_request_arg(q, "subject"), &j)) == IOT_OK)
			eim_rest_reply(r, 200, j);
		else {
			json_decref(j);
			eim_rest_failure(r, err, 500, "the audit log could not be read");
		}
	} else {
		return false;
	}
	return true;
}
