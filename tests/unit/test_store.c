/* lib/store's conformance suite: what every backend must do the same way.
 * It runs on SQLite (test_store) and on a throwaway PostgreSQL (test_store_pg,
 * IOTRSP_TEST_PG): schema, parameters of every type and in any order, the
 * SQLite spellings the schemas use, transactions that roll back, constraints,
 * a commit that survives reopening, writers that never lose an update,
 * commits synced before they return (SQLite's group commit), asynchronous
 * commits, log lines said only once their transaction commits, checkpoints
 * off the committers' way (SQLite), and
 * (PostgreSQL) a connection that is cut and comes back. */
#include "testutil.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"

static char dir[64], url[512];

static int setup(void **state)
{
	static unsigned n;
	char name[32];

	(void)state;
	if (!*dir) {
		snprintf(dir, sizeof(dir), "/tmp/iotrsp-store-XXXXXX");
		if (!mkdtemp(dir))
			return -1;
	}
	snprintf(name, sizeof(name), "s%u.db", ++n);
	test_store_url(url, sizeof(url), dir, name);
	return 0;
}

static struct store *open_store(void)
{
	struct store *s;

	assert_int_equal(store_open(url, &s), IOT_OK);
	return s;
}

static int64_t one_int(struct store *s, const char *sql)
{
	struct store_stmt *st;
	bool row = false;
	int64_t v;

	assert_int_equal(store_prepare(s, sql, &st), IOT_OK);
	assert_int_equal(store_step(st, &row), IOT_OK);
	assert_true(row);
	v = store_col_int(st, 0);
	store_finalize(st);
	return v;
}

static void test_round_trip(void **state)
{
	struct store *s = open_store();
	struct store_stmt *st;
	const uint8_t *blob;
	size_t len;
	bool row;

	(void)state;
	assert_int_equal(store_exec(s, "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, data BLOB)"),
			 IOT_OK);
	/* a schema is made again at every start: nothing happens */
	assert_int_equal(store_exec(s, "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, data BLOB)"),
			 IOT_OK);
	assert_int_equal(store_begin(s), IOT_OK);
	assert_int_equal(store_prepare(s, "INSERT INTO t (id, name, data) VALUES ($1, $2, $3)", &st), IOT_OK);
	assert_int_equal(store_bind_int(st, 1, 7), IOT_OK);
	assert_int_equal(store_bind_text(st, 2, "seven"), IOT_OK);
	assert_int_equal(store_bind_blob(st, 3, "\x00\x01\x02", 3), IOT_OK);
	assert_int_equal(store_step(st, &row), IOT_OK);
	assert_false(row);
	store_finalize(st);
	assert_int_equal(store_changes(s), 1);
	assert_int_equal(store_commit(s), IOT_OK);

	/* a duplicate is a constraint error; a rolled back change is gone */
	assert_int_equal(store_prepare(s, "INSERT INTO t (id, name) VALUES ($1, $2)", &st), IOT_OK);
	store_bind_int(st, 1, 8);
	store_bind_text(st, 2, "seven");
	assert_int_equal(store_step(st, &row), IOT_E_STORE_CONSTRAINT);
	store_finalize(st);
	assert_int_equal(store_begin(s), IOT_OK);
	assert_int_equal(store_exec(s, "DELETE FROM t"), IOT_OK);
	store_rollback(s);
	assert_int_equal(store_prepare(s, "SELEC nonsense", &st), IOT_E_STORE);
	/* a probe for a column that is not there fails, and the transaction goes on */
	assert_int_equal(store_begin(s), IOT_OK);
	assert_int_equal(store_prepare(s, "SELECT missing FROM t LIMIT 0", &st), IOT_E_STORE);
	assert_int_equal(store_sql(s, "UPDATE t SET name = $1 WHERE id = 7", "t", "seven"), IOT_OK);
	assert_int_equal(store_commit(s), IOT_OK);
	store_close(s);

	s = open_store();
	assert_int_equal(store_prepare(s, "SELECT name, data, id FROM t WHERE id = $1", &st), IOT_OK);
	store_bind_int(st, 1, 7);
	assert_int_equal(store_step(st, &row), IOT_OK);
	assert_true(row);
	assert_string_equal(store_col_text(st, 0), "seven");
	blob = store_col_blob(st, 1, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(blob, "\x00\x01\x02", 3);
	assert_int_equal(store_col_int(st, 2), 7);
	assert_int_equal(store_step(st, &row), IOT_OK);
	assert_false(row);
	store_finalize(st);
	store_close(s);
}

/* $N is parameter N wherever it stands in the text. */
static void test_numbered_parameters(void **state)
{
	struct store *s = open_store();
	struct store_stmt *st;
	bool row;

	(void)state;
	assert_int_equal(store_prepare(s, "SELECT $2 || '-' || $1 || '-' || $2", &st), IOT_OK);
	assert_int_equal(store_bind_text(st, 1, "one"), IOT_OK);
	assert_int_equal(store_bind_text(st, 2, "two"), IOT_OK);
	assert_int_equal(store_step(st, &row), IOT_OK);
	assert_true(row);
	assert_string_equal(store_col_text(st, 0), "two-one-two");
	store_finalize(st);
	store_close(s);
}

/* The SQLite spellings the schemas use, and values at their edges. */
static void test_dialect(void **state)
{
	struct store *s = open_store();
	struct store_stmt *st;
	const uint8_t *b;
	size_t len;
	bool row;
	int64_t id;

	(void)state;
	assert_int_equal(store_exec(s, "PRAGMA foreign_keys=ON; CREATE TABLE IF NOT EXISTS d ("
				       " id INTEGER PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0, b BLOB, t TEXT);"
				       "CREATE INDEX IF NOT EXISTS d_n ON d(n) WHERE n > 0;"),
			 IOT_OK);
	assert_int_equal(store_sql(s, "INSERT INTO d (n, b) VALUES ($1, x'A0B1')", "i", (int64_t)INT64_MAX), IOT_OK);
	id = one_int(s, "SELECT last_insert_rowid()");
	assert_true(id > 0);
	assert_int_equal(store_sql(s, "INSERT INTO d (n, b, t) VALUES ($1, $2, $3)", "ibt", (int64_t)-5, "", (size_t)0, NULL),
			 IOT_OK);
	assert_int_equal(one_int(s, "SELECT last_insert_rowid()"), id + 1);
	assert_int_equal(store_prepare(s, "SELECT n, b, t, n > 0 FROM d ORDER BY id LIMIT -1 OFFSET $1", &st), IOT_OK);
	store_bind_int(st, 1, 0);
	assert_int_equal(store_step(st, &row), IOT_OK);
	assert_true(row);
	assert_true(store_col_int(st, 0) == INT64_MAX);
	b = store_col_blob(st, 1, &len);
	assert_int_equal(len, 2);
	assert_memory_equal(b, "\xA0\xB1", 2);
	assert_true(store_col_null(st, 2));
	assert_null(store_col_text(st, 2));
	assert_int_equal(store_col_int(st, 3), 1);  /* a comparison reads as 1 or 0 */
	assert_int_equal(store_step(st, &row), IOT_OK);
	assert_true(row);
	assert_int_equal(store_col_int(st, 0), -5);
	b = store_col_blob(st, 1, &len);
	assert_int_equal(len, 0);               /* an empty blob reads as no bytes */
	assert_int_equal(store_col_int(st, 3), 0);
	assert_int_equal(store_step(st, &row), IOT_OK);
	assert_false(row);
	store_finalize(st);
	assert_int_equal(one_int(s, "SELECT COUNT(*) FROM d WHERE b = x'A0B1'"), 1);
	assert_int_equal(one_int(s, "SELECT COALESCE(SUM(n), 0) FROM d WHERE n < 0"), -5);
	assert_int_equal(store_sql(s, "UPDATE d SET n = n + 1 WHERE n < $1", "i", (int64_t)100), IOT_OK);
	assert_int_equal(store_changes(s), 1);
	store_close(s);
}

struct writer {
	const char *url;
	int rounds;
	iot_err err;
};

/* Read, decide, write, in a transaction: never a lost update. */
static void *writer(void *arg)
{
	struct writer *w = arg;
	struct store *s;

	if ((w->err = store_open(w->url, &s)) != IOT_OK)
		return NULL;
	for (int i = 0; i < w->rounds && w->err == IOT_OK; i++) {
		struct store_stmt *st;
		bool row = false;
		int64_t v = 0;

		if ((w->err = store_begin(s)) != IOT_OK)
			break;
		if ((w->err = store_prepare(s, "SELECT v FROM counter WHERE k = 1", &st)) == IOT_OK &&
		    (w->err = store_step(st, &row)) == IOT_OK && row)
			v = store_col_int(st, 0);
		store_finalize(st);
		if (w->err == IOT_OK)
			w->err = store_sql(s, "UPDATE counter SET v = $1 WHERE k = 1", "i", v + 1);
		if (w->err == IOT_OK)
			w->err = store_commit(s);
		else
			store_rollback(s);
		/* and a write outside a transaction, between others' reads and writes */
		if (w->err == IOT_OK)
			w->err = store_sql(s, "UPDATE counter SET other = other + 1 WHERE k = 1", "");
	}
	store_close(s);
	return NULL;
}

static void test_writers_serialized(void **state)
{
	struct store *s = open_store();
	struct writer w[4];
	pthread_t t[4];

	(void)state;
	assert_int_equal(store_exec(s, "CREATE TABLE IF NOT EXISTS counter (k INTEGER PRIMARY KEY, v INTEGER NOT NULL,"
				       " other INTEGER NOT NULL DEFAULT 0);"
				       "INSERT INTO counter (k, v) VALUES (1, 0)"),
			 IOT_OK);
	for (int i = 0; i < 4; i++) {
		w[i] = (struct writer){ url, 100, IOT_OK };
		assert_int_equal(pthread_create(&t[i], NULL, writer, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].err, IOT_OK);
	}
	assert_int_equal(one_int(s, "SELECT v FROM counter WHERE k = 1"), 400);
	assert_int_equal(one_int(s, "SELECT other FROM counter WHERE k = 1"), 400);
	store_close(s);
}

/* Group commit (SQLite): every write that ends outside a transaction is
 * synced before it returns — alone, one fsync each; reads and a rolled-back
 * transaction none — and concurrent writers' commits all counted, sharing
 * fsyncs at most one each. PostgreSQL syncs its own commits. */
struct syncer {
	const char *url;
	int base;
	iot_err err;
};

static void *syncer(void *arg)
{
	struct syncer *w = arg;
	struct store *s;

	if ((w->err = store_open(w->url, &s)) != IOT_OK)
		return NULL;
	for (int i = 0; i < 50 && w->err == IOT_OK; i++)
		w->err = store_sql(s, "INSERT INTO g (k) VALUES ($1)", "i", (int64_t)(w->base + i));
	store_close(s);
	return NULL;
}

static void test_group_commit(void **state)
{
	struct store *s = open_store();
	uint64_t c0, s0, c1, s1;
	struct syncer w[4];
	pthread_t t[4];

	(void)state;
	if (store_sync_stats(s, &c0, &s0) == IOT_E_NOT_FOUND) {
		store_close(s);
		skip();
	}
	assert_int_equal(store_exec(s, "CREATE TABLE IF NOT EXISTS g (k INTEGER PRIMARY KEY)"), IOT_OK);
	assert_int_equal(store_sync_stats(s, &c0, &s0), IOT_OK);
	for (int i = 0; i < 5; i++)
		assert_int_equal(store_sql(s, "INSERT INTO g (k) VALUES ($1)", "i", (int64_t)i), IOT_OK);
	assert_int_equal(store_sync_stats(s, &c1, &s1), IOT_OK);
	assert_int_equal(c1 - c0, 5);
	assert_int_equal(s1 - s0, 5);
	assert_int_equal(one_int(s, "SELECT COUNT(*) FROM g"), 5);
	assert_int_equal(store_begin(s), IOT_OK);
	assert_int_equal(store_sql(s, "INSERT INTO g (k) VALUES (100)", ""), IOT_OK);
	assert_int_equal(store_sql(s, "INSERT INTO g (k) VALUES (101)", ""), IOT_OK);
	assert_int_equal(store_commit(s), IOT_OK);
	assert_int_equal(store_begin(s), IOT_OK);
	assert_int_equal(store_sql(s, "INSERT INTO g (k) VALUES (102)", ""), IOT_OK);
	store_rollback(s);
	assert_int_equal(store_sync_stats(s, &c0, &s0), IOT_OK);
	assert_int_equal(c0 - c1, 1);
	assert_int_equal(s0 - s1, 1);
	for (int i = 0; i < 4; i++) {
		w[i] = (struct syncer){ url, 1000 * (i + 1), IOT_OK };
		assert_int_equal(pthread_create(&t[i], NULL, syncer, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].err, IOT_OK);
	}
	assert_int_equal(store_sync_stats(s, &c1, &s1), IOT_OK);
	assert_int_equal(c1 - c0, 200);
	assert_true(s1 - s0 >= 1 && s1 - s0 <= 200);
	assert_int_equal(one_int(s, "SELECT COUNT(*) FROM g"), 207);
	store_close(s);
}

/* An asynchronous commit: visible to other connections at once, kept across
 * a reopen, waits for no sync (SQLite: the next ordinary commit's sync
 * covers it), and leaves the next transaction synchronous (PostgreSQL's
 * SET LOCAL ends with it). */
static void test_commit_async(void **state)
{
	struct store *s = open_store(), *other = open_store();
	uint64_t c0, s0, c1, s1;
	bool stats;
	struct store_stmt *st;
	bool row = false;

	(void)state;
	assert_int_equal(store_exec(s, "CREATE TABLE IF NOT EXISTS a (k INTEGER PRIMARY KEY, v TEXT)"), IOT_OK);
	stats = store_sync_stats(s, &c0, &s0) == IOT_OK;
	assert_int_equal(store_begin(s), IOT_OK);
	assert_int_equal(store_sql(s, "INSERT INTO a (k, v) VALUES (1, 'one')", ""), IOT_OK);
	assert_int_equal(store_sql(s, "INSERT INTO a (k, v) VALUES (2, 'two')", ""), IOT_OK);
	assert_int_equal(store_commit_async(s), IOT_OK);
	assert_int_equal(one_int(other, "SELECT COUNT(*) FROM a"), 2);
	if (stats) {
		assert_int_equal(store_sync_stats(s, &c1, &s1), IOT_OK);
		assert_int_equal(c1, c0);       /* neither counted nor synced */
		assert_int_equal(s1, s0);
	}
	/* a rolled-back one changes nothing, an ordinary one syncs both */
	assert_int_equal(store_begin(s), IOT_OK);
	assert_int_equal(store_sql(s, "INSERT INTO a (k, v) VALUES (3, 'three')", ""), IOT_OK);
	store_rollback(s);
	assert_int_equal(store_begin(s), IOT_OK);
	assert_int_equal(store_sql(s, "INSERT INTO a (k, v) VALUES (4, 'four')", ""), IOT_OK);
	assert_int_equal(store_commit(s), IOT_OK);
	if (stats) {
		assert_int_equal(store_sync_stats(s, &c1, &s1), IOT_OK);
		assert_int_equal(c1 - c0, 1);
		assert_int_equal(s1 - s0, 1);
	}
	if (!strcmp(store_engine(s), "postgresql")) {
		assert_int_equal(store_prepare(s, "SELECT current_setting('synchronous_commit')", &st), IOT_OK);
		assert_int_equal(store_step(st, &row), IOT_OK);
		assert_true(row);
		assert_string_equal(store_col_text(st, 0), "on");
		store_finalize(st);
	}
	store_close(other);
	store_close(s);
	s = open_store();
	assert_int_equal(one_int(s, "SELECT COUNT(*) FROM a"), 3);
	assert_int_equal(one_int(s, "SELECT SUM(k) FROM a"), 7);
	store_close(s);
}

/* What the log (stderr) got since the last call: count of lines naming msg. */
static int logged(FILE *f, const char *msg)
{
	char line[1024];
	int n = 0;

	fflush(stderr);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, msg) != NULL;
	clearerr(f);
	return n;
}

/* store_log_on_commit: a line is written when its transaction commits, in
 * order, never when it rolls back; outside a transaction at once. */
static void test_log_on_commit(void **state)
{
	struct store *s = open_store();
	char path[600], big[600];
	int saved = dup(STDERR_FILENO), fd;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/log.txt", dir);
	assert_true((fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600)) >= 0);
	assert_true((f = fopen(path, "r")) != NULL);
	dup2(fd, STDERR_FILENO);
	close(fd);
	assert_int_equal(store_exec(s, "CREATE TABLE IF NOT EXISTS l (k INTEGER PRIMARY KEY)"), IOT_OK);
	store_log_on_commit(s, "test", "said at once", "n=%d", 1);
	assert_int_equal(logged(f, "msg=\"said at once\" n=1"), 1);
	assert_int_equal(store_begin(s), IOT_OK);
	assert_int_equal(store_sql(s, "INSERT INTO l (k) VALUES (1)", ""), IOT_OK);
	store_log_on_commit(s, "test", "rolled back", "n=%d", 2);
	store_rollback(s);
	assert_int_equal(logged(f, "rolled back"), 0);
	assert_int_equal(store_begin(s), IOT_OK);
	for (int i = 0; i < 20; i++)
		store_log_on_commit(s, "test", "committed", "n=%d", i);
	assert_int_equal(store_sql(s, "INSERT INTO l (k) VALUES (2)", ""), IOT_OK);
	assert_int_equal(logged(f, "committed"), 0);
	assert_int_equal(store_commit(s), IOT_OK);
	assert_int_equal(logged(f, "msg=\"committed\""), 20);
	/* a line longer than the first try's buffer, kept whole */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	assert_int_equal(store_begin(s), IOT_OK);
	store_log_on_commit(s, "test", "long", "v=%s", big);
	assert_int_equal(store_commit(s), IOT_OK);
	assert_int_equal(logged(f, big), 1);
	assert_int_equal(store_begin(s), IOT_OK);
	store_log_on_commit(s, "test", "committed late", "n=%d", 3);
	assert_int_equal(store_commit_async(s), IOT_OK);
	assert_int_equal(logged(f, "msg=\"committed late\" n=3"), 1);
	/* after the transaction, at once again */
	store_log_on_commit(s, "test", "said at once", "n=%d", 4);
	assert_int_equal(logged(f, "n=4"), 1);
	dup2(saved, STDERR_FILENO);
	close(saved);
	fclose(f);
	store_close(s);
}

static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : st.st_size;
}

/* Checkpoints (SQLite): a commit that takes the WAL past 1,000 frames
 * leaves the copying into the database to the store's thread and returns;
 * the thread does it (the rows reach the database file); however fast the
 * writers, the WAL stays bounded; and once the store is closed, nothing is
 * left in a WAL. */
static void test_checkpoints(void **state)
{
	struct store *s = open_store();
	char db[600], wal[610];
	uint64_t n0, n1;
	off_t most = 0, size;
	static uint8_t blob[3900];

	(void)state;
	if (store_checkpoints(s, &n0) == IOT_E_NOT_FOUND) {
		store_close(s);
		skip();
	}
	snprintf(db, sizeof(db), "%s", url + strlen("sqlite:"));
	snprintf(wal, sizeof(wal), "%s-wal", db);
	assert_int_equal(store_exec(s, "CREATE TABLE IF NOT EXISTS w (k INTEGER PRIMARY KEY, v BLOB)"), IOT_OK);
	/* a row a page: 1,100 pages in one commit */
	assert_int_equal(store_begin(s), IOT_OK);
	for (int i = 0; i < 1100; i++)
		assert_int_equal(store_sql(s, "INSERT INTO w (k, v) VALUES ($1, $2)", "ib", (int64_t)i, blob, sizeof(blob)),
				 IOT_OK);
	assert_int_equal(store_commit(s), IOT_OK);
	WAIT_UNTIL(store_checkpoints(s, &n1) == IOT_OK && n1 > n0);
	assert_true(n1 > n0);
	/* copied into the database file */
	assert_true(file_size(db) >= 1100 * (off_t)sizeof(blob));
	/* 20 more such commits one after the other, 22,000 frames: past 4,000
	 * in the WAL the committer copies it all itself, and the next writer
	 * uses the WAL again from its start */
	for (int k = 1; k <= 20; k++) {
		assert_int_equal(store_begin(s), IOT_OK);
		for (int i = 0; i < 1100; i++)
			assert_int_equal(store_sql(s, "INSERT INTO w (k, v) VALUES ($1, $2)", "ib", (int64_t)(k * 10000 + i),
						   blob, sizeof(blob)),
					 IOT_OK);
		assert_int_equal(store_commit(s), IOT_OK);
		if ((size = file_size(wal)) > most)
			most = size;
	}
	assert_true(most > 0 && most < (off_t)(4000 + 1100 + 100) * (4096 + 24));
	assert_int_equal(one_int(s, "SELECT COUNT(*) FROM w"), 21 * 1100);
	store_close(s);
	assert_int_equal(file_size(wal), -1);
	s = open_store();
	assert_int_equal(one_int(s, "SELECT COUNT(*) FROM w"), 21 * 1100);
	store_close(s);
}

/* A stretch of reads: its statements read what is committed, a read-only
 * stretch syncs nothing, and a write after it works as ever. Where the
 * engine shares one snapshot among them (SQLite), a commit made meanwhile
 * by another connection is seen only after store_end_read. */
static void test_read_stretch(void **state)
{
	struct store *s = open_store(), *other = open_store();
	bool snapshot = !strcmp(store_engine(s), "sqlite");
	uint64_t c0, s0, c1, s1;

	(void)state;
	assert_int_equal(store_exec(s, "CREATE TABLE IF NOT EXISTS r (k INTEGER PRIMARY KEY)"), IOT_OK);
	assert_int_equal(store_sql(s, "INSERT INTO r (k) VALUES (1)", ""), IOT_OK);
	(void)store_sync_stats(s, &c0, &s0);
	assert_int_equal(store_begin_read(s), IOT_OK);
	assert_int_equal(one_int(s, "SELECT COUNT(*) FROM r"), 1);
	assert_int_equal(store_sql(other, "INSERT INTO r (k) VALUES (2)", ""), IOT_OK);
	assert_int_equal(one_int(s, "SELECT COUNT(*) FROM r"), snapshot ? 1 : 2);
	store_end_read(s);
	assert_int_equal(one_int(s, "SELECT COUNT(*) FROM r"), 2);
	if (store_sync_stats(s, &c1, &s1) == IOT_OK) {
		/* the other connection's insert is the one commit made */
		assert_int_equal(c1 - c0, 1);
		assert_int_equal(s1 - s0 <= 1, true);
	}
	assert_int_equal(store_begin(s), IOT_OK);
	assert_int_equal(store_sql(s, "INSERT INTO r (k) VALUES (3)", ""), IOT_OK);
	assert_int_equal(store_commit(s), IOT_OK);
	assert_int_equal(one_int(other, "SELECT COUNT(*) FROM r"), 3);
	store_close(other);
	store_close(s);
}

/* Leases: one holder at a time, renewed by it, taken over once expired,
 * handed over by a release. */
static void test_leases(void **state)
{
	struct store *s = open_store(), *t = open_store();
	bool held;

	(void)state;
	assert_int_equal(store_lease_hold(s, "forwarder", "a", 1000, 500, &held), IOT_OK);
	assert_true(held);
	assert_int_equal(store_lease_hold(t, "forwarder", "b", 1200, 500, &held), IOT_OK);
	assert_false(held);
	assert_int_equal(store_lease_hold(t, "injector", "b", 1200, 500, &held), IOT_OK);
	assert_true(held);                      /* another piece of work */
	assert_int_equal(store_lease_hold(s, "forwarder", "a", 1400, 500, &held), IOT_OK);
	assert_true(held);                      /* renewed: now until 1900 */
	assert_int_equal(store_lease_hold(t, "forwarder", "b", 1800, 500, &held), IOT_OK);
	assert_false(held);
	/* a holder that stopped renewing (died): the lease passes on */
	assert_int_equal(store_lease_hold(t, "forwarder", "b", 1901, 500, &held), IOT_OK);
	assert_true(held);
	assert_int_equal(store_lease_hold(s, "forwarder", "a", 1902, 500, &held), IOT_OK);
	assert_false(held);
	/* a release by someone else changes nothing; the holder's hands it over */
	assert_int_equal(store_lease_release(s, "forwarder", "a"), IOT_OK);
	assert_int_equal(store_lease_hold(s, "forwarder", "a", 1903, 500, &held), IOT_OK);
	assert_false(held);
	assert_int_equal(store_lease_release(t, "forwarder", "b"), IOT_OK);
	assert_int_equal(store_lease_hold(s, "forwarder", "a", 1904, 500, &held), IOT_OK);
	assert_true(held);
	assert_non_null(strchr(store_node_id(), ':'));
	store_close(t);
	store_close(s);
}

/* A store made by a newer release is refused; the version never goes down. */
static void test_schema_versions(void **state)
{
	struct store *s = open_store();
	struct store_stmt *st;
	bool row;

	(void)state;
	assert_int_equal(store_schema_check(s, "eim", 1), IOT_OK);      /* a store from before versions */
	assert_int_equal(store_schema_set(s, "eim", 2), IOT_OK);
	assert_int_equal(store_schema_check(s, "eim", 2), IOT_OK);
	assert_int_equal(store_schema_check(s, "eim", 3), IOT_OK);
	assert_int_equal(store_schema_check(s, "eim", 1), IOT_E_REFUSED);
	assert_int_equal(store_schema_check(s, "smdp", 1), IOT_OK);     /* each component its own */
	assert_int_equal(store_schema_set(s, "eim", 1), IOT_OK);
	assert_int_equal(store_prepare(s, "SELECT version FROM store_schema WHERE component = 'eim'", &st), IOT_OK);
	assert_int_equal(store_step(st, &row), IOT_OK);
	assert_true(row);
	assert_int_equal(store_col_int(st, 0), 2);
	store_finalize(st);
	store_close(s);
}

static bool backend_alive(struct store *s, int64_t pid)
{
	struct store_stmt *st;
	bool row = false, alive;

	assert_int_equal(store_prepare(s, "SELECT COUNT(*) FROM pg_stat_activity WHERE pid = $1", &st), IOT_OK);
	store_bind_int(st, 1, pid);
	assert_int_equal(store_step(st, &row), IOT_OK);
	alive = row && store_col_int(st, 0) > 0;
	store_finalize(st);
	return alive;
}

/* PostgreSQL: a connection cut by the server (a failover, a restart) is
 * reopened; a statement alone runs again, a transaction fails whole. */
static void test_connection_cut(void **state)
{
	struct store *s = open_store(), *admin = open_store();
	struct store_stmt *st;
	bool row;
	int64_t pid;

	(void)state;
	if (strcmp(store_engine(s), "postgresql")) {
		store_close(s);
		store_close(admin);
		skip();
	}
	assert_int_equal(store_exec(s, "CREATE TABLE IF NOT EXISTS c (k INTEGER PRIMARY KEY, v INTEGER)"), IOT_OK);
	pid = one_int(s, "SELECT pg_backend_pid()");
	assert_int_equal(store_sql(admin, "SELECT pg_terminate_backend(CAST($1 AS INTEGER))", "i", pid), IOT_OK);
	WAIT_UNTIL(!backend_alive(admin, pid));
	assert_int_equal(store_sql(s, "INSERT INTO c (k, v) VALUES (1, 1)", ""), IOT_OK);
	assert_true(one_int(s, "SELECT pg_backend_pid()") != pid);

	/* cut inside a transaction: its statements and its commit fail, nothing is applied */
	pid = one_int(s, "SELECT pg_backend_pid()");
	assert_int_equal(store_begin(s), IOT_OK);
	assert_int_equal(store_sql(s, "INSERT INTO c (k, v) VALUES (2, 2)", ""), IOT_OK);
	assert_int_equal(store_sql(admin, "SELECT pg_terminate_backend(CAST($1 AS INTEGER))", "i", pid), IOT_OK);
	WAIT_UNTIL(!backend_alive(admin, pid));
	if (store_prepare(s, "SELECT 1", &st) == IOT_OK) {
		assert_int_not_equal(store_step(st, &row), IOT_OK);
		store_finalize(st);
	}
	assert_int_not_equal(store_sql(s, "INSERT INTO c (k, v) VALUES (3, 3)", ""), IOT_OK);
	assert_int_equal(store_commit(s), IOT_E_STORE);
	assert_int_equal(one_int(s, "SELECT COUNT(*) FROM c"), 1);
	store_close(s);
	store_close(admin);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_round_trip, setup),
		cmocka_unit_test_setup(test_numbered_parameters, setup),
		cmocka_unit_test_setup(test_dialect, setup),
		cmocka_unit_test_setup(test_writers_serialized, setup),
		cmocka_unit_test_setup(test_leases, setup),
		cmocka_unit_test_setup(test_group_commit, setup),
		cmocka_unit_test_setup(test_commit_async, setup),
		cmocka_unit_test_setup(test_log_on_commit, setup),
		cmocka_unit_test_setup(test_checkpoints, setup),
		cmocka_unit_test_setup(test_read_stretch, setup),
		cmocka_unit_test_setup(test_schema_versions, setup),
		cmocka_unit_test_setup(test_connection_cut, setup),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		(void)0;
	return failed;
}
