/* lib/store's interface, dispatched to the backend the URL names. */
#include "store/backend.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

iot_err store_open(const char *url, struct store **out)
{
	if (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11))
		return store_pg_open(url, out);
	return store_sqlite_open(!strncmp(url, "sqlite:", 7) ? url + 7 : url, out);
}

const char *store_engine(const struct store *s)
{
	return s->ops->engine;
}

/* The lines store_log_on_commit kept: written when their transaction committed, else dropped. */
static void deferred_end(struct store *s, bool committed)
{
	for (size_t i = 0; i < s->ndeferred; i++) {
		if (committed)
			log_info(s->deferred[i].comp, s->deferred[i].msg, "%s", s->deferred[i].fields);
		free(s->deferred[i].fields);
	}
	s->ndeferred = 0;
	s->in_txn = false;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	deferred_end(s, false);
	free(s->deferred);
	s->ops->close(s);
}

iot_err store_exec(struct store *s, const char *sql)
{
	return s->ops->exec(s, sql);
}

iot_err store_begin(struct store *s)
{
	iot_err err = s->ops->begin(s);

	s->in_txn = err == IOT_OK;
	return err;
}

iot_err store_begin_read(struct store *s)
{
	return s->ops->begin_read ? s->ops->begin_read(s) : IOT_OK;
}

void store_end_read(struct store *s)
{
	if (s->ops->end_read)
		s->ops->end_read(s);
}

iot_err store_sync_stats(struct store *s, uint64_t *commits, uint64_t *syncs)
{
	*commits = *syncs = 0;
	return s->ops->sync_stats ? s->ops->sync_stats(s, commits, syncs) : IOT_E_NOT_FOUND;
}

iot_err store_checkpoints(struct store *s, uint64_t *n)
{
	return s->ops->checkpoints ? s->ops->checkpoints(s, n) : IOT_E_NOT_FOUND;
}

iot_err store_commit(struct store *s)
{
	iot_err err = s->ops->commit(s);

	deferred_end(s, err == IOT_OK);
	return err;
}

iot_err store_commit_async(struct store *s)
{
	iot_err err = s->ops->commit_async ? s->ops->commit_async(s) : s->ops->commit(s);

	deferred_end(s, err == IOT_OK);
	return err;
}

void store_rollback(struct store *s)
{
	s->ops->rollback(s);
	deferred_end(s, false);
}

static bool grow_deferred(struct store *s)
{
	size_t cap = s->deferred_cap ? 2 * s->deferred_cap : 8;
	struct store_deferred_log *d = realloc(s->deferred, cap * sizeof(*d));

	if (!d)
		return false;
	s->deferred = d;
	s->deferred_cap = cap;
	return true;
}

void store_log_on_commit(struct store *s, const char *comp, const char *msg, const char *fmt, ...)
{
	struct store_deferred_log *d;
	char line[512], *fields;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	/* outside a transaction, or no room to keep it: said now rather than never (cut at 511) */
	if (!s->in_txn || (s->ndeferred == s->deferred_cap && !grow_deferred(s)) ||
	    !(fields = malloc((size_t)n + 1))) {
		log_info(comp, msg, "%s", line);
		return;
	}
	if ((size_t)n < sizeof(line)) {
		memcpy(fields, line, (size_t)n + 1);
	} else {
		va_start(ap, fmt);
		vsnprintf(fields, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	d = &s->deferred[s->ndeferred++];
	*d = (struct store_deferred_log){ comp, msg, fields };
}

iot_err store_prepare(struct store *s, const char *sql, struct store_stmt **out)
{
	return s->ops->prepare(s, sql, out);
}

iot_err store_bind_int(struct store_stmt *st, int index, int64_t v)
{
	return st->s->ops->bind_int(st, index, v);
}

iot_err store_bind_text(struct store_stmt *st, int index, const char *v)
{
	return st->s->ops->bind_text(st, index, v);
}

iot_err store_bind_blob(struct store_stmt *st, int index, const void *v, size_t len)
{
	return st->s->ops->bind_blob(st, index, v, len);
}

iot_err store_bind_null(struct store_stmt *st, int index)
{
	return st->s->ops->bind_null(st, index);
}

iot_err store_step(struct store_stmt *st, bool *row)
{
	return st->s->ops->step(st, row);
}

int64_t store_col_int(struct store_stmt *st, int col)
{
	return st->s->ops->col_int(st, col);
}

const char *store_col_text(struct store_stmt *st, int col)
{
	return st->s->ops->col_text(st, col);
}

const uint8_t *store_col_blob(struct store_stmt *st, int col, size_t *len)
{
	return st->s->ops->col_blob(st, col, len);
}

bool store_col_null(struct store_stmt *st, int col)
{
	return st->s->ops->col_null(st, col);
}

int store_col_count(struct store_stmt *st)
{
	return st->s->ops->col_count(st);
}

const char *store_col_name(struct store_stmt *st, int col)
{
	return st->s->ops->col_name(st, col);
}

char store_col_type(struct store_stmt *st, int col)
{
	return st->s->ops->col_type(st, col);
}

iot_err store_free_space(struct store *s, uint64_t *bytes)
{
	return s->ops->free_space(s, bytes);
}

int64_t store_changes(struct store *s)
{
	return s->ops->changes(s);
}

void store_finalize(struct store_stmt *st)
{
	if (st)
		st->s->ops->finalize(st);
}
