/* eimd's governance in the core: time zones for maintenance windows
 * (known DST instants, north and south), the policy's parser and windows,
 * the built-in safety rules over profiles the eIM knows, approvals (four
 * eyes, bound to the hash, a tampered record refused) and the audit
 * export's offline check. */
#include "testutil.h"
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eim/change.h"
#include "eim/tz.h"
#include "store/store.h"

/* 2026-03-29T01:00:00Z: the EU's clocks go forward */
#define EU_SPRING 1774746000
/* 2026-10-25T01:00:00Z: and back */
#define EU_AUTUMN 1792890000
/* 2026-04-04T16:00:00Z: Sydney's DST ends; 2026-10-03T16:00:00Z: it starts */
#define AU_END 1775318400
#define AU_START 1791043200
/* 2026-03-08T07:00:00Z: the US's clocks go forward */
#define US_SPRING 1772953200

static void test_tz_rules(void **state)
{
	struct tz z;
	(void)state;

	assert_int_equal(tz_parse_posix("CET-1CEST,M3.5.0,M10.5.0/3", &z), IOT_OK);
	assert_int_equal(tz_offset(&z, EU_SPRING - 1), 3600);
	assert_int_equal(tz_offset(&z, EU_SPRING), 7200);
	assert_int_equal(tz_offset(&z, EU_AUTUMN - 1), 7200);
	assert_int_equal(tz_offset(&z, EU_AUTUMN), 3600);
	assert_int_equal(tz_parse_posix("AEST-10AEDT,M10.1.0,M4.1.0/3", &z), IOT_OK);
	assert_int_equal(tz_offset(&z, AU_END - 1), 39600);
	assert_int_equal(tz_offset(&z, AU_END), 36000);
	assert_int_equal(tz_offset(&z, AU_START - 1), 36000);
	assert_int_equal(tz_offset(&z, AU_START), 39600);
	assert_int_equal(tz_parse_posix("EST5EDT,M3.2.0,M11.1.0", &z), IOT_OK);
	assert_int_equal(tz_offset(&z, US_SPRING - 1), -18000);
	assert_int_equal(tz_offset(&z, US_SPRING), -14400);
	assert_int_equal(tz_parse_posix("<+0530>-5:30", &z), IOT_OK);
	assert_int_equal(tz_offset(&z, EU_SPRING), 19800);
	assert_int_equal(tz_parse_posix("UTC0", &z), IOT_OK);
	assert_int_equal(tz_offset(&z, EU_SPRING), 0);
	/* what is not a rule */
	assert_int_equal(tz_parse_posix("", &z), IOT_E_ARG);
	assert_int_equal(tz_parse_posix("CET", &z), IOT_E_ARG);
	assert_int_equal(tz_parse_posix("CET-1CEST,J60,J300", &z), IOT_E_ARG);
	assert_int_equal(tz_parse_posix("CET-1CEST,M13.5.0,M10.5.0", &z), IOT_E_ARG);
	/* signed parts (fuzz_eim_policy: a negative minute overflowed), out of an int's range */
	assert_int_equal(tz_parse_posix("<+00>-55:-5333333333333333333:0", &z), IOT_E_ARG);
	assert_int_equal(tz_parse_posix("<+00>-5:30:-1", &z), IOT_E_ARG);
	assert_int_equal(tz_parse_posix("<+00>-5:+30", &z), IOT_E_ARG);
	assert_int_equal(tz_parse_posix("CET-1CEST,M4294967299.5.0,M10.5.0", &z), IOT_E_ARG);
	assert_int_equal(tz_parse_posix("CET-1CEST,M3.5.0/-2:-30,M10.5.0", &z), IOT_E_ARG);
	/* names stay inside the zone directory */
	assert_int_equal(tz_load("../../etc/passwd", &z), IOT_E_ARG);
	assert_int_equal(tz_load("/etc/localtime", &z), IOT_E_ARG);
	assert_int_equal(tz_load("No/Such_Zone", &z), IOT_E_NOT_FOUND);
	/* tzdata's file, when installed (scripts/deps.sh installs it) */
	if (tz_load("Europe/Berlin", &z) == IOT_OK)
		assert_int_equal(tz_offset(&z, EU_SPRING), 7200);
}

static struct eim_policy *parse(const char *text)
{
	struct eim_policy *p = NULL;
	char why[200];

	assert_int_equal(eim_policy_parse(text, strlen(text), &p, why, sizeof(why)), IOT_OK);
	return p;
}

static void refused(const char *text, const char *why_part)
{
	struct eim_policy *p = NULL;
	char why[200];

	assert_int_equal(eim_policy_parse(text, strlen(text), &p, why, sizeof(why)), IOT_E_ARG);
	assert_null(p);
	if (!strstr(why, why_part))
		fail_msg("why \"%s\" lacks \"%s\"", why, why_part);
}

static void test_policy_parse(void **state)
{
	struct eim_policy *p;
	json_t *j;
	(void)state;

	refused("[]", "not a JSON object");
	refused("{\"rules\":[{\"name\":\"x\",\"effect\":\"maybe\"}]}", "effect is deny or approve");
	refused("{\"rules\":[{\"name\":\"x\",\"effect\":\"deny\",\"actions\":[\"format\"]}]}", "unknown action");
	refused("{\"rules\":[{\"name\":\"x\",\"effect\":\"deny\",\"roles\":[\"root\"]}]}", "roles are");
	refused("{\"rules\":[{\"name\":\"x\",\"effect\":\"deny\",\"labels\":\"a\"}]}", "lists of strings");
	refused("{\"maxDevicesPerChange\":0}", "maxDevicesPerChange");
	refused("{\"windows\":[{\"label\":\"a\",\"from\":\"22:00\",\"to\":\"22:00\"}]}", "not equal");
	refused("{\"windows\":[{\"label\":\"a\",\"from\":\"25:00\",\"to\":\"02:00\"}]}", "HH:MM");
	refused("{\"windows\":[{\"label\":\"a\",\"timezone\":\"No/Such_Zone\",\"from\":\"01:00\",\"to\":\"02:00\"}]}",
		"not in tzdata");
	refused("{\"a\":1,\"a\":2}", "not a JSON object");
	p = parse("{\"maxDevicesPerChange\":5,\"rules\":[{\"name\":\"big\",\"effect\":\"approve\",\"minDevices\":3}]}");
	j = eim_policy_json(p);
	assert_int_equal(json_integer_value(json_object_get(j, "maxDevicesPerChange")), 5);
	assert_int_equal(json_array_size(json_object_get(j, "builtinRules")), 4);
	json_decref(j);
	eim_policy_free(p);
}

static void test_windows(void **state)
{
	/* Monday 2026-03-30 in UTC */
	const time_t monday = 1774828800;
	struct eim_policy *p = parse("{\"windows\":[{\"label\":\"site=a\",\"timezone\":\"UTC\",\"days\":[\"mon\"],"
				     "\"from\":\"22:00\",\"to\":\"05:00\"},"
				     "{\"label\":\"site=b\",\"timezone\":\"UTC\",\"from\":\"09:00\",\"to\":\"17:00\"}]}");
	(void)state;

	/* no window names it: always open */
	assert_true(eim_policy_window_open(p, "fleet=x", monday + 12 * 3600));
	/* over midnight, from Monday's night into Tuesday morning only */
	assert_false(eim_policy_window_open(p, "fleet=x,site=a", monday + 21 * 3600));
	assert_true(eim_policy_window_open(p, "fleet=x,site=a", monday + 23 * 3600));
	assert_true(eim_policy_window_open(p, "site=a", monday + 24 * 3600 + 4 * 3600 + 59 * 60));
	assert_false(eim_policy_window_open(p, "site=a", monday + 24 * 3600 + 5 * 3600));
	assert_false(eim_policy_window_open(p, "site=a", monday + 24 * 3600 + 23 * 3600));
	/* a label's prefix is not the label */
	assert_true(eim_policy_window_open(p, "site=ab", monday + 21 * 3600));
	/* two windows: either open is enough */
	assert_true(eim_policy_window_open(p, "site=a,site=b", monday + 10 * 3600));
	assert_false(eim_policy_window_open(p, "site=a,site=b", monday + 18 * 3600));
	eim_policy_free(p);
}

/* ---- the core: rules over what the eIM knows, approvals ---- */

static struct fixture_pki pki;
static struct eim *eim;
static struct store *db;
static const char *cis[1];
static char eim_db[512];
#define EID2 "89049032123451234512345678901236"
#define BOOT "89049032000000000019"
#define OPER "89044999999999900012"

static int setup(void **state)
{
	struct eim_config ec;
	(void)state;

	fixture_pki_make(&pki, CRYPTO_P256);
	test_store_url(eim_db, sizeof(eim_db), pki.dir, "eim.db");
	cis[0] = pki.ci;
	ec = (struct eim_config){ .eim_id = "eim.iotrsp.test", .fqdn = "eim.iotrsp.test", .key_file = pki.eim_key,
				  .cert_file = pki.eim_cert, .ci_files = cis, .ci_count = 1, .store_url = eim_db };
	assert_int_equal(eim_open(&ec, &eim), IOT_OK);
	assert_int_equal(store_open(eim_db, &db), IOT_OK);
	assert_int_equal(eim_euicc_register(eim, FIXTURE_EID, "site=a"), IOT_OK);
	assert_int_equal(eim_euicc_register(eim, EID2, "site=a"), IOT_OK);
	/* the first: a bootstrap profile (disabled) and an operational one (enabled) */
	assert_int_equal(store_sql(db, "INSERT INTO profile(eid, iccid, state, updated, class, fallback) VALUES"
				   " ($1, $2, 0, 0, 1, 0), ($1, $3, 1, 0, 2, 0)", "ttt", FIXTURE_EID, BOOT, OPER), IOT_OK);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	store_close(db);
	eim_close(eim);
	fixture_pki_remove(&pki);
	return 0;
}

static enum eim_verdict verdict(const char *change_json, enum eim_role role, const char *rule)
{
	struct eim_decision d;
	json_t *c = json_loads(change_json, 0, NULL);
	enum eim_verdict v;
	char *rules;

	assert_non_null(c);
	assert_int_equal(eim_policy_evaluate(eim, "tester", role, c, &d), IOT_OK);
	v = d.verdict;
	rules = json_dumps(d.rules, 0);
	if (rule && !strstr(rules, rule))
		fail_msg("rule %s not met: %s %s", rule, d.why, rules);
	free(rules);
	eim_decision_clear(&d);
	json_decref(c);
	return v;
}

#define ONE(ops) "{\"target\":{\"eid\":\"" FIXTURE_EID "\"},\"operation\":{\"psmos\":[" ops "]}"

static void test_builtin_rules(void **state)
{
	(void)state;
	/* the only enabled profile, nothing to fall back on: refused; then allowed */
	assert_int_equal(verdict(ONE("{\"disable\":{\"iccid\":\"" OPER "\"}}") "}", EIM_ROLE_OPERATOR,
				 "keep-connectivity"), EIM_REFUSE);
	assert_int_equal(verdict(ONE("{\"enable\":{\"iccid\":\"" BOOT "\"}},{\"delete\":{\"iccid\":\"" OPER "\"}}") "}",
				 EIM_ROLE_OPERATOR, NULL), EIM_ALLOW);
	assert_int_equal(verdict(ONE("{\"setFallbackAttribute\":{\"iccid\":\"" BOOT "\"}},{\"disable\":{\"iccid\":\"" OPER
				     "\"}}") "}", EIM_ROLE_OPERATOR, NULL), EIM_ALLOW);
	/* the profile with the fallback attribute is never deleted */
	assert_int_equal(verdict(ONE("{\"setFallbackAttribute\":{\"iccid\":\"" BOOT "\"}},{\"delete\":{\"iccid\":\"" BOOT
				     "\"}}") "}", EIM_ROLE_OPERATOR, "keep-fallback"), EIM_REFUSE);
	/* a profile the eUICC does not hold: it refuses, nothing at risk */
	assert_int_equal(verdict(ONE("{\"delete\":{\"iccid\":\"89000000000000000000\"}}") "}", EIM_ROLE_OPERATOR, NULL),
			 EIM_ALLOW);
	/* an eUICC whose profiles are not known: nothing disabled or deleted */
	assert_int_equal(verdict("{\"target\":{\"eid\":\"" EID2 "\"},\"operation\":{\"psmos\":[{\"delete\":{\"iccid\":\""
				 OPER "\"}}]}}", EIM_ROLE_OPERATOR, "keep-connectivity"), EIM_REFUSE);
	/* overrides are an admin's, by name */
	assert_int_equal(verdict(ONE("{\"disable\":{\"iccid\":\"" OPER "\"}}") ",\"override\":[\"keep-connectivity\"]}",
				 EIM_ROLE_OPERATOR, "only an admin"), EIM_REFUSE);
	assert_int_equal(verdict(ONE("{\"disable\":{\"iccid\":\"" OPER "\"}}") ",\"override\":[\"keep-connectivity\"]}",
				 EIM_ROLE_ADMIN, "overridden"), EIM_ALLOW);
	/* this eIM deleting itself; another eIM; itself with another added */
	assert_int_equal(verdict("{\"target\":{\"label\":\"site=a\"},\"operation\":{\"ecos\":[{\"deleteEim\":"
				 "{\"eimId\":\"eim.iotrsp.test\"}}]},\"campaign\":{}}", EIM_ROLE_ADMIN, "keep-last-eim"),
			 EIM_REFUSE);
	assert_int_equal(verdict("{\"target\":{\"label\":\"site=a\"},\"operation\":{\"ecos\":[{\"deleteEim\":"
				 "{\"eimId\":\"other.iotrsp.test\"}}]},\"campaign\":{}}", EIM_ROLE_ADMIN, NULL),
			 EIM_ALLOW);
}

static void test_ceiling_and_rules(void **state)
{
	struct eim_policy_slot *slot;
	struct eim_config ec = { .eim_id = "eim.iotrsp.test", .fqdn = "eim.iotrsp.test", .key_file = pki.eim_key,
				 .cert_file = pki.eim_cert, .ci_files = cis, .ci_count = 1, .store_url = eim_db };
	struct eim *governed;
	(void)state;

	assert_int_equal(eim_policy_slot_new(parse("{\"maxDevicesPerChange\":1,\"rules\":["
						   "{\"name\":\"ops-no-download\",\"effect\":\"deny\",\"actions\":[\"download\"],"
						   "\"roles\":[\"operator\"]},"
						   "{\"name\":\"site-a-approval\",\"effect\":\"approve\",\"labels\":[\"site=a\"],"
						   "\"actions\":[\"getRAT\"]}]}"), &slot), IOT_OK);
	ec.policy = slot;
	assert_int_equal(eim_open(&ec, &governed), IOT_OK);
	{
		struct eim *plain = eim;

		eim = governed;
		assert_int_equal(verdict("{\"target\":{\"label\":\"site=a\"},\"operation\":{\"psmos\":[{\"getRAT\":{}}]},"
					 "\"campaign\":{}}", EIM_ROLE_ADMIN, "device-ceiling"), EIM_REFUSE);
		assert_int_equal(verdict(ONE("{\"getRAT\":{}}") "}", EIM_ROLE_OPERATOR, "site-a-approval"),
				 EIM_NEEDS_APPROVAL);
		assert_int_equal(verdict("{\"target\":{\"eid\":\"" FIXTURE_EID "\"},\"operation\":{\"download\":"
					 "{\"activationCode\":\"1$smdp.example.com$X\"}}}", EIM_ROLE_OPERATOR, "ops-no-download"),
				 EIM_REFUSE);
		assert_int_equal(verdict("{\"target\":{\"eid\":\"" FIXTURE_EID "\"},\"operation\":{\"download\":"
					 "{\"activationCode\":\"1$smdp.example.com$X\"}}}", EIM_ROLE_ADMIN, NULL), EIM_ALLOW);
		/* the policy replaced whole: the new one decides */
		eim_policy_slot_set(slot, parse("{}"));
		assert_int_equal(verdict(ONE("{\"getRAT\":{}}") "}", EIM_ROLE_OPERATOR, NULL), EIM_ALLOW);
		eim = plain;
	}
	eim_close(governed);
	eim_policy_slot_free(slot);
}

static void test_four_eyes(void **state)
{
	struct eim_policy_slot *slot;
	struct eim_config ec = { .eim_id = "eim.iotrsp.test", .fqdn = "eim.iotrsp.test", .key_file = pki.eim_key,
				 .cert_file = pki.eim_cert, .ci_files = cis, .ci_count = 1, .store_url = eim_db };
	struct eim *g;
	struct eim_change_outcome o, a;
	json_t *c, *rec;
	char hash[65], path[300], *text;
	size_t len;
	int64_t entries;
	(void)state;

	assert_int_equal(eim_policy_slot_new(parse("{\"rules\":[{\"name\":\"all\",\"effect\":\"approve\"}]}"), &slot),
			 IOT_OK);
	ec.policy = slot;
	assert_int_equal(eim_open(&ec, &g), IOT_OK);
	c = json_loads(ONE("{\"getRAT\":{}}") ",\"reason\":\"why not\"}", 0, NULL);
	assert_int_equal(eim_change_submit(g, "alice", EIM_ROLE_OPERATOR, c, &o), IOT_OK);
	assert_string_equal(o.state, "pending");
	assert_int_equal(o.operation, 0);
	snprintf(hash, sizeof(hash), "%s", o.hash);
	/* the requester, a mere operator, a wrong hash: refused, still pending */
	assert_int_equal(eim_change_decide(g, o.id, "alice", EIM_ROLE_APPROVER, true, hash, NULL, &a), IOT_E_REFUSED);
	eim_change_outcome_clear(&a);
	assert_int_equal(eim_change_decide(g, o.id, "carol", EIM_ROLE_OPERATOR, true, hash, NULL, &a), IOT_E_REFUSED);
	eim_change_outcome_clear(&a);
	assert_int_equal(eim_change_decide(g, o.id, "bob", EIM_ROLE_APPROVER, true, "00", NULL, &a), IOT_E_REFUSED);
	eim_change_outcome_clear(&a);
	/* the record edited in the store after it was shown: its hash no longer holds */
	assert_int_equal(store_sql(db, "UPDATE change_record SET doc = replace(doc, 'getRAT', 'listProfileInfo')"
				   " WHERE id = $1", "i", o.id), IOT_OK);
	assert_int_equal(eim_change_decide(g, o.id, "bob", EIM_ROLE_APPROVER, true, hash, NULL, &a), IOT_E_REFUSED);
	assert_non_null(strstr(a.decision.why, "no longer matches"));
	eim_change_outcome_clear(&a);
	assert_int_equal(store_sql(db, "UPDATE change_record SET doc = replace(doc, 'listProfileInfo', 'getRAT')"
				   " WHERE id = $1", "i", o.id), IOT_OK);
	assert_int_equal(eim_change_decide(g, o.id, "bob", EIM_ROLE_APPROVER, true, hash, "fine", &a), IOT_OK);
	assert_string_equal(a.state, "applied");
	assert_true(a.operation > 0);
	eim_change_outcome_clear(&a);
	/* decided once */
	assert_int_equal(eim_change_decide(g, o.id, "dave", EIM_ROLE_ADMIN, false, NULL, NULL, &a), IOT_E_REFUSED);
	eim_change_outcome_clear(&a);
	assert_int_equal(eim_change_get(g, o.id, &rec), IOT_OK);
	assert_string_equal(json_string_value(json_object_get(rec, "approver")), "bob");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(rec, "outcome"), "pending")), 1);
	json_decref(rec);
	eim_change_outcome_clear(&o);
	json_decref(c);

	/* the audit export verifies offline; one byte of an entry changed does not */
	assert_int_equal(eim_audit_export(g, &text, &len), IOT_OK);
	snprintf(path, sizeof(path), "%s", pki.eim_cert);
	assert_int_equal(eim_audit_verify_export(text, len, path, &entries, hash, sizeof(hash)), IOT_OK);
	assert_true(entries >= 6);
	assert_non_null(strstr(text, "\"action\":\"approve\""));
	{
		char *alice = strstr(text, "\"actor\":\"alice\"");

		assert_non_null(alice);
		alice[10] = 'A';
		assert_int_equal(eim_audit_verify_export(text, len, path, &entries, hash, sizeof(hash)), IOT_E_CRYPTO_MAC);
	}
	free(text);

	/* past EIM_AUDIT_CHECKPOINT_EVERY entries: the eIM signed the head on
	 * the way; an export without that line does not verify */
	for (int i = 0; i < EIM_AUDIT_CHECKPOINT_EVERY; i++)
		assert_int_equal(eim_audit(g, "tester", "test", "entry", "ok"), IOT_OK);
	assert_int_equal(eim_audit_export(g, &text, &len), IOT_OK);
	assert_int_equal(eim_audit_verify_export(text, len, path, &entries, hash, sizeof(hash)), IOT_OK);
	{
		char *cp = strstr(text, "{\"checkpoint\":100,"), *nl = cp ? strchr(cp, '\n') : NULL;

		assert_non_null(nl);
		memmove(cp, nl + 1, strlen(nl + 1) + 1);
		assert_int_equal(eim_audit_verify_export(text, strlen(text), path, &entries, hash, sizeof(hash)),
				 IOT_E_CRYPTO_MAC);
		assert_non_null(strstr(hash, "checkpoint of entry 100 is missing"));
	}
	free(text);
	/* a store from before checkpoints gets them when it is opened */
	assert_int_equal(store_exec(db, "DELETE FROM audit_checkpoint"), IOT_OK);
	eim_close(g);
	assert_int_equal(eim_open(&ec, &g), IOT_OK);
	assert_int_equal(eim_audit_export(g, &text, &len), IOT_OK);
	assert_int_equal(eim_audit_verify_export(text, len, path, &entries, hash, sizeof(hash)), IOT_OK);
	free(text);
	eim_close(g);
	eim_policy_slot_free(slot);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tz_rules),
		cmocka_unit_test(test_policy_parse),
		cmocka_unit_test(test_windows),
		cmocka_unit_test_setup_teardown(test_builtin_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ceiling_and_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_four_eyes, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
