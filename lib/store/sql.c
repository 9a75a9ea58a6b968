/* Helpers over the store interface, backend-neutral: store_sql (one
 * statement with its parameters, for the many writes that need no rows
 * back) and store_col_blob_copy. */
#include "store/store.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

iot_err store_sql(struct store *s, const char *sql, const char *types, ...)
{
	struct store_stmt *q = NULL;
	va_list ap;
	bool row;
	iot_err err = store_prepare(s, sql, &q);

	va_start(ap, types);
	for (int i = 0; err == IOT_OK && types[i]; i++) {
		if (types[i] == 't') {
			const char *t = va_arg(ap, const char *);

			err = t ? store_bind_text(q, i + 1, t) : store_bind_null(q, i + 1);
		} else if (types[i] == 'i')
			err = store_bind_int(q, i + 1, va_arg(ap, int64_t));
		else if (types[i] == 'b') {
			const uint8_t *b = va_arg(ap, const uint8_t *);
			size_t n = va_arg(ap, size_t);

			err = b ? store_bind_blob(q, i + 1, b, n) : store_bind_null(q, i + 1);
		} else {
			err = IOT_E_ARG;
		}
	}
	va_end(ap);
	if (err == IOT_OK)
		err = store_step(q, &row);
	if (q)
		store_finalize(q);
	return err;
}


uint8_t *store_col_blob_copy(struct store_stmt *st, int col, size_t *len)
{
	const uint8_t *b = store_col_blob(st, col, len);
	uint8_t *p;

	if (!b || !*len || !(p = malloc(*len)))
		return NULL;
	return memcpy(p, b, *len);
}
