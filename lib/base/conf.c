#include "base/conf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

iot_err conf_load(const char *path, struct conf *c, int *bad_line)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	int n = 0;

	c->entries = NULL;
	c->count = 0;
	if (!f)
		return IOT_E_IO;
	while (fgets(line, sizeof(line), f)) {
		char *hash, *eq, *key, *value;
		struct conf_entry *grown;

		n++;
		if ((hash = strchr(line, '#')))
			*hash = '\0';
		key = trim(line);
		if (!*key)
			continue;
		if (!(eq = strchr(key, '='))) {
			*bad_line = n;
			fclose(f);
			conf_free(c);
			return IOT_E_ARG;
		}
		*eq = '\0';
		key = trim(key);
		value = trim(eq + 1);
		if (!*key) {
			*bad_line = n;
			fclose(f);
			conf_free(c);
			return IOT_E_ARG;
		}
		if (!(grown = realloc(c->entries, (c->count + 1) * sizeof(*grown)))) {
			fclose(f);
			conf_free(c);
			return IOT_E_NOMEM;
		}
		c->entries = grown;
		c->entries[c->count].key = strdup(key);
		c->entries[c->count].value = strdup(value);
		c->entries[c->count].line = n;
		c->count++;
	}
	fclose(f);
	return IOT_OK;
}

const char *conf_get(const struct conf *c, const char *key)
{
	size_t i = c->count;

	while (i--)
		if (c->entries[i].key && !strcmp(c->entries[i].key, key))
			return c->entries[i].value;
	return NULL;
}

void conf_free(struct conf *c)
{
	size_t i;

	for (i = 0; i < c->count; i++) {
		free(c->entries[i].key);
		free(c->entries[i].value);
	}
	free(c->entries);
	c->entries = NULL;
	c->count = 0;
}
