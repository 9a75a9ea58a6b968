/* lib/store: the one storage interface of the project. SQL with numbered
 * parameters ($1, $2, ...) in the common subset of SQLite and PostgreSQL;
 * SQLite (a file, the embedded default, sqlite.c) or PostgreSQL (any number
 * of nodes on one database, pg.c), chosen by the URL. The PostgreSQL backend
 * maps the few SQLite spellings the schemas use (INTEGER PRIMARY KEY, BLOB,
 * x'..', last_insert_rowid(), LIMIT -1). Writers are serialized on both: a
 * transaction sees no other writer between its statements.
 *
 * Durability: SQLite runs in WAL mode with synchronous=FULL, PostgreSQL with
 * its defaults (fsync, synchronous_commit on): a committed transaction
 * survives a crash or kill -9.
 *
 * Ownership: a statement belongs to its store; column values returned stay
 * valid until the next step or finalize. */
#ifndef IOT_STORE_H
#define IOT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct store;
struct store_stmt;

/* "sqlite:PATH" or a plain path: a SQLite file (created when missing);
 * "postgresql://..." (libpq's URL: several hosts and target_session_attrs
 * for a primary with standbys). */
iot_err store_open(const char *url, struct store **out);
/* "sqlite" or "postgresql". */
const char *store_engine(const struct store *s);
void store_close(struct store *s);

/* One or more statements without parameters (schema, pragmas). */
iot_err store_exec(struct store *s, const char *sql);
iot_err store_begin(struct store *s);
iot_err store_commit(struct store *s);
/* Commits without waiting for the disk: visible to every connection at
 * once, on disk with the next store_commit of any connection or the next
 * checkpoint, whichever comes first (never after a later commit: the log is
 * written in order). A crash of the process loses nothing; a crash of the
 * machine may lose it, and everything after it is lost with it. Only for
 * what no answer promises and a client's retry recovers (an ES9+ session's
 * first steps). PostgreSQL: synchronous_commit off for this transaction. */
iot_err store_commit_async(struct store *s);
void store_rollback(struct store *s);
/* A log line (log_info) written once the transaction it is made in commits,
 * and never if it does not: the log does not say what the store does not
 * hold (a result recorded on a full disk is not). Outside a transaction, at
 * once. comp and msg outlive the transaction (string literals). */
void store_log_on_commit(struct store *s, const char *comp, const char *msg, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A stretch of reads only: the statements until store_end_read share one
 * snapshot and, where the engine gains by it (SQLite: one read lock, the
 * page cache checked once), one transaction instead of one each. Nothing
 * in between may write. Elsewhere (PostgreSQL) each statement runs alone. */
iot_err store_begin_read(struct store *s);
void store_end_read(struct store *s);

iot_err store_prepare(struct store *s, const char *sql, struct store_stmt **out);
iot_err store_bind_int(struct store_stmt *st, int index, int64_t v);
iot_err store_bind_text(struct store_stmt *st, int index, const char *v);
iot_err store_bind_blob(struct store_stmt *st, int index, const void *v, size_t len);
iot_err store_bind_null(struct store_stmt *st, int index);
/* Runs or advances the statement: *row tells whether a row is available. */
iot_err store_step(struct store_stmt *st, bool *row);
int64_t store_col_int(struct store_stmt *st, int col);
const char *store_col_text(struct store_stmt *st, int col);
const uint8_t *store_col_blob(struct store_stmt *st, int col, size_t *len);
bool store_col_null(struct store_stmt *st, int col);
/* The columns of the current row: how many, their names, and the type of
 * each value: 'i' integer, 't' text, 'b' blob, 'n' NULL (for copying a
 * store whatever its tables, store_copy_table). */
int store_col_count(struct store_stmt *st);
const char *store_col_name(struct store_stmt *st, int col);
char store_col_type(struct store_stmt *st, int col);
/* A blob column copied (malloc'd, the caller frees it); NULL when NULL or empty. */
uint8_t *store_col_blob_copy(struct store_stmt *st, int col, size_t *len);
/* Bytes free where the store writes (a file-backed store); IOT_E_NOT_FOUND
 * where that is not this process's to know (a database server). */
iot_err store_free_space(struct store *s, uint64_t *bytes);
/* Rows changed by the last statement run. */
int64_t store_changes(struct store *s);
/* Group commit (SQLite): write commits made by this process's connections
 * to the store's file, and the fsyncs that made them durable (fewer when
 * concurrent commits shared one). IOT_E_NOT_FOUND where the database server
 * does its own (PostgreSQL). */
iot_err store_sync_stats(struct store *s, uint64_t *commits, uint64_t *syncs);
/* Checkpoints (SQLite): the WAL copied into the database by a thread of
 * the process's own, not by the commit that took it past 1,000 frames (a
 * request would wait for it); *n: how many it made. IOT_E_NOT_FOUND where
 * the database server does its own (PostgreSQL). */
iot_err store_checkpoints(struct store *s, uint64_t *n);
void store_finalize(struct store_stmt *st);

/* One statement run with its parameters, by type letter: 't' text (NULL
 * binds NULL), 'i' int64_t, 'b' a blob as pointer and size_t (NULL binds
 * NULL). Rows it returns are not read. */
iot_err store_sql(struct store *s, const char *sql, const char *types, ...);

/* Leases: background work that the nodes sharing a store must not do twice
 * (forwarding notifications, pushes, campaign moves, progress reports) is
 * done by whoever holds its lease. store_lease_hold takes or renews the
 * lease name for holder (store_node_id()) for ttl_ms from now_ms (wall clock, milliseconds: the nodes'
 * clocks are assumed synchronized to well within ttl_ms); *held tells
 * whether this process holds it now. A node that dies leaves its leases to
 * expire; store_lease_release hands one over at once (a clean stop). */
iot_err store_lease_hold(struct store *s, const char *name, const char *holder, int64_t now_ms, int64_t ttl_ms,
			 bool *held);
iot_err store_lease_release(struct store *s, const char *name, const char *holder);
/* Schema versions, per component ("eim", "smdp"): check before migrating
 * (IOT_E_REFUSED when the store's is newer than version: a newer release
 * made it), set after. Migrations themselves are idempotent statements
 * (CREATE ... IF NOT EXISTS, columns added when missing) on both engines. */
iot_err store_schema_check(struct store *s, const char *component, int64_t version);
iot_err store_schema_set(struct store *s, const char *component, int64_t version);
/* Every table of from copied into to (both made by the same release's
 * schema), in one transaction on to: the tables named in first (NULL
 * ended; those others refer to) first, the rest in the order they were
 * made; ids kept. IOT_E_REFUSED, nothing changed: to's table guard is not
 * empty (a store in use). *rows, *tables: what was copied. */
iot_err store_copy(struct store *from, struct store *to, const char *guard, const char *const *first, uint64_t *rows,
		   size_t *tables);
/* This process among the nodes: host:pid:start. */
const char *store_node_id(void);

#endif
