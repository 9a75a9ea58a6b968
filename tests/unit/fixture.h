/* Test fixtures for the roles: a throwaway PKI on disk, and ES10 through
 * APDUs (SELECT the ISD-R, STORE DATA in blocks, GET RESPONSE). */
#ifndef IOT_TEST_FIXTURE_H
#define IOT_TEST_FIXTURE_H

#include "crypto/crypto.h"
#include "crypto/x509.h"
#include "euicc/euicc.h"

#define FIXTURE_EID "89049032123451234512345678901235"
#define FIXTURE_SMDP_OID "2.999.10"

struct fixture_pki {
	char dir[64];
	char ci[128], eum[128], euicc_key[128], euicc_cert[128], state[128];
	char dp_key[128], dp_auth[128], dp_pb[128], dp_pb_key[128], eim_key[128], eim_cert[128];
	char ci_key[128], eum_key[128];
	enum crypto_curve curve;
};

/* Makes CI, EUM, eUICC (FIXTURE_EID), SM-DP+ auth/pb and eIM material in a
 * new temporary directory. */
void fixture_pki_make(struct fixture_pki *p, enum crypto_curve curve);
void fixture_pki_remove(struct fixture_pki *p);
/* A new eUICC with state in the fixture directory. */
struct euicc *fixture_euicc(const struct fixture_pki *p);

/* One APDU; returns SW1SW2 and copies the response data. */
unsigned apdu(struct euicc *e, const char *hex_apdu, uint8_t *data, size_t *len);
unsigned apdu_bin(struct euicc *e, const uint8_t *cmd, size_t n, uint8_t *data, size_t *len);
/* A whole ES10 request through STORE DATA blocks of block bytes, the
 * response gathered with GET RESPONSE. Returns the final SW. */
unsigned es10_apdus(struct euicc *e, const uint8_t *req, size_t len, size_t block,
		    uint8_t *resp, size_t cap, size_t *resp_len, unsigned *apdu_count);

/* A self-signed P-256 TLS certificate for "localhost" (its own trust
 * anchor): dir/name.pem and, when key is not NULL, dir/name.key. */
void fixture_tls_cert(const char *dir, const char *name, char *cert, size_t cert_cap, char *key, size_t key_cap);
/* The same for another host name. */
void fixture_tls_cert_for(const char *host, const char *dir, const char *name, char *cert, size_t cert_cap, char *key,
			  size_t key_cap);
/* The same with its validity period given (an expired one for the tests). */
void fixture_tls_cert_dated(const char *host, time_t not_before, time_t not_after, const char *dir, const char *name,
			    char *cert, size_t cert_cap, char *key, size_t key_cap);

/* Sends a BPP as an LPA does (SGP.22 2.5.5): the 'BF36' header with 'BF23',
 * then each sequence header and each segment, one STORE DATA sequence each;
 * segment number corrupt_at (-1: none) gets a flipped bit. Returns the SW
 * of the last; resp holds its response (the PIR when it ends the BPP). */
unsigned fixture_load_bpp(struct euicc *e, const uint8_t *bpp, size_t len, size_t block, int corrupt_at,
			  uint8_t *resp, size_t cap, size_t *resp_len);

#endif
