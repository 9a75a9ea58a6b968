/* Cohort tallies: the per-event counters of health.c (polls, fallbacks,
 * operations failed) summed in this process's memory and written to
 * cohort_bucket at each autopilot round, so that a poll pays a few
 * additions under a mutex instead of one upsert per cohort. What a crash
 * loses is at most one round of statistics (never an operation, a result
 * or an audit entry); nodes sharing a store each add their own. Entries are
 * kept per store, for processes (tests) with eIMs on several. */
#include "eim/internal.h"
#include "eim/autopilot.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct tally {
	uint64_t store;                 /* FNV-1a of the store URL */
	char cohort[128], signal[12];
	int64_t bucket, num, den;
	bool used;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct tally *table;
static size_t cap, used;

static uint64_t fnv(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001B3ull;
	return h;
}

static uint64_t key_hash(uint64_t store, const char *cohort, const char *signal, int64_t bucket)
{
	return fnv(fnv(store ^ (uint64_t)bucket * 0x9E3779B97F4A7C15ull, cohort), signal);
}

/* The slot of the key in t (cap n, a power of two): its own or the free one it would take. */
static struct tally *slot(struct tally *t, size_t n, uint64_t store, const char *cohort, const char *signal,
			  int64_t bucket)
{
	for (size_t i = key_hash(store, cohort, signal, bucket) & (n - 1);; i = (i + 1) & (n - 1))
		if (!t[i].used || (t[i].store == store && t[i].bucket == bucket && !strcmp(t[i].cohort, cohort) &&
				   !strcmp(t[i].signal, signal)))
			return &t[i];
}

static bool grow(void)
{
	size_t n = cap ? cap * 2 : 256;
	struct tally *t = calloc(n, sizeof(*t));

	if (!t)
		return false;
	for (size_t i = 0; i < cap; i++)
		if (table[i].used)
			*slot(t, n, table[i].store, table[i].cohort, table[i].signal, table[i].bucket) = table[i];
	free(table);
	table = t;
	cap = n;
	return true;
}

static bool add_locked(uint64_t store, const char *cohort, const char *signal, int64_t bucket, int64_t num, int64_t den)
{
	struct tally *t;

	if (used * 2 >= cap && !grow())
		return false;
	t = slot(table, cap, store, cohort, signal, bucket);
	if (!t->used) {
		*t = (struct tally){ .store = store, .bucket = bucket, .used = true };
		snprintf(t->cohort, sizeof(t->cohort), "%s", cohort);
		snprintf(t->signal, sizeof(t->signal), "%s", signal);
		used++;
	}
	t->num += num;
	t->den += den;
	return true;
}

iot_err eim_tally_add(struct eim *e, const char *cohort, const char *signal, int64_t bucket, int64_t num, int64_t den)
{
	bool ok;

	pthread_mutex_lock(&lock);
	ok = add_locked(fnv(0xCBF29CE484222325ull, e->cfg.store_url), cohort, signal, bucket, num, den);
	pthread_mutex_unlock(&lock);
	return ok ? IOT_OK : IOT_E_NOMEM;
}

iot_err eim_tally_flush(struct eim *e)
{
	uint64_t store = fnv(0xCBF29CE484222325ull, e->cfg.store_url);
	struct tally *mine = NULL;
	size_t n = 0;
	iot_err err = IOT_OK;

	/* this store's entries taken out under the lock, written outside it */
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < cap; i++)
		if (table[i].used && table[i].store == store)
			n++;
	if (n && (mine = calloc(n, sizeof(*mine)))) {
		struct tally *rest = calloc(cap, sizeof(*rest));
		size_t k = 0, left = 0;

		if (rest) {
			for (size_t i = 0; i < cap; i++) {
				if (!table[i].used)
					continue;
				if (table[i].store == store) {
					mine[k++] = table[i];
					continue;
				}
				*slot(rest, cap, table[i].store, table[i].cohort, table[i].signal, table[i].bucket) = table[i];
				left++;
			}
			free(table);
			table = rest;
			used = left;
		} else {
			free(mine);
			mine = NULL;
		}
	}
	pthread_mutex_unlock(&lock);
	if (n && !mine)
		return IOT_E_NOMEM;
	if (!n)
		return IOT_OK;
	err = store_begin(e->db);
	for (size_t i = 0; i < n && err == IOT_OK; i++)
		err = store_sql(e->db,
				"INSERT INTO cohort_bucket(cohort, signal, bucket, num, den) VALUES ($1, $2, $3, $4, $5)"
				" ON CONFLICT (cohort, signal, bucket) DO UPDATE SET num = cohort_bucket.num + $4,"
				" den = cohort_bucket.den + $5",
				"ttiii", mine[i].cohort, mine[i].signal, mine[i].bucket, mine[i].num, mine[i].den);
	if (err == IOT_OK)
		err = store_commit(e->db);
	else
		store_rollback(e->db);
	/* not written: kept for the next round */
	if (err != IOT_OK) {
		pthread_mutex_lock(&lock);
		for (size_t i = 0; i < n; i++)
			(void)add_locked(store, mine[i].cohort, mine[i].signal, mine[i].bucket, mine[i].num, mine[i].den);
		pthread_mutex_unlock(&lock);
	}
	free(mine);
	return err;
}
