/* The project's one error type: every function that can fail returns an
 * iot_err, and the edge that handles it logs iot_strerror() once. */
#ifndef IOT_BASE_ERR_H
#define IOT_BASE_ERR_H

#define IOT_ERRORS(X) \
	X(IOT_OK,                 "ok") \
	X(IOT_E_ARG,              "invalid argument") \
	X(IOT_E_NOMEM,            "out of memory") \
	X(IOT_E_BUFFER,           "output buffer too small") \
	X(IOT_E_DER_TRUNCATED,    "DER: input ends inside a tag, length or value") \
	X(IOT_E_DER_INDEFINITE,   "DER: indefinite length is not allowed") \
	X(IOT_E_DER_LENGTH,       "DER: length field longer than 4 bytes") \
	X(IOT_E_DER_TAG,          "DER: malformed or over-long tag") \
	X(IOT_E_DER_OVERRUN,      "DER: value overruns its enclosing value") \
	X(IOT_E_DER_DEPTH,        "DER: nesting too deep") \
	X(IOT_E_DER_TRAILING,     "DER: unexpected bytes after the value") \
	X(IOT_E_DER_PRIMITIVE,    "DER: constructed value expected, primitive found") \
	X(IOT_E_ASN1_TAG,         "ASN.1: unexpected tag") \
	X(IOT_E_ASN1_MISSING,     "ASN.1: mandatory field missing") \
	X(IOT_E_ASN1_ORDER,       "ASN.1: field out of order or repeated") \
	X(IOT_E_ASN1_CHOICE,      "ASN.1: unknown CHOICE alternative") \
	X(IOT_E_ASN1_VALUE,       "ASN.1: malformed primitive value") \
	X(IOT_E_ASN1_SIZE,        "ASN.1: value violates its SIZE constraint") \
	X(IOT_E_ASN1_RANGE,       "ASN.1: INTEGER out of the supported range") \
	X(IOT_E_JSON,             "JSON: malformed or missing member") \
	X(IOT_E_BASE64,           "base64: malformed input") \
	X(IOT_E_IO,               "I/O failed: a file, the network or the peer") \
	X(IOT_E_CRYPTO,           "crypto: the cryptographic library failed") \
	X(IOT_E_CRYPTO_CURVE,     "crypto: curve not supported (NIST P-256 or brainpoolP256r1)") \
	X(IOT_E_CRYPTO_KEY,       "crypto: malformed or unusable key") \
	X(IOT_E_CRYPTO_SIGNATURE, "crypto: signature does not verify") \
	X(IOT_E_CRYPTO_MAC,       "crypto: MAC does not verify") \
	X(IOT_E_CRYPTO_PADDING,   "crypto: bad padding after decryption") \
	X(IOT_E_CERT_PARSE,       "certificate: malformed") \
	X(IOT_E_CERT_SIGNATURE,   "certificate: not signed by its issuer") \
	X(IOT_E_CERT_EXPIRED,     "certificate: expired") \
	X(IOT_E_CERT_NOT_YET_VALID, "certificate: not yet valid") \
	X(IOT_E_CERT_KEY_USAGE,   "certificate: wrong key usage") \
	X(IOT_E_CERT_POLICY,      "certificate: missing the RSP role policy") \
	X(IOT_E_CERT_ISSUER,      "certificate: authority key identifier does not match the issuer") \
	X(IOT_E_CERT_CA,          "certificate: issuer is not a CA") \
	X(IOT_E_CERT_EID_RANGE,   "certificate: EID outside the EUM's permitted EINs") \
	X(IOT_E_CERT_EID,         "certificate: its EID (subject serialNumber) is not the one given") \
	X(IOT_E_CERT_CI_UNKNOWN,  "certificate: CI public key identifier not supported") \
	X(IOT_E_STORE,            "store: the database failed") \
	X(IOT_E_STORE_CONSTRAINT, "store: the change breaks a constraint (duplicate, missing reference)") \
	X(IOT_E_NOT_FOUND,        "not found") \
	X(IOT_E_REFUSED,          "refused: the request breaks a rule of the function (see its status)") \
	X(IOT_E_CARD,             "card: an unexpected status word, or no card")

enum iot_err {
#define IOT_ERR_ENUM(name, text) name,
	IOT_ERRORS(IOT_ERR_ENUM)
#undef IOT_ERR_ENUM
	IOT_E__COUNT
};

typedef enum iot_err iot_err;

/* A short constant English text for err; never NULL. */
const char *iot_strerror(iot_err err);
/* The symbolic name of err ("IOT_E_DER_TRUNCATED"); never NULL. */
const char *iot_errname(iot_err err);

#endif
