/* Local time in a named time zone without touching the process's TZ (eimd
 * is multi-threaded; setenv would race every getenv): the zone's rule as the
 * TZif file states it for the present (its footer, RFC 8536 3.3, a POSIX TZ
 * string), evaluated here. */
#include "eim/tz.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* [+-]hh[:mm[:ss]] in seconds; false when not one. */
static bool parse_offset(const char **p, long *out)
{
	long sign = 1, h = 0, m = 0, s = 0;

	if (**p == '+' || **p == '-')
		sign = *(*p)++ == '-' ? -1 : 1;
	if (!isdigit((unsigned char)**p))
		return false;
	h = strtol(*p, (char **)p, 10);
	/* POSIX TZ: each part digits only (strtol would take a sign, and a
	 * negative minute then passes the range checks and overflows) */
	if (**p == ':') {
		if (!isdigit((unsigned char)*++*p))
			return false;
		m = strtol(*p, (char **)p, 10);
		if (**p == ':') {
			if (!isdigit((unsigned char)*++*p))
				return false;
			s = strtol(*p, (char **)p, 10);
		}
	}
	if (h > 167 || m > 59 || s > 59)
		return false;
	*out = sign * (h * 3600 + m * 60 + s);
	return true;
}

static bool parse_name(const char **p)
{
	const char *s = *p;

	if (*s == '<') {
		const char *e = strchr(s, '>');

		if (!e)
			return false;
		*p = e + 1;
		return true;
	}
	while (isalpha((unsigned char)**p))
		(*p)++;
	return *p - s >= 3;
}

/* ,Mm.w.d[/time] */
static bool parse_rule(const char **p, struct tz_rule_date *r)
{
	char *end;
	long month, week, wday;

	if (*(*p)++ != ',' || *(*p)++ != 'M')
		return false;
	month = strtol(*p, &end, 10);
	if (*end != '.')
		return false;
	week = strtol(end + 1, &end, 10);
	if (*end != '.')
		return false;
	wday = strtol(end + 1, &end, 10);
	*p = end;
	/* in range before they are ints */
	if (month < 1 || month > 12 || week < 1 || week > 5 || wday < 0 || wday > 6)
		return false;
	r->month = (int)month;
	r->week = (int)week;
	r->wday = (int)wday;
	r->time = 7200;
	return **p != '/' || (++*p, parse_offset(p, &r->time));
}

iot_err tz_parse_posix(const char *text, struct tz *out)
{
	const char *p = text;

	memset(out, 0, sizeof(*out));
	if (!parse_name(&p) || !parse_offset(&p, &out->std_offset))
		return IOT_E_ARG;
	out->std_offset = -out->std_offset;     /* POSIX counts west of Greenwich */
	if (!*p)
		return IOT_OK;
	if (!parse_name(&p))
		return IOT_E_ARG;
	out->has_dst = true;
	out->dst_offset = out->std_offset + 3600;
	if (*p && *p != ',') {
		if (!parse_offset(&p, &out->dst_offset))
			return IOT_E_ARG;
		out->dst_offset = -out->dst_offset;
	}
	/* the J and n forms of the rules are not in tzdata's footers */
	if (!parse_rule(&p, &out->start) || !parse_rule(&p, &out->end) || *p)
		return IOT_E_ARG;
	return IOT_OK;
}

iot_err tz_load(const char *name, struct tz *out)
{
	const char *dir = getenv("TZDIR");
	char path[512], buf[65536], *nl;
	size_t n;
	FILE *f;

	/* a zone name, never a path out of the zone directory */
	if (!name || !*name || name[0] == '/' || strstr(name, "..") || strlen(name) > 100)
		return IOT_E_ARG;
	snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
	if (!(f = fopen(path, "rb")))
		return IOT_E_NOT_FOUND;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* RFC 8536 3.3: version 2+ files end in NL, the TZ string, NL */
	if (n < 50 || memcmp(buf, "TZif", 4) || buf[4] < '2' || buf[n - 1] != '\n')
		return IOT_E_ARG;
	buf[n - 1] = 0;
	/* the data before it holds NULs: look back from the end */
	for (nl = buf + n - 2; nl > buf && *nl != '\n'; nl--)
		;
	if (*nl != '\n')
		return IOT_E_ARG;
	return tz_parse_posix(nl + 1, out);
}

/* When a rule's date is, in UTC, in year y (its time is local, in offset). */
static int64_t rule_instant(const struct tz_rule_date *r, int64_t y, long offset)
{
	static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int64_t first = days_from_civil(y, (unsigned)r->month, 1);
	unsigned len = mdays[r->month - 1] + (r->month == 2 && ((y % 4 == 0 && y % 100) || y % 400 == 0));
	int wday_first = (int)(((first % 7) + 11) % 7);          /* 1970-01-01 was a Thursday (4) */
	int64_t day = 1 + (r->wday - wday_first + 7) % 7 + (int64_t)(r->week - 1) * 7;

	while (day > len)
		day -= 7;
	return (first + day - 1) * 86400 + r->time - offset;
}

long tz_offset(const struct tz *z, time_t now)
{
	struct tm tm;
	int64_t y, start, end;

	if (!z->has_dst)
		return z->std_offset;
	gmtime_r(&now, &tm);
	y = tm.tm_year + 1900;
	start = rule_instant(&z->start, y, z->std_offset);
	end = rule_instant(&z->end, y, z->dst_offset);
	/* northern zones: DST between start and end; southern: outside */
	if (start < end)
		return now >= start && now < end ? z->dst_offset : z->std_offset;
	return now >= end && now < start ? z->std_offset : z->dst_offset;
}

void tz_local(const struct tz *z, time_t now, struct tm *out)
{
	time_t local = now + tz_offset(z, now);

	gmtime_r(&local, out);
}
