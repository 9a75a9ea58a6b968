/* X.509 for RSP (SGP.22 4.5.2, SGP.26): certificates of the CI, EUM, eUICC,
 * SM-DP+ and eIM; the chain checks RSP requires, each failure with its own
 * error; and issuing certificates with the profiles SGP.26 gives them. */
#ifndef IOT_CRYPTO_X509_H
#define IOT_CRYPTO_X509_H

#include "crypto/crypto.h"

/* The RSP roles; the value is the last arc of id-rspRole (2.23.146.1.2.1.N),
 * the policy OID a certificate of that role carries. */
enum x509_role {
	X509_ROLE_CI = 0,
	X509_ROLE_EUICC = 1,
	X509_ROLE_EUM = 2,
	X509_ROLE_DP_TLS = 3,
	X509_ROLE_DP_AUTH = 4,
	X509_ROLE_DP_PB = 5,
	X509_ROLE_DS_TLS = 6,
	X509_ROLE_DS_AUTH = 7,
	X509_ROLE_EIM = 100,            /* SGP.32 defines no role policy for the eIM */
	X509_ROLE_TLS = 101,            /* a TLS server/client certificate without RSP policy */
};

struct crypto_cert;

iot_err x509_parse(const uint8_t *der, size_t len, struct crypto_cert **out);
/* PEM or DER. */
iot_err x509_load(const char *path, struct crypto_cert **out);
iot_err x509_save_pem(const struct crypto_cert *cert, const char *path);
iot_err x509_save_der(const struct crypto_cert *cert, const char *path);
void x509_free(struct crypto_cert *cert);

/* The DER of the certificate (owned by cert). */
const uint8_t *x509_der(const struct crypto_cert *cert, size_t *len);
/* The subject public key (owned by cert). */
const struct crypto_key *x509_key(const struct crypto_cert *cert);
/* Subject / authority key identifiers (owned by cert); NULL when absent. */
const uint8_t *x509_ski(const struct crypto_cert *cert, size_t *len);
const uint8_t *x509_aki(const struct crypto_cert *cert, size_t *len);
/* The subject serialNumber attribute (the EID of an eUICC certificate). */
iot_err x509_subject_serial(const struct crypto_cert *cert, char *buf, size_t cap);

/* cert was issued by issuer for role, valid at now: signature, validity,
 * key usage, role policy, AKI = issuer SKI, issuer a CA. A CI passes as its
 * own issuer. */
iot_err x509_check_issued(const struct crypto_cert *cert, enum x509_role role,
			  const struct crypto_cert *issuer, time_t now);
/* CERT.EUICC issued by an EUM already verified (many eUICCs, one EUM):
 * its signature, dates, role and the EID within the EUM's range. */
iot_err x509_verify_euicc_leaf(const struct crypto_cert *eum, const struct crypto_cert *euicc, time_t now);
/* An EUM already verified, prepared for checking many CERT.EUICC from
 * their DER (x509_euicc_check_der): the same checks as
 * x509_verify_euicc_leaf without OpenSSL's full X.509 decoding of each;
 * eid gets the certificate's subject serialNumber, *key (when key is not
 * NULL) its subject public key, the caller's. Several threads may check
 * with one at once (it keeps their verification contexts). */
struct x509_euicc_issuer;
iot_err x509_euicc_issuer_new(const struct crypto_cert *eum, struct x509_euicc_issuer **out);
void x509_euicc_issuer_free(struct x509_euicc_issuer *i);
iot_err x509_euicc_check_der(struct x509_euicc_issuer *i, const uint8_t *der, size_t len, time_t now,
			     char *eid, size_t eid_cap, struct crypto_key **key);
/* The subject public key of the certificate der, the caller's: an EC key
 * of RSP's curves read from the DER as RFC 5280 lays it out, anything else
 * through OpenSSL (IOT_E_CERT_PARSE when it is no certificate). It checks
 * nothing but the key's point: for certificates checked before. */
iot_err x509_subject_key_der(const uint8_t *der, size_t len, struct crypto_key **out);
/* CI -> EUM -> eUICC (SGP.22 5.6.x / 4.5.2.x), with the EID within the EUM's
 * permitted EINs; *failed (optional) names the certificate that failed:
 * X509_ROLE_CI, X509_ROLE_EUM or X509_ROLE_EUICC. */
iot_err x509_verify_euicc_chain(const struct crypto_cert *ci, const struct crypto_cert *eum,
				const struct crypto_cert *euicc, time_t now, enum x509_role *failed);
/* CI -> leaf for an SM-DP+, SM-DS or eIM certificate of role. */
iot_err x509_verify_chain(const struct crypto_cert *ci, const struct crypto_cert *leaf,
			  enum x509_role role, time_t now);
/* The registeredID of the subjectAltName (the SM-DP+ OID of SGP.22), as
 * OBJECT IDENTIFIER content octets. */
iot_err x509_subject_rid(const struct crypto_cert *cert, uint8_t *oid, size_t cap, size_t *len);
/* A CI public key identifier as an eUICC lists it: the CI's SKI, or a
 * prefix of it (SGP.32 allows truncated identifiers). */
bool x509_ski_matches(const struct crypto_cert *ci, const uint8_t *id, size_t id_len);
/* SGP.22 / SGP.32: the CI must be one the eUICC lists (euiccCiPKIdListFor-
 * Verification or -Signing); IOT_E_CERT_CI_UNKNOWN otherwise. */
iot_err x509_ci_listed(const struct crypto_cert *ci, const struct crypto_buf *pkids, size_t n);

/* The spec's error code for a failed check:
 * SGP.22 ES9+.AuthenticateClient (and ESipa): eumCertificateInvalid(1),
 * eumCertificateExpired(2), euiccCertificateInvalid(3),
 * euiccCertificateExpired(4), euiccSignatureInvalid(5), ciPKUnknown(9),
 * undefinedError(127) — for x509_verify_euicc_chain's err and *failed. */
int x509_authenticate_client_error(iot_err err, enum x509_role failed);
/* SGP.22 ES10b.AuthenticateServer AuthenticateErrorCode: invalidCertificate(1),
 * invalidSignature(2), unsupportedCurve(3), ciPKUnknown(7), undefinedError(127). */
int x509_authenticate_server_error(iot_err err);

/* Issuing (the PKI generator). Subject RDNs are written C, O, OU,
 * serialNumber, CN, each when set. */
struct x509_template {
	enum x509_role role;
	const char *c, *o, *ou, *serial_number, *cn;
	const char *rid;                /* subjectAltName registeredID, e.g. "2.999.10" */
	const char *dns;                /* subjectAltName dNSName (TLS) */
	const char *ein, *eum_org;      /* EUM: nameConstraints O and serialNumber */
	/* EUM: also permit the directory name C, O of its eUICCs, so that RFC 5280
	 * name-constraint matching (openssl verify) accepts them too */
	bool rfc5280_subtree;
	uint64_t serial;
	time_t not_before, not_after;
};
/* Issues a certificate for subject_key; issuer NULL makes it self-signed. */
iot_err x509_issue(const struct x509_template *t, const struct crypto_key *subject_key,
		   const struct crypto_cert *issuer, const struct crypto_key *issuer_key,
		   struct crypto_cert **out);

#endif
