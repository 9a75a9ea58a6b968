#include "base/hex.h"

#include <string.h>

void hex_encode(const uint8_t *b, size_t n, char *out)
{
	static const char digits[] = "0123456789ABCDEF";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = 0;
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

iot_err hex_decode(const char *text, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = strlen(text);

	if (n % 2)
		return IOT_E_ARG;
	if (n / 2 > cap)
		return IOT_E_BUFFER;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = nibble(text[2 * i]), lo = nibble(text[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return IOT_E_ARG;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return IOT_OK;
}
