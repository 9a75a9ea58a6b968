#include "base/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum log_level threshold = LOG_INFO;

/* IOTRSP_LOG_DEBUG=1 in the environment: debug lines too, from the start
 * (for whoever chases a problem in a test or a tool without a -v) */
__attribute__((constructor)) static void log_from_environment(void)
{
	const char *v = getenv("IOTRSP_LOG_DEBUG");

	if (v && *v && strcmp(v, "0"))
		threshold = LOG_DEBUG;
}

void log_set_level(enum log_level min)
{
	threshold = min;
}

static void put(const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(STDERR_FILENO, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return;         /* nowhere left to say it */
		p += k;
		n -= (size_t)k;
	}
}

/* The line's start, up to its fields (a space before them when there are any). */
static int line_head(char *dst, size_t cap, const char *ts, enum log_level level, const char *comp, const char *msg,
		     bool fields)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };

	return snprintf(dst, cap, "ts=%s level=%s comp=%s msg=\"%s\"%s", ts, names[level], comp, msg, fields ? " " : "");
}

/* A line is made whole, then written at once: one write per line, not one
 * per piece (eimd logs each operation it sends and each result), and lines
 * of several threads or processes sharing the stream do not interleave. */
void log_write(enum log_level level, const char *comp, const char *msg, const char *fmt, ...)
{
	char buf[1024], ts[32], *line = buf;
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;
	size_t head, rest = 0;
	int n;

	if (level < threshold)
		return;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	n = line_head(buf, sizeof(buf), ts, level, comp, msg, fmt && *fmt);
	if (n < 0)
		return;
	head = (size_t)n;
	if (fmt && *fmt) {
		va_start(ap, fmt);
		n = vsnprintf(head < sizeof(buf) ? buf + head : NULL, head < sizeof(buf) ? sizeof(buf) - head : 0, fmt, ap);
		va_end(ap);
		rest = n < 0 ? 0 : (size_t)n;
		if (!rest)
			head--;         /* fields that came out empty: no space before the newline */
	}
	/* longer than the stack's buffer (with its newline): made again, allocated */
	if (head + rest + 1 >= sizeof(buf)) {
		if (!(line = malloc(head + rest + 2)))
			return;
		line_head(line, head + 1, ts, level, comp, msg, fmt && *fmt);
		if (rest) {
			va_start(ap, fmt);
			vsnprintf(line + head, rest + 1, fmt, ap);
			va_end(ap);
		}
	}
	line[head + rest] = '\n';
	put(line, head + rest + 1);
	if (line != buf)
		free(line);
}
