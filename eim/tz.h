/* Time zones for maintenance windows (eim/tz.c). */
#ifndef IOT_EIM_TZ_H
#define IOT_EIM_TZ_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "base/err.h"

struct tz_rule_date {
	int month, week, wday;                  /* Mm.w.d: week 5 is the last */
	long time;                              /* seconds after local midnight */
};
struct tz {
	long std_offset, dst_offset;            /* seconds east of UTC */
	bool has_dst;
	struct tz_rule_date start, end;
};
/* A zone by its tzdata name ("Europe/Berlin", "UTC"): IOT_E_NOT_FOUND when
 * tzdata lacks it, IOT_E_ARG when its rule is not one this reads. */
iot_err tz_load(const char *name, struct tz *out);
/* A POSIX TZ string such as "CET-1CEST,M3.5.0,M10.5.0/3". */
iot_err tz_parse_posix(const char *text, struct tz *out);
long tz_offset(const struct tz *z, time_t now);
/* now as the zone's wall clock (tm_wday, tm_hour, tm_min ...). */
void tz_local(const struct tz *z, time_t now, struct tm *out);

#endif
