/* Base64 (RFC 4648 section 4, with padding), as the SGP.22 JSON binding
 * carries ASN.1 values. */
#ifndef IOT_BASE_BASE64_H
#define IOT_BASE_BASE64_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* Bytes needed to encode n bytes, including the terminating NUL. */
static inline size_t base64_encoded_size(size_t n)
{
	return (n + 2) / 3 * 4 + 1;
}

/* Writes the NUL-terminated encoding of in into out (cap bytes). */
iot_err base64_encode(const uint8_t *in, size_t n, char *out, size_t cap);
/* Decodes text of length len into out (cap bytes); *out_len gets the size.
 * Rejects characters outside the alphabet, bad padding and non-zero pad bits. */
iot_err base64_decode(const char *text, size_t len, uint8_t *out, size_t cap, size_t *out_len);

#endif
