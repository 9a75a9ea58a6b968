/* Hexadecimal text for identifiers kept as text (EIDs, ICCIDs, transaction
 * IDs in logs and databases). */
#ifndef IOT_BASE_HEX_H
#define IOT_BASE_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* Writes 2n uppercase digits and a NUL to out (2n + 1 bytes). */
void hex_encode(const uint8_t *b, size_t n, char *out);
/* Exactly the digits of text, upper or lower case, into out; IOT_E_ARG for
 * an odd count or a non-digit, IOT_E_BUFFER when cap is too small. */
iot_err hex_decode(const char *text, uint8_t *out, size_t cap, size_t *len);

#endif
