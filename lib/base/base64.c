#include "base/base64.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

iot_err base64_encode(const uint8_t *in, size_t n, char *out, size_t cap)
{
	size_t i, o = 0;

	if (cap < base64_encoded_size(n))
		return IOT_E_BUFFER;
	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
		out[o++] = alphabet[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);

		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return IOT_OK;
}

static int value_of(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

iot_err base64_decode(const char *text, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	size_t i, o = 0;

	if (len % 4)
		return IOT_E_BASE64;
	for (i = 0; i < len; i += 4) {
		int v[4], k, pad = 0;
		uint32_t w;

		for (k = 0; k < 4; k++) {
			char c = text[i + k];

			/* RFC 4648 3.3: '=' only as the final padding */
			if (c == '=' && i + 4 == len && k >= 2 && (k == 3 || text[i + 3] == '=')) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad || (v[k] = value_of(c)) < 0)
				return IOT_E_BASE64;
		}
		w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
		/* RFC 4648 3.5: the bits the padding leaves over are zero */
		if ((pad == 1 && (w & 0xff)) || (pad == 2 && (w & 0xffff)))
			return IOT_E_BASE64;
		if (cap - o < (size_t)(3 - pad))
			return IOT_E_BUFFER;
		out[o++] = (uint8_t)(w >> 16);
		if (pad < 2)
			out[o++] = (uint8_t)(w >> 8);
		if (pad < 1)
			out[o++] = (uint8_t)w;
	}
	*out_len = o;
	return IOT_OK;
}
