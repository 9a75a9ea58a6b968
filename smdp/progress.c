/* The SM-DP+'s ES2+ progress outbox (SGP.22 5.3.5 HandleDownloadProgressInfo):
 * what each step of a download told its operator, kept until delivered by
 * the one node holding the outbox's lease. */
#include "smdp/internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/hex.h"

iot_err smdp_progress_add(struct smdp *s, const char *iccid, const char *eid, enum smdp_progress_point point,
			  const struct smdp_status *failure, const uint8_t *result, size_t result_len)
{
	return store_sql(s->db, "INSERT INTO progress (owner, iccid, eid, point, success, subject, reason, result, at)"
			" SELECT owner, iccid, $1, $2, $3, $4, $5, $6, $7 FROM profile WHERE iccid = $8",
			"tiittbit", eid && *eid ? eid : NULL, (int64_t)point, (int64_t)(failure == NULL),
			failure ? failure->subject : NULL, failure ? failure->reason : NULL, result, result_len,
			(int64_t)smdp_now(s), iccid);
}

iot_err smdp_progress_lease(struct smdp *s, unsigned ttl_ms, bool *held)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return store_lease_hold(s->db, "progress", store_node_id(), (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000, ttl_ms,
				held);
}

iot_err smdp_progress_release(struct smdp *s)
{
	return store_lease_release(s->db, "progress", store_node_id());
}

/* One row of the outbox; the caller frees p->result. */
static iot_err progress_row(struct store_stmt *q, struct smdp_progress *p)
{
	const uint8_t *b;
	uint8_t iccid[10];
	size_t n;

	memset(p, 0, sizeof(*p));
	p->id = store_col_int(q, 0);
	smdp_col_text(q, 1, p->owner, sizeof(p->owner));
	smdp_col_text(q, 2, p->iccid, sizeof(p->iccid));
	smdp_col_text(q, 3, p->eid, sizeof(p->eid));
	p->point = (enum smdp_progress_point)store_col_int(q, 4);
	p->success = store_col_int(q, 5) != 0;
	smdp_col_text(q, 6, p->subject, sizeof(p->subject));
	smdp_col_text(q, 7, p->reason, sizeof(p->reason));
	if ((b = store_col_blob(q, 8, &p->result_len)) && p->result_len && (p->result = malloc(p->result_len)))
		memcpy(p->result, b, p->result_len);
	p->at = store_col_int(q, 9);
	/* the outbox keeps EF.ICCID coding; ES2+ speaks printed digits */
	if (hex_decode(p->iccid, iccid, sizeof(iccid), &n) == IOT_OK && n == 10)
		rsp_iccid_to_digits(iccid, p->iccid);
	return p->result_len && !p->result ? IOT_E_NOMEM : IOT_OK;
}

iot_err smdp_progress_due(struct smdp *s, struct smdp_progress *p, size_t max, size_t *n)
{
	struct store_stmt *q;
	bool row = true;
	iot_err err;

	*n = 0;
	err = store_prepare(s->db, "SELECT id, owner, iccid, eid, point, success, subject, reason, result, at"
			    " FROM progress WHERE next_try <= $1 ORDER BY next_try, id LIMIT $2", &q);
	if (err != IOT_OK)
		return err;
	if ((err = store_bind_int(q, 1, smdp_now(s))) == IOT_OK)
		err = store_bind_int(q, 2, (int64_t)max);
	while (err == IOT_OK && *n < max && (err = store_step(q, &row)) == IOT_OK && row)
		if ((err = progress_row(q, &p[*n])) == IOT_OK)
			(*n)++;
		else
			free(p[*n].result);
	store_finalize(q);
	if (err != IOT_OK) {
		while (*n)
			free(p[--*n].result);
	}
	return err;
}

iot_err smdp_progress_done(struct smdp *s, const int64_t *delivered, size_t n, int64_t failed)
{
	iot_err err = store_begin(s->db);

	for (size_t i = 0; err == IOT_OK && i < n; i++)
		err = store_sql(s->db, "DELETE FROM progress WHERE id = $1", "i", delivered[i]);
	/* SGP.22 leaves retries to the SM-DP+: back off up to an hour */
	if (err == IOT_OK && failed)
		err = store_sql(s->db, "UPDATE progress SET attempts = attempts + 1,"
				" next_try = $1 + CASE WHEN attempts >= 12 THEN 3600 ELSE 1 << CAST(attempts AS INTEGER) END"
				" WHERE id = $2", "ii", (int64_t)smdp_now(s), failed);
	if (err != IOT_OK) {
		store_rollback(s->db);
		return err;
	}
	/* lost to a crash of the machine, a report is sent again: the
	 * owner hears it twice (as after a crash between sending and
	 * forgetting it), never not at all */
	return store_commit_async(s->db);
}
