/* The SQLite backend of lib/store: the embedded default. */
#include "store/backend.h"
#include "store/sqlite_vfs.h"
#include "store/sqlite_wal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#define TRACE_SLOTS 4096
#define CACHE_SLOTS 128

/* A prepared statement kept for the next store_prepare of the same text
 * (parsing and planning are most of a small query's cost). */
struct cached {
	uint64_t hash;
	char *sql;
	const char *key;                /* the caller's text when last asked for: most are literals */
	struct sqlite_stmt *st;
	bool busy;                      /* handed out, not finalized yet */
	unsigned used;                  /* when last handed out, for eviction */
};

struct store_sqlite {
	struct store base;
	sqlite3 *db;
	struct wal *wal;
	int64_t busy_since;             /* ms, when the lock last refused this connection */
	int64_t changes_synced;         /* sqlite3_total_changes64 at the last wal_group_sync */
	bool rolling_back;
	bool async;                     /* the commit under way waits for no disk */
	struct cached cache[CACHE_SLOTS];
	unsigned clock;
	/* IOTRSP_STORE_TRACE=DIR: each statement this store prepares, once, to
	 * DIR/NAME.sql (and its schema to DIR/NAME.schema at close), for the
	 * query-plan test and for whoever wants to know what runs */
	int trace_fd;
	char *trace_schema;
	uint64_t *seen;
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211u;
	return h ? h : 1;
}

static void trace_open(struct store_sqlite *s, const char *path)
{
	const char *dir = getenv("IOTRSP_STORE_TRACE"), *base = strrchr(path, '/');
	char file[1024];

	s->trace_fd = -1;
	if (!dir || !*dir)
		return;
	base = base ? base + 1 : path;
	snprintf(file, sizeof(file), "%s/%s.sql", dir, base);
	if ((s->trace_fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0 ||
	    !(s->seen = calloc(TRACE_SLOTS, sizeof(*s->seen)))) {
		s->trace_fd = s->trace_fd >= 0 ? (close(s->trace_fd), -1) : -1;
		return;
	}
	snprintf(file, sizeof(file), "%s/%s.schema", dir, base);
	s->trace_schema = strdup(file);
}

static void trace_statement(struct store_sqlite *s, const char *sql)
{
	uint64_t h = fnv1a(sql);
	size_t i = h % TRACE_SLOTS, n = strlen(sql);
	char *line;

	for (size_t k = 0; k < TRACE_SLOTS && s->seen[i]; k++, i = (i + 1) % TRACE_SLOTS)
		if (s->seen[i] == h)
			return;
	s->seen[i] = h;
	if (!(line = malloc(n + 2)))
		return;
	for (size_t k = 0; k < n; k++)
		line[k] = sql[k] == '\n' ? ' ' : sql[k];
	line[n] = '\n';
	/* one write per line: O_APPEND keeps lines of several processes whole */
	if (write(s->trace_fd, line, n + 1) < 0)
		(void)0;
	free(line);
}

static void trace_close(struct store_sqlite *s)
{
	sqlite3_stmt *st;
	FILE *f;

	if (s->trace_fd < 0)
		return;
	if (s->trace_schema && (f = fopen(s->trace_schema, "w"))) {
		if (sqlite3_prepare_v2(s->db, "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL", -1, &st, NULL) == SQLITE_OK) {
			while (sqlite3_step(st) == SQLITE_ROW)
				fprintf(f, "%s;\n", (const char *)sqlite3_column_text(st, 0));
			sqlite3_finalize(st);
		}
		fclose(f);
	}
	close(s->trace_fd);
	free(s->trace_schema);
	free(s->seen);
}

struct sqlite_stmt {
	struct store_stmt base;
	sqlite3_stmt *st;
	int slot;                       /* its place in the cache, -1: not cached */
};

static iot_err map(int rc)
{
	switch (rc) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return IOT_OK;
	case SQLITE_CONSTRAINT:
		return IOT_E_STORE_CONSTRAINT;
	case SQLITE_NOMEM:
		return IOT_E_NOMEM;
	default:
		return IOT_E_STORE;
	}
}

static const struct store_ops sqlite_ops;

#define DB(s) ((struct store_sqlite *)(s))
#define ST(st) ((struct sqlite_stmt *)(st))

static void sqlite_close(struct store *base);
static iot_err sqlite_exec(struct store *base, const char *sql);

static int64_t now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* SQLite's lock is taken: wait for a writer of this process to let it go
 * (1 ms at most, for another process's), 5 s in all as before. */
static int on_busy(void *arg, int count)
{
	struct store_sqlite *s = arg;
	struct timespec until;

	if (!count)
		s->busy_since = now_ms();
	else if (now_ms() - s->busy_since > 5000)
		return 0;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_nsec += 1000000;
	until.tv_sec += until.tv_nsec / 1000000000;
	until.tv_nsec %= 1000000000;
	wal_wait_released(s->wal, &until);
	return 1;
}

/* Before SQLite's first use in the process: no memory statistics. With
 * them on (its default) every allocation of every connection takes one
 * process-wide mutex, which the server threads' connections queued on (a
 * twentieth of eimd's CPU per empty poll at 16 connections). Nothing here
 * reads them. Too late once SQLite is initialized: then it stays as it is. */
static void sqlite_setup(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	(void)sqlite3_initialize();
}

iot_err store_sqlite_open(const char *path, struct store **out)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct store_sqlite *s;
	iot_err err;

	pthread_once(&once, sqlite_setup);
	if (!(s = calloc(1, sizeof(*s))))
		return IOT_E_NOMEM;
	s->base.ops = &sqlite_ops;
	trace_open(s, path);
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
			    sqlite_vfs_name()) != SQLITE_OK) {
		sqlite_close(&s->base);
		return IOT_E_STORE;
	}
	/* a commit is on disk when it returns, even across a kill -9 or a power
	 * cut: synchronous=NORMAL writes the WAL, wal_group_sync puts it on disk */
	if (!(s->wal = wal_get(sqlite3_db_filename(s->db, "main") ? sqlite3_db_filename(s->db, "main") : path))) {
		sqlite_close(&s->base);
		return IOT_E_NOMEM;
	}
	sqlite3_busy_handler(s->db, on_busy, s);
	/* settings, nothing written: no sync */
	err = map(sqlite3_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
			       /* no mmap: each connection unmapped the whole store whenever another's
				* checkpoint changed the file (munmap and TLB shootdowns cost eimd more than
				* the reads they saved: bench/million.sh, bench/curve.sh) */
			       "PRAGMA mmap_size=0;", NULL, NULL, NULL));
	if (err != IOT_OK) {
		sqlite_close(&s->base);
		return err;
	}
	wal_attach(s->wal, s->db);
	*out = &s->base;
	return IOT_OK;
}

static iot_err sqlite_free_space(struct store *s, uint64_t *bytes)
{
	const char *file = sqlite3_db_filename(DB(s)->db, "main");
	struct statvfs v;

	/* the file system the database file is on: its WAL and journal grow there */
	if (!file || !*file || statvfs(file, &v))
		return IOT_E_NOT_FOUND;
	*bytes = (uint64_t)v.f_bavail * v.f_frsize;
	return IOT_OK;
}

static void sqlite_close(struct store *base)
{
	struct store_sqlite *s = DB(base);

	trace_close(s);
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		if (!s->cache[i].st)
			continue;
		sqlite3_finalize(s->cache[i].st->st);
		free(s->cache[i].st);
		free(s->cache[i].sql);
	}
	sqlite3_close(s->db);
	wal_put(s->wal);
	free(s);
}

/* After a statement: when it ended a write transaction or wrote on its own. */
static iot_err sync_if_written(struct store_sqlite *s)
{
	int64_t changes = sqlite3_total_changes64(s->db);

	if (!sqlite3_get_autocommit(s->db) || changes == s->changes_synced)
		return IOT_OK;
	s->changes_synced = changes;
	/* a rolled-back transaction left nothing to put on disk; an
	 * asynchronous one goes with the next that waits (the WAL is synced
	 * from its start) */
	return s->rolling_back || s->async ? IOT_OK : wal_group_sync(s->wal, s->db);
}

static iot_err sqlite_exec(struct store *s, const char *sql)
{
	iot_err err = map(sqlite3_exec(DB(s)->db, sql, NULL, NULL, NULL));

	/* schema changes count no rows: synced whatever they changed */
	if (err == IOT_OK && sqlite3_get_autocommit(DB(s)->db))
		err = wal_group_sync(DB(s)->wal, DB(s)->db);
	return err;
}

/* One statement without parameters, prepared once. */
static iot_err run_cached(struct store *s, const char *sql)
{
	struct store_stmt *st;
	bool row;
	iot_err err = s->ops->prepare(s, sql, &st);

	if (err != IOT_OK)
		return err;
	err = s->ops->step(st, &row);
	s->ops->finalize(st);
	return err;
}

static iot_err sqlite_begin(struct store *s)
{
	return run_cached(s, "BEGIN IMMEDIATE");
}

static void sqlite_rollback(struct store *s)
{
	DB(s)->rolling_back = true;
	(void)run_cached(s, "ROLLBACK");
	DB(s)->rolling_back = false;
}

/* A COMMIT that failed (SQLITE_FULL) may leave its transaction open: ended, nothing of it kept. */
static iot_err commit_or_roll_back(struct store *s, iot_err err)
{
	if (err != IOT_OK && !sqlite3_get_autocommit(DB(s)->db))
		sqlite_rollback(s);
	return err;
}

static iot_err sqlite_commit(struct store *s)
{
	return commit_or_roll_back(s, run_cached(s, "COMMIT"));
}

static iot_err sqlite_commit_async(struct store *s)
{
	iot_err err;

	DB(s)->async = true;
	err = run_cached(s, "COMMIT");
	DB(s)->async = false;
	return commit_or_roll_back(s, err);
}

/* deferred: the snapshot is taken by the first read */
static iot_err sqlite_begin_read(struct store *s)
{
	return run_cached(s, "BEGIN");
}

static void sqlite_end_read(struct store *s)
{
	(void)run_cached(s, "COMMIT");
}

static iot_err sqlite_sync_stats(struct store *base, uint64_t *commits, uint64_t *syncs)
{
	uint64_t checkpoints;

	wal_stats(DB(base)->wal, commits, syncs, &checkpoints);
	return IOT_OK;
}

static iot_err sqlite_checkpoints(struct store *base, uint64_t *n)
{
	uint64_t commits, syncs;

	wal_stats(DB(base)->wal, &commits, &syncs, n);
	return IOT_OK;
}

static struct sqlite_stmt *cache_hand_out(struct store_sqlite *s, struct cached *c, const char *sql)
{
	c->busy = true;
	c->used = ++s->clock;
	c->key = sql;
	return c->st;
}

/* The cached statement for sql, handed out; NULL when none is free. Found
 * first by the caller's pointer (the text compared all the same: a freed
 * buffer's address comes back), then by hash: hashing a long statement's
 * text at each prepare was a sixth of the poll writer's time. */
static struct sqlite_stmt *cache_take(struct store_sqlite *s, const char *sql, uint64_t *h)
{
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		struct cached *c = &s->cache[i];

		if (c->key == sql && c->st && !c->busy && !strcmp(c->sql, sql))
			return cache_hand_out(s, c, sql);
	}
	*h = fnv1a(sql);
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		struct cached *c = &s->cache[i];

		if (c->st && !c->busy && c->hash == *h && !strcmp(c->sql, sql))
			return cache_hand_out(s, c, sql);
	}
	return NULL;
}

/* st kept for later: in a free slot, or in place of the least recently used idle one. */
static void cache_put(struct store_sqlite *s, struct sqlite_stmt *st, const char *sql, uint64_t h)
{
	struct cached *victim = NULL;
	char *copy;

	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		struct cached *c = &s->cache[i];

		if (!c->st) {
			victim = c;
			break;
		}
		if (!c->busy && (!victim || c->used < victim->used))
			victim = c;
	}
	if (!victim || !(copy = strdup(sql)))
		return;
	if (victim->st) {
		sqlite3_finalize(victim->st->st);
		free(victim->st);
		free(victim->sql);
	}
	*victim = (struct cached){ .hash = h, .sql = copy, .key = sql, .st = st, .busy = true, .used = ++s->clock };
	st->slot = (int)(victim - s->cache);
}

static iot_err sqlite_prepare(struct store *base, const char *sql, struct store_stmt **out)
{
	struct store_sqlite *s = DB(base);
	uint64_t h = 0;
	struct sqlite_stmt *st = cache_take(s, sql, &h);
	char *text;
	int rc;

	if (st) {
		*out = &st->base;
		return IOT_OK;
	}
	st = calloc(1, sizeof(*st));
	text = strdup(sql);
	if (!st || !text) {
		free(st);
		free(text);
		return IOT_E_NOMEM;
	}
	/* $N is parameter N wherever it stands: SQLite's ?N (its $N would be a
	 * name, numbered by first appearance) */
	for (char *p = text; *p; p++)
		if (*p == '$' && p[1] >= '0' && p[1] <= '9')
			*p = '?';
	st->base.s = base;
	st->slot = -1;
	if (s->trace_fd >= 0)
		trace_statement(s, sql);
	rc = sqlite3_prepare_v2(s->db, text, -1, &st->st, NULL);
	free(text);
	if (rc != SQLITE_OK) {
		free(st);
		return IOT_E_STORE;
	}
	cache_put(s, st, sql, h);
	*out = &st->base;
	return IOT_OK;
}

static iot_err sqlite_bind_int(struct store_stmt *st, int index, int64_t v)
{
	return map(sqlite3_bind_int64(ST(st)->st, index, v));
}

static iot_err sqlite_bind_text(struct store_stmt *st, int index, const char *v)
{
	return map(v ? sqlite3_bind_text(ST(st)->st, index, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(ST(st)->st, index));
}

static iot_err sqlite_bind_blob(struct store_stmt *st, int index, const void *v, size_t len)
{
	return map(sqlite3_bind_blob64(ST(st)->st, index, v ? v : "", len, SQLITE_TRANSIENT));
}

static iot_err sqlite_bind_null(struct store_stmt *st, int index)
{
	return map(sqlite3_bind_null(ST(st)->st, index));
}

static iot_err sqlite_step(struct store_stmt *st, bool *row)
{
	sqlite3 *db = DB(st->s)->db;
	bool in_txn = !sqlite3_get_autocommit(db);
	int rc = sqlite3_step(ST(st)->st);

	*row = rc == SQLITE_ROW;
	if (rc != SQLITE_DONE)
		return map(rc);
	/* a transaction or a write on its own ended: the lock is free for the next writer */
	if (sqlite3_get_autocommit(db) && (in_txn || !sqlite3_stmt_readonly(ST(st)->st)))
		wal_released(DB(st->s)->wal);
	return sync_if_written(DB(st->s));
}

static int64_t sqlite_col_int(struct store_stmt *st, int col)
{
	return sqlite3_column_int64(ST(st)->st, col);
}

static const char *sqlite_col_text(struct store_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(ST(st)->st, col);
}

static const uint8_t *sqlite_col_blob(struct store_stmt *st, int col, size_t *len)
{
	const uint8_t *p = sqlite3_column_blob(ST(st)->st, col);

	*len = (size_t)sqlite3_column_bytes(ST(st)->st, col);
	return p;
}

static bool sqlite_col_null(struct store_stmt *st, int col)
{
	return sqlite3_column_type(ST(st)->st, col) == SQLITE_NULL;
}

static int sqlite_col_count(struct store_stmt *st)
{
	return sqlite3_column_count(ST(st)->st);
}

static const char *sqlite_col_name(struct store_stmt *st, int col)
{
	return sqlite3_column_name(ST(st)->st, col);
}

static char sqlite_col_type(struct store_stmt *st, int col)
{
	switch (sqlite3_column_type(ST(st)->st, col)) {
	case SQLITE_INTEGER:
	case SQLITE_FLOAT:
		return 'i';
	case SQLITE_BLOB:
		return 'b';
	case SQLITE_NULL:
		return 'n';
	default:
		return 't';
	}
}

static int64_t sqlite_changes(struct store *s)
{
	return sqlite3_changes64(DB(s)->db);
}

static void sqlite_finalize(struct store_stmt *st)
{
	struct store_sqlite *s = DB(st->s);
	/* a write on its own left before SQLITE_DONE (RETURNING read in part) commits here */
	bool wrote = sqlite3_get_autocommit(s->db) && !sqlite3_stmt_readonly(ST(st)->st);

	if (ST(st)->slot >= 0) {
		/* back to the cache, its bindings and any read it held let go */
		sqlite3_reset(ST(st)->st);
		sqlite3_clear_bindings(ST(st)->st);
		s->cache[ST(st)->slot].busy = false;
	} else {
		sqlite3_finalize(ST(st)->st);
		free(st);
	}
	if (wrote) {
		wal_released(s->wal);
		(void)sync_if_written(s);
	}
}

static const struct store_ops sqlite_ops = {
	.engine = "sqlite",
	.close = sqlite_close,
	.exec = sqlite_exec,
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.commit_async = sqlite_commit_async,
	.begin_read = sqlite_begin_read,
	.end_read = sqlite_end_read,
	.rollback = sqlite_rollback,
	.sync_stats = sqlite_sync_stats,
	.checkpoints = sqlite_checkpoints,
	.prepare = sqlite_prepare,
	.bind_int = sqlite_bind_int,
	.bind_text = sqlite_bind_text,
	.bind_blob = sqlite_bind_blob,
	.bind_null = sqlite_bind_null,
	.step = sqlite_step,
	.col_int = sqlite_col_int,
	.col_text = sqlite_col_text,
	.col_blob = sqlite_col_blob,
	.col_null = sqlite_col_null,
	.col_count = sqlite_col_count,
	.col_name = sqlite_col_name,
	.col_type = sqlite_col_type,
	.free_space = sqlite_free_space,
	.changes = sqlite_changes,
	.finalize = sqlite_finalize,
};
