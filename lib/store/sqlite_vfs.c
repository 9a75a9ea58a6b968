/* A VFS over SQLite's default that gathers WAL writes: see sqlite_vfs.h.
 *
 * SQLite appends a WAL frame with two writes, its 24-byte header and then
 * the page; a PSMO round trip's commits in eimd wrote ~19 frames, 38
 * system calls, each of which costs a virtual machine dearly. Here frames
 * appended to a WAL are kept in memory and written with one call:
 *  - inside the write of the page of the frame that commits (its header's
 *    "database size after commit" is not zero: the WAL file format), so
 *    that a write that fails fails the commit before SQLite publishes it in
 *    the wal-index, where readers of any process find it;
 *  - before anything reads, syncs, sizes, truncates or closes the WAL, and
 *    before what is kept would pass GATHER_MAX;
 *  - when a connection of this process lets go of the WAL's write lock, or
 *    any passes the wal-index's memory barrier (publication): only the
 *    holder of the write lock appends frames, so what it kept is on the
 *    file before another writer can begin — frames of a transaction that
 *    spilled pages and then rolled back go out as SQLite would have written
 *    them, never later, over frames someone committed since.
 * And a WAL grows by SQLITE_VFS_PREFILL bytes at a time, zeros written
 * ahead of the frames: an fdatasync after an append must also write the
 * inode (the size, the blocks allocated), one after an overwrite only the
 * data — on ext4 in a small VM ~65 against ~35 us of CPU per sync. SQLite
 * reads a WAL only as far as its frames are whole and carry the header's
 * salts, so zeros past the last frame read as the end, as the frames of an
 * earlier round left in a WAL used again do.
 * A WAL is tied to the other files of its database by name (SQLite names a
 * WAL after its database, "-wal" appended). Everything else goes straight
 * to the VFS underneath. */
#include "store/sqlite_vfs.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FRAME_HEADER 24         /* a WAL frame's header (SQLite's file format) */
#define WAL_HEADER 32           /* the WAL file's own header */
#define WRITE_LOCK 0            /* the wal-index lock a writer holds (WAL_WRITE_LOCK) */
/* the most the unix VFS writes with one call (its writes are cut to 17 bits) */
#define GATHER_MAX (124 * 1024)
#define ZEROS (64 * 1024)        /* written at once when a WAL grows */

/* A database's files in this process. */
struct dbfiles {
	char *path;
	unsigned refs;
	pthread_mutex_t mu;             /* the WALs' kept frames */
	struct gfile *wals;
	atomic_uint pending;            /* WALs holding frames */
	struct dbfiles *next;
};

struct gfile {
	sqlite3_file base;
	sqlite3_file *real;             /* the underlying VFS's, just after this */
	struct dbfiles *db;             /* a main database or a WAL: its database */
	bool wal;
	struct gfile *next_wal;
	unsigned char *buf;             /* frames kept, to go at off */
	size_t len, cap;
	sqlite3_int64 off;
	sqlite3_int64 commit_page;      /* where the committing frame's page goes, or -1 */
	sqlite3_int64 filled;           /* the WAL's length as last known here (a hint) */
};

static sqlite3_vfs *under;
static sqlite3_vfs gather;
static pthread_mutex_t dbs_mu = PTHREAD_MUTEX_INITIALIZER;
static struct dbfiles *dbs;
static atomic_uint_fast64_t asked, made;
static unsigned char zeros[ZEROS];

#define REAL(f) (((struct gfile *)(f))->real)

static struct dbfiles *db_get(const char *path, size_t n)
{
	struct dbfiles *d;

	pthread_mutex_lock(&dbs_mu);
	for (d = dbs; d; d = d->next)
		if (strlen(d->path) == n && !memcmp(d->path, path, n))
			break;
	if (!d && (d = calloc(1, sizeof(*d))) && (d->path = malloc(n + 1))) {
		memcpy(d->path, path, n);
		d->path[n] = '\0';
		pthread_mutex_init(&d->mu, NULL);
		d->next = dbs;
		dbs = d;
	} else if (d && !d->path) {
		free(d);
		d = NULL;
	}
	if (d)
		d->refs++;
	pthread_mutex_unlock(&dbs_mu);
	return d;
}

static void db_put(struct dbfiles *d)
{
	bool last;

	if (!d)
		return;
	pthread_mutex_lock(&dbs_mu);
	if ((last = !--d->refs))
		for (struct dbfiles **p = &dbs; *p; p = &(*p)->next)
			if (*p == d) {
				*p = d->next;
				break;
			}
	pthread_mutex_unlock(&dbs_mu);
	if (last) {
		pthread_mutex_destroy(&d->mu);
		free(d->path);
		free(d);
	}
}

/* The WAL at least end bytes long, zeros past its last byte up to the next
 * SQLITE_VFS_PREFILL boundary. Best effort: what fails leaves an append as
 * before. Only the holder of the WAL's write lock writes to it — the caller, about
 * to — so the length read here is the file's until the caller's write: no
 * zero lands on a frame. Called with g->db->mu held. */
static void prefill(struct gfile *g, sqlite3_int64 end)
{
	sqlite3_int64 size, to;

	if (end <= g->filled || g->real->pMethods->xFileSize(g->real, &size) != SQLITE_OK)
		return;
	to = (end + SQLITE_VFS_PREFILL - 1) / SQLITE_VFS_PREFILL * SQLITE_VFS_PREFILL;
	while (size < to) {
		int n = to - size < ZEROS ? (int)(to - size) : ZEROS;

		if (g->real->pMethods->xWrite(g->real, zeros, n, size) != SQLITE_OK)
			break;
		size += n;
	}
	g->filled = size;
}

static int write_wal(struct gfile *g, const void *p, int n, sqlite3_int64 off)
{
	prefill(g, off + n);
	atomic_fetch_add_explicit(&made, 1, memory_order_relaxed);
	return g->real->pMethods->xWrite(g->real, p, n, off);
}

/* What g keeps, written. Called with g->db->mu held. */
static int flush_locked(struct gfile *g)
{
	int rc;

	if (!g->len)
		return SQLITE_OK;
	rc = write_wal(g, g->buf, (int)g->len, g->off);
	g->len = 0;
	g->commit_page = -1;
	atomic_fetch_sub(&g->db->pending, 1);
	return rc;
}

static int flush(struct gfile *g)
{
	int rc;

	if (!g->db)
		return SQLITE_OK;
	pthread_mutex_lock(&g->db->mu);
	rc = flush_locked(g);
	pthread_mutex_unlock(&g->db->mu);
	return rc;
}

/* Every WAL of the database, written: at a write lock let go, a publication. */
static int flush_all(struct dbfiles *d)
{
	int rc = SQLITE_OK;

	if (!d || !atomic_load(&d->pending))
		return SQLITE_OK;
	pthread_mutex_lock(&d->mu);
	for (struct gfile *w = d->wals; w; w = w->next_wal) {
		int r = flush_locked(w);

		if (rc == SQLITE_OK)
			rc = r;
	}
	pthread_mutex_unlock(&d->mu);
	return rc;
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int g_write(sqlite3_file *f, const void *p, int n, sqlite3_int64 off)
{
	struct gfile *g = (struct gfile *)f;
	int rc = SQLITE_OK;
	bool last;

	if (!g->wal || !g->db)
		return g->real->pMethods->xWrite(g->real, p, n, off);
	atomic_fetch_add_explicit(&asked, 1, memory_order_relaxed);
	pthread_mutex_lock(&g->db->mu);
	/* only appends are kept: anything else after what is kept, as SQLite ordered them */
	if (g->len && (off != g->off + (sqlite3_int64)g->len || g->len + (size_t)n > GATHER_MAX))
		rc = flush_locked(g);
	if (rc == SQLITE_OK && (size_t)n <= GATHER_MAX && g->len + (size_t)n > g->cap) {
		size_t cap = g->cap ? g->cap : 64 * 1024;
		unsigned char *b;

		while (cap < g->len + (size_t)n)
			cap *= 2;
		if ((b = realloc(g->buf, cap))) {
			g->buf = b;
			g->cap = cap;
		}
	}
	if (rc != SQLITE_OK || g->len + (size_t)n > g->cap) {
		if (rc == SQLITE_OK && (rc = flush_locked(g)) == SQLITE_OK)
			rc = write_wal(g, p, n, off);
		pthread_mutex_unlock(&g->db->mu);
		return rc;
	}
	if (!g->len) {
		g->off = off;
		atomic_fetch_add(&g->db->pending, 1);
	}
	memcpy(g->buf + g->len, p, (size_t)n);
	g->len += (size_t)n;
	last = off == g->commit_page;
	if (n == FRAME_HEADER && off >= WAL_HEADER && get32((const unsigned char *)p + 4))
		g->commit_page = off + FRAME_HEADER;
	if (last)
		rc = flush_locked(g);
	pthread_mutex_unlock(&g->db->mu);
	return rc;
}

static int g_close(sqlite3_file *f)
{
	struct gfile *g = (struct gfile *)f;
	int rc = flush(g), r;

	if (g->wal && g->db) {
		pthread_mutex_lock(&g->db->mu);
		for (struct gfile **p = &g->db->wals; *p; p = &(*p)->next_wal)
			if (*p == g) {
				*p = g->next_wal;
				break;
			}
		pthread_mutex_unlock(&g->db->mu);
	}
	db_put(g->db);
	free(g->buf);
	r = g->real->pMethods ? g->real->pMethods->xClose(g->real) : SQLITE_OK;
	return rc != SQLITE_OK ? rc : r;
}

static int g_read(sqlite3_file *f, void *p, int n, sqlite3_int64 off)
{
	int rc = flush((struct gfile *)f);

	return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xRead(REAL(f), p, n, off);
}

static int g_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	struct gfile *g = (struct gfile *)f;
	int rc = flush(g);

	g->filled = 0;          /* read again at the next growth */
	return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int g_sync(sqlite3_file *f, int flags)
{
	int rc = flush((struct gfile *)f);

	return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int g_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	int rc = flush((struct gfile *)f);

	return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int g_lock(sqlite3_file *f, int level)
{
	return REAL(f)->pMethods->xLock(REAL(f), level);
}

static int g_unlock(sqlite3_file *f, int level)
{
	return REAL(f)->pMethods->xUnlock(REAL(f), level);
}

static int g_check_reserved(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int g_file_control(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int g_sector_size(sqlite3_file *f)
{
	return REAL(f)->pMethods->xSectorSize(REAL(f));
}

static int g_device(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int g_shm_map(sqlite3_file *f, int page, int size, int extend, void volatile **out)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), page, size, extend, out);
}

static int g_shm_lock(sqlite3_file *f, int ofst, int n, int flags)
{
	int rc = SQLITE_OK, r;

	/* the write lock let go: what its holder kept goes first */
	if ((flags & SQLITE_SHM_UNLOCK) && ofst <= WRITE_LOCK && WRITE_LOCK < ofst + n)
		rc = flush_all(((struct gfile *)f)->db);
	r = REAL(f)->pMethods->xShmLock(REAL(f), ofst, n, flags);
	return r != SQLITE_OK ? r : rc;
}

static void g_shm_barrier(sqlite3_file *f)
{
	/* before a wal-index header is made whole: what it will point at, on the file */
	(void)flush_all(((struct gfile *)f)->db);
	REAL(f)->pMethods->xShmBarrier(REAL(f));
}

static int g_shm_unmap(sqlite3_file *f, int del)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

static int g_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **out)
{
	int rc = flush((struct gfile *)f);

	return rc != SQLITE_OK ? rc : REAL(f)->pMethods->xFetch(REAL(f), off, n, out);
}

static int g_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

/* version 1 (no shared memory) and version 3, as the file underneath */
static const sqlite3_io_methods methods1 = {
	1, g_close, g_read, g_write, g_truncate, g_sync, g_file_size, g_lock, g_unlock, g_check_reserved,
	g_file_control, g_sector_size, g_device, NULL, NULL, NULL, NULL, NULL, NULL,
};
static const sqlite3_io_methods methods3 = {
	3, g_close, g_read, g_write, g_truncate, g_sync, g_file_size, g_lock, g_unlock, g_check_reserved,
	g_file_control, g_sector_size, g_device, g_shm_map, g_shm_lock, g_shm_barrier, g_shm_unmap, g_fetch, g_unfetch,
};

#define ALIGNED(n) (((n) + 15) & ~(size_t)15)

static int g_open(sqlite3_vfs *v, sqlite3_filename name, sqlite3_file *f, int flags, int *out_flags)
{
	struct gfile *g = (struct gfile *)f;
	int rc;

	(void)v;
	memset(g, 0, sizeof(*g));
	g->real = (sqlite3_file *)((char *)g + ALIGNED(sizeof(*g)));
	g->commit_page = -1;
	if ((rc = under->xOpen(under, name, g->real, flags, out_flags)) != SQLITE_OK || !g->real->pMethods) {
		g->base.pMethods = NULL;
		return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
	}
	g->base.pMethods = g->real->pMethods->iVersion >= 3 ? &methods3 : &methods1;
	if (name && (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL))) {
		size_t n = strlen(name);

		g->wal = flags & SQLITE_OPEN_WAL;
		if (g->wal && (n < 4 || strcmp(name + n - 4, "-wal")))
			g->wal = false;                 /* not named as SQLite names one: not kept */
		else if ((g->db = db_get(name, g->wal ? n - 4 : n)) && g->wal) {
			pthread_mutex_lock(&g->db->mu);
			g->next_wal = g->db->wals;
			g->db->wals = g;
			pthread_mutex_unlock(&g->db->mu);
		}
	}
	return SQLITE_OK;
}

static int v_delete(sqlite3_vfs *v, const char *name, int sync)
{
	(void)v;
	return under->xDelete(under, name, sync);
}

static int v_access(sqlite3_vfs *v, const char *name, int flags, int *out)
{
	(void)v;
	return under->xAccess(under, name, flags, out);
}

static int v_full_pathname(sqlite3_vfs *v, const char *name, int n, char *out)
{
	(void)v;
	return under->xFullPathname(under, name, n, out);
}

static void *v_dlopen(sqlite3_vfs *v, const char *name)
{
	(void)v;
	return under->xDlOpen(under, name);
}

static void v_dlerror(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	under->xDlError(under, n, out);
}

static void (*v_dlsym(sqlite3_vfs *v, void *h, const char *sym))(void)
{
	(void)v;
	return under->xDlSym(under, h, sym);
}

static void v_dlclose(sqlite3_vfs *v, void *h)
{
	(void)v;
	under->xDlClose(under, h);
}

static int v_randomness(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return under->xRandomness(under, n, out);
}

static int v_sleep(sqlite3_vfs *v, int us)
{
	(void)v;
	return under->xSleep(under, us);
}

static int v_current_time(sqlite3_vfs *v, double *out)
{
	(void)v;
	return under->xCurrentTime(under, out);
}

static int v_last_error(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return under->xGetLastError ? under->xGetLastError(under, n, out) : 0;
}

static int v_current_time64(sqlite3_vfs *v, sqlite3_int64 *out)
{
	(void)v;
	return under->xCurrentTimeInt64(under, out);
}

static void setup(void)
{
	/* version 2 and up underneath (SQLite's unix VFS is 3): its 64-bit clock forwarded */
	if (!(under = sqlite3_vfs_find(NULL)) || under->iVersion < 2 || !under->xCurrentTimeInt64) {
		under = NULL;
		return;
	}
	gather = (sqlite3_vfs){
		.iVersion = 2,
		.szOsFile = (int)(ALIGNED(sizeof(struct gfile)) + (size_t)under->szOsFile),
		.mxPathname = under->mxPathname,
		.zName = "iotrsp-gather",
		.xOpen = g_open,
		.xDelete = v_delete,
		.xAccess = v_access,
		.xFullPathname = v_full_pathname,
		.xDlOpen = v_dlopen,
		.xDlError = v_dlerror,
		.xDlSym = v_dlsym,
		.xDlClose = v_dlclose,
		.xRandomness = v_randomness,
		.xSleep = v_sleep,
		.xCurrentTime = v_current_time,
		.xGetLastError = v_last_error,
		.xCurrentTimeInt64 = v_current_time64,
	};
	if (sqlite3_vfs_register(&gather, 0) != SQLITE_OK)
		under = NULL;
}

const char *sqlite_vfs_name(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, setup);
	return under ? gather.zName : NULL;
}

void sqlite_vfs_stats(uint64_t *a, uint64_t *m)
{
	*a = atomic_load(&asked);
	*m = atomic_load(&made);
}
