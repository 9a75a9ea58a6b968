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
	X(IOT_E_BASE64,           "base64: malformed input")

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
