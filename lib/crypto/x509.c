/* X.509 certificates for RSP: parsing, the chain checks of SGP.22, and
 * issuing with the SGP.26 profiles. */
#include "crypto/x509.h"
#include "crypto/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "der/der.h"


void x509_free(struct crypto_cert *cert)
{
	if (!cert)
		return;
	X509_free(cert->x);
	crypto_key_free(cert->key);
	free(cert->der);
	free(cert);
}

/* Takes ownership of x. */
static iot_err wrap_x509(X509 *x, struct crypto_cert **out)
{
	struct crypto_cert *c = calloc(1, sizeof(*c));
	unsigned char *der = NULL;
	EVP_PKEY *pkey;
	int n;
	iot_err err;

	if (!c) {
		X509_free(x);
		return IOT_E_NOMEM;
	}
	c->x = x;
	/* cache the extensions; a certificate OpenSSL finds inconsistent is malformed */
	if (X509_check_purpose(x, -1, 0) != 1 || (X509_get_extension_flags(x) & EXFLAG_INVALID)) {
		x509_free(c);
		return IOT_E_CERT_PARSE;
	}
	if (!(pkey = X509_get_pubkey(x))) {
		x509_free(c);
		return IOT_E_CERT_PARSE;
	}
	if ((err = crypto_key_wrap(pkey, &c->key)) != IOT_OK) {
		x509_free(c);
		return err;
	}
	if ((n = i2d_X509(x, &der)) <= 0 || !(c->der = malloc((size_t)n))) {
		OPENSSL_free(der);
		x509_free(c);
		return IOT_E_NOMEM;
	}
	memcpy(c->der, der, (size_t)n);
	c->der_len = (size_t)n;
	OPENSSL_free(der);
	*out = c;
	return IOT_OK;
}

iot_err x509_parse(const uint8_t *der, size_t len, struct crypto_cert **out)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);

	if (!x || p != der + len) {
		X509_free(x);
		return IOT_E_CERT_PARSE;
	}
	return wrap_x509(x, out);
}

iot_err x509_load(const char *path, struct crypto_cert **out)
{
	BIO *bio = BIO_new_file(path, "rb");
	X509 *x;
	char first = 0;

	if (!bio)
		return IOT_E_IO;
	if (BIO_read(bio, &first, 1) != 1) {
		BIO_free(bio);
		return IOT_E_CERT_PARSE;
	}
	(void)BIO_reset(bio);
	x = first == '-' ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : d2i_X509_bio(bio, NULL);
	BIO_free(bio);
	if (!x)
		return IOT_E_CERT_PARSE;
	return wrap_x509(x, out);
}

iot_err x509_save_der(const struct crypto_cert *cert, const char *path)
{
	return crypto_write_file_atomic(path, cert->der, cert->der_len, 0644);
}

iot_err x509_save_pem(const struct crypto_cert *cert, const char *path)
{
	BIO *mem = BIO_new(BIO_s_mem());

	if (!mem)
		return IOT_E_NOMEM;
	if (!PEM_write_bio_X509(mem, cert->x)) {
		BIO_free(mem);
		return IOT_E_CRYPTO;
	}
	return crypto_save_bio(mem, path, 0644);
}

const uint8_t *x509_der(const struct crypto_cert *cert, size_t *len)
{
	*len = cert->der_len;
	return cert->der;
}

const struct crypto_key *x509_key(const struct crypto_cert *cert)
{
	return cert->key;
}

const uint8_t *x509_ski(const struct crypto_cert *cert, size_t *len)
{
	const ASN1_OCTET_STRING *s = X509_get0_subject_key_id(cert->x);

	if (!s)
		return NULL;
	*len = (size_t)ASN1_STRING_length(s);
	return ASN1_STRING_get0_data(s);
}

const uint8_t *x509_aki(const struct crypto_cert *cert, size_t *len)
{
	const ASN1_OCTET_STRING *s = X509_get0_authority_key_id(cert->x);

	if (!s)
		return NULL;
	*len = (size_t)ASN1_STRING_length(s);
	return ASN1_STRING_get0_data(s);
}

iot_err x509_name_text(const X509_NAME *name, int nid, char *buf, size_t cap)
{
	int i = X509_NAME_get_index_by_NID(name, nid, -1);
	const ASN1_STRING *s;
	int len;

	if (i < 0)
		return IOT_E_CERT_PARSE;
	s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
	len = ASN1_STRING_length(s);
	if (len < 0 || (size_t)len >= cap)
		return IOT_E_BUFFER;
	memcpy(buf, ASN1_STRING_get0_data(s), (size_t)len);
	buf[len] = '\0';
	return IOT_OK;
}

iot_err x509_subject_serial(const struct crypto_cert *cert, char *buf, size_t cap)
{
	return x509_name_text(X509_get_subject_name(cert->x), NID_serialNumber, buf, cap);
}

iot_err x509_subject_rid(const struct crypto_cert *cert, uint8_t *oid, size_t cap, size_t *len)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(cert->x, NID_subject_alt_name, NULL, NULL);
	iot_err err = IOT_E_CERT_PARSE;
	int i;

	for (i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
		const unsigned char *data;
		int n;

		if (g->type != GEN_RID)
			continue;
		n = (int)OBJ_length(g->d.registeredID);
		data = OBJ_get0_data(g->d.registeredID);
		if (n <= 0 || (size_t)n > cap) {
			err = IOT_E_BUFFER;
			break;
		}
		memcpy(oid, data, (size_t)n);
		*len = (size_t)n;
		err = IOT_OK;
		break;
	}
	GENERAL_NAMES_free(names);
	return err;
}

bool x509_ski_matches(const struct crypto_cert *ci, const uint8_t *id, size_t id_len)
{
	size_t len;
	const uint8_t *ski = x509_ski(ci, &len);

	return ski && id_len > 0 && id_len <= len && memcmp(ski, id, id_len) == 0;
}

iot_err x509_ci_listed(const struct crypto_cert *ci, const struct crypto_buf *pkids, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (x509_ski_matches(ci, pkids[i].ptr, pkids[i].len))
			return IOT_OK;
	return IOT_E_CERT_CI_UNKNOWN;
}

/* ---- checks ---- */

static bool has_role_policy(X509 *x, enum x509_role role)
{
	CERTIFICATEPOLICIES *policies = X509_get_ext_d2i(x, NID_certificate_policies, NULL, NULL);
	char want[32], oid[80];
	bool found = false;
	int i;

	snprintf(want, sizeof(want), "2.23.146.1.2.1.%d", (int)role);
	for (i = 0; policies && i < sk_POLICYINFO_num(policies); i++) {
		POLICYINFO *pi = sk_POLICYINFO_value(policies, i);

		if (OBJ_obj2txt(oid, sizeof(oid), pi->policyid, 1) > 0 && !strcmp(oid, want))
			found = true;
	}
	CERTIFICATEPOLICIES_free(policies);
	return found;
}

static bool role_has_policy(enum x509_role role)
{
	return role <= X509_ROLE_DS_AUTH;
}

static uint32_t role_key_usage(enum x509_role role)
{
	switch (role) {
	case X509_ROLE_CI:
	case X509_ROLE_EUM:
		return KU_KEY_CERT_SIGN;
	default:
		return KU_DIGITAL_SIGNATURE;
	}
}

iot_err x509_check_issued(const struct crypto_cert *cert, enum x509_role role,
			  const struct crypto_cert *issuer, time_t now)
{
	size_t ski_len = 0, aki_len = 0;
	const uint8_t *ski, *aki;
	uint32_t ku;

	/* SGP.22 4.5.2: signed by the issuer's key */
	if (X509_verify(cert->x, issuer->key->pkey) != 1)
		return IOT_E_CERT_SIGNATURE;
	/* issuers are CAs (basicConstraints cA) */
	if (!(X509_get_extension_flags(issuer->x) & EXFLAG_CA))
		return IOT_E_CERT_CA;
	/* RFC 5280 4.2.1.1: the AKI names the issuer's key (a CI may omit its own) */
	ski = x509_ski(issuer, &ski_len);
	aki = x509_aki(cert, &aki_len);
	if (cert != issuer && (!ski || !aki || ski_len != aki_len || memcmp(ski, aki, aki_len)))
		return IOT_E_CERT_ISSUER;
	if (X509_cmp_time(X509_get0_notBefore(cert->x), &now) >= 0)
		return IOT_E_CERT_NOT_YET_VALID;
	if (X509_cmp_time(X509_get0_notAfter(cert->x), &now) <= 0)
		return IOT_E_CERT_EXPIRED;
	/* SGP.22 4.5.2.x: key usage of the role, and the role's policy OID */
	ku = X509_get_key_usage(cert->x);
	if (ku == UINT32_MAX || !(ku & role_key_usage(role)))
		return IOT_E_CERT_KEY_USAGE;
	if (role_has_policy(role) && !has_role_policy(cert->x, role))
		return IOT_E_CERT_POLICY;
	return IOT_OK;
}

/* SGP.22 4.5.2.1.0.2: the EUM's nameConstraints permit directory names with
 * O = the EUM and serialNumber = an EIN; the eUICC's subject serialNumber
 * (its EID) must start with one of those EINs, and its O match. */
static iot_err check_eid_range(const struct crypto_cert *eum, const struct crypto_cert *euicc)
{
	NAME_CONSTRAINTS *nc = X509_get_ext_d2i(eum->x, NID_name_constraints, NULL, NULL);
	const X509_NAME *subject = X509_get_subject_name(euicc->x);
	char eid[64], org[128] = "", ein[64], eum_org[128];
	bool ok = false;
	int i;

	if (!nc)
		return IOT_OK;  /* older EUM certificates carry no range: nothing to check */
	if (x509_name_text(subject, NID_serialNumber, eid, sizeof(eid)) != IOT_OK) {
		NAME_CONSTRAINTS_free(nc);
		return IOT_E_CERT_EID_RANGE;
	}
	(void)x509_name_text(subject, NID_organizationName, org, sizeof(org));
	for (i = 0; !ok && i < sk_GENERAL_SUBTREE_num(nc->permittedSubtrees); i++) {
		GENERAL_SUBTREE *st = sk_GENERAL_SUBTREE_value(nc->permittedSubtrees, i);

		if (st->base->type != GEN_DIRNAME ||
		    x509_name_text(st->base->d.directoryName, NID_serialNumber, ein, sizeof(ein)) != IOT_OK)
			continue;
		if (strncmp(eid, ein, strlen(ein)) != 0)
			continue;
		if (x509_name_text(st->base->d.directoryName, NID_organizationName, eum_org, sizeof(eum_org)) == IOT_OK &&
		    strcmp(eum_org, org) != 0)
			continue;
		ok = true;
	}
	NAME_CONSTRAINTS_free(nc);
	return ok ? IOT_OK : IOT_E_CERT_EID_RANGE;
}

iot_err x509_verify_euicc_leaf(const struct crypto_cert *eum, const struct crypto_cert *euicc, time_t now)
{
	iot_err err = x509_check_issued(euicc, X509_ROLE_EUICC, eum, now);

	return err == IOT_OK ? check_eid_range(eum, euicc) : err;
}

iot_err x509_verify_euicc_chain(const struct crypto_cert *ci, const struct crypto_cert *eum,
				const struct crypto_cert *euicc, time_t now, enum x509_role *failed)
{
	enum x509_role where = X509_ROLE_CI;
	iot_err err;

	if ((err = x509_check_issued(ci, X509_ROLE_CI, ci, now)) != IOT_OK)
		goto out;
	where = X509_ROLE_EUM;
	if ((err = x509_check_issued(eum, X509_ROLE_EUM, ci, now)) != IOT_OK)
		goto out;
	where = X509_ROLE_EUICC;
	err = x509_verify_euicc_leaf(eum, euicc, now);
out:
	if (failed)
		*failed = where;
	return err;
}

iot_err x509_verify_chain(const struct crypto_cert *ci, const struct crypto_cert *leaf,
			  enum x509_role role, time_t now)
{
	iot_err err = x509_check_issued(ci, X509_ROLE_CI, ci, now);

	if (err != IOT_OK)
		return err;
	return x509_check_issued(leaf, role, ci, now);
}

int x509_authenticate_client_error(iot_err err, enum x509_role failed)
{
	bool expired = err == IOT_E_CERT_EXPIRED || err == IOT_E_CERT_NOT_YET_VALID;

	switch (err) {
	case IOT_OK:
		return 0;
	case IOT_E_CERT_CI_UNKNOWN:
		return 9;       /* ciPKUnknown */
	case IOT_E_CRYPTO_SIGNATURE:
		return 5;       /* euiccSignatureInvalid */
	case IOT_E_CERT_EID_RANGE:
		return 3;       /* euiccCertificateInvalid: EID outside the EUM's range */
	default:
		break;
	}
	if (failed == X509_ROLE_CI)
		return 9;       /* the chain does not reach a CI we know */
	if (failed == X509_ROLE_EUM)
		return expired ? 2 : 1;
	return expired ? 4 : 3;
}

int x509_authenticate_server_error(iot_err err)
{
	switch (err) {
	case IOT_OK:
		return 0;
	case IOT_E_CERT_CI_UNKNOWN:
		return 7;       /* ciPKUnknown */
	case IOT_E_CRYPTO_CURVE:
		return 3;       /* unsupportedCurve */
	case IOT_E_CRYPTO_SIGNATURE:
		return 2;       /* invalidSignature (serverSignature1) */
	case IOT_E_CERT_PARSE:
	case IOT_E_CERT_SIGNATURE:
	case IOT_E_CERT_EXPIRED:
	case IOT_E_CERT_NOT_YET_VALID:
	case IOT_E_CERT_KEY_USAGE:
	case IOT_E_CERT_POLICY:
	case IOT_E_CERT_ISSUER:
	case IOT_E_CERT_CA:
		return 1;       /* invalidCertificate */
	default:
		return 127;
	}
}

/* ---- issuing ---- */

static bool add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	bool ok = ext && X509_add_ext(x, ext, -1);

	X509_EXTENSION_free(ext);
	return ok;
}

static bool add_name(X509_NAME *name, int nid, const char *value)
{
	return !value || X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8,
						    (const unsigned char *)value, -1, -1, 0);
}

static void put_attribute(struct der_writer *w, const uint8_t oid[3], uint32_t string_tag,
			  const char *value)
{
	size_t rdn = der_begin(w, 0x31), atv = der_begin(w, 0x30);

	der_put_tlv(w, 0x06, oid, 3);
	der_put_tlv(w, string_tag, (const uint8_t *)value, strlen(value));
	der_end(w, atv);
	der_end(w, rdn);
}

/* NameConstraints { permittedSubtrees [0] { { base [4] directoryName
 * { O = org, serialNumber = EIN } } } }, as SGP.26 gives the EUM; with
 * rfc5280_c, a second subtree { C, O } that RFC 5280 matching accepts for
 * the EUM's eUICC names */
static bool add_name_constraints(X509 *x, const char *org, const char *ein, const char *rfc5280_c)
{
	static const uint8_t oid_c[] = { 0x55, 0x04, 0x06 }, oid_o[] = { 0x55, 0x04, 0x0A },
			     oid_serial[] = { 0x55, 0x04, 0x05 };
	uint8_t buf[512];
	struct der_writer w;
	size_t nc, perm, sub, dir, name;
	const unsigned char *p = buf;
	NAME_CONSTRAINTS *c;
	bool ok;

	der_writer_fixed(&w, buf, sizeof(buf));
	nc = der_begin(&w, 0x30);
	perm = der_begin(&w, 0xA0);
	sub = der_begin(&w, 0x30);
	dir = der_begin(&w, 0xA4);
	name = der_begin(&w, 0x30);
	put_attribute(&w, oid_o, 0x0C, org);
	put_attribute(&w, oid_serial, 0x13, ein);
	der_end(&w, name);
	der_end(&w, dir);
	der_end(&w, sub);
	if (rfc5280_c) {
		sub = der_begin(&w, 0x30);
		dir = der_begin(&w, 0xA4);
		name = der_begin(&w, 0x30);
		put_attribute(&w, oid_c, 0x13, rfc5280_c);
		put_attribute(&w, oid_o, 0x0C, org);
		der_end(&w, name);
		der_end(&w, dir);
		der_end(&w, sub);
	}
	der_end(&w, perm);
	der_end(&w, nc);
	if (der_writer_err(&w) != IOT_OK)
		return false;
	if (!(c = (NAME_CONSTRAINTS *)ASN1_item_d2i(NULL, &p, (long)w.len, ASN1_ITEM_rptr(NAME_CONSTRAINTS))))
		return false;
	ok = X509_add1_ext_i2d(x, NID_name_constraints, c, 1, X509V3_ADD_DEFAULT) == 1;
	NAME_CONSTRAINTS_free(c);
	return ok;
}

static bool add_policy(X509 *x, enum x509_role role, bool critical)
{
	CERTIFICATEPOLICIES *pols = CERTIFICATEPOLICIES_new();
	POLICYINFO *pi = POLICYINFO_new();
	char oid[32];
	bool ok;

	snprintf(oid, sizeof(oid), "2.23.146.1.2.1.%d", (int)role);
	ok = pols && pi && (pi->policyid = OBJ_txt2obj(oid, 1)) && sk_POLICYINFO_push(pols, pi);
	if (ok)
		pi = NULL;
	ok = ok && X509_add1_ext_i2d(x, NID_certificate_policies, pols, critical, X509V3_ADD_DEFAULT) == 1;
	POLICYINFO_free(pi);
	CERTIFICATEPOLICIES_free(pols);
	return ok;
}

static bool add_role_extensions(X509 *x, X509V3_CTX *ctx, const struct x509_template *t, bool self)
{
	char buf[256];
	bool ok = add_ext(x, ctx, NID_subject_key_identifier, "hash");

	if (!self)
		ok = ok && add_ext(x, ctx, NID_authority_key_identifier, "keyid");
	switch (t->role) {
	case X509_ROLE_CI:
		ok = ok && add_ext(x, ctx, NID_basic_constraints, "critical,CA:TRUE") &&
		     add_ext(x, ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
		break;
	case X509_ROLE_EUM:
		ok = ok && add_ext(x, ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") &&
		     add_ext(x, ctx, NID_key_usage, "critical,keyCertSign") &&
		     (!t->ein || add_name_constraints(x, t->eum_org ? t->eum_org : t->o, t->ein,
						      t->rfc5280_subtree ? (t->c ? t->c : "") : NULL));
		break;
	case X509_ROLE_DP_TLS:
	case X509_ROLE_DS_TLS:
	case X509_ROLE_TLS:
		ok = ok && add_ext(x, ctx, NID_key_usage, "critical,digitalSignature") &&
		     add_ext(x, ctx, NID_ext_key_usage, "critical,serverAuth,clientAuth");
		break;
	default:
		ok = ok && add_ext(x, ctx, NID_key_usage, "critical,digitalSignature");
		break;
	}
	/* SGP.22 4.5.2: the role policy, critical except on TLS certificates */
	if (ok && role_has_policy(t->role))
		ok = add_policy(x, t->role, t->role != X509_ROLE_DP_TLS && t->role != X509_ROLE_DS_TLS);
	if (ok && (t->rid || t->dns)) {
		snprintf(buf, sizeof(buf), "%s%s%s%s%s", t->dns ? "DNS:" : "", t->dns ? t->dns : "",
			 t->dns && t->rid ? "," : "", t->rid ? "RID:" : "", t->rid ? t->rid : "");
		ok = add_ext(x, ctx, NID_subject_alt_name, buf);
	}
	return ok;
}

iot_err x509_issue(const struct x509_template *t, const struct crypto_key *subject_key,
		   const struct crypto_cert *issuer, const struct crypto_key *issuer_key,
		   struct crypto_cert **out)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	ASN1_INTEGER *serial = ASN1_INTEGER_new();
	X509V3_CTX ctx;
	bool self = issuer == NULL, ok;

	ok = x && name && serial && ASN1_INTEGER_set_uint64(serial, t->serial) &&
	     X509_set_version(x, X509_VERSION_3) && X509_set_serialNumber(x, serial) &&
	     add_name(name, NID_countryName, t->c) && add_name(name, NID_organizationName, t->o) &&
	     add_name(name, NID_organizationalUnitName, t->ou) &&
	     add_name(name, NID_serialNumber, t->serial_number) && add_name(name, NID_commonName, t->cn) &&
	     X509_set_subject_name(x, name) &&
	     X509_set_issuer_name(x, self ? name : X509_get_subject_name(issuer->x)) &&
	     ASN1_TIME_set(X509_getm_notBefore(x), t->not_before) &&
	     ASN1_TIME_set(X509_getm_notAfter(x), t->not_after) &&
	     X509_set_pubkey(x, subject_key->pkey);
	if (ok) {
		X509V3_set_ctx(&ctx, self ? x : issuer->x, x, NULL, NULL, 0);
		ok = add_role_extensions(x, &ctx, t, self) && X509_sign(x, issuer_key->pkey, EVP_sha256()) > 0;
	}
	X509_NAME_free(name);
	ASN1_INTEGER_free(serial);
	if (!ok) {
		X509_free(x);
		return IOT_E_CRYPTO;
	}
	return wrap_x509(x, out);
}
