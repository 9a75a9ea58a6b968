/* query_plans SCHEMA STATEMENTS [ALLOW]: every statement a daemon prepared
 * (IOTRSP_STORE_TRACE) explained against its schema: one that reads a table
 * by a full scan fails, unless ALLOW (lines "TABLE REASON" for small
 * tables, or "~SUBSTRING" for statements off the request path) says
 * it may. Prints each plan that fails and a count. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"

#define MAX_ALLOW 64

static char allow[MAX_ALLOW][256];
static size_t nallow;

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) || !(text = malloc((size_t)n + 1))) {
		if (f)
			fclose(f);
		return NULL;
	}
	text[fread(text, 1, (size_t)n, f)] = 0;
	fclose(f);
	return text;
}

/* "SCAN t" or "SCAN t USING ..." (a covering index is still a scan of all rows) */
static bool scanned_table(const char *detail, char *table, size_t cap)
{
	const char *p = detail;
	size_t n = 0;

	if (strncmp(p, "SCAN ", 5))
		return false;
	p += 5;
	if (!strncmp(p, "TABLE ", 6))           /* older SQLite */
		p += 6;
	while (p[n] && p[n] != ' ' && n + 1 < cap)
		n++;
	memcpy(table, p, n);
	table[n] = 0;
	/* a scan of a subquery's result or a CTE is not a table's */
	return strncmp(table, "(subquery", 9) && strcmp(table, "CONSTANT");
}

static bool allowed(const char *sql, const char *table)
{
	for (size_t i = 0; i < nallow; i++) {
		char word[256];

		if (sscanf(allow[i], "%255s", word) != 1)
			continue;
		if (word[0] == '~') {
			/* the rest of the line is the substring (its reason on a comment line above) */
			if (strstr(sql, allow[i] + 1))
				return true;
		} else if (!strcmp(word, table)) {
			return true;
		}
	}
	return false;
}

int main(int argc, char **argv)
{
	char path[] = "/tmp/iotrsp-plans-XXXXXX", *schema, *lines, *save = NULL, url[64];
	struct store *s;
	int fd, bad = 0, checked = 0;

	if (argc < 3 || !(schema = slurp(argv[1])) || !(lines = slurp(argv[2]))) {
		fprintf(stderr, "usage: query_plans SCHEMA STATEMENTS [ALLOW]\n");
		return 2;
	}
	if (argc > 3) {
		FILE *f = fopen(argv[3], "r");

		while (f && nallow < MAX_ALLOW && fgets(allow[nallow], sizeof(allow[nallow]), f))
			if (allow[nallow][0] != '#' && allow[nallow][0] != '\n') {
				allow[nallow][strcspn(allow[nallow], "\n")] = 0;
				nallow++;
			}
		if (f)
			fclose(f);
	}
	if ((fd = mkstemp(path)) < 0)
		return 2;
	close(fd);
	snprintf(url, sizeof(url), "sqlite:%s", path);
	if (store_open(url, &s) != IOT_OK || store_exec(s, schema) != IOT_OK) {
		fprintf(stderr, "query_plans: the schema does not load\n");
		return 2;
	}
	for (char *sql = strtok_r(lines, "\n", &save); sql; sql = strtok_r(NULL, "\n", &save)) {
		char explain[8192], table[128];
		struct store_stmt *st;
		bool row;

		/* what reads rows: SELECT, INSERT ... SELECT, UPDATE, DELETE */
		if (strncmp(sql, "SELECT", 6) && strncmp(sql, "INSERT", 6) && strncmp(sql, "UPDATE", 6) &&
		    strncmp(sql, "DELETE", 6) && strncmp(sql, "WITH", 4))
			continue;
		snprintf(explain, sizeof(explain), "EXPLAIN QUERY PLAN %s", sql);
		if (store_prepare(s, explain, &st) != IOT_OK) {
			/* a statement of another store (both daemons may trace into one directory) */
			continue;
		}
		checked++;
		while (store_step(st, &row) == IOT_OK && row) {
			const char *detail = store_col_text(st, 3);

			if (detail && scanned_table(detail, table, sizeof(table)) && !allowed(sql, table)) {
				printf("FULL SCAN of %s: %s\n    in: %s\n", table, detail, sql);
				bad++;
			}
		}
		store_finalize(st);
	}
	store_close(s);
	unlink(path);
	for (const char *suffix = "-wal"; suffix; suffix = strcmp(suffix, "-wal") ? NULL : "-shm") {
		char extra[64];

		snprintf(extra, sizeof(extra), "%s%s", path, suffix);
		unlink(extra);
	}
	printf("query plans: %d statements checked, %d with a full scan\n", checked, bad);
	free(schema);
	free(lines);
	return bad || !checked ? 1 : 0;
}
