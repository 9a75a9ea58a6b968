/* A poll's bookkeeping off its request path: the eUICC's last contact, the
 * binding and transport it polls in, and the autopilot's per-poll
 * counters (health.c) are queued by the poll and written by a background
 * worker, many polls in one transaction. Nothing an answer depends on is
 * among them: a crash loses at most the last period's samples, never a
 * package, a counter or a result (those are written before the answer). */
#include "eim/autopilot.h"
#include "eim/internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

#define POLLQ_MAX 65536         /* beyond this (the store stuck), polls write their own again */

struct eim_poll_queue {
	pthread_mutex_t mu;
	pthread_cond_t written;         /* a batch taken has been written (or given up) */
	struct eim_poll_record *items;
	size_t n, cap;
	unsigned inflight;              /* batches taken, not yet written */
	/* one writer at a time: batches are written in the order they were
	 * queued, so a device's later poll never lands before its earlier one */
	pthread_mutex_t writer;
};

iot_err eim_poll_queue_new(struct eim_poll_queue **out)
{
	struct eim_poll_queue *q = calloc(1, sizeof(*q));

	if (!q)
		return IOT_E_NOMEM;
	pthread_mutex_init(&q->mu, NULL);
	pthread_mutex_init(&q->writer, NULL);
	pthread_cond_init(&q->written, NULL);
	*out = q;
	return IOT_OK;
}

void eim_poll_queue_free(struct eim_poll_queue *q)
{
	if (!q)
		return;
	pthread_mutex_destroy(&q->mu);
	pthread_mutex_destroy(&q->writer);
	pthread_cond_destroy(&q->written);
	free(q->items);
	free(q);
}

void eim_poll_queue_wait(struct eim_poll_queue *q)
{
	pthread_mutex_lock(&q->mu);
	while (q->inflight)
		pthread_cond_wait(&q->written, &q->mu);
	pthread_mutex_unlock(&q->mu);
}

size_t eim_poll_queue_len(struct eim_poll_queue *q)
{
	size_t n;

	pthread_mutex_lock(&q->mu);
	n = q->n;
	pthread_mutex_unlock(&q->mu);
	return n;
}

bool eim_poll_queue_push(struct eim_poll_queue *q, const struct eim_poll_record *r)
{
	bool ok = true;

	pthread_mutex_lock(&q->mu);
	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 256;
		struct eim_poll_record *p = cap <= POLLQ_MAX ? realloc(q->items, cap * sizeof(*p)) : NULL;

		if (p) {
			q->items = p;
			q->cap = cap;
		} else {
			ok = false;
		}
	}
	if (ok)
		q->items[q->n++] = *r;
	pthread_mutex_unlock(&q->mu);
	return ok;
}

iot_err eim_poll_write(struct eim *e, const struct eim_poll_record *r)
{
	iot_err err = store_sql(e->db, "UPDATE euicc SET last_contact = $2, esipa_json = $3, coaps = $4 WHERE eid = $1",
				"tiii", r->eid, r->now, (int64_t)r->esipa_json, (int64_t)r->coaps);

	if (err == IOT_OK)
		err = eim_health_poll(e, r->eid, r->labels, r->at, r->empty, r->cause);
	return err;
}

iot_err eim_poll_flush(struct eim *e, unsigned max, unsigned *done)
{
	struct eim_poll_queue *q = e->cfg.polls;
	struct eim_poll_record *batch;
	size_t n, want = max ? (size_t)max * 64 : (size_t)-1;
	iot_err err;

	*done = 0;
	if (!q)
		return IOT_OK;
	pthread_mutex_lock(&q->writer);
	/* take the oldest at once: polls go on queueing meanwhile */
	pthread_mutex_lock(&q->mu);
	n = q->n < want ? q->n : want;
	batch = n ? malloc(n * sizeof(*batch)) : NULL;
	if (batch) {
		memcpy(batch, q->items, n * sizeof(*batch));
		memmove(q->items, q->items + n, (q->n - n) * sizeof(*batch));
		q->n -= n;
		q->inflight++;
	}
	pthread_mutex_unlock(&q->mu);
	if (!batch) {
		pthread_mutex_unlock(&q->writer);
		return n ? IOT_E_NOMEM : IOT_OK;
	}
	if ((err = store_begin(e->db)) == IOT_OK) {
		for (size_t i = 0; err == IOT_OK && i < n; i++)
			err = eim_poll_write(e, &batch[i]);
		if (err == IOT_OK)
			err = store_commit(e->db);
		else
			store_rollback(e->db);
	}
	if (err != IOT_OK)
		log_warn("eim", "polls' bookkeeping not written", "polls=%zu error=\"%s\"", n, iot_strerror(err));
	free(batch);
	pthread_mutex_lock(&q->mu);
	q->inflight--;
	pthread_cond_broadcast(&q->written);
	pthread_mutex_unlock(&q->mu);
	pthread_mutex_unlock(&q->writer);
	/* a backlog is written at once; otherwise the next batch in a period */
	*done = err == IOT_OK && eim_poll_queue_len(q) >= want ? (unsigned)n : 0;
	return err;
}
