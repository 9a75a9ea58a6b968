/* Detection: what the health counters add up to. Per cohort and period a
 * rate is judged against its own history by robust statistics: the median
 * of the last `history` periods and their median absolute deviation (MAD),
 * the threshold median + k * 1.4826 * MAD (1.4826 MAD estimates a standard
 * deviation, unmoved by the outliers a mean and variance would follow),
 * never closer to the median than a floor of its own (docs/operations.md).
 * Every alert keeps the signal, cohort, baseline, observed value and
 * threshold that made it. */
#include "eim/internal.h"
#include "eim/autopilot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* The median and MAD of the values in a JSON array (n of them). */
static void robust(const json_t *history, int64_t *median, int64_t *mad, size_t *n)
{
	size_t k = json_array_size(history);
	int64_t *v = calloc(k ? k : 1, sizeof(*v));

	*median = *mad = 0;
	*n = v ? k : 0;
	if (!v || !k) {
		free(v);
		return;
	}
	for (size_t i = 0; i < k; i++)
		v[i] = json_integer_value(json_array_get(history, i));
	qsort(v, k, sizeof(*v), cmp_i64);
	*median = k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
	for (size_t i = 0; i < k; i++)
		v[i] = v[i] > *median ? v[i] - *median : *median - v[i];
	qsort(v, k, sizeof(*v), cmp_i64);
	*mad = k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
	free(v);
}

static iot_err history_get(struct eim *e, const char *cohort, const char *signal, json_t **h, int64_t *last)
{
	struct store_stmt *st;
	json_error_t je;
	bool row = false;
	iot_err err = store_prepare(e->db, "SELECT history, last_bucket FROM baseline WHERE cohort = $1 AND signal = $2", &st);

	*h = NULL;
	*last = -1;
	if (err != IOT_OK)
		return err;
	store_bind_text(st, 1, cohort);
	store_bind_text(st, 2, signal);
	if ((err = store_step(st, &row)) == IOT_OK && row) {
		*h = json_loads(store_col_text(st, 0), 0, &je);
		*last = store_col_int(st, 1);
	}
	store_finalize(st);
	if (!*h)
		*h = json_array();
	return err;
}

static iot_err history_put(struct eim *e, const char *cohort, const char *signal, json_t *h, int64_t v, int64_t bucket,
			   int64_t keep)
{
	char *text;
	iot_err err;

	json_array_append_new(h, json_integer(v));
	while ((int64_t)json_array_size(h) > keep)
		json_array_remove(h, 0);
	if (!(text = json_dumps(h, JSON_COMPACT)))
		return IOT_E_NOMEM;
	err = store_sql(e->db, "INSERT INTO baseline(cohort, signal, history, last_bucket) VALUES ($1, $2, $3, $4)"
			       " ON CONFLICT (cohort, signal) DO UPDATE SET history = $3, last_bucket = $4",
			"ttti", cohort, signal, text, bucket);
	free(text);
	return err;
}

/* One closed period of a cohort's signal judged, then folded into its baseline. */
static iot_err judge(struct eim *e, const struct eim_autopilot_settings *set, const char *cohort, const char *signal,
		     int64_t bucket, int64_t num, int64_t den)
{
	int64_t median, mad, last, v, sigma, first = bucket * set->bucket_ms;
	bool rate = strcmp(signal, "polls") != 0;
	char detail[200];
	json_t *h;
	size_t n;
	iot_err err = history_get(e, cohort, signal, &h, &last);

	if (err != IOT_OK || bucket <= last) {
		json_decref(h);
		return err;
	}
	robust(h, &median, &mad, &n);
	sigma = mad * 14826 / 10000 * set->mad_k / 10;
	/* a rate of too few events says nothing, and teaches the baseline nothing */
	if (rate && den < set->min_events) {
		json_decref(h);
		return IOT_OK;
	}
	v = rate ? num * 1000 / den : num;
	if ((int64_t)n >= set->warmup) {
		if (rate) {
			int64_t thr = median + sigma, floor = median + set->failure_rise * 10;

			thr = thr > floor ? thr : floor;
			if (v > thr) {
				snprintf(detail, sizeof(detail), "%lld of %lld in the period from %lld ms", (long long)num,
					 (long long)den, (long long)first);
				err = eim_alert_raise(e, !strcmp(signal, "failures") ? "failure-rate" : "fallback-rate", cohort,
						      cohort, median, v, thr, "per mille", detail, first, first + set->bucket_ms);
			}
		} else if (median >= set->min_events) {
			int64_t hi = median + sigma, lo = median - sigma;

			hi = hi > median * set->poll_factor ? hi : median * set->poll_factor;
			lo = lo < median / set->poll_factor ? lo : median / set->poll_factor;
			snprintf(detail, sizeof(detail), "%lld polls in the period from %lld ms", (long long)num,
				 (long long)first);
			if (v > hi)
				err = eim_alert_raise(e, "cohort-poll-storm", cohort, cohort, median, v, hi, "polls/period",
						      detail, first, first + set->bucket_ms);
			else if (v < lo)
				err = eim_alert_raise(e, "cohort-silent", cohort, cohort, median, v, lo, "polls/period", detail,
						      first, first + set->bucket_ms);
		}
	}
	if (err == IOT_OK)
		err = history_put(e, cohort, signal, h, v, bucket, set->history);
	json_decref(h);
	return err;
}

/* The periods closed before now: judged, folded, removed; a cohort that
 * polled in none of them still has its silence judged, as zero polls. */
static iot_err fold_buckets(struct eim *e, const struct eim_autopilot_settings *set, int64_t now)
{
	struct row {
		char cohort[128], signal[16];
		int64_t bucket, num, den;
	} *rows = calloc(500, sizeof(*rows));
	struct store_stmt *st;
	int64_t current = now / set->bucket_ms;
	size_t n = 0;
	bool row = false;
	iot_err err;

	if (!rows)
		return IOT_E_NOMEM;
	if ((err = store_prepare(e->db, "SELECT cohort, signal, bucket, num, den FROM cohort_bucket WHERE bucket < $1"
					" ORDER BY bucket LIMIT 500", &st)) != IOT_OK) {
		free(rows);
		return err;
	}
	store_bind_int(st, 1, current);
	while (n < 500 && (err = store_step(st, &row)) == IOT_OK && row) {
		snprintf(rows[n].cohort, sizeof(rows[n].cohort), "%s", store_col_text(st, 0));
		snprintf(rows[n].signal, sizeof(rows[n].signal), "%s", store_col_text(st, 1));
		rows[n].bucket = store_col_int(st, 2);
		rows[n].num = store_col_int(st, 3);
		rows[n].den = store_col_int(st, 4);
		n++;
	}
	store_finalize(st);
	for (size_t i = 0; err == IOT_OK && i < n; i++) {
		struct row *r = &rows[i];
		json_t *h;
		int64_t last;

		/* periods with no poll at all in between count as zero polls */
		if (!strcmp(r->signal, "polls") && (err = history_get(e, r->cohort, "polls", &h, &last)) == IOT_OK) {
			json_decref(h);
			for (int64_t b = last + 1; last >= 0 && b < r->bucket && b < last + 1 + set->history && err == IOT_OK; b++)
				err = judge(e, set, r->cohort, "polls", b, 0, 0);
		}
		if (err == IOT_OK)
			err = judge(e, set, r->cohort, r->signal, r->bucket, r->num, !strcmp(r->signal, "polls") ? 0 : r->den);
		/* a polls row carries its fallbacks as den: their rate per poll */
		if (err == IOT_OK && !strcmp(r->signal, "polls"))
			err = judge(e, set, r->cohort, "fallbacks", r->bucket, r->den, r->num);
		if (err == IOT_OK)
			err = store_sql(e->db, "DELETE FROM cohort_bucket WHERE cohort = $1 AND signal = $2 AND bucket = $3",
					"tti", r->cohort, r->signal, r->bucket);
	}
	free(rows);
	if (err != IOT_OK)
		return err;
	/* cohorts gone silent altogether: no row comes for them any more */
	{
		char cohorts[64][128];
		size_t k = 0;

		if ((err = store_prepare(e->db, "SELECT cohort FROM baseline WHERE signal = 'polls' AND last_bucket < $1 - 1"
						" LIMIT 64", &st)) != IOT_OK)
			return err;
		store_bind_int(st, 1, current);
		while (k < 64 && (err = store_step(st, &row)) == IOT_OK && row)
			snprintf(cohorts[k++], 128, "%s", store_col_text(st, 0));
		store_finalize(st);
		for (size_t i = 0; err == IOT_OK && i < k; i++) {
			json_t *h;
			int64_t last;

			if ((err = history_get(e, cohorts[i], "polls", &h, &last)) != IOT_OK)
				break;
			json_decref(h);
			for (int64_t b = last + 1; b < current && b < last + 1 + set->history && err == IOT_OK; b++)
				err = judge(e, set, cohorts[i], "polls", b, 0, 0);
		}
	}
	return err;
}

/* Switches to an operator profile that failed: an alert per profile (its
 * campaigns halt, the cohorts that saw failures get enables with
 * rollbackFlag), and one per cohort where most switches failed (the profile
 * is blocked there). */
static iot_err judge_profiles(struct eim *e, const struct eim_autopilot_settings *set)
{
	struct store_stmt *st;
	struct {
		char iin[8], cohort[128];
		int64_t ok, failed, silent, rolled, fell, first, last;
	} r[128];
	size_t n = 0;
	bool row = false;
	iot_err err = store_prepare(e->db, "SELECT iin, cohort, ok, failed, silent, rolled_back, fell_back, first_failed,"
					   " last_failed FROM profile_outcome WHERE failed > 0 ORDER BY iin, cohort LIMIT 128",
				    &st);

	if (err != IOT_OK)
		return err;
	while (n < 128 && (err = store_step(st, &row)) == IOT_OK && row) {
		snprintf(r[n].iin, sizeof(r[n].iin), "%s", store_col_text(st, 0));
		snprintf(r[n].cohort, sizeof(r[n].cohort), "%s", store_col_text(st, 1));
		r[n].ok = store_col_int(st, 2);
		r[n].failed = store_col_int(st, 3);
		r[n].silent = store_col_int(st, 4);
		r[n].rolled = store_col_int(st, 5);
		r[n].fell = store_col_int(st, 6);
		r[n].first = store_col_int(st, 7);
		r[n].last = store_col_int(st, 8);
		n++;
	}
	store_finalize(st);
	for (size_t i = 0; err == IOT_OK && i < n; i++) {
		int64_t share = r[i].failed * 100 / (r[i].ok + r[i].failed);
		char detail[200];

		snprintf(detail, sizeof(detail), "%lld of %lld switches failed: %lld silent, %lld rolled back, %lld fell back",
			 (long long)r[i].failed, (long long)(r[i].ok + r[i].failed), (long long)r[i].silent,
			 (long long)r[i].rolled, (long long)r[i].fell);
		if (!strcmp(r[i].cohort, "fleet"))
			err = eim_alert_raise(e, "profile-failure", "fleet", r[i].iin, 0, r[i].failed, 1, "devices", detail,
					      r[i].first, r[i].last);
		else if (r[i].failed >= set->profile_min_devices && share >= set->profile_block_share)
			err = eim_alert_raise(e, "profile-failure-cohort", r[i].cohort, r[i].iin, 0, share,
					      set->profile_block_share, "percent", detail, r[i].first, r[i].last);
	}
	return err;
}

iot_err eim_autopilot_detect(struct eim *e, int64_t now)
{
	struct eim_autopilot_settings set;
	unsigned silent;
	iot_err err;

	/* this process's counters first, so that the periods judged are whole */
	if ((err = eim_autopilot_settings_get(e, &set)) != IOT_OK || (err = eim_tally_flush(e)) != IOT_OK ||
	    (err = store_begin(e->db)) != IOT_OK)
		return err;
	if ((err = eim_health_find_silent(e, now, &silent)) == IOT_OK && (err = judge_profiles(e, &set)) == IOT_OK)
		err = fold_buckets(e, &set, now);
	if (err == IOT_OK)
		return store_commit(e->db);
	store_rollback(e->db);
	return err;
}
