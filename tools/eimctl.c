/* eimctl: the operator's CLI for eimd's REST API (docs/rest-api.yaml).
 * Human-readable by default, the API's JSON with --json. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "net/http.h"
#include "net/json_binding.h"

static struct {
	const char *url, *key, *ca, *connect;
	bool json;
	struct http_client *http;
	/* what a change carries besides its operation */
	const char *reason, *ticket, *override, *stages;
	double halt_rate, success_rate;
	long stage_timeout;
} g = { .halt_rate = -1, .success_rate = -1 };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: eimctl [--url URL] [--key KEY] [--ca PEM] [--connect H:P:ADDR:P] [--json] COMMAND\n"
		"  (or EIMCTL_URL, EIMCTL_KEY in the environment)\n"
		"  every operation and campaign is a change, decided by the eIM's policy:\n"
		"  --reason TEXT --ticket REF      why (kept in its change record)\n"
		"  --override RULE                 an admin overriding a built-in safety rule by name\n"
		"  --stages 2,10%%,100%%             a campaign's stages: a canary, then waves\n"
		"  --halt-rate R --success-rate R  halt when a stage's failures pass R; move on when R succeeded\n"
		"  --stage-timeout S               what is not back after S seconds counts as failed\n"
		"commands:\n"
		"  euicc add EID [LABELS]            register an eUICC (labels: a,b=c,...)\n"
		"  euicc list [FILTER...]           FILTER: label=L profile=ICCID profileState=enabled|disabled\n"
		"                                    pending=1 learned=0|1 after=EID\n"
		"  euicc show EID\n"
		"  op EID OPERATION                  one operation for one eUICC, OPERATION being:\n"
		"      enable|disable|delete|fallback ICCID   a PSMO (fallback: setFallbackAttribute)\n"
		"      list | rat | unfallback       listProfileInfo, getRAT, unsetFallbackAttribute\n"
		"      immediate-enable on|off [SMDP]   configureImmediateEnable\n"
		"      default-dp ADDRESS            setDefaultDpAddress\n"
		"      eims | eim-delete EIM_ID      the eCOs listEim, deleteEim\n"
		"      download ACTIVATION_CODE      a profile download through the eIM; order the profile\n"
		"                                    bound to this EID at the SM-DP+ (ES2+ downloadOrder with\n"
		"                                    eid): the trigger's MatchingID is then no use to anyone else\n"
		"      data TAGS                     an eUICC data request (hex tag list, e.g. BF20A6)\n"
		"      submit JSON|@FILE|-           any operation as the API's JSON (addEim, updateEim, ...)\n"
		"  op show ID | op cancel ID\n"
		"  campaign LABEL MAX_IN_FLIGHT OPERATION   the operation for every eUICC with LABEL\n"
		"  campaign show ID | campaign pause|resume|abort ID\n"
		"  changes [state=S] [requester=K] [after=ID]   the change records\n"
		"  change show ID | change approve ID HASH [NOTE] | change reject ID [NOTE]\n"
		"  policy                            the rules in force\n"
		"  policy evaluate EID|label=L OPERATION   what the policy says (a dry run)\n"
		"  settings [NAME=N...]              the eIM's settings; changing them is the admin's:\n"
		"                                    operationTtlSeconds, campaignMaxInFlight\n"
		"  audit verify | audit export FILE   (check an export offline: eimd --audit-verify FILE)\n"
		"  alerts [signal=S] [state=S] [after=ID]   what the autopilot saw | alert close ID\n"
		"  autopilot [on|off|NAME=V...]      its settings and counts; changing them is the admin's\n"
		"                                    (e.g. silentIntervals=3 action.quarantine=false)\n"
		"  marks | mark clear ID             profiles blocked or at risk per cohort; lift one\n"
		"  health EID | quarantine EID | release EID   a device's health; hold or free its lifecycle\n"
		"                                    work (release: an admin's key)\n"
		"  initial-eim FILE                  the AddInitialEim request for factories\n");
}

/* One call; the JSON answer in *out (NULL when none). Returns the HTTP status. */
static int call(const char *method, const char *path, json_t *body, json_t **out)
{
	char url[512], auth[300];
	const char *headers[] = { "Content-Type: application/json", auth, NULL };
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	uint8_t *resp = NULL;
	size_t len = 0;
	int status = 0;

	snprintf(url, sizeof(url), "%s%s", g.url, path);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", g.key ? g.key : "");
	*out = NULL;
	if (http_client_request(g.http, method, url, headers, (const uint8_t *)text, text ? strlen(text) : 0, &status, &resp,
				&len) != IOT_OK) {
		fprintf(stderr, "eimctl: %s cannot be reached\n", g.url);
		free(text);
		return 0;
	}
	if (len)
		*out = json_loadb((const char *)resp, len, 0, NULL);
	free(resp);
	free(text);
	json_decref(body);
	return status;
}

static int show(int status, json_t *j)
{
	const char *key;
	json_t *v;

	if (!status)
		return 1;
	if (g.json || !json_is_object(j)) {
		char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

		if (text)
			puts(text);
		free(text);
	} else if (status >= 400) {
		fprintf(stderr, "eimctl: %d: %s\n", status, json_string_value(json_object_get(j, "error")));
	} else {
		json_object_foreach(j, key, v) {
			char *text = json_is_string(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

			printf("%-18s %s\n", key, text ? text : json_string_value(v));
			free(text);
		}
	}
	json_decref(j);
	return status >= 200 && status < 300 ? 0 : 1;
}

/* One call, its answer shown. */
static int request(const char *method, const char *path, json_t *body)
{
	json_t *out;
	int status = call(method, path, body, &out);

	return show(status, out);
}

/* An operation body from the command line (after the EID or campaign
 * fields); NULL when the words make none. */
static json_t *op_body(int argc, char **argv)
{
	static const char *const iccid_psmos[][2] = { { "enable", "enable" }, { "disable", "disable" },
						       { "delete", "delete" }, { "fallback", "setFallbackAttribute" } };
	static const char *const bare_psmos[][2] = { { "list", "listProfileInfo" }, { "rat", "getRAT" },
						      { "unfallback", "unsetFallbackAttribute" } };
	const char *w = argc >= 1 ? argv[0] : "";

	for (size_t i = 0; i < sizeof(iccid_psmos) / sizeof(iccid_psmos[0]); i++)
		if (!strcmp(w, iccid_psmos[i][0]) && argc >= 2)
			return json_pack("{s:[{s:{s:s}}]}", "psmos", iccid_psmos[i][1], "iccid", argv[1]);
	for (size_t i = 0; i < sizeof(bare_psmos) / sizeof(bare_psmos[0]); i++)
		if (!strcmp(w, bare_psmos[i][0]))
			return json_pack("{s:[{s:{}}]}", "psmos", bare_psmos[i][1]);
	if (!strcmp(w, "immediate-enable") && argc >= 2) {
		json_t *c = json_pack("{s:b}", "immediateEnable", !strcmp(argv[1], "on"));

		if (argc >= 3)
			json_object_set_new(c, "defaultSmdpAddress", json_string(argv[2]));
		return json_pack("{s:[{s:o}]}", "psmos", "configureImmediateEnable", c);
	}
	if (!strcmp(w, "default-dp") && argc >= 2)
		return json_pack("{s:[{s:{s:s}}]}", "psmos", "setDefaultDpAddress", "address", argv[1]);
	if (!strcmp(w, "eims"))
		return json_pack("{s:[{s:{}}]}", "ecos", "listEim");
	if (!strcmp(w, "eim-delete") && argc >= 2)
		return json_pack("{s:[{s:{s:s}}]}", "ecos", "deleteEim", "eimId", argv[1]);
	if (!strcmp(w, "download") && argc >= 2)
		return json_pack("{s:{s:s}}", "download", "activationCode", argv[1]);
	if (!strcmp(w, "data") && argc >= 2)
		return json_pack("{s:{s:s}}", "dataRequest", "tags", argv[1]);
	if (!strcmp(w, "submit") && argc >= 2) {
		/* any operation the API takes, as its JSON: inline, @FILE or - (stdin) */
		json_error_t e;
		json_t *j = !strcmp(argv[1], "-") ? json_loadf(stdin, 0, &e)
			    : argv[1][0] == '@'    ? json_load_file(argv[1] + 1, 0, &e)
						   : json_loads(argv[1], 0, &e);

		if (!j)
			fprintf(stderr, "eimctl: bad JSON: %s (line %d)\n", e.text, e.line);
		return j;
	}
	return NULL;
}

/* The change's fields from the options, onto body. */
static json_t *with_change(json_t *body, bool campaign)
{
	if (g.reason)
		json_object_set_new(body, "reason", json_string(g.reason));
	if (g.ticket)
		json_object_set_new(body, "ticket", json_string(g.ticket));
	if (g.override)
		json_object_set_new(body, "override", json_pack("[s]", g.override));
	if (!campaign)
		return body;
	if (g.stages) {
		json_t *a = json_array();
		char *copy = strdup(g.stages), *save = NULL;

		for (char *s = copy ? strtok_r(copy, ",", &save) : NULL; s; s = strtok_r(NULL, ",", &save))
			json_array_append_new(a, strchr(s, '%') ? json_string(s) : json_integer(atoll(s)));
		free(copy);
		json_object_set_new(body, "stages", a);
	}
	if (g.halt_rate >= 0)
		json_object_set_new(body, "haltFailureRate", json_real(g.halt_rate));
	if (g.success_rate >= 0)
		json_object_set_new(body, "successRate", json_real(g.success_rate));
	if (g.stage_timeout > 0)
		json_object_set_new(body, "stageTimeoutSeconds", json_integer(g.stage_timeout));
	return body;
}

static int euicc_cmd(int argc, char **argv)
{
	char path[128];
	json_t *out;

	if (argc >= 2 && !strcmp(argv[0], "add"))
		return request("POST", "/api/v1/euiccs", json_pack("{s:s,s:s}", "eid", argv[1], "labels",
									     argc >= 3 ? argv[2] : ""));
	if (argc >= 1 && !strcmp(argv[0], "list")) {
		char query[512] = "/api/v1/euiccs";
		size_t used = strlen(query);
		int status;

		/* filters as the API names them: label=site=north profile=ICCID profileState=enabled ... */
		for (int i = 1; i < argc && used < sizeof(query); i++)
			used += (size_t)snprintf(query + used, sizeof(query) - used, "%c%s", i == 1 ? '?' : '&', argv[i]);
		if (used >= sizeof(query)) {
			fprintf(stderr, "eimctl: filters too long\n");
			return 2;
		}
		status = call("GET", query, NULL, &out);
		size_t i;
		json_t *u;

		if (g.json || status != 200)
			return show(status, out);
		printf("%-32s %8s %7s %8s  %s\n", "EID", "counter", "learned", "pending", "labels");
		json_array_foreach(out, i, u)
			printf("%-32s %8lld %7s %8lld  %s\n", json_string_value(json_object_get(u, "eid")),
			       (long long)json_integer_value(json_object_get(u, "counter")),
			       json_is_true(json_object_get(u, "learned")) ? "yes" : "no",
			       (long long)json_integer_value(json_object_get(u, "pendingOperations")),
			       json_string_value(json_object_get(u, "labels")));
		json_decref(out);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[0], "show")) {
		snprintf(path, sizeof(path), "/api/v1/euiccs/%s", argv[1]);
		return request("GET", path, NULL);
	}
	usage(stderr);
	return 2;
}

static int op_cmd(int argc, char **argv)
{
	char path[128];
	json_t *body = NULL;

	if (argc >= 2 && (!strcmp(argv[0], "show") || !strcmp(argv[0], "cancel"))) {
		snprintf(path, sizeof(path), "/api/v1/operations/%s", argv[1]);
		return request(!strcmp(argv[0], "show") ? "GET" : "DELETE", path, NULL);
	}
	if (argc >= 2)
		body = op_body(argc - 1, argv + 1);
	if (!body) {
		usage(stderr);
		return 2;
	}
	snprintf(path, sizeof(path), "/api/v1/euiccs/%s/operations", argv[0]);
	return request("POST", path, with_change(body, false));
}

static int campaign_cmd(int argc, char **argv)
{
	char path[128];
	json_t *body;

	if (argc >= 2 && !strcmp(argv[0], "show")) {
		snprintf(path, sizeof(path), "/api/v1/campaigns/%s", argv[1]);
		return request("GET", path, NULL);
	}
	if (argc >= 2 && (!strcmp(argv[0], "pause") || !strcmp(argv[0], "resume") || !strcmp(argv[0], "abort"))) {
		snprintf(path, sizeof(path), "/api/v1/campaigns/%s/%s", argv[1], argv[0]);
		return request("POST", path, json_object());
	}
	if (argc < 3 || !(body = op_body(argc - 2, argv + 2))) {
		usage(stderr);
		return 2;
	}
	json_object_set_new(body, "name", json_string(argv[0]));
	json_object_set_new(body, "label", json_string(argv[0]));
	json_object_set_new(body, "maxInFlight", json_integer(atoi(argv[1])));
	return request("POST", "/api/v1/campaigns", with_change(body, true));
}

/* base with the words as its query (?a=1&b=2) in buf; false: too long. */
static bool with_query(const char *base, int argc, char **argv, char *buf, size_t cap)
{
	size_t used = (size_t)snprintf(buf, cap, "%s", base);

	for (int k = 0; k < argc && used < cap; k++)
		used += (size_t)snprintf(buf + used, cap - used, "%c%s", k == 0 ? '?' : '&', argv[k]);
	return used < cap;
}

/* changes [FILTER...]: a table; change show|approve|reject ID ... */
static int changes_cmd(int argc, char **argv)
{
	char query[512];
	size_t i;
	json_t *out, *c;
	int status;

	if (!with_query("/api/v1/changes", argc, argv, query, sizeof(query)))
		return 2;
	status = call("GET", query, NULL, &out);
	if (g.json || status != 200)
		return show(status, out);
	printf("%6s %-9s %-10s %-12s %7s  %s\n", "ID", "STATE", "DECISION", "REQUESTER", "DEVICES", "REASON");
	json_array_foreach(out, i, c)
		printf("%6lld %-9s %-10s %-12s %7lld  %s\n", (long long)json_integer_value(json_object_get(c, "id")),
		       json_string_value(json_object_get(c, "state")), json_string_value(json_object_get(c, "decision")),
		       json_string_value(json_object_get(c, "requester")),
		       (long long)json_integer_value(json_object_get(c, "devices")),
		       json_string_value(json_object_get(c, "reason")));
	json_decref(out);
	return 0;
}

static int alerts_cmd(int argc, char **argv)
{
	char query[512];
	size_t i;
	json_t *out, *a;
	int status;

	if (!with_query("/api/v1/alerts", argc, argv, query, sizeof(query)))
		return 2;
	status = call("GET", query, NULL, &out);
	if (g.json || status != 200)
		return show(status, out);
	printf("%5s %-22s %-20s %-32s %9s %9s %9s %-14s %s\n", "ID", "SIGNAL", "COHORT", "SUBJECT", "OBSERVED",
	       "THRESHOLD", "BASELINE", "UNIT", "STATE");
	json_array_foreach(out, i, a)
		printf("%5lld %-22s %-20.20s %-32s %9lld %9lld %9lld %-14s %s\n",
		       (long long)json_integer_value(json_object_get(a, "id")), json_string_value(json_object_get(a, "signal")),
		       json_string_value(json_object_get(a, "cohort")), json_string_value(json_object_get(a, "subject")),
		       (long long)json_integer_value(json_object_get(a, "observed")),
		       (long long)json_integer_value(json_object_get(a, "threshold")),
		       (long long)json_integer_value(json_object_get(a, "baseline")),
		       json_string_value(json_object_get(a, "unit")), json_string_value(json_object_get(a, "state")));
	json_decref(out);
	return 0;
}

/* autopilot [on|off|NAME=V...]: V true, false or a number; action.KIND=true|false */
static int autopilot_cmd(int argc, char **argv)
{
	json_t *body, *actions;

	if (!argc)
		return request("GET", "/api/v1/autopilot", NULL);
	body = json_object();
	actions = json_object();
	for (int k = 0; k < argc; k++) {
		const char *eq = strchr(argv[k], '=');
		char name[64];
		json_t *v;

		if (!strcmp(argv[k], "on") || !strcmp(argv[k], "off")) {
			json_object_set_new(body, "enabled", json_boolean(!strcmp(argv[k], "on")));
			continue;
		}
		if (!eq || (size_t)(eq - argv[k]) >= sizeof(name)) {
			json_decref(body);
			json_decref(actions);
			return 2;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(eq - argv[k]), argv[k]);
		v = !strcmp(eq + 1, "true") || !strcmp(eq + 1, "false") ? json_boolean(!strcmp(eq + 1, "true"))
									 : json_integer(atoll(eq + 1));
		json_object_set_new(strncmp(name, "action.", 7) ? body : actions,
				    strncmp(name, "action.", 7) ? name : name + 7, v);
	}
	if (json_object_size(actions))
		json_object_set(body, "actions", actions);
	json_decref(actions);
	return request("PUT", "/api/v1/autopilot", body);     /* body is request's */
}

/* quarantine|release EID, health EID, marks, mark clear ID, alert close ID */
static int autopilot_object_cmd(const char *what, int argc, char **argv)
{
	char path[200];
	json_t *body;

	if (!strcmp(what, "marks"))
		return request("GET", "/api/v1/autopilot/marks", NULL);
	if (!strcmp(what, "mark") && argc >= 2 && !strcmp(argv[0], "clear"))
		snprintf(path, sizeof(path), "/api/v1/autopilot/marks/%s/clear", argv[1]);
	else if (!strcmp(what, "alert") && argc >= 2 && !strcmp(argv[0], "close"))
		snprintf(path, sizeof(path), "/api/v1/alerts/%s/close", argv[1]);
	else if (!strcmp(what, "health") && argc >= 1) {
		snprintf(path, sizeof(path), "/api/v1/euiccs/%s/health", argv[0]);
		return request("GET", path, NULL);
	} else if ((!strcmp(what, "quarantine") || !strcmp(what, "release")) && argc >= 1)
		snprintf(path, sizeof(path), "/api/v1/euiccs/%s/%s", argv[0], what);
	else
		return 2;
	body = g.reason ? json_pack("{s:s}", "reason", g.reason) : json_object();
	return request("POST", path, body);     /* body is request's */
}

static int change_cmd(int argc, char **argv)
{
	char path[128];

	if (argc >= 2 && !strcmp(argv[0], "show")) {
		snprintf(path, sizeof(path), "/api/v1/changes/%s", argv[1]);
		return request("GET", path, NULL);
	}
	if (argc >= 3 && !strcmp(argv[0], "approve")) {
		snprintf(path, sizeof(path), "/api/v1/changes/%s/approve", argv[1]);
		return request("POST", path, json_pack("{s:s,s:s}", "hash", argv[2], "note", argc >= 4 ? argv[3] : ""));
	}
	if (argc >= 2 && !strcmp(argv[0], "reject")) {
		snprintf(path, sizeof(path), "/api/v1/changes/%s/reject", argv[1]);
		return request("POST", path, json_pack("{s:s}", "note", argc >= 3 ? argv[2] : ""));
	}
	usage(stderr);
	return 2;
}

/* policy: the rules; policy evaluate EID|label=L OPERATION: a dry run */
static int policy_cmd(int argc, char **argv)
{
	json_t *body;

	if (!argc)
		return request("GET", "/api/v1/policy", NULL);
	if (argc < 3 || strcmp(argv[0], "evaluate") || !(body = op_body(argc - 2, argv + 2))) {
		usage(stderr);
		return 2;
	}
	if (!strncmp(argv[1], "label=", 6))
		json_object_set_new(body, "label", json_string(argv[1] + 6));
	else
		json_object_set_new(body, "eid", json_string(argv[1]));
	return request("POST", "/api/v1/policy/evaluate", with_change(body, !strncmp(argv[1], "label=", 6)));
}

/* audit export FILE: the JSON lines as the eIM signed them */
static int audit_export(const char *file)
{
	char url[512], auth[300];
	const char *headers[] = { auth, NULL };
	uint8_t *resp = NULL;
	size_t len = 0;
	int status = 0, rc = 1;
	FILE *f;

	snprintf(url, sizeof(url), "%s/api/v1/audit/export", g.url);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", g.key ? g.key : "");
	if (http_client_request(g.http, "GET", url, headers, NULL, 0, &status, &resp, &len) != IOT_OK || status != 200)
		fprintf(stderr, "eimctl: the export failed (%d)\n", status);
	else if ((f = fopen(file, "wb"))) {
		rc = fwrite(resp, 1, len, f) == len && fclose(f) == 0 ? 0 : 1;
		if (!rc)
			printf("wrote %zu bytes to %s\n", len, file);
	}
	free(resp);
	return rc;
}

/* settings: show them; settings NAME=N...: change those (admin) */
static int settings_cmd(int argc, char **argv)
{
	json_t *body;

	if (!argc)
		return request("GET", "/api/v1/settings", NULL);
	body = json_object();
	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '='), *end;
		long long v;

		if (!eq || eq == argv[i] || (v = strtoll(eq + 1, &end, 10), *end || end == eq + 1)) {
			fprintf(stderr, "eimctl: settings NAME=NUMBER, e.g. operationTtlSeconds=86400\n");
			json_decref(body);
			return 2;
		}
		*eq = 0;
		json_object_set_new(body, argv[i], json_integer(v));
	}
	return request("PUT", "/api/v1/settings", body);
}

static int initial_eim(const char *file)
{
	json_t *out;
	uint8_t *der;
	size_t len;
	FILE *f;
	int status = call("GET", "/api/v1/eim/initial-eim", NULL, &out), rc = 1;

	if (status == 200 && jb_get_asn1(out, "addInitialEimRequest", &der, &len) == IOT_OK) {
		if ((f = fopen(file, "wb"))) {
			rc = fwrite(der, 1, len, f) == len && fclose(f) == 0 ? 0 : 1;
			if (!rc)
				printf("wrote %zu bytes to %s\n", len, file);
		}
		free(der);
	} else {
		show(status, out);
		out = NULL;
	}
	json_decref(out);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "url", required_argument, NULL, 'u' }, { "key", required_argument, NULL, 'k' },
		{ "ca", required_argument, NULL, 'c' }, { "connect", required_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' },
		{ "reason", required_argument, NULL, 'r' }, { "ticket", required_argument, NULL, 't' },
		{ "override", required_argument, NULL, 'o' }, { "stages", required_argument, NULL, 's' },
		{ "halt-rate", required_argument, NULL, 'H' }, { "success-rate", required_argument, NULL, 'S' },
		{ "stage-timeout", required_argument, NULL, 'T' }, { NULL, 0, NULL, 0 },
	};
	struct http_client_config hc = { 0 };
	int c, rc;

	g.url = getenv("EIMCTL_URL");
	g.key = getenv("EIMCTL_KEY");
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (c) {
		case 'u': g.url = optarg; break;
		case 'k': g.key = optarg; break;
		case 'c': g.ca = optarg; break;
		case 'C': g.connect = optarg; break;
		case 'j': g.json = true; break;
		case 'r': g.reason = optarg; break;
		case 't': g.ticket = optarg; break;
		case 'o': g.override = optarg; break;
		case 's': g.stages = optarg; break;
		case 'H': g.halt_rate = atof(optarg); break;
		case 'S': g.success_rate = atof(optarg); break;
		case 'T': g.stage_timeout = atol(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (!g.url || argc < 1) {
		usage(stderr);
		return 2;
	}
	hc.ca_file = g.ca;
	hc.connect_to = g.connect;
	if (http_client_new(&hc, &g.http) != IOT_OK)
		return 1;
	if (!strcmp(argv[0], "euicc"))
		rc = euicc_cmd(argc - 1, argv + 1);
	else if (!strcmp(argv[0], "op"))
		rc = op_cmd(argc - 1, argv + 1);
	else if (!strcmp(argv[0], "campaign"))
		rc = campaign_cmd(argc - 1, argv + 1);
	else if (!strcmp(argv[0], "settings"))
		rc = settings_cmd(argc - 1, argv + 1);
	else if (!strcmp(argv[0], "changes"))
		rc = changes_cmd(argc - 1, argv + 1);
	else if (!strcmp(argv[0], "change"))
		rc = change_cmd(argc - 1, argv + 1);
	else if (!strcmp(argv[0], "policy"))
		rc = policy_cmd(argc - 1, argv + 1);
	else if (!strcmp(argv[0], "audit") && argc >= 2 && !strcmp(argv[1], "verify"))
		rc = request("GET", "/api/v1/audit/verify", NULL);
	else if (!strcmp(argv[0], "audit") && argc >= 3 && !strcmp(argv[1], "export"))
		rc = audit_export(argv[2]);
	else if (!strcmp(argv[0], "initial-eim") && argc >= 2)
		rc = initial_eim(argv[1]);
	else if (!strcmp(argv[0], "alerts"))
		rc = alerts_cmd(argc - 1, argv + 1);
	else if (!strcmp(argv[0], "autopilot"))
		rc = autopilot_cmd(argc - 1, argv + 1);
	else if (!strcmp(argv[0], "marks") || !strcmp(argv[0], "mark") || !strcmp(argv[0], "alert") ||
		 !strcmp(argv[0], "health") || !strcmp(argv[0], "quarantine") || !strcmp(argv[0], "release"))
		rc = autopilot_object_cmd(argv[0], argc - 1, argv + 1);
	else {
		usage(stderr);
		rc = 2;
	}
	http_client_free(g.http);
	return rc;
}
