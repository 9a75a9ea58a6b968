/* Maintenance windows (a policy's "windows"): a label, a time zone, days
 * and a from-to time of day, over midnight too. */
#include "eim/window.h"

#include <stdio.h>
#include <string.h>

/* "HH:MM" in minutes, or -1 */
static int minutes(const char *t)
{
	unsigned h, m;
	char end;

	if (!t || sscanf(t, "%2u:%2u%c", &h, &m, &end) != 2 || h > 24 || m > 59 || (h == 24 && m))
		return -1;
	return (int)(h * 60 + m);
}

iot_err eim_window_parse(const json_t *j, struct eim_window *w, char *why, size_t cap)
{
	static const char *const days[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };
	const char *label = json_string_value(json_object_get(j, "label"));
	const char *zone = json_string_value(json_object_get(j, "timezone"));
	json_t *v;
	size_t i;
	iot_err err;

	memset(w, 0, sizeof(*w));
	if (!label || !*label || strlen(label) >= sizeof(w->label)) {
		snprintf(why, cap, "a window wants a label");
		return IOT_E_ARG;
	}
	snprintf(w->label, sizeof(w->label), "%s", label);
	if ((err = tz_load(zone ? zone : "UTC", &w->zone)) != IOT_OK) {
		snprintf(why, cap, "window %s: time zone %s %s", label, zone ? zone : "UTC",
			 err == IOT_E_NOT_FOUND ? "is not in tzdata (installed?)" : "has a rule this eIM does not read");
		return IOT_E_ARG;
	}
	json_array_foreach(json_object_get(j, "days"), i, v) {
		unsigned k = 0;

		while (k < 7 && strcmp(days[k], json_string_value(v) ? json_string_value(v) : ""))
			k++;
		if (k == 7) {
			snprintf(why, cap, "window %s: days are sun, mon, tue, wed, thu, fri, sat", label);
			return IOT_E_ARG;
		}
		w->days |= 1u << k;
	}
	if (!w->days)
		w->days = 0x7F;
	w->from = minutes(json_string_value(json_object_get(j, "from")));
	w->to = minutes(json_string_value(json_object_get(j, "to")));
	if (w->from < 0 || w->to < 0 || w->from == w->to) {
		snprintf(why, cap, "window %s: from and to are HH:MM, not equal", label);
		return IOT_E_ARG;
	}
	return IOT_OK;
}

bool eim_window_open(const struct eim_window *w, time_t now)
{
	struct tm tm;
	int m;

	tz_local(&w->zone, now, &tm);
	m = tm.tm_hour * 60 + tm.tm_min;
	if (w->from < w->to)
		return (w->days >> tm.tm_wday & 1) && m >= w->from && m < w->to;
	/* over midnight: from the day named until `to` the next morning */
	return ((w->days >> tm.tm_wday & 1) && m >= w->from) || ((w->days >> ((tm.tm_wday + 6) % 7) & 1) && m < w->to);
}
