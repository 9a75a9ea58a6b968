/* Byte strings shared by the known-answer tests. Expected encodings in the
 * tests are written by hand from the ASN.1 reference, tag by tag. */
#ifndef IOT_KAT_H
#define IOT_KAT_H

#include "rsp/rsp.h"

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

/* Values several tests build, with their encodings. */
#define SERVER_SIGNED1_HEX \
	"302F" "80020102" "8110" CHALLENGE_HEX "830564702E696F" "8410" CHALLENGE_HEX
#define EPR_UNSIGNED_HEX "BF510E" "A20C" "800465696D31" "820109" "840107"
#define COMPACT_OTHER_HEX \
	"A165" "5A10" EID_HEX "BF2F0D" "800103" "81020520" "0C0464702E78" "5F3740" SIG64_HEX

static inline void set_server_signed1(struct rsp_server_signed1 *s)
{
	s->transaction_id = B(kat_txid);
	s->euicc_challenge = B(kat_challenge);
	s->server_address = RSP_STR("dp.io");
	s->server_challenge = B(kat_challenge);
}

static inline void set_epr_unsigned(struct rsp_euicc_package_result *r)
{
	r->choice = RSP_EPR_ERROR_UNSIGNED;
	r->u.error_unsigned.eim_id = RSP_STR("eim1");
	r->u.error_unsigned.has_eim_transaction_id = true;
	r->u.error_unsigned.eim_transaction_id = RSP_STR("\x09");
	r->u.error_unsigned.has_association_token = true;
	r->u.error_unsigned.association_token = 7;
}

static inline void set_compact_other(struct rsp_pending_notification *p)
{
	struct rsp_compact_other_signed_notification *n = &p->u.compact_other;

	p->choice = RSP_PENDING_COMPACT_OTHER;
	n->has_eid_value = true;
	n->eid_value = B(kat_eid);
	n->tbs_other_notification.seq_number = 3;
	n->tbs_other_notification.profile_management_operation = RSP_NOTIFY_DISABLE;
	n->tbs_other_notification.notification_address = RSP_STR("dp.x");
	n->euicc_notification_signature = B(kat_sig);
}

#endif
