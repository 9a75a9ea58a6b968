/* The write-ahead log of a SQLite store, shared by a process's connections
 * to one database file (eimd: one per thread): group commit, writers woken
 * when one of them lets SQLite's write lock go, and checkpoints made by a
 * thread of their own instead of by whichever commit crossed the threshold.
 * Internal to lib/store (sqlite.c). */
#ifndef IOT_STORE_SQLITE_WAL_H
#define IOT_STORE_SQLITE_WAL_H

#include <sqlite3.h>
#include <stdint.h>
#include <time.h>

#include "base/err.h"

/* A checkpoint is asked of the background thread once the WAL holds this
 * many frames (SQLite's own autocheckpoint threshold), and again each time
 * it has grown by half as many ... */
#define WAL_CHECKPOINT_FRAMES 1000
/* ... and made whole by the committing connection itself past this many
 * (writers that never pause leave the WAL no moment to start again from its
 * beginning): the WAL stays bounded, as with SQLite's own. */
#define WAL_CHECKPOINT_FRAMES_MAX (4 * WAL_CHECKPOINT_FRAMES)

struct wal;

/* The WAL of the database file (its path as SQLite names it), shared:
 * every wal_get is matched by a wal_put. NULL: out of memory. */
struct wal *wal_get(const char *file);
/* The last put stops the checkpoint thread (its connection closed) first. */
void wal_put(struct wal *w);
/* db's commits checkpointed by the background thread from now on. */
void wal_attach(struct wal *w, sqlite3 *db);
/* Returns once the WAL is on disk past a commit db has just made. */
iot_err wal_group_sync(struct wal *w, sqlite3 *db);
/* A writer of this process let go of the write lock. */
void wal_released(struct wal *w);
/* Waits until a writer of this process lets the lock go, or until. */
void wal_wait_released(struct wal *w, const struct timespec *until);
/* Commits made, fdatasyncs that made them durable, checkpoints made by the
 * background thread. */
void wal_stats(struct wal *w, uint64_t *commits, uint64_t *syncs, uint64_t *checkpoints);

#endif
