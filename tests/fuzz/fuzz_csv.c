/* libFuzzer target: CSV records (RFC 4180) as the bulk registration reads
 * them, each field copied and base64-decoded; base64 round trips. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "base/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct csv_field f[8];
	size_t n;
	char text[4096];
	uint8_t der[4096];
	size_t len;

	while (csv_record(&p, end, f, 8, &n) == IOT_OK) {
		if (p > end || !n)
			abort();        /* a record moves on and has a field */
		for (size_t i = 0; i < n; i++) {
			if (f[i].text < (const char *)data || f[i].text + f[i].len > end)
				abort();
			if (csv_field_copy(&f[i], text, sizeof(text)) == IOT_OK && strlen(text) > f[i].len)
				abort();
			if (base64_decode(f[i].text, f[i].len, der, sizeof(der), &len) == IOT_OK) {
				char back[sizeof(der) / 3 * 4 + 8];

				/* what decodes encodes back to the same text */
				if (base64_encode(der, len, back, sizeof(back)) != IOT_OK || strlen(back) != f[i].len ||
				    memcmp(back, f[i].text, f[i].len))
					abort();
			}
		}
	}
	return 0;
}
