#include "crypto/bsp.h"
#include "crypto/internal.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

void bsp_init(struct bsp *b, const struct bsp_keys *keys)
{
	memcpy(b->s_enc, keys->s_enc, 16);
	memcpy(b->s_mac, keys->s_mac, 16);
	memcpy(b->mac_chaining, keys->mac_chaining, 16);
	b->block = 1;
}

void bsp_wipe(struct bsp *b)
{
	OPENSSL_cleanse(b, sizeof(*b));
}

/* AES-128 in ECB (one block, for the ICV) or CBC without padding. */
static iot_err aes_128(const EVP_CIPHER *cipher, bool enc, const uint8_t key[16], const uint8_t *iv,
		       const uint8_t *in, size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n1 = 0, n2 = 0;
	iot_err err = IOT_E_CRYPTO;

	if (!ctx)
		return IOT_E_NOMEM;
	if (cipher && EVP_CipherInit_ex(ctx, cipher, NULL, key, iv, enc) > 0 &&
	    EVP_CIPHER_CTX_set_padding(ctx, 0) > 0 &&
	    EVP_CipherUpdate(ctx, out, &n1, in, (int)len) > 0 &&
	    EVP_CipherFinal_ex(ctx, out + n1, &n2) > 0 && (size_t)(n1 + n2) == len)
		err = IOT_OK;
	EVP_CIPHER_CTX_free(ctx);
	return err;
}

/* SGP.22 2.6.4.4: the ICV is the block counter, left-padded with zeroes to
 * 16 bytes, encrypted with S-ENC */
static iot_err icv(const struct bsp *b, uint8_t out[16])
{
	uint8_t counter[16] = { 0 };

	counter[12] = (uint8_t)(b->block >> 24);
	counter[13] = (uint8_t)(b->block >> 16);
	counter[14] = (uint8_t)(b->block >> 8);
	counter[15] = (uint8_t)b->block;
	return aes_128(crypto_algs()->aes128_ecb, true, b->s_enc, NULL, counter, 16, out);
}

/* SGP.22 2.6.4.5: full MAC = CMAC(S-MAC, chaining || tag || length || data);
 * the next chaining value is the full MAC, the C-MAC its first 8 bytes */
static iot_err cmac_chained(const struct bsp *b, const uint8_t *header_and_data, size_t len,
			    uint8_t full[16])
{
	uint8_t stack[BSP_MAX_SEGMENT + 16], *buf = stack;
	iot_err err;

	if (len > BSP_MAX_SEGMENT)
		return IOT_E_ARG;
	memcpy(buf, b->mac_chaining, 16);
	memcpy(buf + 16, header_and_data, len);
	err = crypto_aes_cmac(b->s_mac, buf, 16 + len, full);
	OPENSSL_cleanse(buf, 16 + len);
	return err;
}

static iot_err protect_segment(struct bsp *b, uint8_t tag, bool encrypt, const uint8_t *data,
			       size_t len, struct der_writer *w)
{
	uint8_t seg[BSP_MAX_SEGMENT], full[16], iv[16];
	size_t payload_len = len, header_len, start;
	struct der_writer hw;
	iot_err err;

	if (encrypt) {
		/* SGP.22 2.6.4.4: '80', then '00' to a multiple of 16 */
		payload_len = (len + 1 + 15) / 16 * 16;
		memcpy(seg + 8, data, len);
		seg[8 + len] = 0x80;
		memset(seg + 8 + len + 1, 0, payload_len - len - 1);
		if ((err = icv(b, iv)) != IOT_OK ||
		    (err = aes_128(crypto_algs()->aes128_cbc, true, b->s_enc, iv, seg + 8, payload_len, seg + 8)) != IOT_OK)
			return err;
	} else {
		memcpy(seg + 8, data, len);
	}
	/* SGP.22 2.6.4.4: the counter also counts MAC-only segments */
	b->block++;

	/* tag and final length (data + C-MAC), written just before the data */
	der_writer_fixed(&hw, seg, 8);
	der_put_tag(&hw, tag);
	der_put_len(&hw, payload_len + BSP_MAC_LEN);
	if ((err = der_writer_err(&hw)) != IOT_OK)
		return err;
	header_len = hw.len;
	start = 8 - header_len;
	memmove(seg + start, seg, header_len);
	if ((err = cmac_chained(b, seg + start, header_len + payload_len, full)) != IOT_OK)
		return err;
	memcpy(b->mac_chaining, full, 16);
	der_put_raw(w, seg + start, header_len + payload_len);
	der_put_raw(w, full, BSP_MAC_LEN);
	OPENSSL_cleanse(seg, sizeof(seg));
	return der_writer_err(w);
}

iot_err bsp_protect(struct bsp *b, uint8_t tag, bool encrypt, const uint8_t *data, size_t len,
		    struct der_writer *w)
{
	size_t max = encrypt ? BSP_MAX_PLAIN_ENCRYPTED : BSP_MAX_PLAIN_MAC_ONLY;
	iot_err err;

	do {
		size_t n = len < max ? len : max;

		if ((err = protect_segment(b, tag, encrypt, data, n, w)) != IOT_OK)
			return err;
		data += n;
		len -= n;
	} while (len);
	return IOT_OK;
}

iot_err bsp_unprotect(struct bsp *b, const uint8_t *tlv, size_t len, bool decrypt,
		      struct der_writer *out)
{
	uint8_t full[16], iv[16], plain[BSP_MAX_SEGMENT];
	struct der_tlv t;
	size_t data_len, plain_len;
	iot_err err;

	if ((err = der_parse_one(tlv, len, &t)) != IOT_OK)
		return err;
	if (t.raw_len > BSP_MAX_SEGMENT || t.len < BSP_MAC_LEN)
		return IOT_E_CRYPTO_MAC;
	data_len = t.len - BSP_MAC_LEN;
	/* the MAC covers the tag and length exactly as received */
	if ((err = cmac_chained(b, t.raw, t.raw_len - BSP_MAC_LEN, full)) != IOT_OK)
		return err;
	if (CRYPTO_memcmp(full, t.value + data_len, BSP_MAC_LEN) != 0)
		return IOT_E_CRYPTO_MAC;
	plain_len = data_len;
	if (decrypt) {
		if (data_len == 0 || data_len % 16)
			return IOT_E_CRYPTO_PADDING;
		if ((err = icv(b, iv)) != IOT_OK ||
		    (err = aes_128(crypto_algs()->aes128_cbc, false, b->s_enc, iv, t.value, data_len, plain)) != IOT_OK)
			return err;
		/* SGP.22 2.6.4.4: strip the '00's and the '80' */
		while (plain_len && plain[plain_len - 1] == 0x00 && data_len - plain_len < 15)
			plain_len--;
		if (!plain_len || plain[plain_len - 1] != 0x80) {
			OPENSSL_cleanse(plain, sizeof(plain));
			return IOT_E_CRYPTO_PADDING;
		}
		plain_len--;
		der_put_raw(out, plain, plain_len);
	} else {
		der_put_raw(out, t.value, data_len);
	}
	OPENSSL_cleanse(plain, sizeof(plain));
	if ((err = der_writer_err(out)) != IOT_OK)
		return err;
	/* only a segment that verified moves the session on */
	memcpy(b->mac_chaining, full, 16);
	b->block++;
	return IOT_OK;
}
