/* lib/store on SQLite: schema, parameters of every type and in any order,
 * transactions that roll back, constraints, and a commit that survives
 * reopening. */
#include "testutil.h"

#include <stdio.h>
#include <unistd.h>

#include "store/store.h"

static void test_sqlite_round_trip(void **state)
{
	char path[] = "/tmp/iotrsp-store-XXXXXX";
	struct store *s;
	struct store_stmt *st;
	const uint8_t *blob;
	size_t len;
	bool row;
	int fd = mkstemp(path);
	(void)state;

	close(fd);
	unlink(path);
	assert_int_equal(store_open(path, &s), IOT_OK);
	assert_int_equal(store_exec(s, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, data BLOB)"), IOT_OK);
	assert_int_equal(store_begin(s), IOT_OK);
	assert_int_equal(store_prepare(s, "INSERT INTO t (id, name, data) VALUES ($1, $2, $3)", &st), IOT_OK);
	assert_int_equal(store_bind_int(st, 1, 7), IOT_OK);
	assert_int_equal(store_bind_text(st, 2, "seven"), IOT_OK);
	assert_int_equal(store_bind_blob(st, 3, "\x00\x01\x02", 3), IOT_OK);
	assert_int_equal(store_step(st, &row), IOT_OK);
	assert_false(row);
	store_finalize(st);
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
	store_close(s);

	assert_int_equal(store_open(path, &s), IOT_OK);
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
	unlink(path);
	{
		char wal[64];

		snprintf(wal, sizeof(wal), "%s-wal", path);
		unlink(wal);
		snprintf(wal, sizeof(wal), "%s-shm", path);
		unlink(wal);
	}
}

/* $N is parameter N wherever it stands in the text. */
static void test_numbered_parameters(void **state)
{
	struct store *s;
	struct store_stmt *st;
	bool row;

	(void)state;
	assert_int_equal(store_open("sqlite::memory:", &s), IOT_OK);
	assert_int_equal(store_prepare(s, "SELECT $2 || '-' || $1 || '-' || $2", &st), IOT_OK);
	assert_int_equal(store_bind_text(st, 1, "one"), IOT_OK);
	assert_int_equal(store_bind_text(st, 2, "two"), IOT_OK);
	assert_int_equal(store_step(st, &row), IOT_OK);
	assert_true(row);
	assert_string_equal(store_col_text(st, 0), "two-one-two");
	store_finalize(st);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sqlite_round_trip),
		cmocka_unit_test(test_numbered_parameters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
