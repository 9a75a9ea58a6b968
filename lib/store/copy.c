/* Copying a whole store into another, whatever the engines (store.h):
 * moving an embedded SQLite store to PostgreSQL when a fleet outgrows one
 * machine. */
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TABLES 128

/* from's tables (malloc'd names), in the order they were made. */
static iot_err list_tables(struct store *from, char **names, size_t *n)
{
	const char *sql = !strcmp(store_engine(from), "sqlite")
				  ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
				  : "SELECT c.relname FROM pg_class c WHERE c.relkind = 'r'"
				    " AND c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
				    " ORDER BY c.oid";
	struct store_stmt *st;
	bool row = false;
	iot_err err = store_prepare(from, sql, &st);

	*n = 0;
	while (err == IOT_OK && (err = store_step(st, &row)) == IOT_OK && row && *n < MAX_TABLES)
		if (!(names[(*n)++] = strdup(store_col_text(st, 0))))
			err = IOT_E_NOMEM;
	if (err == IOT_OK || st)
		store_finalize(st);
	return err;
}

/* The number sql (a SELECT COUNT) gives; -1 when it fails. */
static int64_t count_rows_of(struct store *s, const char *sql)
{
	struct store_stmt *st;
	bool row = false;
	int64_t n = -1;

	if (store_prepare(s, sql, &st) != IOT_OK)
		return -1;
	if (store_step(st, &row) == IOT_OK && row)
		n = store_col_int(st, 0);
	store_finalize(st);
	return n;
}

static int64_t count_rows(struct store *s, const char *table)
{
	char sql[160];

	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", table);
	return count_rows_of(s, sql);
}

/* Every row of table from from into to, each value with the type it has. */
static iot_err copy_table(struct store *from, struct store *to, const char *table, uint64_t *rows)
{
	struct store_stmt *q, *ins = NULL;
	char sql[4096];
	bool row = false;
	iot_err err;
	int cols = 0;

	snprintf(sql, sizeof(sql), "SELECT * FROM %s", table);
	if ((err = store_prepare(from, sql, &q)) != IOT_OK)
		return err;
	while ((err = store_step(q, &row)) == IOT_OK && row) {
		if (!ins) {
			size_t n = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO %s (", table);

			cols = store_col_count(q);
			for (int i = 0; i < cols && n < sizeof(sql); i++)
				n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%s%s", i ? ", " : "", store_col_name(q, i));
			for (int i = 0; i < cols && n < sizeof(sql); i++)
				n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%s$%d", i ? ", " : ") VALUES (", i + 1);
			if (n + 2 >= sizeof(sql)) {
				err = IOT_E_BUFFER;
				break;
			}
			memcpy(sql + n, ")", 2);
			if ((err = store_prepare(to, sql, &ins)) != IOT_OK)
				break;
		} else {
			/* the same statement again: its last run let go, its values bound anew */
			store_finalize(ins);
			if ((err = store_prepare(to, sql, &ins)) != IOT_OK) {
				ins = NULL;
				break;
			}
		}
		for (int i = 0; i < cols; i++) {
			size_t len;
			const uint8_t *b;

			switch (store_col_type(q, i)) {
			case 'i': store_bind_int(ins, i + 1, store_col_int(q, i)); break;
			case 'b':
				b = store_col_blob(q, i, &len);
				store_bind_blob(ins, i + 1, b ? b : (const uint8_t *)"", len);
				break;
			case 'n': store_bind_null(ins, i + 1); break;
			default: store_bind_text(ins, i + 1, store_col_text(q, i)); break;
			}
		}
		if ((err = store_step(ins, &row)) != IOT_OK)
			break;
		(*rows)++;
	}
	store_finalize(ins);
	store_finalize(q);
	/* PostgreSQL: the ids copied are behind its identity column's sequence; move it past them */
	if (err == IOT_OK && !strcmp(store_engine(to), "postgresql")) {
		snprintf(sql, sizeof(sql),
			 "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema()"
			 " AND table_name = '%s' AND column_name = 'id' AND is_identity = 'YES'", table);
		if (count_rows_of(to, sql) > 0) {
			snprintf(sql, sizeof(sql),
				 "SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM %s),"
				 " false)", table, table);
			err = store_exec(to, sql);
		}
	}
	return err;
}

iot_err store_copy(struct store *from, struct store *to, const char *guard, const char *const *first, uint64_t *rows,
		   size_t *tables)
{
	char *names[MAX_TABLES];
	size_t n = 0, order[MAX_TABLES], k = 0;
	iot_err err = list_tables(from, names, &n);

	*rows = 0;
	*tables = 0;
	if (err == IOT_OK && count_rows(to, guard) != 0)
		err = IOT_E_REFUSED;    /* a store in use (or without the schema): not overwritten */
	/* the tables others refer to first (foreign keys), then the rest as they were made */
	for (size_t f = 0; err == IOT_OK && first && first[f]; f++)
		for (size_t i = 0; i < n; i++)
			if (!strcmp(names[i], first[f]))
				order[k++] = i;
	for (size_t i = 0; err == IOT_OK && i < n; i++) {
		bool listed = false;

		for (size_t j = 0; j < k; j++)
			listed |= order[j] == i;
		/* the destination keeps its own schema version and leases */
		if (!listed && strcmp(names[i], "store_schema") && strcmp(names[i], "store_lease"))
			order[k++] = i;
	}
	if (err == IOT_OK)
		err = store_begin(to);
	/* what opening the destination wrote (settings, the audit's head) gives way to the source's */
	for (size_t j = k; err == IOT_OK && j-- > 0;) {
		char sql[160];

		snprintf(sql, sizeof(sql), "DELETE FROM %s", names[order[j]]);
		err = store_exec(to, sql);
	}
	for (size_t j = 0; err == IOT_OK && j < k; j++, (*tables)++)
		err = copy_table(from, to, names[order[j]], rows);
	if (err == IOT_OK)
		err = store_commit(to);
	else if (k)
		store_rollback(to);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	return err;
}
