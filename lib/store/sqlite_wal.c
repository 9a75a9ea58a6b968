/* The WAL of a SQLite store, shared by a process's connections: see
 * sqlite_wal.h. */
#include "store/sqlite_wal.h"
#include "store/sqlite_vfs.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Group commit. Each connection commits with synchronous=NORMAL — COMMIT
 * appends to the WAL without an fsync — and then waits here until the WAL
 * is on disk past its commit: one fdatasync covers every commit that
 * returned before it began, so the requests that commit while one is in
 * flight share the next. A commit still returns only once it is durable,
 * as with synchronous=FULL, and SQLite syncs the WAL before every
 * checkpoint itself.
 *
 * Checkpoints. SQLite's autocheckpoint makes the commit that takes the WAL
 * past 1,000 frames copy them all into the database and sync it before it
 * returns: a request that happened to commit then waited for the store's
 * housekeeping (a bulk registration's 10,000 eUICCs: 30-50 ms of its
 * commit). Here a thread of the WAL's own does it, on a connection of its
 * own, PASSIVE (the writers go on meanwhile); a commit checkpoints itself
 * only once the WAL has grown past WAL_CHECKPOINT_FRAMES_MAX. */
struct wal {
	char *file, *wal;               /* the database and its -wal file */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t written, synced;       /* commits made; commits known on disk */
	uint64_t syncs;                 /* fdatasyncs made */
	bool syncing;
	/* writers of this process waiting for SQLite's write lock sleep on
	 * released, woken when one of them ends a write, not polling in
	 * SQLite's 1, 2, 5, 10 ... ms steps */
	pthread_cond_t released;
	uint64_t releases;
	/* the checkpoint thread: started by the first checkpoint asked */
	pthread_t ckpt;
	/* held while this process checkpoints: SQLite refuses a second
	 * checkpoint at once rather than wait for the first */
	pthread_mutex_t ckpt_mu;
	pthread_cond_t ckpt_cv;
	bool ckpt_started, ckpt_wanted, stopping;
	/* the WAL's length at which the next checkpoint is asked for: the
	 * frames a checkpoint can copy are those no reader still needs, and
	 * under a steady load that is a few more after every commit — asking
	 * after every commit made the thread copy and sync a handful of pages
	 * each time (at 16 concurrent downloads, a fifth of smdpd's CPU) */
	int ckpt_next;
	uint64_t checkpoints;
	unsigned refs;
	struct wal *next;
};

static pthread_mutex_t wals_mu = PTHREAD_MUTEX_INITIALIZER;
static struct wal *wals;

static struct wal *wal_new(const char *file)
{
	struct wal *w = calloc(1, sizeof(*w));
	size_t n = strlen(file);

	if (!w || !(w->file = strdup(file)) || !(w->wal = malloc(n + 5))) {
		if (w)
			free(w->file);
		free(w);
		return NULL;
	}
	memcpy(w->wal, file, n);
	memcpy(w->wal + n, "-wal", 5);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	pthread_cond_init(&w->released, NULL);
	pthread_cond_init(&w->ckpt_cv, NULL);
	pthread_mutex_init(&w->ckpt_mu, NULL);
	return w;
}

struct wal *wal_get(const char *file)
{
	struct wal *w;

	pthread_mutex_lock(&wals_mu);
	for (w = wals; w; w = w->next)
		if (!strcmp(w->file, file))
			break;
	if (!w && (w = wal_new(file))) {
		w->next = wals;
		wals = w;
	}
	if (w)
		w->refs++;
	pthread_mutex_unlock(&wals_mu);
	return w;
}

void wal_put(struct wal *w)
{
	bool last;

	if (!w)
		return;
	pthread_mutex_lock(&wals_mu);
	if ((last = !--w->refs))
		for (struct wal **p = &wals; *p; p = &(*p)->next)
			if (*p == w) {
				*p = w->next;
				break;
			}
	pthread_mutex_unlock(&wals_mu);
	if (!last)
		return;
	pthread_mutex_lock(&w->mu);
	w->stopping = true;
	pthread_cond_signal(&w->ckpt_cv);
	pthread_mutex_unlock(&w->mu);
	if (w->ckpt_started)
		pthread_join(w->ckpt, NULL);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	pthread_cond_destroy(&w->released);
	pthread_cond_destroy(&w->ckpt_cv);
	pthread_mutex_destroy(&w->ckpt_mu);
	free(w->file);
	free(w->wal);
	free(w);
}

static void *checkpointer(void *arg)
{
	struct wal *w = arg;
	sqlite3 *db = NULL;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->ckpt_wanted && !w->stopping)
			pthread_cond_wait(&w->ckpt_cv, &w->mu);
		if (w->stopping)
			break;
		w->ckpt_wanted = false;
		pthread_mutex_unlock(&w->mu);
		/* the database read once (journal_mode): until then a connection does not know it is in WAL mode */
		if (!db && (sqlite3_open_v2(w->file, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX,
					    sqlite_vfs_name()) != SQLITE_OK ||
			    sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK)) {
			sqlite3_close(db);
			db = NULL;
		}
		/* PASSIVE: as far as no reader still needs, without the write lock */
		pthread_mutex_lock(&w->ckpt_mu);
		if (db)
			(void)sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_unlock(&w->ckpt_mu);
		pthread_mutex_lock(&w->mu);
		w->checkpoints++;
	}
	pthread_mutex_unlock(&w->mu);
	sqlite3_close(db);
	return NULL;
}

/* Called by SQLite after each commit of an attached connection, the write
 * lock released, with the frames now in the WAL. */
static int on_commit(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct wal *w = arg;
	bool self = false;

	if (frames >= WAL_CHECKPOINT_FRAMES_MAX) {
		/* the WAL is used again from its start only by a writer that
		 * begins once it is all copied, which a steady stream of writers
		 * may never leave room for: RESTART copies it all, waiting for the
		 * readers and holding the next writers back, so that the next
		 * writer starts it again (the WAL bounded, as with SQLite's own) */
		pthread_mutex_lock(&w->ckpt_mu);
		(void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
		pthread_mutex_unlock(&w->ckpt_mu);
		return SQLITE_OK;
	}
	pthread_mutex_lock(&w->mu);
	if (frames < WAL_CHECKPOINT_FRAMES || frames < w->ckpt_next) {
		if (frames < WAL_CHECKPOINT_FRAMES)
			w->ckpt_next = 0;       /* the WAL began again */
		pthread_mutex_unlock(&w->mu);
		return SQLITE_OK;
	}
	w->ckpt_next = frames + WAL_CHECKPOINT_FRAMES / 2;
	if (!w->ckpt_started && !w->stopping)
		w->ckpt_started = !pthread_create(&w->ckpt, NULL, checkpointer, w);
	if (w->ckpt_started) {
		w->ckpt_wanted = true;
		pthread_cond_signal(&w->ckpt_cv);
	} else {
		self = true;            /* no thread: as SQLite would */
	}
	pthread_mutex_unlock(&w->mu);
	if (self)
		(void)sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return SQLITE_OK;
}

void wal_attach(struct wal *w, sqlite3 *db)
{
	/* replaces SQLite's autocheckpoint, which is a WAL hook too */
	sqlite3_wal_hook(db, on_commit, w);
}

/* The WAL on disk: through the connection's own open WAL file when SQLite
 * gives it (no open and close per sync), else by its name. */
static bool wal_sync(struct wal *w, sqlite3 *db)
{
	sqlite3_file *f = NULL;
	int fd;
	bool ok;

	if (db && sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &f) == SQLITE_OK && f && f->pMethods)
		return f->pMethods->xSync(f, SQLITE_SYNC_NORMAL | SQLITE_SYNC_DATAONLY) == SQLITE_OK;
	fd = open(w->wal, O_RDONLY | O_CLOEXEC);
	/* no WAL: the last connection checkpointed it into the database, synced, and removed it */
	ok = fd < 0 ? errno == ENOENT : !fdatasync(fd);
	if (fd >= 0)
		close(fd);
	return ok;
}

iot_err wal_group_sync(struct wal *w, sqlite3 *db)
{
	iot_err err = IOT_OK;
	uint64_t mine;

	pthread_mutex_lock(&w->mu);
	mine = ++w->written;
	while (w->synced < mine) {
		uint64_t target;
		bool ok;

		if (w->syncing) {
			pthread_cond_wait(&w->cv, &w->mu);
			continue;
		}
		/* this one syncs for all that committed so far */
		target = w->written;
		w->syncing = true;
		w->syncs++;
		pthread_mutex_unlock(&w->mu);
		ok = wal_sync(w, db);
		pthread_mutex_lock(&w->mu);
		w->syncing = false;
		if (ok && target > w->synced)
			w->synced = target;
		pthread_cond_broadcast(&w->cv);
		if (!ok) {
			err = IOT_E_STORE;      /* not known durable: the caller answers a failure */
			break;
		}
	}
	pthread_mutex_unlock(&w->mu);
	return err;
}

void wal_released(struct wal *w)
{
	pthread_mutex_lock(&w->mu);
	w->releases++;
	pthread_cond_broadcast(&w->released);
	pthread_mutex_unlock(&w->mu);
}

void wal_wait_released(struct wal *w, const struct timespec *until)
{
	uint64_t seen;

	pthread_mutex_lock(&w->mu);
	seen = w->releases;
	while (w->releases == seen && !pthread_cond_timedwait(&w->released, &w->mu, until))
		;
	pthread_mutex_unlock(&w->mu);
}

void wal_stats(struct wal *w, uint64_t *commits, uint64_t *syncs, uint64_t *checkpoints)
{
	pthread_mutex_lock(&w->mu);
	*commits = w->written;
	*syncs = w->syncs;
	*checkpoints = w->checkpoints;
	pthread_mutex_unlock(&w->mu);
}
