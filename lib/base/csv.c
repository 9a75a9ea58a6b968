#include "base/csv.h"

#include <string.h>

/* A quoted field from just past its opening quote; *p ends past the closing one. */
static iot_err quoted(const char **p, const char *end, struct csv_field *f)
{
	const char *s = *p;

	f->text = s;
	f->escaped = false;
	for (;;) {
		const char *q = memchr(s, '"', (size_t)(end - s));

		if (!q)
			return IOT_E_ARG;       /* RFC 4180 2.5: a quoted field ends with a quote */
		if (q + 1 < end && q[1] == '"') {
			f->escaped = true;      /* RFC 4180 2.7: "" is a quote */
			s = q + 2;
			continue;
		}
		f->len = (size_t)(q - f->text);
		*p = q + 1;
		return IOT_OK;
	}
}

iot_err csv_record(const char **p, const char *end, struct csv_field *f, size_t max, size_t *n)
{
	const char *s = *p;
	iot_err err;

	*n = 0;
	if (s >= end)
		return IOT_E_NOT_FOUND;
	for (;;) {
		struct csv_field x = { s, 0, false };

		if (s < end && *s == '"') {
			s++;
			if ((err = quoted(&s, end, &x)) != IOT_OK)
				return err;
		} else {
			while (s < end && *s != ',' && *s != '\n' && *s != '\r' && *s != '"')
				s++;
			if (s < end && *s == '"')
				return IOT_E_ARG;       /* RFC 4180 2.5: no quote inside an unquoted field */
			x.len = (size_t)(s - x.text);
		}
		if (*n == max)
			return IOT_E_BUFFER;
		f[(*n)++] = x;
		if (s < end && *s == ',') {
			s++;
			continue;
		}
		if (s < end && *s == '\r')
			s++;
		if (s < end && *s != '\n')
			return IOT_E_ARG;       /* a quoted field followed by something else */
		*p = s < end ? s + 1 : end;
		return IOT_OK;
	}
}

iot_err csv_field_copy(const struct csv_field *f, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < f->len; i++) {
		if (o + 1 >= cap)
			return IOT_E_BUFFER;
		out[o++] = f->text[i];
		if (f->escaped && f->text[i] == '"')
			i++;            /* the second quote of a pair */
	}
	if (!cap)
		return IOT_E_BUFFER;
	out[o] = 0;
	return IOT_OK;
}
