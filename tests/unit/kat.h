/* Byte strings shared by the known-answer tests. Expected encodings in the
 * tests are written by hand from the ASN.1 reference, tag by tag. */
#ifndef IOT_KAT_H
#define IOT_KAT_H

#define EID_HEX "89049032123451234512345678901235"
#define ICCID_HEX "98001032547698103214"
#define SIG64_HEX \
	"ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB" \
	"ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB"
#define SKI20_HEX "F54172BDF98A95D65CBEB88A38A1C11D800A85C3"
#define CHALLENGE_HEX "11111111111111111111111111111111"

/* Byte arrays for building values. */
static const uint8_t kat_eid[16] = { 0x89, 0x04, 0x90, 0x32, 0x12, 0x34, 0x51, 0x23,
				     0x45, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x35 };
static const uint8_t kat_iccid[10] = { 0x98, 0x00, 0x10, 0x32, 0x54, 0x76, 0x98, 0x10, 0x32, 0x14 };
static const uint8_t kat_txid[2] = { 0x01, 0x02 };
static uint8_t kat_sig[64];
static const uint8_t kat_ski[20] = { 0xF5, 0x41, 0x72, 0xBD, 0xF9, 0x8A, 0x95, 0xD6, 0x5C, 0xBE,
				     0xB8, 0x8A, 0x38, 0xA1, 0xC1, 0x1D, 0x80, 0x0A, 0x85, 0xC3 };
static uint8_t kat_challenge[16];
/* A structurally valid stand-in certificate: 30 03 02 01 01 */
static const uint8_t kat_cert[5] = { 0x30, 0x03, 0x02, 0x01, 0x01 };

static inline void kat_init(void)
{
	memset(kat_sig, 0xAB, sizeof(kat_sig));
	memset(kat_challenge, 0x11, sizeof(kat_challenge));
}

#define B(arr) RSP_BYTES(arr, sizeof(arr))

#endif
