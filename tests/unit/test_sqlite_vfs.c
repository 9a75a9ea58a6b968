/* lib/store/sqlite_vfs.c: a commit's WAL frames go to the file as one
 * write, the file as SQLite's own VFS reads it; frames a connection kept
 * never land over what another connection committed after it; writers of
 * this process and of another (SQLite's own VFS) share the file; a WAL
 * grows by steps written as zeros, and reads as far as its last commit. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store/sqlite_vfs.h"

static char dir[64], path[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/iotrsp-vfs-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.db", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) ? -1 : 0;
}

static void exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);

	if (rc != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
}

/* the database at file through this VFS (NULL: SQLite's own) */
static sqlite3 *open_at(const char *file, const char *vfs)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open_v2(file, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
					 vfs),
			 SQLITE_OK);
	exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0");
	return db;
}

static sqlite3 *open_db(const char *vfs)
{
	return open_at(path, vfs);
}

static char *text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	char *out;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_non_null(out = strdup((const char *)sqlite3_column_text(st, 0)));
	sqlite3_finalize(st);
	return out;
}

static void assert_text(sqlite3 *db, const char *sql, const char *want)
{
	char *got = text(db, sql);

	assert_string_equal(got, want);
	free(got);
}

static void assert_same(sqlite3 *a, sqlite3 *b, const char *sql)
{
	char *x = text(a, sql), *y = text(b, sql);

	assert_string_equal(x, y);
	free(x);
	free(y);
}

#define ROWS "WITH RECURSIVE c(x) AS (SELECT %d UNION ALL SELECT x + 1 FROM c WHERE x < %d) " \
	     "INSERT INTO t SELECT x, randomblob(3000) FROM c"
#define DIGEST "SELECT COUNT(*) || ':' || group_concat(k || '=' || hex(substr(v, 1, 16)) || length(v), ',') FROM t"

static void rows(sqlite3 *db, int from, int to)
{
	char sql[256];

	snprintf(sql, sizeof(sql), ROWS, from, to);
	exec(db, sql);
}

static void test_commit_one_write(void **state)
{
	sqlite3 *db, *plain;
	uint64_t a0, m0, a1, m1;

	(void)state;
	assert_non_null(sqlite_vfs_name());
	db = open_db(sqlite_vfs_name());
	exec(db, "CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)");
	sqlite_vfs_stats(&a0, &m0);
	exec(db, "BEGIN");
	rows(db, 1, 10);
	exec(db, "COMMIT");
	sqlite_vfs_stats(&a1, &m1);
	/* ten pages and more, each frame two writes asked: one made */
	assert_true(a1 - a0 >= 20);
	assert_int_equal(m1 - m0, 1);
	/* the WAL as SQLite's own VFS reads it, while this connection is open */
	plain = open_db(NULL);
	assert_same(db, plain, DIGEST);
	assert_text(plain, "PRAGMA integrity_check", "ok");
	sqlite3_close(plain);
	sqlite3_close(db);
}

static void test_rollback_not_written_over(void **state)
{
	sqlite3 *a, *b, *plain;
	uint64_t a0, m0, a1, m1;

	(void)state;
	a = open_db(sqlite_vfs_name());
	b = open_db(sqlite_vfs_name());
	exec(a, "CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB); CREATE TABLE u (n INTEGER)");
	rows(b, 1, 1);
	exec(b, "INSERT INTO u VALUES (0)");
	exec(a, "PRAGMA wal_checkpoint(TRUNCATE)");
	/* one frame in the WAL, of a page a's transaction does not touch; b
	 * reads (its snapshot taken, it passes the wal-index barrier no more
	 * before it writes) ... */
	exec(b, "UPDATE u SET n = 1");
	exec(b, "BEGIN; SELECT COUNT(*) FROM t");
	/* ... a's transaction spills its pages to the WAL (a cache of two
	 * pages), kept in memory, then rolls back (its undoing reads the
	 * database file alone) ... */
	exec(a, "PRAGMA cache_size=2; BEGIN");
	sqlite_vfs_stats(&a0, &m0);
	rows(a, 100, 110);
	sqlite_vfs_stats(&a1, &m1);
	assert_true(a1 - a0 >= 10);
	exec(a, "ROLLBACK");
	/* ... b commits frames where a's were, and a reads them */
	rows(b, 200, 205);
	exec(b, "COMMIT");
	assert_same(a, b, DIGEST);
	assert_text(a, "PRAGMA integrity_check", "ok");
	/* and so does a connection through SQLite's own VFS */
	plain = open_db(NULL);
	assert_same(plain, b, DIGEST);
	assert_text(plain, "SELECT COUNT(*) FROM t", "7");
	sqlite3_close(plain);
	/* a writes again; everything closed, the database is whole */
	exec(a, "BEGIN");
	rows(a, 300, 320);
	exec(a, "COMMIT");
	sqlite3_close(b);
	sqlite3_close(a);
	plain = open_db(NULL);
	assert_text(plain, "PRAGMA integrity_check", "ok");
	assert_text(plain, "SELECT COUNT(*) FROM t", "28");
	sqlite3_close(plain);
}

/* Writers through this VFS on four threads and one in another process
 * through SQLite's own, at once: transactions that spill (a cache of three
 * pages), a quarter rolled back, checkpoints that restart the WAL. Each
 * writer counts the rows it committed; the counts and the file hold. */
#define WRITES 100

static void writer_txns(sqlite3 *db, int who, unsigned seed, int n)
{
	char sql[512];

	for (int i = 0; i < n; i++) {
		int rows = 1 + (int)(rand_r(&seed) % 20), rollback = rand_r(&seed) % 4 == 0, rc;

		if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
			i--;
			continue;
		}
		snprintf(sql, sizeof(sql),
			 "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < %d) "
			 "INSERT INTO t SELECT NULL, %d, randomblob(1500 + abs(random()) %% 3000) FROM c; "
			 "UPDATE n SET rows = rows + %d WHERE who = %d",
			 rows, who, rows, who);
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
		assert_int_equal(sqlite3_exec(db, rc != SQLITE_OK || rollback ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL),
				 SQLITE_OK);
		if (i % 25 == 0)
			(void)sqlite3_exec(db, who < 0 ? "PRAGMA wal_checkpoint(RESTART)" : "PRAGMA wal_checkpoint(PASSIVE)",
					   NULL, NULL, NULL);
	}
}

static sqlite3 *open_writer(const char *vfs)
{
	sqlite3 *db = open_db(vfs);

	sqlite3_busy_timeout(db, 10000);
	exec(db, "PRAGMA cache_size=3");
	return db;
}

static void *thread_writer(void *arg)
{
	int who = (int)(intptr_t)arg;
	sqlite3 *db = open_writer(sqlite_vfs_name());

	writer_txns(db, who, (unsigned)who * 7919u, WRITES);
	sqlite3_close(db);
	return NULL;
}

static void test_writers_of_two_processes(void **state)
{
	sqlite3 *db = open_db(sqlite_vfs_name());
	pthread_t th[4];
	pid_t child;
	int status = 0;

	(void)state;
	exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, who INTEGER, v BLOB); CREATE INDEX t_who ON t(who);"
		 "CREATE TABLE n (who INTEGER PRIMARY KEY, rows INTEGER);"
		 "INSERT INTO n VALUES (1, 0), (2, 0), (3, 0), (4, 0), (-1, 0)");
	sqlite3_close(db);
	assert_true((child = fork()) >= 0);
	if (!child) {
		db = open_writer(NULL);
		writer_txns(db, -1, 5u, 2 * WRITES);
		sqlite3_close(db);
		_exit(0);
	}
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, thread_writer, (void *)(intptr_t)(i + 1)), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	db = open_db(NULL);
	assert_text(db, "PRAGMA integrity_check", "ok");
	assert_text(db, "SELECT COUNT(*) FROM n WHERE rows = (SELECT COUNT(*) FROM t WHERE t.who = n.who)", "5");
	assert_text(db, "SELECT COUNT(*) > 0 FROM n WHERE who = -1 AND rows > 0", "1");
	sqlite3_close(db);
}

static long long wal_size(void)
{
	char wal[160];
	struct stat st;

	snprintf(wal, sizeof(wal), "%s-wal", path);
	assert_int_equal(stat(wal, &st), 0);
	return (long long)st.st_size;
}

/* A WAL grows a step at a time, zeros ahead of its frames; a copy of it
 * taken while it is open (what a kill -9 leaves) reads as far as its last
 * commit with SQLite's own VFS. */
static void test_wal_grows_zeroed(void **state)
{
	sqlite3 *db = open_db(sqlite_vfs_name()), *copy;
	char copied[160], cmd[1024], *want;
	int k = 11;

	(void)state;
	exec(db, "CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)");
	rows(db, 1, 10);
	assert_int_equal(wal_size(), SQLITE_VFS_PREFILL);
	/* past the first step, a row per commit */
	while (wal_size() <= SQLITE_VFS_PREFILL)
		rows(db, k, k), k++;
	assert_int_equal(wal_size(), 2 * SQLITE_VFS_PREFILL);
	want = text(db, DIGEST);
	snprintf(copied, sizeof(copied), "%s/copy.db", dir);
	snprintf(cmd, sizeof(cmd), "cp %s %s && cp %s-wal %s-wal", path, copied, path, copied);
	assert_int_equal(system(cmd), 0);
	sqlite3_close(db);
	copy = open_at(copied, NULL);
	assert_text(copy, DIGEST, want);
	assert_text(copy, "PRAGMA integrity_check", "ok");
	assert_text(copy, "SELECT MAX(k) FROM t", (snprintf(cmd, sizeof(cmd), "%d", k - 1), cmd));
	sqlite3_close(copy);
	free(want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_commit_one_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_not_written_over, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writers_of_two_processes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wal_grows_zeroed, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
