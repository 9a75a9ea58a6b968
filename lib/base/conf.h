/* The one configuration parser: files of "key = value" lines, '#' starts a
 * comment, keys may repeat (all values kept, in order). Daemons read their
 * file first and let command-line options override it. */
#ifndef IOT_BASE_CONF_H
#define IOT_BASE_CONF_H

#include <stddef.h>

#include "base/err.h"

struct conf_entry {
	char *key, *value;
	int line;
};

struct conf {
	struct conf_entry *entries;
	size_t count;
};

/* Parses path; a malformed line is IOT_E_ARG with *bad_line set. */
iot_err conf_load(const char *path, struct conf *c, int *bad_line);
/* The last value of key, or NULL. */
const char *conf_get(const struct conf *c, const char *key);
void conf_free(struct conf *c);

#endif
