/* A maintenance window of the governance policy (eim/window.c). */
#ifndef IOT_EIM_WINDOW_H
#define IOT_EIM_WINDOW_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#include "eim/tz.h"

struct eim_window {
	char label[128];
	struct tz zone;
	unsigned days;                          /* bit per tm_wday */
	int from, to;                           /* minutes after local midnight */
};
/* {"label", "timezone", "days": ["mon", ...], "from": "HH:MM", "to": "HH:MM"};
 * IOT_E_ARG with why when it is not one. */
iot_err eim_window_parse(const json_t *j, struct eim_window *w, char *why, size_t cap);
/* Whether w is open at now, in its zone. */
bool eim_window_open(const struct eim_window *w, time_t now);

#endif
