/* lib/base/log.c: each line whole, however long, and lines of several
 * threads never mixed. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/log.h"

#define THREADS 4
#define LINES 300

/* stderr sent to a temporary file while fn runs; the file's text returned */
static char *captured(void (*fn)(void))
{
	char path[] = "/tmp/iotrsp-log-XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	FILE *f;
	long n;
	char *text;

	assert_true(fd >= 0 && saved >= 0);
	unlink(path);
	assert_int_equal(dup2(fd, 2), 2);
	fn();
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	assert_non_null(f = fdopen(fd, "r"));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	assert_non_null(text = calloc(1, (size_t)n + 1));
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return text;
}

static char long_value[5000];

static void write_lines(void)
{
	memset(long_value, 'x', sizeof(long_value) - 1);
	log_info("test", "short", "k=%d", 1);
	log_info("test", "no fields", "%s", "");
	log_warn("test", "long", "v=%s end=1", long_value);
	log_error("test", long_value, "%s", "");
	log_debug("test", "below the threshold", "k=%d", 2);
}

static void test_lines_whole(void **state)
{
	char *text = captured(write_lines), *line, *save = NULL;
	char want[6000];
	int n = 0;

	(void)state;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
		assert_memory_equal(line, "ts=", 3);
		if (n == 0)
			assert_non_null(strstr(line, " level=info comp=test msg=\"short\" k=1"));
		if (n == 1)
			assert_string_equal(strstr(line, " level="), " level=info comp=test msg=\"no fields\"");
		if (n == 2) {
			snprintf(want, sizeof(want), " level=warn comp=test msg=\"long\" v=%s end=1", long_value);
			assert_string_equal(strstr(line, " level="), want);
		}
		if (n == 3) {
			snprintf(want, sizeof(want), " level=error comp=test msg=\"%s\"", long_value);
			assert_string_equal(strstr(line, " level="), want);
		}
	}
	assert_int_equal(n, 4);
	free(text);
}

static void *writer(void *arg)
{
	int t = (int)(intptr_t)arg;

	for (int i = 0; i < LINES; i++)
		log_info("test", "from a thread", "thread=%d line=%d pad=%.*s", t, i, 200 + t * 300, long_value);
	return NULL;
}

static void write_from_threads(void)
{
	pthread_t th[THREADS];

	for (int t = 0; t < THREADS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, writer, (void *)(intptr_t)t), 0);
	for (int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
}

static void test_threads_not_mixed(void **state)
{
	char *text = captured(write_from_threads), *line, *save = NULL;
	int next[THREADS] = { 0 }, n = 0;

	(void)state;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
		int t, i, len = 0;
		const char *f = strstr(line, " thread=");

		assert_non_null(f);
		assert_int_equal(sscanf(f, " thread=%d line=%d pad=%n", &t, &i, &len), 2);
		assert_true(t >= 0 && t < THREADS && len > 0);
		assert_int_equal(i, next[t]++);         /* a thread's lines in its order */
		assert_int_equal(strspn(f + len, "x"), 200 + t * 300);
		assert_int_equal(f[len + 200 + t * 300], '\0');
	}
	assert_int_equal(n, THREADS * LINES);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_whole),
		cmocka_unit_test(test_threads_not_mixed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
