/* lib/store's interface, dispatched to the backend the URL names. */
#include "store/backend.h"

#include <string.h>

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

void store_close(struct store *s)
{
	if (s)
		s->ops->close(s);
}

iot_err store_exec(struct store *s, const char *sql)
{
	return s->ops->exec(s, sql);
}

iot_err store_begin(struct store *s)
{
	return s->ops->begin(s);
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
	return s->ops->commit(s);
}

iot_err store_commit_async(struct store *s)
{
	return s->ops->commit_async ? s->ops->commit_async(s) : s->ops->commit(s);
}

void store_rollback(struct store *s)
{
	s->ops->rollback(s);
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
