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

/* each character's 6 bits plus one; 0 for a character outside the alphabet */
static const uint8_t value_plus1[256] = {
	['A'] = 1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
	['a'] = 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52,
	['0'] = 53, 54, 55, 56, 57, 58, 59, 60, 61, 62,
	['+'] = 63, ['/'] = 64,
};

/* The last quantum, where padding may stand. */
static iot_err decode_last(const char *t, uint8_t *out, size_t cap, size_t *o)
{
	unsigned v[4], pad = 0;
	uint32_t w;

	for (int k = 0; k < 4; k++) {
		/* RFC 4648 3.3: '=' only as the final padding */
		if (t[k] == '=' && k >= 2 && (k == 3 || t[3] == '=')) {
			v[k] = 0;
			pad++;
			continue;
		}
		if (pad || !(v[k] = value_plus1[(unsigned char)t[k]]))
			return IOT_E_BASE64;
		v[k]--;
	}
	w = v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3];
	/* RFC 4648 3.5: the bits the padding leaves over are zero */
	if ((pad == 1 && (w & 0xff)) || (pad == 2 && (w & 0xffff)))
		return IOT_E_BASE64;
	if (cap - *o < 3 - pad)
		return IOT_E_BUFFER;
	out[(*o)++] = (uint8_t)(w >> 16);
	if (pad < 2)
		out[(*o)++] = (uint8_t)(w >> 8);
	if (pad < 1)
		out[(*o)++] = (uint8_t)w;
	return IOT_OK;
}

iot_err base64_decode(const char *text, size_t len, uint8_t *out, size_t cap, size_t *out_len)
{
	const unsigned char *t = (const unsigned char *)text;
	size_t i, o = 0;
	iot_err err;

	if (len % 4)
		return IOT_E_BASE64;
	if (!len) {
		*out_len = 0;
		return IOT_OK;
	}
	for (i = 0; i + 4 < len; i += 4) {
		uint32_t a = value_plus1[t[i]], b = value_plus1[t[i + 1]], c = value_plus1[t[i + 2]],
			 d = value_plus1[t[i + 3]];

		if (!a || !b || !c || !d)
			return IOT_E_BASE64;
		a--, b--, c--, d--;
		if (cap - o < 3)
			return IOT_E_BUFFER;
		a = a << 18 | b << 12 | c << 6 | d;
		out[o++] = (uint8_t)(a >> 16);
		out[o++] = (uint8_t)(a >> 8);
		out[o++] = (uint8_t)a;
	}
	if ((err = decode_last(text + i, out, cap, &o)) != IOT_OK)
		return err;
	*out_len = o;
	return IOT_OK;
}
