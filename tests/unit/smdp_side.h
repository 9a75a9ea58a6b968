/* The SM-DP+ side of a profile download, computed in the tests with
 * lib/crypto and lib/rsp until smdpd exists: signed requests for the eUICC
 * and a Bound Profile Package. */
#ifndef IOT_TEST_SMDP_SIDE_H
#define IOT_TEST_SMDP_SIDE_H

#include "crypto/bsp.h"
#include "crypto/crypto.h"
#include "rsp/rsp.h"

/* SGP.22 5.5.1: what smdpSign covers. */
void smdp_iscr_signed_data(const struct rsp_initialise_secure_channel_request *i,
			   const uint8_t euicc_otpk[65], struct der_writer *w);

struct smdp_bind {
	enum crypto_curve curve;
	const struct crypto_key *pb;            /* SK.DPpb.ECDSA */
	const uint8_t *euicc_otpk;              /* 65 bytes */
	const uint8_t *eid;                     /* 16 bytes */
	const uint8_t *txid;
	size_t txid_len;
	const uint8_t *metadata;                /* StoreMetadataRequest DER */
	size_t metadata_len;
	const uint8_t *profile;
	size_t profile_len;
	bool with_ppk;
	/* out */
	uint8_t host_id[16];
	uint8_t smdp_otpk[65];
};

/* Binds the profile into a BPP (malloc'd *bpp). */
void smdp_make_bpp(struct smdp_bind *b, uint8_t **bpp, size_t *bpp_len);

#endif
