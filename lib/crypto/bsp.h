/* The BPP protection protocol (BSP, formerly SCP03t; SGP.22 2.6.4) that
 * protects the segments of a Bound Profile Package: AES-128-CBC with a
 * counter-derived ICV and '80 00..' padding, and AES-CMAC truncated to 8
 * bytes with MAC chaining. One struct bsp is one direction of one session
 * (or, after ReplaceSessionKeys, of the profile protection keys). */
#ifndef IOT_CRYPTO_BSP_H
#define IOT_CRYPTO_BSP_H

#include "crypto/crypto.h"
#include "der/der.h"

#define BSP_MAX_SEGMENT 1020            /* SGP.22 2.5.3: tag, length, data and MAC */
#define BSP_MAC_LEN 8
/* The largest plaintext one segment carries (3-byte length field). */
#define BSP_MAX_PLAIN_ENCRYPTED (BSP_MAX_SEGMENT - 1 - 3 - BSP_MAC_LEN - 1)
#define BSP_MAX_PLAIN_MAC_ONLY (BSP_MAX_SEGMENT - 1 - 3 - BSP_MAC_LEN)

struct bsp {
	uint8_t s_enc[16];
	uint8_t s_mac[16];
	uint8_t mac_chaining[16];
	uint32_t block;                 /* ICV block counter, from 1 */
};

void bsp_init(struct bsp *b, const struct bsp_keys *keys);
void bsp_wipe(struct bsp *b);

/* Splits data into segments of tag ('86', '87', '88'), encrypted or MAC
 * only, and appends each protected TLV to w. */
iot_err bsp_protect(struct bsp *b, uint8_t tag, bool encrypt, const uint8_t *data, size_t len,
		    struct der_writer *w);
/* Checks one protected TLV and appends its plaintext to out. Fails with
 * IOT_E_CRYPTO_MAC or IOT_E_CRYPTO_PADDING and then changes nothing. */
iot_err bsp_unprotect(struct bsp *b, const uint8_t *tlv, size_t len, bool decrypt,
		      struct der_writer *out);

#endif
