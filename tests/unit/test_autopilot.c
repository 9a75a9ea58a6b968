/* The autopilot in the core, on simulated time: a healthy fleet of 10,000
 * devices over a week raises nothing and does nothing; a bad operator
 * profile in one region is found (silence after the switch), its campaign
 * halted, the profile blocked in that region and enables there sent with
 * rollbackFlag, each as a change of the autopilot's; a replaying device
 * quarantined until an admin releases it; the autopilot switched off
 * detects and does nothing; its hourly ceiling holds; webhooks signed. */
#include "testutil.h"
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eim/autopilot.h"
#include "eim/change.h"
#include "store/store.h"

static struct fixture_pki pki;
static struct eim *eim;
static struct store *db;
static const char *cis[1];
static char eim_db[512];
/* 2026-12-01T00:00:00Z, in ms */
#define T0 1796083200000LL
#define MINUTE 60000LL
#define HOUR (60 * MINUTE)

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

static void eid_of(unsigned i, char eid[33])
{
	snprintf(eid, 33, "8904903200000000000000%010u", i);
}

static const char *region_of(unsigned i)
{
	return i % 4 == 0 ? "fleet=sim,region=north" : "fleet=sim,region=south";
}

static void register_fleet(unsigned n)
{
	char (*eids)[33] = calloc(n, 33);
	const char **e = calloc(n, sizeof(*e)), **l = calloc(n, sizeof(*l));
	size_t added;

	for (unsigned i = 0; i < n; i++) {
		eid_of(i, eids[i]);
		e[i] = eids[i];
		l[i] = region_of(i);
	}
	assert_int_equal(eim_euicc_register_batch(eim, e, l, n, &added), IOT_OK);
	assert_int_equal(added, n);
	free(eids);
	free(e);
	free(l);
}

static int64_t count(const char *sql)
{
	struct store_stmt *st;
	bool row = false;
	int64_t n = -1;

	if (store_prepare(db, sql, &st) != IOT_OK)
		fail_msg("%s: does not prepare", sql);
	if (store_step(st, &row) != IOT_OK)
		fail_msg("%s: fails", sql);
	if (row)
		n = store_col_int(st, 0);
	store_finalize(st);
	return n;
}

static void poll(const char *eid, const char *labels, int64_t now, int64_t cause)
{
	assert_int_equal(eim_health_poll(eim, eid, labels, now, true, cause), IOT_OK);
}

static void put_settings(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	char why[160];

	assert_non_null(j);
	assert_int_equal(eim_autopilot_settings_put(eim, "admin", j, why, sizeof(why)), IOT_OK);
	json_decref(j);
}

/* A week of a healthy fleet: 10,000 devices polling every 6 hours with
 * 10 % jitter, 2 % of polls answered but lost (the device polls again 10
 * minutes later), the autopilot's round every 5 minutes. Nothing. (Under
 * valgrind, IOTRSP_SHORT: 1,000 devices, counted by the hour.) */
static void test_healthy_week(void **state)
{
	const bool short_run = getenv("IOTRSP_SHORT") != NULL;
	const unsigned n = short_run ? 1000 : 10000;
	int64_t *next = calloc(n, sizeof(*next)), now, end = T0 + 7 * 24 * HOUR;
	char (*eids)[33] = calloc(n, 33);
	struct eim_poll_event *ev = calloc(n, sizeof(*ev));
	unsigned seed = 12345, alerts, actions;
	uint64_t polls = 0;
	size_t k;

	(void)state;
	register_fleet(n);
	for (unsigned i = 0; i < n; i++)
		eid_of(i, eids[i]);
	put_settings(short_run ? "{\"expectedIntervalMs\": 21600000, \"bucketMs\": 3600000}"
			       : "{\"expectedIntervalMs\": 21600000}");
	/* the fleet comes up spread over one interval */
	for (unsigned i = 0; i < n; i++)
		next[i] = T0 + (int64_t)(rand_r(&seed) % (6 * HOUR));
	for (now = T0; now < end; now += 5 * MINUTE) {
		for (unsigned i = k = 0; i < n; i++) {
			double jitter = 0.9 + 0.2 * rand_r(&seed) / RAND_MAX;

			if (next[i] >= now + 5 * MINUTE)
				continue;
			ev[k++] = (struct eim_poll_event){ eids[i], region_of(i), next[i], true, -1 };
			next[i] += rand_r(&seed) % 100 < 2 ? 10 * MINUTE : (int64_t)(6 * HOUR * jitter);
		}
		assert_int_equal(eim_health_polls(eim, ev, k), IOT_OK);
		polls += k;
		assert_int_equal(eim_autopilot_step(eim, now + 5 * MINUTE, &alerts, &actions), IOT_OK);
		if (alerts)
			break;
	}
	print_message("simulated week: %u devices, %llu polls\n", n, (unsigned long long)polls);
	assert_true(polls > (uint64_t)n * 26);
	assert_int_equal(count("SELECT COUNT(*) FROM alert"), 0);
	assert_int_equal(count("SELECT COUNT(*) FROM change_record WHERE requester = 'autopilot'"), 0);
	/* the rhythm was learned: six hours, within the jitter */
	{
		int64_t interval = count("SELECT interval FROM health WHERE eid = '89049032000000000000000000000007'");

		assert_true(interval > 5 * HOUR && interval < 7 * HOUR);
	}
	/* then the north goes quiet: its cohort's silence is found */
	for (int64_t t = end; t < end + 12 * HOUR; t += 5 * MINUTE) {
		for (unsigned i = k = 0; i < n; i++) {
			if (next[i] >= t + 5 * MINUTE || i % 4 == 0)
				continue;
			ev[k++] = (struct eim_poll_event){ eids[i], region_of(i), next[i], true, -1 };
			next[i] += 6 * HOUR;
		}
		assert_int_equal(eim_health_polls(eim, ev, k), IOT_OK);
		assert_int_equal(eim_autopilot_step(eim, t + 5 * MINUTE, &alerts, &actions), IOT_OK);
	}
	assert_int_equal(count("SELECT COUNT(*) FROM alert WHERE signal = 'cohort-silent' AND cohort = 'region=north'"), 1);
	assert_int_equal(count("SELECT COUNT(*) FROM alert WHERE cohort = 'region=south'"), 0);
	free(next);
	free(eids);
	free(ev);
}

/* A campaign enabling IIN 8988247's profile everywhere; in the north it has
 * no coverage: those devices go silent after the switch. */
static void test_bad_profile(void **state)
{
	static const uint8_t enable[] = { 0xA0, 0x0E, 0xA3, 0x0C, 0x5A, 0x0A, 0x98, 0x88, 0x42, 0x07, 0, 0, 0, 0, 0, 0 };
	const char *eids[8];
	char list[8][33], why[200];
	int64_t campaign, total, now = T0;
	unsigned alerts, actions;
	bool rb;
	json_t *marks;

	(void)state;
	register_fleet(8);
	for (unsigned i = 0; i < 8; i++) {
		eid_of(i, list[i]);
		eids[i] = list[i];
	}
	assert_int_equal(eim_campaign_create(eim, "operator switch", EIM_OP_PSMO, enable, sizeof(enable), eids, 8, NULL, 8,
					     &campaign, &total), IOT_OK);
	put_settings("{\"expectedIntervalMs\": 600000}");
	/* each device polls every 10 minutes, three times, then gets the enable */
	for (int round = 0; round < 3; round++, now += 10 * MINUTE)
		for (unsigned i = 0; i < 8; i++)
			poll(list[i], region_of(i), now, -1);
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(eim_health_switch(eim, list[i], 100 + i, "8988247", now), IOT_OK);
	/* the south comes back on it, the north (devices 0 and 4) does not */
	for (int round = 0; round < 4; round++) {
		now += 10 * MINUTE;
		for (unsigned i = 0; i < 8; i++)
			if (i % 4)
				poll(list[i], region_of(i), now, -1);
		assert_int_equal(eim_autopilot_step(eim, now, &alerts, &actions), IOT_OK);
		/* not before two intervals (silentIntervals) */
		if (round < 2)
			assert_int_equal(count("SELECT COUNT(*) FROM alert"), 0);
	}
	assert_int_equal(count("SELECT silent FROM profile_outcome WHERE iin = '8988247' AND cohort = 'region=north'"), 2);
	assert_int_equal(count("SELECT ok FROM profile_outcome WHERE iin = '8988247' AND cohort = 'region=south'"), 6);
	assert_int_equal(count("SELECT COUNT(*) FROM alert WHERE signal = 'profile-failure' AND cohort = 'fleet'"), 1);
	assert_int_equal(count("SELECT COUNT(*) FROM alert WHERE signal = 'profile-failure-cohort'"
			       " AND cohort = 'region=north' AND observed = 100"), 1);
	assert_int_equal(count("SELECT COUNT(*) FROM alert WHERE cohort IN ('region=south', 'fleet=sim')"), 0);
	/* acted on: the campaign halted, the profile blocked in the north, enables
	 * with rollbackFlag in the cohorts that saw failures (the north, and the
	 * fleet label both regions share) */
	assert_int_equal(count("SELECT state FROM campaign"), EIM_CAMPAIGN_HALTED);
	assert_int_equal(count("SELECT COUNT(*) FROM profile_mark WHERE iin = '8988247' AND cohort = 'region=north'"
			       " AND active = 1"), 2);
	assert_int_equal(count("SELECT COUNT(*) FROM profile_mark WHERE iin = '8988247' AND cohort = 'fleet=sim'"
			       " AND kind = 'at-risk'"), 1);
	assert_int_equal(count("SELECT COUNT(*) FROM change_record WHERE requester = 'autopilot' AND state = 'applied'"), 4);
	assert_int_equal(count("SELECT COUNT(*) FROM audit WHERE action = 'halt'"), 1);
	assert_false(eim_health_enable_allowed(eim, list[0], "8988247", &rb, why, sizeof(why)));
	assert_non_null(strstr(why, "region=north"));
	assert_true(eim_health_enable_allowed(eim, list[1], "8988247", &rb, why, sizeof(why)));
	assert_true(rb);
	assert_true(eim_health_enable_allowed(eim, list[1], "8944000", &rb, why, sizeof(why)));
	assert_false(rb);
	assert_true(eim_health_enable_allowed(eim, list[0], "8944000", &rb, why, sizeof(why)));
	/* every alert says what it saw */
	assert_int_equal(count("SELECT COUNT(*) FROM alert WHERE state != 'acted' OR detail = '' OR unit = ''"), 0);
	/* a northern device comes back through its fallback: its way back is
	 * counted, not a second failure */
	poll(list[4], region_of(4), now + MINUTE, 1);
	assert_int_equal(count("SELECT failed FROM profile_outcome WHERE iin = '8988247' AND cohort = 'region=north'"), 2);
	assert_int_equal(count("SELECT fell_back FROM profile_outcome WHERE iin = '8988247' AND cohort = 'region=north'"), 1);
	assert_int_equal(count("SELECT returned FROM profile_outcome WHERE iin = '8988247' AND cohort = 'region=north'"), 1);
	assert_int_equal(count("SELECT first_failed FROM profile_outcome WHERE iin = '8988247' AND cohort = 'fleet'"),
			 T0 + 30 * MINUTE);
	/* a second round changes nothing */
	assert_int_equal(eim_autopilot_step(eim, now + MINUTE, &alerts, &actions), IOT_OK);
	assert_int_equal(actions, 0);
	assert_int_equal(count("SELECT COUNT(*) FROM change_record WHERE requester = 'autopilot'"), 4);
	/* reversible: the block lifted by a person's change */
	assert_int_equal(eim_profile_marks(eim, &marks), IOT_OK);
	json_decref(marks);
	{
		struct eim_change_outcome o;
		json_error_t je;
		json_t *c = json_loads("{\"target\":{\"eids\":[]},\"autopilot\":{\"action\":\"unblock-profile\","
				       "\"iin\":\"8988247\",\"cohort\":\"region=north\"},\"reason\":\"new APN\"}", 0, &je);

		assert_int_equal(eim_change_submit(eim, "ops", EIM_ROLE_OPERATOR, c, &o), IOT_OK);
		assert_string_equal(o.state, "applied");
		eim_change_outcome_clear(&o);
		json_decref(c);
	}
	assert_true(eim_health_enable_allowed(eim, list[0], "8988247", &rb, why, sizeof(why)));
	assert_true(rb);        /* still at risk: enables there go with rollbackFlag */
}

/* Results for finished operations, again and again: the device is
 * quarantined (an autopilot change) until an admin releases it. */
static void test_replay_quarantine(void **state)
{
	const char *eid = "89049032000000000000000000000003";
	unsigned alerts, actions;
	struct eim_change_outcome o;
	json_error_t je;
	json_t *c;

	(void)state;
	register_fleet(8);
	for (int i = 0; i < 5; i++)
		assert_int_equal(eim_health_stale_result(eim, eid, T0 + i), IOT_OK);
	assert_int_equal(eim_autopilot_step(eim, T0 + MINUTE, &alerts, &actions), IOT_OK);
	assert_int_equal(alerts, 0);       /* a lost acknowledgement or five is no attack */
	assert_int_equal(eim_health_stale_result(eim, eid, T0 + 10), IOT_OK);
	assert_int_equal(eim_autopilot_step(eim, T0 + MINUTE, &alerts, &actions), IOT_OK);
	assert_int_equal(alerts, 1);
	assert_int_equal(actions, 1);
	assert_true(eim_health_quarantined(eim, eid));
	assert_int_equal(count("SELECT COUNT(*) FROM audit WHERE action = 'quarantine'"), 1);
	/* an operator cannot let it out; an admin can */
	c = json_loads("{\"target\":{\"eid\":\"89049032000000000000000000000003\"},\"autopilot\":{\"action\":\"release\"}}",
		       0, &je);
	assert_int_equal(eim_change_submit(eim, "admin", EIM_ROLE_ADMIN, c, &o), IOT_OK);
	assert_string_equal(o.state, "applied");
	eim_change_outcome_clear(&o);
	json_decref(c);
	assert_false(eim_health_quarantined(eim, eid));
}

/* Off: detection goes on, nothing is done; the hourly ceiling holds. */
static void test_off_and_ceiling(void **state)
{
	unsigned alerts, actions;
	char eid[33];

	(void)state;
	register_fleet(8);
	put_settings("{\"enabled\": false}");
	for (int i = 0; i < 6; i++)
		assert_int_equal(eim_health_stale_result(eim, "89049032000000000000000000000001", T0 + i), IOT_OK);
	assert_int_equal(eim_autopilot_step(eim, T0 + MINUTE, &alerts, &actions), IOT_OK);
	assert_int_equal(alerts, 1);
	assert_int_equal(actions, 0);
	assert_int_equal(count("SELECT COUNT(*) FROM alert WHERE state = 'not acted' AND actions LIKE '%autopilot off%'"), 1);
	assert_int_equal(count("SELECT COUNT(*) FROM health WHERE quarantined = 1"), 0);
	/* on, with a ceiling of one device an hour: the second waits */
	put_settings("{\"enabled\": true, \"maxDevicesPerHour\": 1}");
	for (unsigned d = 2; d < 4; d++) {
		eid_of(d, eid);
		for (int i = 0; i < 6; i++)
			assert_int_equal(eim_health_stale_result(eim, eid, T0 + 100 + i), IOT_OK);
	}
	assert_int_equal(eim_autopilot_step(eim, T0 + 2 * MINUTE, &alerts, &actions), IOT_OK);
	assert_int_equal(alerts, 2);
	assert_int_equal(actions, 1);
	assert_int_equal(count("SELECT COUNT(*) FROM health WHERE quarantined = 1"), 1);
	assert_int_equal(count("SELECT COUNT(*) FROM alert WHERE actions LIKE '%maxDevicesPerHour%'"), 1);
	/* and one action kind switched off */
	put_settings("{\"maxDevicesPerHour\": 100, \"actions\": {\"quarantine\": false}}");
	eid_of(5, eid);
	for (int i = 0; i < 6; i++)
		assert_int_equal(eim_health_stale_result(eim, eid, T0 + 200 + i), IOT_OK);
	assert_int_equal(eim_autopilot_step(eim, T0 + 3 * MINUTE, &alerts, &actions), IOT_OK);
	assert_int_equal(actions, 0);
	assert_int_equal(count("SELECT COUNT(*) FROM alert WHERE actions LIKE '%switched off%'"), 1);
	/* settings out of range change nothing */
	{
		json_error_t je;
		json_t *j = json_loads("{\"silentIntervals\": 0, \"enabled\": false}", 0, &je);
		struct eim_autopilot_settings s;
		char why[160];

		assert_int_equal(eim_autopilot_settings_put(eim, "admin", j, why, sizeof(why)), IOT_E_ARG);
		assert_non_null(strstr(why, "silentIntervals"));
		json_decref(j);
		assert_int_equal(eim_autopilot_settings_get(eim, &s), IOT_OK);
		assert_true(s.enabled);
	}
}

/* Polling storms and unknown EIDs: alerts only. */
static void test_storm_and_probes(void **state)
{
	const char *eid = "89049032000000000000000000000002";
	unsigned alerts, actions;

	(void)state;
	register_fleet(4);
	for (int i = 0; i < 4; i++)
		poll(eid, region_of(2), T0 + i * HOUR, -1);
	/* 25 empty polls within half a minute, from a device that polls hourly */
	for (int i = 0; i < 25; i++)
		poll(eid, region_of(2), T0 + 4 * HOUR + i * 1000, -1);
	for (int i = 0; i < 21; i++)
		assert_int_equal(eim_health_unknown_eid(eim, "192.0.2.7", T0 + i), IOT_OK);
	assert_int_equal(eim_autopilot_step(eim, T0 + 5 * HOUR, &alerts, &actions), IOT_OK);
	assert_int_equal(alerts, 2);
	assert_int_equal(actions, 0);
	assert_int_equal(count("SELECT COUNT(*) FROM alert WHERE signal = 'polling-storm' AND subject ="
			       " '89049032000000000000000000000002' AND state = 'alert only'"), 1);
	assert_int_equal(count("SELECT COUNT(*) FROM alert WHERE signal = 'unknown-eids' AND subject = '192.0.2.7'"), 1);
	assert_false(eim_health_quarantined(eim, eid));
}

/* A flapping cohort: 400 devices polling every 10 minutes, operations
 * finishing at each poll (one in twenty failing); for two hours the east's devices come back
 * through their fallback at every other poll and half their operations
 * fail. The east's fallback and failure rates are found against their own
 * baselines (the rest of the fleet raises nothing) and the campaign with
 * work in the east halts. */
static void test_flapping_cohort(void **state)
{
	static const uint8_t list[] = { 0xA0, 0x03, 0xBF, 0x2D, 0x00 };
	const unsigned n = 400;
	char (*eids)[33] = calloc(n, 33);
	const char **e = calloc(n, sizeof(*e)), **l = calloc(n, sizeof(*l));
	struct eim_poll_event *ev = calloc(n, sizeof(*ev));
	unsigned alerts, actions;
	int64_t campaign, total;
	size_t added;

	(void)state;
	for (unsigned i = 0; i < n; i++) {
		snprintf(eids[i], 33, "8904903200000000000000%010u", i);
		e[i] = eids[i];
		l[i] = i % 4 == 0 ? "fleet=sim,region=east" : "fleet=sim,region=west";
	}
	assert_int_equal(eim_euicc_register_batch(eim, e, l, n, &added), IOT_OK);
	/* a campaign with work left everywhere, the east included */
	assert_int_equal(eim_campaign_create(eim, "inventory", EIM_OP_PSMO, list, sizeof(list), e, n, NULL, 10, &campaign,
					     &total), IOT_OK);
	put_settings("{\"expectedIntervalMs\": 600000}");
	for (int64_t t = T0; t < T0 + 8 * HOUR; t += 5 * MINUTE) {
		bool flap = t >= T0 + 6 * HOUR;
		size_t k = 0;

		for (unsigned i = 0; i < n; i++) {
			bool east = i % 4 == 0;

			/* each device every 10 minutes, half of them in each 5-minute period */
			if ((i / 4 + i + (unsigned)((t - T0) / (5 * MINUTE))) % 2)
				continue;
			ev[k++] = (struct eim_poll_event){ eids[i], l[i], t + i, true,
							   east && flap && (i / 4) % 2 ? 1 : -1 };
			/* an operation finishes at each poll: one in twenty fails, half in the flapping east */
			assert_int_equal(eim_health_result(eim, eids[i], !(east && flap ? (i / 8) % 2 : i % 20 == 3), t + i),
					 IOT_OK);
		}
		assert_int_equal(eim_health_polls(eim, ev, k), IOT_OK);
		assert_int_equal(eim_autopilot_step(eim, t + 5 * MINUTE, &alerts, &actions), IOT_OK);
		if (!flap)
			assert_int_equal(count("SELECT COUNT(*) FROM alert"), 0);
	}
	assert_int_equal(count("SELECT COUNT(*) FROM alert WHERE signal = 'fallback-rate' AND cohort = 'region=east'"), 1);
	assert_int_equal(count("SELECT COUNT(*) FROM alert WHERE signal = 'failure-rate' AND cohort = 'region=east'"), 1);
	assert_int_equal(count("SELECT COUNT(*) FROM alert WHERE cohort = 'region=west'"), 0);
	/* every rate over its baseline, with the numbers that made it (the fleet's
	 * cohorts, which hold the east, see it too) */
	assert_int_equal(count("SELECT COUNT(*) FROM alert WHERE observed <= threshold OR threshold <= baseline"
			       " OR unit != 'per mille'"), 0);
	assert_int_equal(count("SELECT observed FROM alert WHERE signal = 'fallback-rate' AND cohort = 'region=east'"), 1000);
	assert_int_equal(count("SELECT state FROM campaign"), EIM_CAMPAIGN_HALTED);
	assert_int_equal(count("SELECT COUNT(*) FROM change_record WHERE requester = 'autopilot' AND state = 'applied'"
			       " AND doc LIKE '%halt-campaign%'"), 1);
	free(eids);
	free(e);
	free(l);
	free(ev);
}

/* RFC 4231 test case 2 as a webhook signature. */
static void test_webhook_signature(void **state)
{
	char sig[72];

	(void)state;
	assert_int_equal(eim_webhook_sign("Jefe", "what do ya want for nothing?", 28, sig), IOT_OK);
	assert_string_equal(sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_webhook_signature),
		cmocka_unit_test_setup_teardown(test_bad_profile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay_quarantine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_off_and_ceiling, setup, teardown),
		cmocka_unit_test_setup_teardown(test_storm_and_probes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flapping_cohort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_healthy_week, setup, teardown),
	};

	return cmocka_run_group_tests_name("autopilot", tests, NULL, NULL);
}
