/* CSV records (RFC 4180): comma-separated fields, optionally in double
 * quotes ('""' a quote inside them, commas and line breaks allowed there),
 * records ended by CRLF or LF. Fields are slices of the text, not copies. */
#ifndef IOT_BASE_CSV_H
#define IOT_BASE_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

struct csv_field {
	const char *text;       /* within the quotes when quoted */
	size_t len;
	bool escaped;           /* quoted and holding '""': csv_field_copy undoes them */
};

/* Reads the record at *p (before end) into at most max fields and moves *p
 * past it. IOT_E_NOT_FOUND at the end of the text, IOT_E_ARG when a quote is
 * not closed or not followed by a comma or the record's end, IOT_E_BUFFER
 * when there are more than max fields. An empty line is a record of one
 * empty field. */
iot_err csv_record(const char **p, const char *end, struct csv_field *f, size_t max, size_t *n);

/* The field's text, quotes undone, NUL-terminated in out (cap bytes). */
iot_err csv_field_copy(const struct csv_field *f, char *out, size_t cap);

#endif
