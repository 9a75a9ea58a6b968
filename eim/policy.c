/* The governance policy: the rules an operator writes (deny, or wait for an
 * approver, by action, target, key, role and the fleet's state), the
 * built-in safety rules that hold unless an admin overrides them, and the
 * maintenance windows per label. Evaluating a change reads the fleet as the
 * eIM knows it and changes nothing. */
#include "eim/internal.h"
#include "eim/change.h"
#include "eim/ops_json.h"
#include "eim/window.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a change does, one bit each: the PSMOs (choice - 1), the eCOs, a
 * download, a data request, then the autopilot's actions and their
 * reversals (eim/autopilot.h). */
static const char *const action_names[] = {
	"enable", "disable", "delete", "listProfileInfo", "getRAT", "configureImmediateEnable",
	"setFallbackAttribute", "unsetFallbackAttribute", "setDefaultDpAddress",
	"addEim", "deleteEim", "updateEim", "listEim", "download", "data",
	"quarantine", "release", "block-profile", "unblock-profile", "rollback-enable", "clear-rollback-enable",
	"halt-campaign",
};
#define ACTION_FIRST_AUTOPILOT 15
#define N_ACTIONS (sizeof(action_names) / sizeof(action_names[0]))
#define ACTION_ECO(c) (1u << (8 + (c)))
#define ACTION_DOWNLOAD (1u << 13)
#define ACTION_DATA (1u << 14)

enum { EFFECT_DENY = 1, EFFECT_APPROVE };

struct rule {
	char name[64];
	int effect;
	unsigned actions;                       /* 0: any */
	json_t *labels, *eids, *keys;           /* arrays of strings, NULL: any */
	unsigned roles;                         /* bit per enum eim_role, 0: any */
	int64_t min_devices;                    /* 0: any */
	int64_t fleet_failures_above, fleet_window; /* -1: not a condition */
};

struct eim_policy {
	atomic_int refs;
	int64_t max_devices;                    /* device-ceiling */
	int64_t approval_ttl;
	struct rule *rules;
	size_t nrules;
	struct eim_window *windows;
	size_t nwindows;
	json_t *source;
};

/* The built-in rules, by the name a refusal and an override use. */
#define RULE_CEILING "device-ceiling"
#define RULE_CONNECTIVITY "keep-connectivity"
#define RULE_FALLBACK "keep-fallback"
#define RULE_LAST_EIM "keep-last-eim"
static const char *const builtin_rules[] = { RULE_CEILING, RULE_CONNECTIVITY, RULE_FALLBACK, RULE_LAST_EIM };

void eim_policy_free(struct eim_policy *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nrules; i++) {
		json_decref(p->rules[i].labels);
		json_decref(p->rules[i].eids);
		json_decref(p->rules[i].keys);
	}
	free(p->rules);
	free(p->windows);
	json_decref(p->source);
	free(p);
}

static bool strings_or_absent(const json_t *v)
{
	size_t i;
	json_t *x;

	if (!v)
		return true;
	if (!json_is_array(v) || !json_array_size(v))
		return false;
	json_array_foreach(v, i, x)
		if (!json_is_string(x))
			return false;
	return true;
}

static bool has_string(const json_t *a, const char *s)
{
	size_t i;
	json_t *x;

	json_array_foreach(a, i, x)
		if (s && !strcmp(json_string_value(x), s))
			return true;
	return false;
}

static iot_err parse_rule(const json_t *j, struct rule *r, char *why, size_t cap)
{
	static const char *const roles[] = { "", "auditor", "operator", "admin", "approver" };
	const char *name = json_string_value(json_object_get(j, "name"));
	const char *effect = json_string_value(json_object_get(j, "effect"));
	json_t *v;
	size_t i;

	memset(r, 0, sizeof(*r));
	r->fleet_failures_above = -1;
	if (!json_is_object(j) || !name || !*name || strlen(name) >= sizeof(r->name) || !effect) {
		snprintf(why, cap, "a rule wants a name (under 64 characters) and an effect");
		return IOT_E_ARG;
	}
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->effect = !strcmp(effect, "deny") ? EFFECT_DENY : !strcmp(effect, "approve") ? EFFECT_APPROVE : 0;
	if (!r->effect) {
		snprintf(why, cap, "rule %s: effect is deny or approve", name);
		return IOT_E_ARG;
	}
	json_array_foreach(json_object_get(j, "actions"), i, v) {
		size_t k = 0;

		while (k < N_ACTIONS && strcmp(action_names[k], json_string_value(v) ? json_string_value(v) : ""))
			k++;
		if (k == N_ACTIONS) {
			snprintf(why, cap, "rule %s: unknown action", name);
			return IOT_E_ARG;
		}
		r->actions |= 1u << k;
	}
	json_array_foreach(json_object_get(j, "roles"), i, v) {
		unsigned k = 1;

		while (k < 5 && strcmp(roles[k], json_string_value(v) ? json_string_value(v) : ""))
			k++;
		if (k == 5) {
			snprintf(why, cap, "rule %s: roles are auditor, operator, approver, admin", name);
			return IOT_E_ARG;
		}
		r->roles |= 1u << k;
	}
	if (!strings_or_absent(json_object_get(j, "labels")) || !strings_or_absent(json_object_get(j, "eids")) ||
	    !strings_or_absent(json_object_get(j, "keys"))) {
		snprintf(why, cap, "rule %s: labels, eids and keys are lists of strings", name);
		return IOT_E_ARG;
	}
	r->labels = json_incref(json_object_get(j, "labels"));
	r->eids = json_incref(json_object_get(j, "eids"));
	r->keys = json_incref(json_object_get(j, "keys"));
	if ((v = json_object_get(j, "minDevices")) && (!json_is_integer(v) || json_integer_value(v) < 1)) {
		snprintf(why, cap, "rule %s: minDevices is a count", name);
		return IOT_E_ARG;
	}
	r->min_devices = v ? json_integer_value(v) : 0;
	if ((v = json_object_get(j, "fleetFailuresAbove")) && (!json_is_integer(v) || json_integer_value(v) < 0)) {
		snprintf(why, cap, "rule %s: fleetFailuresAbove is a count", name);
		return IOT_E_ARG;
	}
	r->fleet_failures_above = v ? json_integer_value(v) : -1;
	v = json_object_get(j, "fleetWindowSeconds");
	r->fleet_window = json_is_integer(v) && json_integer_value(v) > 0 ? json_integer_value(v) : 3600;
	return IOT_OK;
}

iot_err eim_policy_parse(const char *text, size_t len, struct eim_policy **out, char *why, size_t cap)
{
	struct eim_policy *p = calloc(1, sizeof(*p));
	json_error_t je;
	json_t *v, *x;
	size_t i;
	iot_err err = IOT_OK;

	*out = NULL;
	snprintf(why, cap, "%s", "");
	if (!p)
		return IOT_E_NOMEM;
	atomic_init(&p->refs, 1);
	p->max_devices = 10000;
	p->approval_ttl = 86400;
	p->source = text ? json_loadb(text, len, JSON_REJECT_DUPLICATES, &je) : json_object();
	if (!json_is_object(p->source)) {
		snprintf(why, cap, "not a JSON object (line %d: %s)", je.line, je.text);
		err = IOT_E_ARG;
	}
	if (err == IOT_OK && (v = json_object_get(p->source, "maxDevicesPerChange"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 1) {
			snprintf(why, cap, "maxDevicesPerChange is a count");
			err = IOT_E_ARG;
		}
		p->max_devices = json_integer_value(v);
	}
	if (err == IOT_OK && (v = json_object_get(p->source, "approvalTtlSeconds"))) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 366 * 86400) {
			snprintf(why, cap, "approvalTtlSeconds: 1 to 31,622,400");
			err = IOT_E_ARG;
		}
		p->approval_ttl = json_integer_value(v);
	}
	v = json_object_get(p->source, "rules");
	if (err == IOT_OK && v && (!json_is_array(v) || !(p->rules = calloc(json_array_size(v) + 1, sizeof(*p->rules))))) {
		snprintf(why, cap, "rules is a list");
		err = IOT_E_ARG;
	}
	json_array_foreach(v, i, x) {
		if (err != IOT_OK)
			break;
		if ((err = parse_rule(x, &p->rules[p->nrules], why, cap)) == IOT_OK)
			p->nrules++;
		else {
			json_decref(p->rules[p->nrules].labels);
			json_decref(p->rules[p->nrules].eids);
			json_decref(p->rules[p->nrules].keys);
		}
	}
	v = json_object_get(p->source, "windows");
	if (err == IOT_OK && v &&
	    (!json_is_array(v) || !(p->windows = calloc(json_array_size(v) + 1, sizeof(*p->windows))))) {
		snprintf(why, cap, "windows is a list");
		err = IOT_E_ARG;
	}
	json_array_foreach(v, i, x)
		if (err == IOT_OK && (err = eim_window_parse(x, &p->windows[p->nwindows], why, cap)) == IOT_OK)
			p->nwindows++;
	if (err != IOT_OK) {
		eim_policy_free(p);
		return err;
	}
	*out = p;
	return IOT_OK;
}

iot_err eim_policy_load(const char *path, struct eim_policy **out, char *why, size_t cap)
{
	FILE *f = fopen(path, "rb");
	char *text;
	long n;
	iot_err err;

	if (!f) {
		snprintf(why, cap, "cannot read %s", path);
		return IOT_E_IO;
	}
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || n > (1 << 20) || fseek(f, 0, SEEK_SET) ||
	    !(text = malloc((size_t)n + 1))) {
		fclose(f);
		snprintf(why, cap, "%s: unreadable or over 1 MiB", path);
		return IOT_E_IO;
	}
	err = fread(text, 1, (size_t)n, f) == (size_t)n ? eim_policy_parse(text, (size_t)n, out, why, cap) : IOT_E_IO;
	free(text);
	fclose(f);
	return err;
}

json_t *eim_policy_json(const struct eim_policy *p)
{
	json_t *j = json_deep_copy(p->source), *b = json_array();

	for (size_t i = 0; i < sizeof(builtin_rules) / sizeof(builtin_rules[0]); i++)
		json_array_append_new(b, json_string(builtin_rules[i]));
	json_object_set_new(j, "builtinRules", b);
	json_object_set_new(j, "maxDevicesPerChange", json_integer(p->max_devices));
	json_object_set_new(j, "approvalTtlSeconds", json_integer(p->approval_ttl));
	return j;
}

/* ---- the slot eimd's threads share ---- */

struct eim_policy_slot {
	pthread_mutex_t lock;
	struct eim_policy *current;
};

iot_err eim_policy_slot_new(struct eim_policy *p, struct eim_policy_slot **out)
{
	if (!(*out = calloc(1, sizeof(**out))))
		return IOT_E_NOMEM;
	pthread_mutex_init(&(*out)->lock, NULL);
	(*out)->current = p;
	return IOT_OK;
}

void eim_policy_slot_set(struct eim_policy_slot *s, struct eim_policy *p)
{
	struct eim_policy *old;

	pthread_mutex_lock(&s->lock);
	old = s->current;
	s->current = p;
	pthread_mutex_unlock(&s->lock);
	eim_policy_release(old);
}

struct eim_policy *eim_policy_slot_hold(struct eim_policy_slot *s)
{
	struct eim_policy *p;

	pthread_mutex_lock(&s->lock);
	if ((p = s->current))
		atomic_fetch_add(&p->refs, 1);
	pthread_mutex_unlock(&s->lock);
	return p;
}

void eim_policy_release(struct eim_policy *p)
{
	if (p && atomic_fetch_sub(&p->refs, 1) == 1)
		eim_policy_free(p);
}

void eim_policy_slot_free(struct eim_policy_slot *s)
{
	if (!s)
		return;
	eim_policy_release(s->current);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

struct eim_policy *eim_policy_of(struct eim *e)
{
	struct eim_policy *p = e->cfg.policy ? eim_policy_slot_hold(e->cfg.policy) : NULL;
	char why[8];

	/* no policy configured: the built-in rules with their defaults, made once */
	if (!p && !e->builtin_policy && eim_policy_parse(NULL, 0, &e->builtin_policy, why, sizeof(why)) != IOT_OK)
		return NULL;
	if (!p)
		atomic_fetch_add(&(p = e->builtin_policy)->refs, 1);
	return p;
}

int64_t eim_policy_approval_ttl(const struct eim_policy *p)
{
	return p->approval_ttl;
}

/* ---- maintenance windows ---- */

static bool has_label(const char *labels, const char *label)
{
	size_t n = strlen(label);

	for (const char *p = labels; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && !memcmp(p, label, n))
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

bool eim_policy_window_open(const struct eim_policy *p, const char *labels, time_t now)
{
	bool named = false;

	for (size_t i = 0; p && i < p->nwindows; i++) {
		if (!has_label(labels, p->windows[i].label))
			continue;
		if (eim_window_open(&p->windows[i], now))
			return true;
		named = true;
	}
	return !named;
}

bool eim_policy_has_windows(const struct eim_policy *p)
{
	return p && p->nwindows;
}

/* ---- evaluation ---- */

const char *eim_verdict_name(enum eim_verdict v)
{
	return v == EIM_ALLOW ? "allow" : v == EIM_NEEDS_APPROVAL ? "approval" : "refuse";
}

void eim_decision_clear(struct eim_decision *d)
{
	json_decref(d->rules);
	memset(d, 0, sizeof(*d));
}

/* What the built-in rules found over the targets. */
struct findings {
	int64_t devices, count[4];              /* per built-in rule, as builtin_rules */
	char first[4][33];                      /* the first eUICC that breaks each */
	json_t *labels;                         /* every target's labels, for rules by label */
	bool eid_match[64];                     /* per rule: a target is in its eids */
};

/* The eUICC's profiles as the eIM knows them, changed by the package PSMO
 * by PSMO as the eUICC would: which built-in rules it breaks (bits). */
static unsigned check_profiles(const struct rsp_euicc_package *pkg, struct eim_profile *prof, size_t n,
			       const char *eim_id)
{
	unsigned broken = 0;
	bool adds_eim = false;

	if (pkg->choice == RSP_PACKAGE_ECO_LIST) {
		for (size_t i = 0; i < pkg->u.eco_list.count; i++)
			adds_eim |= pkg->u.eco_list.items[i].choice == RSP_ECO_ADD_EIM;
		/* this eIM deleting itself, with no other eIM added in the same package */
		for (size_t i = 0; i < pkg->u.eco_list.count; i++) {
			const struct rsp_eco *c = &pkg->u.eco_list.items[i];

			if (c->choice == RSP_ECO_DELETE_EIM && !adds_eim && c->u.delete_eim.eim_id.len == strlen(eim_id) &&
			    !memcmp(c->u.delete_eim.eim_id.ptr, eim_id, strlen(eim_id)))
				broken |= 1u << 3;
		}
		return broken;
	}
	for (size_t i = 0; pkg->choice == RSP_PACKAGE_PSMO_LIST && i < pkg->u.psmo_list.count; i++) {
		const struct rsp_psmo *s = &pkg->u.psmo_list.items[i];
		char iccid[21] = "";
		size_t k = n, j;
		bool enabled = false, usable_fallback = false;

		if ((s->choice == RSP_PSMO_ENABLE || s->choice == RSP_PSMO_DISABLE || s->choice == RSP_PSMO_DELETE ||
		     s->choice == RSP_PSMO_SET_FALLBACK_ATTRIBUTE) && s->u.enable.iccid.len == 10)
			rsp_iccid_to_digits(s->u.enable.iccid.ptr, iccid);
		for (j = 0; j < n; j++)
			if (!strcmp(prof[j].iccid, iccid))
				k = j;
		switch (s->choice) {
		case RSP_PSMO_ENABLE:
			for (j = 0; k < n && j < n; j++)
				prof[j].state = j == k;
			continue;
		case RSP_PSMO_SET_FALLBACK_ATTRIBUTE:
			for (j = 0; k < n && j < n; j++)
				prof[j].fallback = j == k;
			continue;
		case RSP_PSMO_UNSET_FALLBACK_ATTRIBUTE:
			for (j = 0; j < n; j++)
				prof[j].fallback = false;
			continue;
		case RSP_PSMO_DISABLE:
		case RSP_PSMO_DELETE:
			break;
		default:
			continue;
		}
		/* profiles the eIM never learned: it cannot tell what stays */
		if (!n) {
			broken |= 1u << 1;
			continue;
		}
		if (k == n)                     /* not on the eUICC: it refuses, nothing changes */
			continue;
		/* the profile with the Fallback Attribute (SGP.32 ProfileInfo fallbackAttribute) stays: keep-fallback */
		if (s->choice == RSP_PSMO_DELETE && prof[k].fallback)
			broken |= 1u << 2;
		prof[k].state = 0;
		if (s->choice == RSP_PSMO_DELETE) {
			prof[k] = prof[n - 1];
			n--;
		}
		for (j = 0; j < n; j++) {
			enabled |= prof[j].state == 1;
			/* a profile the eUICC falls back to by itself (its Fallback Attribute, SGP.32's fallback mechanism) */
			usable_fallback |= prof[j].fallback;
		}
		if (!enabled && !usable_fallback)
			broken |= 1u << 1;
	}
	return broken;
}

static void note_labels(struct findings *f, const char *labels)
{
	for (const char *p = labels; p && *p;) {
		const char *end = strchr(p, ',');
		json_t *s = json_stringn(p, end ? (size_t)(end - p) : strlen(p));

		if (s && !has_string(f->labels, json_string_value(s)))
			json_array_append(f->labels, s);
		json_decref(s);
		p = end ? end + 1 : NULL;
	}
}

static iot_err check_device(struct eim *e, const struct eim_policy *p, const struct eim_euicc *u,
			    const struct rsp_euicc_package *pkg, struct findings *f)
{
	struct eim_profile prof[16];
	size_t n = 0;
	iot_err err = IOT_OK;
	unsigned broken;

	f->devices++;
	note_labels(f, u->labels);
	for (size_t i = 0; i < p->nrules && i < 64; i++)
		f->eid_match[i] |= p->rules[i].eids && has_string(p->rules[i].eids, u->eid);
	if (!pkg)
		return IOT_OK;
	if (pkg->choice == RSP_PACKAGE_PSMO_LIST && (err = eim_euicc_profiles(e, u->eid, prof, 16, &n)) != IOT_OK)
		return err;
	broken = check_profiles(pkg, prof, n, e->eim_id);
	for (int b = 1; b < 4; b++)
		if (broken >> b & 1 && !f->count[b]++)
			snprintf(f->first[b], sizeof(f->first[b]), "%s", u->eid);
	return IOT_OK;
}

/* Walks the change's targets; IOT_E_NOT_FOUND for an EID not registered. */
static iot_err check_targets(struct eim *e, const struct eim_policy *p, const json_t *target,
			     const struct rsp_euicc_package *pkg, struct findings *f, char *why, size_t cap)
{
	const char *label = json_string_value(json_object_get(target, "label"));
	json_t *eids = json_object_get(target, "eids"), *one = json_object_get(target, "eid"), *x;
	struct eim_euicc *list;
	size_t i, n;
	iot_err err = IOT_OK;

	if (one || eids) {
		json_t *all = one ? json_pack("[O]", one) : json_incref(eids);

		json_array_foreach(all, i, x) {
			struct eim_euicc u;

			if ((err = eim_euicc_get(e, json_string_value(x), &u)) == IOT_OK)
				err = check_device(e, p, &u, pkg, f);
			if (err != IOT_OK) {
				if (err == IOT_E_NOT_FOUND)
					snprintf(why, cap, "unknown eUICC %.32s", json_string_value(x));
				break;
			}
		}
		json_decref(all);
		if (err != IOT_OK || !label)
			return err;
	}
	if (!label)
		return IOT_E_ARG;
	if (!(list = calloc(500, sizeof(*list))))
		return IOT_E_NOMEM;
	/* a label's eUICCs, 500 at a time in EID order */
	for (struct eim_euicc_filter fl = { .label = label, .profile_state = -1, .learned = -1 };;) {
		char after[33];

		if ((err = eim_euicc_list(e, &fl, list, 500, &n)) != IOT_OK || !n)
			break;
		for (i = 0; i < n && err == IOT_OK; i++)
			err = check_device(e, p, &list[i], pkg, f);
		snprintf(after, sizeof(after), "%s", list[n - 1].eid);
		fl.after = after;
		if (err != IOT_OK || n < 500)
			break;
	}
	free(list);
	return err;
}

/* The action bits of an operation, and its package when it has one. */
static iot_err op_actions(const json_t *op, unsigned *actions, struct rsp_euicc_package *pkg, bool *has_pkg,
			  struct rsp_arena *a)
{
	enum eim_op_kind kind;
	uint8_t *payload = NULL, *copy;
	size_t len;
	iot_err err;

	*has_pkg = false;
	if (!json_is_object(op) || (err = eim_op_from_json((json_t *)op, &kind, &payload, &len)) != IOT_OK)
		return IOT_E_ARG;
	if (kind == EIM_OP_DOWNLOAD)
		*actions |= ACTION_DOWNLOAD;
	else if (kind == EIM_OP_DATA)
		*actions |= ACTION_DATA;
	else if ((copy = rsp_arena_alloc(a, len)) && rsp_decode(&rsp_t_euicc_package, memcpy(copy, payload, len), len, pkg,
								 a) == IOT_OK) {
		*has_pkg = true;
		for (size_t i = 0; pkg->choice == RSP_PACKAGE_PSMO_LIST && i < pkg->u.psmo_list.count; i++)
			*actions |= 1u << (pkg->u.psmo_list.items[i].choice - 1);
		for (size_t i = 0; pkg->choice == RSP_PACKAGE_ECO_LIST && i < pkg->u.eco_list.count; i++)
			*actions |= ACTION_ECO(pkg->u.eco_list.items[i].choice);
	}
	free(payload);
	return IOT_OK;
}

static void add_rule(struct eim_decision *d, const char *rule, const char *effect, const char *detail)
{
	json_array_append_new(d->rules, json_pack("{s:s,s:s,s:s}", "rule", rule, "effect", effect, "detail", detail));
}

static int64_t fleet_failures(struct eim *e, int64_t since)
{
	struct store_stmt *st;
	bool row = false;
	int64_t n = 0;

	if (store_prepare(e->db, "SELECT COUNT(*) FROM operation WHERE state IN (3, 5) AND updated >= $1", &st) != IOT_OK)
		return 0;
	store_bind_int(st, 1, since);
	if (store_step(st, &row) == IOT_OK && row)
		n = store_col_int(st, 0);
	store_finalize(st);
	return n;
}

static bool rule_matches(struct eim *e, const struct rule *r, size_t index, const char *actor, enum eim_role role,
			 unsigned actions, const json_t *target, const struct findings *f)
{
	const char *label = json_string_value(json_object_get(target, "label"));
	bool labels = !r->labels;
	size_t i;
	json_t *x;

	json_array_foreach(r->labels, i, x)
		labels |= (label && !strcmp(label, json_string_value(x))) || has_string(f->labels, json_string_value(x));
	return (!r->actions || (r->actions & actions)) && labels && (!r->eids || (index < 64 && f->eid_match[index])) &&
	       (!r->roles || (r->roles >> role & 1)) && (!r->keys || has_string(r->keys, actor)) &&
	       f->devices >= r->min_devices &&
	       (r->fleet_failures_above < 0 ||
		fleet_failures(e, (int64_t)time(NULL) - r->fleet_window) > r->fleet_failures_above);
}

iot_err eim_policy_evaluate_with(struct eim *e, const struct eim_policy *p, const char *actor, enum eim_role role,
				 const json_t *change, struct eim_decision *d)
{
	const json_t *target = json_object_get(change, "target"), *camp = json_object_get(change, "campaign");
	json_t *override = json_object_get(change, "override");
	struct findings f = { .labels = json_array() };
	struct rsp_euicc_package pkg, rollback;
	struct rsp_arena a;
	unsigned actions = 0;
	bool has_pkg, has_rollback;
	char detail[200];
	iot_err err;

	memset(d, 0, sizeof(*d));
	d->rules = json_array();
	rsp_arena_dynamic(&a);
	if (json_object_get(change, "autopilot") && !json_object_get(change, "operation")) {
		/* an automatic action, or its reversal: named, no package */
		const json_t *ap = json_object_get(change, "autopilot");
		const char *name = json_string_value(json_object_get(ap, "action"));

		for (size_t i = ACTION_FIRST_AUTOPILOT; name && i < N_ACTIONS; i++)
			if (!strcmp(name, action_names[i]))
				actions |= 1u << i;
		has_pkg = false;
		err = actions ? IOT_OK : IOT_E_ARG;
		if (json_string_value(json_object_get(ap, "cohort")))
			note_labels(&f, json_string_value(json_object_get(ap, "cohort")));
		if (err != IOT_OK) {
			snprintf(d->why, sizeof(d->why), "not an autopilot action");
			goto out;
		}
	} else if ((err = op_actions(json_object_get(change, "operation"), &actions, &pkg, &has_pkg, &a)) != IOT_OK ||
	    (json_object_get(camp, "rollback") &&
	     (err = op_actions(json_object_get(camp, "rollback"), &actions, &rollback, &has_rollback, &a)) != IOT_OK)) {
		snprintf(d->why, sizeof(d->why), "not an operation: psmos, ecos, dataRequest, download or euiccPackage");
		goto out;
	}
	if (!json_is_object(target) || (err = check_targets(e, p, target, has_pkg ? &pkg : NULL, &f, d->why,
							    sizeof(d->why))) != IOT_OK) {
		if (err == IOT_E_ARG || !json_is_object(target))
			snprintf(d->why, sizeof(d->why), "a change targets an eid, eids or a label");
		if (!json_is_object(target))
			err = IOT_E_ARG;
		goto out;
	}
	d->devices = f.devices;
	/* the built-in rules: refusals unless an admin overrides them by name */
	if (f.devices > p->max_devices) {
		f.count[0] = f.devices;
		f.first[0][0] = 0;
	}
	for (size_t b = 0; b < 4; b++) {
		static const char *const what[] = {
			"more eUICCs than a change may touch (maxDevicesPerChange)",
			"would leave an eUICC with no enabled profile and none carrying the fallback attribute (or its profiles are not known: list them first)",
			"would delete the profile carrying the fallback attribute",
			"would delete this eIM, the eUICC's last known one",
		};
		bool overridden = has_string(override, builtin_rules[b]);

		if (!f.count[b])
			continue;
		if (b == 0)
			snprintf(detail, sizeof(detail), "%s: %lld > %lld", what[0], (long long)f.devices,
				 (long long)p->max_devices);
		else
			snprintf(detail, sizeof(detail), "%s: %lld eUICC(s), first %s", what[b], (long long)f.count[b],
				 f.first[b]);
		if (overridden && role == EIM_ROLE_ADMIN) {
			add_rule(d, builtin_rules[b], "overridden", detail);
			continue;
		}
		add_rule(d, builtin_rules[b], "refuse", overridden ? "only an admin key overrides a built-in rule" : detail);
		if (d->verdict != EIM_REFUSE)
			snprintf(d->why, sizeof(d->why), "%s: %.160s", builtin_rules[b],
				 overridden ? "only an admin key overrides a built-in rule" : detail);
		d->verdict = EIM_REFUSE;
	}
	for (size_t i = 0; i < p->nrules; i++) {
		const struct rule *r = &p->rules[i];

		if (!rule_matches(e, r, i, actor, role, actions, target, &f))
			continue;
		snprintf(detail, sizeof(detail), "%lld eUICC(s)", (long long)f.devices);
		add_rule(d, r->name, r->effect == EFFECT_DENY ? "deny" : "approve", detail);
		if (r->effect == EFFECT_DENY && d->verdict != EIM_REFUSE) {
			d->verdict = EIM_REFUSE;
			snprintf(d->why, sizeof(d->why), "%s: denied by policy", r->name);
		} else if (r->effect == EFFECT_APPROVE && d->verdict == EIM_ALLOW) {
			d->verdict = EIM_NEEDS_APPROVAL;
		}
	}
out:
	rsp_arena_free(&a);
	json_decref(f.labels);
	return err;
}

iot_err eim_policy_evaluate(struct eim *e, const char *actor, enum eim_role role, const json_t *change,
			    struct eim_decision *d)
{
	struct eim_policy *p = eim_policy_of(e);
	iot_err err = p ? eim_policy_evaluate_with(e, p, actor, role, change, d) : IOT_E_NOMEM;

	eim_policy_release(p);
	return err;
}
