/* Creating, opening and releasing eUICC instances. */
#include "euicc/es10.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static iot_err read_file(const char *path, struct euicc_blob *out)
{
	FILE *f = fopen(path, "rb");
	long n;
	iot_err err = IOT_E_IO;

	if (!f)
		return IOT_E_IO;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		uint8_t *buf = malloc((size_t)n ? (size_t)n : 1);

		if (!buf) {
			err = IOT_E_NOMEM;
		} else if (fread(buf, 1, (size_t)n, f) == (size_t)n) {
			free(out->ptr);
			out->ptr = buf;
			out->len = (size_t)n;
			err = IOT_OK;
		} else {
			free(buf);
		}
	}
	fclose(f);
	return err;
}

static iot_err blob_cert(const char *path, struct euicc_blob *out)
{
	struct crypto_cert *c;
	const uint8_t *der;
	size_t len;
	iot_err err = x509_load(path, &c);

	if (err != IOT_OK)
		return err;
	der = x509_der(c, &len);
	err = euicc_blob_set(out, der, len);
	x509_free(c);
	return err;
}

/* The EID from the eUICC certificate's subject serialNumber (32 digits). */
static iot_err eid_from_cert(const struct crypto_cert *cert, uint8_t eid[16])
{
	char text[64];
	size_t i;
	iot_err err = x509_subject_serial(cert, text, sizeof(text));

	if (err != IOT_OK)
		return err;
	if (strlen(text) != 32)
		return IOT_E_CERT_PARSE;
	for (i = 0; i < 32; i++)
		if (text[i] < '0' || text[i] > '9')
			return IOT_E_CERT_PARSE;
	for (i = 0; i < 16; i++)
		eid[i] = (uint8_t)((text[2 * i] - '0') << 4 | (text[2 * i + 1] - '0'));
	return IOT_OK;
}

/* Parses the key and certificates kept in the state. */
static iot_err attach(struct euicc *e)
{
	size_t i;
	iot_err err;

	if ((err = crypto_key_from_private_der(e->s.key.ptr, e->s.key.len, &e->key)) != IOT_OK ||
	    (err = x509_parse(e->s.cert.ptr, e->s.cert.len, &e->cert)) != IOT_OK ||
	    (err = x509_parse(e->s.eum_cert.ptr, e->s.eum_cert.len, &e->eum)) != IOT_OK)
		return err;
	if (!(e->ci = calloc(e->s.ci_count ? e->s.ci_count : 1, sizeof(*e->ci))))
		return IOT_E_NOMEM;
	for (i = 0; i < e->s.ci_count; i++)
		if ((err = x509_parse(e->s.ci_certs[i].ptr, e->s.ci_certs[i].len, &e->ci[i])) != IOT_OK)
			return err;
	euicc_reset(e);
	return IOT_OK;
}

static struct euicc *alloc_euicc(const char *state_path)
{
	struct euicc *e = calloc(1, sizeof(*e));

	if (e && state_path && !(e->state_path = strdup(state_path))) {
		free(e);
		return NULL;
	}
	if (e)
		pthread_mutex_init(&e->lock, NULL);
	return e;
}

iot_err euicc_create(const struct euicc_provision *p, struct euicc **out)
{
	struct euicc *e = alloc_euicc(p->state_path);
	struct crypto_key *key = NULL;
	struct crypto_cert *cert = NULL;
	const char *root_ds = p->root_ds_address ? p->root_ds_address : "lpa.ds.gsma.com";
	uint8_t point[CRYPTO_POINT_LEN], cert_point[CRYPTO_POINT_LEN];
	size_t i;
	iot_err err;

	if (!e)
		return IOT_E_NOMEM;
	if (!p->key_path || !p->cert_path || !p->eum_cert_path || !p->ci_count) {
		euicc_free(e);
		return IOT_E_ARG;
	}
	if ((err = crypto_key_load_pem(p->key_path, &key)) != IOT_OK ||
	    (err = crypto_key_private_der(key, &e->s.key.ptr, &e->s.key.len)) != IOT_OK ||
	    (err = x509_load(p->cert_path, &cert)) != IOT_OK ||
	    (err = eid_from_cert(cert, e->s.eid)) != IOT_OK)
		goto fail;
	/* the key must be the certificate's */
	if ((err = crypto_key_point(key, point)) != IOT_OK ||
	    (err = crypto_key_point(x509_key(cert), cert_point)) != IOT_OK)
		goto fail;
	if (memcmp(point, cert_point, sizeof(point)) != 0) {
		err = IOT_E_CRYPTO_KEY;
		goto fail;
	}
	if ((err = blob_cert(p->cert_path, &e->s.cert)) != IOT_OK ||
	    (err = blob_cert(p->eum_cert_path, &e->s.eum_cert)) != IOT_OK)
		goto fail;
	if (!(e->s.ci_certs = calloc(p->ci_count, sizeof(*e->s.ci_certs)))) {
		err = IOT_E_NOMEM;
		goto fail;
	}
	for (i = 0; i < p->ci_count; i++, e->s.ci_count++)
		if ((err = blob_cert(p->ci_cert_paths[i], &e->s.ci_certs[i])) != IOT_OK)
			goto fail;
	if ((p->default_dp_address &&
	     (err = euicc_blob_set(&e->s.default_dp, p->default_dp_address, strlen(p->default_dp_address))) != IOT_OK) ||
	    (err = euicc_blob_set(&e->s.root_ds, root_ds, strlen(root_ds))) != IOT_OK)
		goto fail;
	e->s.next_seq = 1;
	e->s.next_isdp = 0x10;
	if ((err = attach(e)) != IOT_OK || (err = euicc_state_save(e)) != IOT_OK)
		goto fail;
	crypto_key_free(key);
	x509_free(cert);
	*out = e;
	return IOT_OK;
fail:
	crypto_key_free(key);
	x509_free(cert);
	euicc_free(e);
	return err;
}

iot_err euicc_open(const char *state_path, struct euicc **out)
{
	struct euicc *e = alloc_euicc(state_path);
	struct euicc_blob file = { 0 };
	iot_err err;

	if (!e)
		return IOT_E_NOMEM;
	if ((err = read_file(state_path, &file)) != IOT_OK ||
	    (err = euicc_state_load(e, file.ptr, file.len)) != IOT_OK ||
	    (err = attach(e)) != IOT_OK) {
		euicc_blob_free(&file);
		euicc_free(e);
		return err;
	}
	euicc_blob_free(&file);
	*out = e;
	return IOT_OK;
}

void euicc_free(struct euicc *e)
{
	size_t i;

	if (!e)
		return;
	euicc_ipae_free(e);             /* its thread first: it calls into the card */
	euicc_session_end(e);
	uicc_fs_free(&e->fs);
	for (i = 0; i < EUICC_CHANNELS; i++) {
		der_writer_free(&e->ch[i].in);
		der_writer_free(&e->ch[i].out);
	}
	crypto_key_free(e->key);
	x509_free(e->cert);
	x509_free(e->eum);
	for (i = 0; e->ci && i < e->s.ci_count; i++)
		x509_free(e->ci[i]);
	free(e->ci);
	euicc_state_clear(&e->s);
	free(e->state_path);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

const uint8_t *euicc_eid(const struct euicc *e)
{
	return e->s.eid;
}

bool euicc_enabled_iccid(const struct euicc *e, uint8_t iccid[10])
{
	for (size_t i = 0; i < e->s.profile_count; i++)
		if (e->s.profiles[i].enabled) {
			memcpy(iccid, e->s.profiles[i].iccid, 10);
			return true;
		}
	return false;
}
