#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

void log_write(enum log_level level, const char *comp, const char *msg, const char *fmt, ...)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };
	char ts[32];
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;

	if (level < threshold)
		return;
	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	flockfile(stderr);
	fprintf(stderr, "ts=%s level=%s comp=%s msg=\"%s\"", ts, names[level], comp, msg);
	if (fmt && *fmt) {
		fputc(' ', stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
	}
	fputc('\n', stderr);
	funlockfile(stderr);
}
