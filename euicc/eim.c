/* The eIM side of the eUICC (SGP.32 2.11, 3.x, 5.9.x): eIM configuration
 * (AddInitialEim, GetEimConfigurationData, the eCOs) and eUICC Packages
 * (LoadEuiccPackage: verify, execute the PSMOs/eCOs in order, sign). */
#include "euicc/es10.h"
#include "euicc/notify.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/key_cache.h"

static struct euicc_eim *find_eim(struct euicc *e, const struct rsp_bytes *id, size_t *index)
{
	struct rsp_arena a;
	size_t i;

	rsp_arena_dynamic(&a);
	for (i = 0; i < e->s.eim_count; i++) {
		struct rsp_eim_configuration_data c;

		if (rsp_decode(&rsp_t_eim_configuration_data, e->s.eims[i].config.ptr,
			       e->s.eims[i].config.len, &c, &a) == IOT_OK &&
		    c.eim_id.len == id->len && !memcmp(c.eim_id.ptr, id->ptr, id->len)) {
			rsp_arena_free(&a);
			if (index)
				*index = i;
			return &e->s.eims[i];
		}
	}
	rsp_arena_free(&a);
	return NULL;
}

/* eIMs' public keys, decoded once for all the eUICCs of this process
 * (OpenSSL 3 decodes a SubjectPublicKeyInfo at the cost of four signature
 * checks: a third of a package's handling; fleetsim's thousands of eUICCs
 * share their eIM's). Keyed by the key's bytes: a new key is a new entry. */
static struct crypto_key_cache *eim_keys;
static pthread_once_t eim_keys_once = PTHREAD_ONCE_INIT;

static void eim_keys_make(void)
{
	(void)crypto_key_cache_new(64, &eim_keys);
}

static iot_err spki_key(const uint8_t *der, size_t len, struct crypto_key **out)
{
	pthread_once(&eim_keys_once, eim_keys_make);
	return eim_keys ? crypto_key_cache_spki_key(eim_keys, der, len, out) : crypto_key_from_spki(der, len, out);
}

/* The key an eIM signs with, from its eimPublicKeyData. A certificate must
 * chain to a CI the eUICC trusts (SGP.32 2.11.1), checked each time. */
static iot_err eim_key(struct euicc *e, const struct rsp_eim_configuration_data *c, struct crypto_key **out)
{
	struct crypto_cert *cert;
	size_t i;
	iot_err err;

	if (!c->has_eim_public_key_data)
		return IOT_E_CRYPTO_KEY;
	if (c->eim_public_key_data.choice == RSP_KEY_DATA_PUBLIC_KEY)
		return spki_key(c->eim_public_key_data.u.public_key.ptr, c->eim_public_key_data.u.public_key.len, out);
	if ((err = x509_parse(c->eim_public_key_data.u.certificate.ptr,
			      c->eim_public_key_data.u.certificate.len, &cert)) != IOT_OK)
		return err;
	err = IOT_E_CERT_CI_UNKNOWN;
	for (i = 0; i < e->s.ci_count && err != IOT_OK; i++)
		err = x509_verify_chain(e->ci[i], cert, X509_ROLE_EIM, time(NULL));
	if (err == IOT_OK) {
		uint8_t *spki;
		size_t len;

		if ((err = crypto_key_spki(x509_key(cert), &spki, &len)) == IOT_OK) {
			err = spki_key(spki, len, out);
			free(spki);
		}
	}
	x509_free(cert);
	return err;
}

/* Checks one EimConfigurationData as AddInitialEim / addEim take it;
 * returns the spec result code (0 ok). */
static int check_config(struct euicc *e, const struct rsp_eim_configuration_data *c)
{
	struct crypto_key *k;
	iot_err err;

	if (find_eim(e, &c->eim_id, NULL))
		return 2;       /* associatedEimAlreadyExists */
	/* SGP.32 2.11.1: counterValue is a non-negative integer */
	if (c->has_counter_value && c->counter_value < 0)
		return 6;       /* counterValueOutOfRange */
	if (c->has_association_token && c->association_token < 0)
		return 5;       /* invalidAssociationToken */
	if ((err = eim_key(e, c, &k)) != IOT_OK)
		return err == IOT_E_CERT_CI_UNKNOWN || err == IOT_E_CERT_SIGNATURE ? 3 : 7;   /* ciPKUnknown, commandError */
	crypto_key_free(k);
	return 0;
}

/* Stores a checked configuration; *token gets a new association token when
 * the request carried one (SGP.32: the eUICC generates it). */
static iot_err add_config(struct euicc *e, const uint8_t *der, size_t len,
			  const struct rsp_eim_configuration_data *c, bool *has_token, int64_t *token)
{
	struct euicc_eim *m = realloc(e->s.eims, (e->s.eim_count + 1) * sizeof(*m));

	if (!m)
		return IOT_E_NOMEM;
	e->s.eims = m;
	m = &m[e->s.eim_count];
	memset(m, 0, sizeof(*m));
	if (euicc_blob_set(&m->config, der, len) != IOT_OK)
		return IOT_E_NOMEM;
	m->counter = c->has_counter_value ? c->counter_value : 0;
	if ((*has_token = c->has_association_token)) {
		m->has_token = true;
		m->token = *token = e->s.next_seq++;
	}
	e->s.eim_count++;
	return IOT_OK;
}

/* SGP.32 5.9.x ES10b.AddInitialEim: only on an eUICC without an eIM */
ES10_FN(es10b_add_initial_eim)
{
	struct rsp_add_initial_eim_request q;
	struct rsp_add_initial_eim_response r = { 0 };
	struct der_writer snap;
	size_t i;
	int rc = 0;
	iot_err err = es10_decode(&rsp_t_add_initial_eim_request, req, len, &q, a);

	if (err != IOT_OK)
		return err;
	r.choice = RSP_ADD_INITIAL_EIM_ERROR;
	if (e->s.eim_count) {
		r.u.error = 2;  /* associatedEimAlreadyExists */
		return es10_reply(&rsp_t_add_initial_eim_response, &r, out);
	}
	if (!q.eim_configuration_data_list.count) {
		r.u.error = 7;  /* commandError */
		return es10_reply(&rsp_t_add_initial_eim_response, &r, out);
	}
	if ((err = euicc_begin(e, &snap)) != IOT_OK)
		return err;
	r.u.ok.items = rsp_arena_alloc(a, q.eim_configuration_data_list.count * sizeof(*r.u.ok.items));
	for (i = 0; err == IOT_OK && !rc && i < q.eim_configuration_data_list.count; i++) {
		const struct rsp_eim_configuration_data *c = &q.eim_configuration_data_list.items[i];
		uint8_t *der;
		size_t der_len;
		bool has_token;
		int64_t token = 0;

		if ((rc = check_config(e, c)) != 0 || !r.u.ok.items)
			break;
		if ((err = rsp_encode_alloc(&rsp_t_eim_configuration_data, c, &der, &der_len)) != IOT_OK)
			break;
		err = add_config(e, der, der_len, c, &has_token, &token);
		free(der);
		r.u.ok.items[i].choice = has_token ? RSP_ADD_INITIAL_EIM_ASSOCIATION_TOKEN : RSP_ADD_INITIAL_EIM_ADD_OK;
		r.u.ok.items[i].u.association_token = token;
		r.u.ok.count++;
	}
	if (!r.u.ok.items)
		err = IOT_E_NOMEM;
	/* all or nothing: one refused configuration adds none */
	if (euicc_commit(e, &snap, rc ? IOT_E_ARG : err) == IOT_OK) {
		r.choice = RSP_ADD_INITIAL_EIM_OK;
	} else {
		memset(&r, 0, sizeof(r));
		r.choice = RSP_ADD_INITIAL_EIM_ERROR;
		r.u.error = rc ? rc : 127;
	}
	return es10_reply(&rsp_t_add_initial_eim_response, &r, out);
}

/* SGP.32 5.9.x ES10b.GetEimConfigurationData: with the current counters */
ES10_FN(es10b_get_eim_configuration_data)
{
	struct rsp_get_eim_configuration_data_request q;
	struct rsp_get_eim_configuration_data_response r = { 0 };
	size_t i;
	iot_err err = es10_decode(&rsp_t_get_eim_configuration_data_request, req, len, &q, a);

	if (err != IOT_OK)
		return err;
	r.eim_configuration_data_list.items = rsp_arena_alloc(a, (e->s.eim_count + 1) *
							      sizeof(struct rsp_eim_configuration_data));
	if (!r.eim_configuration_data_list.items)
		return IOT_E_NOMEM;
	for (i = 0; i < e->s.eim_count; i++) {
		struct rsp_eim_configuration_data *c =
			&r.eim_configuration_data_list.items[r.eim_configuration_data_list.count];

		if (rsp_decode(&rsp_t_eim_configuration_data, e->s.eims[i].config.ptr,
			       e->s.eims[i].config.len, c, a) != IOT_OK)
			continue;
		if (q.has_search_criteria && (c->eim_id.len != q.search_criteria.u.eim_id.len ||
					      memcmp(c->eim_id.ptr, q.search_criteria.u.eim_id.ptr, c->eim_id.len)))
			continue;
		c->has_counter_value = true;
		c->counter_value = e->s.eims[i].counter;
		c->has_association_token = e->s.eims[i].has_token;
		c->association_token = e->s.eims[i].token;
		r.eim_configuration_data_list.count++;
	}
	return es10_reply(&rsp_t_get_eim_configuration_data_response, &r, out);
}

/* ---- PSMOs and eCOs ---- */

static int psmo_set_fallback(struct euicc *e, const struct rsp_psmo_iccid *q)
{
	struct euicc_profile *p = euicc_find_iccid(e, q->iccid.ptr);
	struct rsp_store_metadata_request md;
	struct rsp_arena a;
	size_t i;
	bool allowed;

	if (!p)
		return 1;       /* iccidOrAidNotFound */
	rsp_arena_dynamic(&a);
	allowed = rsp_decode(&rsp_t_store_metadata_request, p->metadata.ptr, p->metadata.len, &md, &a) == IOT_OK &&
		  (!md.has_fallback_allowed || md.fallback_allowed);
	rsp_arena_free(&a);
	/* SGP.32 2.x: only a profile its owner allows as fallback */
	if (!allowed)
		return 2;       /* fallbackNotAllowed */
	for (i = 0; i < e->s.profile_count; i++)
		if (e->s.profiles[i].fallback && e->s.profiles[i].enabled && &e->s.profiles[i] != p)
			return 3;       /* fallbackProfileEnabled */
	for (i = 0; i < e->s.profile_count; i++)
		e->s.profiles[i].fallback = false;
	p->fallback = true;
	return 0;
}

static int psmo_unset_fallback(struct euicc *e)
{
	size_t i;

	for (i = 0; i < e->s.profile_count; i++) {
		if (!e->s.profiles[i].fallback)
			continue;
		if (e->s.profiles[i].enabled)
			return 3;       /* fallbackProfileEnabled */
		e->s.profiles[i].fallback = false;
		return 0;
	}
	return 2;               /* noFallbackAttribute */
}

/* SGP.32 5.9.x: an enable with rollbackFlag remembers what it replaced */
static int psmo_enable(struct euicc *e, const struct rsp_psmo_enable *q, const struct rsp_euicc_package_signed *s)
{
	struct euicc_profile *cur = NULL;
	uint8_t prev[10];
	size_t i;
	int rc;

	for (i = 0; i < e->s.profile_count; i++)
		if (e->s.profiles[i].enabled)
			cur = &e->s.profiles[i];
	if (cur)
		memcpy(prev, cur->iccid, 10);
	rc = euicc_enable(e, euicc_find_iccid(e, q->iccid.ptr));
	if (rc == 0 && q->rollback_flag) {
		if (!cur)
			return 20;      /* rollbackNotAvailable: nothing to go back to */
		e->s.has_rollback = true;
		memcpy(e->s.rollback_iccid, prev, 10);
		e->s.rollback_counter = s->counter_value;
		if (euicc_blob_set(&e->s.rollback_eim_id, s->eim_id.ptr, s->eim_id.len) != IOT_OK ||
		    euicc_blob_set(&e->s.rollback_txid, s->eim_transaction_id.ptr,
				   s->has_eim_transaction_id ? s->eim_transaction_id.len : 0) != IOT_OK)
			return 127;
	}
	return rc;
}

static void run_psmo(struct euicc *e, const struct rsp_psmo *p, const struct rsp_euicc_package_signed *s,
		     struct rsp_arena *a, struct rsp_euicc_result_data *r)
{
	memset(r, 0, sizeof(*r));
	switch (p->choice) {
	case RSP_PSMO_ENABLE:
		r->choice = RSP_RESULT_ENABLE;
		r->u.code = psmo_enable(e, &p->u.enable, s);
		break;
	case RSP_PSMO_DISABLE:
		r->choice = RSP_RESULT_DISABLE;
		r->u.code = euicc_disable(e, euicc_find_iccid(e, p->u.disable.iccid.ptr));
		break;
	case RSP_PSMO_DELETE:
		r->choice = RSP_RESULT_DELETE;
		r->u.code = euicc_delete(e, euicc_find_iccid(e, p->u.delete_.iccid.ptr));
		break;
	case RSP_PSMO_LIST_PROFILE_INFO:
		r->choice = RSP_RESULT_LIST_PROFILE_INFO;
		euicc_list_profiles(e, &p->u.list_profile_info, a, &r->u.list_profile_info);
		break;
	case RSP_PSMO_GET_RAT:
		r->choice = RSP_RESULT_GET_RAT;
		break;
	case RSP_PSMO_CONFIGURE_IMMEDIATE_ENABLE:
		r->choice = RSP_RESULT_CONFIGURE_IMMEDIATE_ENABLE;
		r->u.code = euicc_configure_immediate_enable(e, &p->u.configure_immediate_enable) == IOT_OK ? 0 : 1;
		break;
	case RSP_PSMO_SET_FALLBACK_ATTRIBUTE:
		r->choice = RSP_RESULT_SET_FALLBACK_ATTRIBUTE;
		r->u.code = psmo_set_fallback(e, &p->u.set_fallback_attribute);
		break;
	case RSP_PSMO_UNSET_FALLBACK_ATTRIBUTE:
		r->choice = RSP_RESULT_UNSET_FALLBACK_ATTRIBUTE;
		r->u.code = psmo_unset_fallback(e);
		break;
	case RSP_PSMO_SET_DEFAULT_DP_ADDRESS: {
		struct euicc_blob old = e->s.default_dp, copy = { 0 };

		r->choice = RSP_RESULT_SET_DEFAULT_DP_ADDRESS;
		if (euicc_blob_set(&copy, p->u.set_default_dp_address.address.ptr,
				   p->u.set_default_dp_address.address.len) == IOT_OK) {
			e->s.default_dp = copy;
			euicc_blob_free(&old);
		} else {
			r->u.set_default_dp_address.result = 127;
		}
		break;
	}
	default:
		r->choice = RSP_RESULT_PROCESSING_TERMINATED;
		r->u.code = RSP_PROCESSING_UNKNOWN_OR_DAMAGED_COMMAND;
		break;
	}
}


/* updateEim (SGP.32 5.9.x): what the update gives replaces what is stored;
 * what it leaves out stays, and the associationToken is the eUICC's own. */
static iot_err update_config(const struct euicc_eim *m, const struct rsp_eim_configuration_data *u, uint8_t **der,
			     size_t *len)
{
	struct rsp_eim_configuration_data c;
	struct rsp_arena a;
	iot_err err;

	rsp_arena_dynamic(&a);
	if ((err = rsp_decode(&rsp_t_eim_configuration_data, m->config.ptr, m->config.len, &c, &a)) == IOT_OK) {
#define KEEP(f) do { if (u->has_##f) { c.has_##f = true; c.f = u->f; } } while (0)
		KEEP(eim_fqdn);
		KEEP(eim_id_type);
		KEEP(counter_value);
		KEEP(eim_public_key_data);
		KEEP(trusted_public_key_data_tls);
		KEEP(eim_supported_protocol);
		KEEP(euicc_ci_pkid);
#undef KEEP
		if (u->indirect_profile_download)
			c.indirect_profile_download = true;
		err = rsp_encode_alloc(&rsp_t_eim_configuration_data, &c, der, len);
	}
	rsp_arena_free(&a);
	return err;
}

static void run_eco(struct euicc *e, const struct rsp_eco *o, struct rsp_euicc_result_data *r)
{
	size_t index;
	struct euicc_eim *m;

	memset(r, 0, sizeof(*r));
	switch (o->choice) {
	case RSP_ECO_ADD_EIM: {
		uint8_t *der;
		size_t der_len;
		bool has_token = false;
		int64_t token = 0;
		int rc = check_config(e, &o->u.add_eim);

		r->choice = RSP_RESULT_ADD_EIM;
		if (!rc && rsp_encode_alloc(&rsp_t_eim_configuration_data, &o->u.add_eim, &der, &der_len) == IOT_OK) {
			rc = add_config(e, der, der_len, &o->u.add_eim, &has_token, &token) == IOT_OK ? 0 : 1;
			free(der);
		} else if (!rc) {
			rc = 127;
		}
		if (!rc && has_token) {
			r->u.add_eim.choice = RSP_ADD_EIM_ASSOCIATION_TOKEN;
			r->u.add_eim.u.association_token = token;
		} else {
			r->u.add_eim.choice = RSP_ADD_EIM_RESULT_CODE;
			r->u.add_eim.u.result_code = rc;
		}
		break;
	}
	case RSP_ECO_DELETE_EIM:
		r->choice = RSP_RESULT_DELETE_EIM;
		if (!(m = find_eim(e, &o->u.delete_eim.eim_id, &index))) {
			r->u.code = 1;  /* eimNotFound */
			break;
		}
		euicc_blob_free(&m->config);
		memmove(m, m + 1, (e->s.eim_count - index - 1) * sizeof(*m));
		e->s.eim_count--;
		r->u.code = e->s.eim_count ? 0 : 2;     /* ok / lastEimDeleted */
		break;
	case RSP_ECO_UPDATE_EIM: {
		uint8_t *der;
		size_t der_len;
		struct crypto_key *k;

		r->choice = RSP_RESULT_UPDATE_EIM;
		if (!(m = find_eim(e, &o->u.update_eim.eim_id, &index))) {
			r->u.code = 1;
			break;
		}
		/* SGP.32: a new counter may not go back */
		if (o->u.update_eim.has_counter_value && o->u.update_eim.counter_value < m->counter) {
			r->u.code = 6;
			break;
		}
		if (o->u.update_eim.has_eim_public_key_data) {
			if (eim_key(e, &o->u.update_eim, &k) != IOT_OK) {
				r->u.code = 3;
				break;
			}
			crypto_key_free(k);
		}
		if (update_config(m, &o->u.update_eim, &der, &der_len) != IOT_OK) {
			r->u.code = 127;
			break;
		}
		euicc_blob_free(&m->config);
		m->config.ptr = der;
		m->config.len = der_len;
		if (o->u.update_eim.has_counter_value)
			m->counter = o->u.update_eim.counter_value;
		r->u.code = 0;
		break;
	}
	case RSP_ECO_LIST_EIM:
	default:
		r->choice = RSP_RESULT_LIST_EIM;
		break;
	}
}

/* listEim needs an arena for its list; filled after run_eco */
static void list_eims(struct euicc *e, struct rsp_arena *a, struct rsp_euicc_result_data *r)
{
	size_t i;

	r->u.list_eim.choice = RSP_LIST_EIM_ID_LIST;
	r->u.list_eim.u.eim_id_list.items = rsp_arena_alloc(a, (e->s.eim_count + 1) * sizeof(struct rsp_eim_id_info));
	if (!r->u.list_eim.u.eim_id_list.items) {
		r->u.list_eim.choice = RSP_LIST_EIM_ERROR;
		r->u.list_eim.u.error = 127;
		return;
	}
	for (i = 0; i < e->s.eim_count; i++) {
		struct rsp_eim_configuration_data c;
		struct rsp_eim_id_info *info = &r->u.list_eim.u.eim_id_list.items[r->u.list_eim.u.eim_id_list.count];
		/* a later eCO of the package may change the configuration */
		const uint8_t *copy = es10_dup(a, e->s.eims[i].config.ptr, e->s.eims[i].config.len);

		if (!copy || rsp_decode(&rsp_t_eim_configuration_data, copy, e->s.eims[i].config.len, &c, a) != IOT_OK)
			continue;
		info->eim_id = c.eim_id;
		info->has_eim_id_type = c.has_eim_id_type;
		info->eim_id_type = c.eim_id_type;
		r->u.list_eim.u.eim_id_list.count++;
	}
}

/* ---- LoadEuiccPackage ---- */

/* SGP.32 2.11.2: signatures cover the signed data followed by the
 * associationToken TLV ('84') when one is set */
static iot_err sign_with_token(struct euicc *e, const struct der_writer *data, const struct euicc_eim *m,
			       uint8_t sig[CRYPTO_SIG_LEN])
{
	uint8_t tok[12];
	struct der_writer tw;
	struct crypto_buf parts[2] = { { data->buf, data->len }, { tok, 0 } };

	der_writer_fixed(&tw, tok, sizeof(tok));
	if (m && m->has_token)
		der_put_int64(&tw, 0x84, m->token);
	parts[1].len = tw.len;
	return ecdsa_sign(e->key, parts, 2, sig);
}

static iot_err reply_error_unsigned(const struct rsp_euicc_package_signed *s, const struct euicc_eim *m,
				    struct der_writer *out)
{
	struct rsp_euicc_package_result r = { 0 };

	r.choice = RSP_EPR_ERROR_UNSIGNED;
	r.u.error_unsigned.eim_id = s->eim_id;
	r.u.error_unsigned.has_eim_transaction_id = s->has_eim_transaction_id;
	r.u.error_unsigned.eim_transaction_id = s->eim_transaction_id;
	if (m && m->has_token) {
		r.u.error_unsigned.has_association_token = true;
		r.u.error_unsigned.association_token = m->token;
	}
	return es10_reply(&rsp_t_euicc_package_result, &r, out);
}

static iot_err reply_error_signed(struct euicc *e, const struct rsp_euicc_package_signed *s,
				  const struct euicc_eim *m, int64_t code, struct der_writer *out)
{
	struct rsp_euicc_package_result r = { 0 };
	struct rsp_euicc_package_error_data_signed *d = &r.u.error_signed.data;
	struct der_writer data;
	uint8_t sig[CRYPTO_SIG_LEN];
	iot_err err;

	r.choice = RSP_EPR_ERROR_SIGNED;
	d->eim_id = s->eim_id;
	d->counter_value = s->counter_value;
	d->has_eim_transaction_id = s->has_eim_transaction_id;
	d->eim_transaction_id = s->eim_transaction_id;
	d->euicc_package_error_code = code;
	der_writer_dynamic(&data);
	if ((err = rsp_encode(&rsp_t_euicc_package_error_data_signed, d, &data)) == IOT_OK &&
	    (err = sign_with_token(e, &data, m, sig)) == IOT_OK) {
		r.u.error_signed.euicc_sign_epe = RSP_BYTES(sig, sizeof(sig));
		err = es10_reply(&rsp_t_euicc_package_result, &r, out);
	}
	der_writer_free(&data);
	return err;
}

ES10_FN(es10b_load_euicc_package)
{
	struct rsp_euicc_package_request q;
	const struct rsp_euicc_package_signed *s = &q.signed_data;
	struct rsp_euicc_package_result r = { 0 };
	struct rsp_euicc_package_result_data_signed *d = &r.u.result_signed.data;
	struct rsp_eim_configuration_data c;
	struct crypto_key *key = NULL;
	struct euicc_eim *m;
	struct der_writer snap, data, whole;
	uint8_t tok[12], sig[CRYPTO_SIG_LEN];
	struct der_writer tw;
	struct crypto_buf parts[2];
	size_t i, n, index;
	iot_err err = es10_decode(&rsp_t_euicc_package_request, req, len, &q, a);

	if (err != IOT_OK)
		return err;
	/* SGP.32 3.x: a package from an eIM we do not know, or whose signature
	 * fails, cannot be answered signed */
	if (!(m = find_eim(e, &s->eim_id, &index)) ||
	    rsp_decode(&rsp_t_eim_configuration_data, m->config.ptr, m->config.len, &c, a) != IOT_OK ||
	    eim_key(e, &c, &key) != IOT_OK)
		return reply_error_unsigned(s, m, out);
	/* SGP.32 2.11.2: eimSignature over EuiccPackageSigned as received,
	 * followed by the associationToken TLV */
	der_writer_fixed(&tw, tok, sizeof(tok));
	if (m->has_token)
		der_put_int64(&tw, 0x84, m->token);
	parts[0] = (struct crypto_buf){ s->der.ptr, s->der.len };
	parts[1] = (struct crypto_buf){ tok, tw.len };
	err = ecdsa_verify(key, parts, 2, q.eim_signature.ptr, q.eim_signature.len);
	crypto_key_free(key);
	if (err != IOT_OK)
		return reply_error_unsigned(s, m, out);
	/* SGP.32 5.9.x: the package must name this eUICC */
	if (s->eid_value.len != 16 || memcmp(s->eid_value.ptr, e->s.eid, 16) != 0)
		return reply_error_signed(e, s, m, RSP_EPE_INVALID_EID, out);
	/* SGP.32 5.9.x: counterValue must exceed the last one accepted from this eIM */
	if (s->counter_value <= m->counter)
		return reply_error_signed(e, s, m, RSP_EPE_REPLAY_ERROR, out);
	/* SGP.32 5.9.x: while an eCall holds the emergency profile, no package runs */
	if (euicc_ecall_active(e))
		return reply_error_signed(e, s, m, RSP_EPE_ECALL_ACTIVE, out);

	if ((err = euicc_begin(e, &snap)) != IOT_OK)
		return err;
	m->counter = s->counter_value;
	n = s->euicc_package.choice == RSP_PACKAGE_PSMO_LIST ? s->euicc_package.u.psmo_list.count :
								  s->euicc_package.u.eco_list.count;
	d->euicc_result.items = rsp_arena_alloc(a, (n + 1) * sizeof(struct rsp_euicc_result_data));
	if (!d->euicc_result.items)
		return euicc_commit(e, &snap, IOT_E_NOMEM);
	for (i = 0; i < n; i++) {
		struct rsp_euicc_result_data *res = &d->euicc_result.items[i];

		if (s->euicc_package.choice == RSP_PACKAGE_PSMO_LIST) {
			run_psmo(e, &s->euicc_package.u.psmo_list.items[i], s, a, res);
		} else {
			run_eco(e, &s->euicc_package.u.eco_list.items[i], res);
			if (res->choice == RSP_RESULT_LIST_EIM)
				list_eims(e, a, res);
		}
		d->euicc_result.count++;
	}
	/* the sending eIM may have been deleted or moved by an eCO */
	m = find_eim(e, &s->eim_id, NULL);
	d->eim_id = s->eim_id;
	d->counter_value = s->counter_value;
	d->has_eim_transaction_id = s->has_eim_transaction_id;
	d->eim_transaction_id = s->eim_transaction_id;
	d->seq_number = e->s.next_seq++;
	r.choice = RSP_EPR_RESULT_SIGNED;
	der_writer_dynamic(&data);
	der_writer_dynamic(&whole);
	if ((err = rsp_encode(&rsp_t_euicc_package_result_data_signed, d, &data)) == IOT_OK &&
	    (err = sign_with_token(e, &data, m, sig)) == IOT_OK) {
		r.u.result_signed.euicc_sign_epr = RSP_BYTES(sig, sizeof(sig));
		d->der = RSP_BYTES(data.buf, data.len);
		err = es10_reply(&rsp_t_euicc_package_result, &r, &whole);
	}
	/* kept as a pending package result until the IPA removes it */
	if (err == IOT_OK)
		err = euicc_notification_add(e, EUICC_NOTIFY_EPR, 0, d->seq_number, whole.buf, whole.len);
	err = euicc_commit(e, &snap, err);
	if (err == IOT_OK)
		der_put_raw(out, whole.buf, whole.len);
	der_writer_free(&data);
	der_writer_free(&whole);
	return err == IOT_OK ? der_writer_err(out) : err;
}

/* SGP.32 5.9.x: the EuiccPackageResult a ProfileRollback reports to the eIM
 * of the enable it undid: rollbackResult ok, signed, kept as pending. */
iot_err euicc_package_result_rollback(struct euicc *e, struct rsp_arena *a, struct der_writer *out)
{
	struct rsp_euicc_package_result r = { 0 };
	struct rsp_euicc_package_result_data_signed *d = &r.u.result_signed.data;
	struct rsp_euicc_result_data *res = rsp_arena_alloc(a, sizeof(*res));
	struct rsp_bytes id = { e->s.rollback_eim_id.ptr, e->s.rollback_eim_id.len };
	const struct euicc_eim *m = find_eim(e, &id, NULL);
	struct der_writer data;
	uint8_t sig[CRYPTO_SIG_LEN];
	size_t start = out->len;
	iot_err err;

	if (!res)
		return IOT_E_NOMEM;
	res->choice = RSP_RESULT_ROLLBACK;
	res->u.code = 0;
	r.choice = RSP_EPR_RESULT_SIGNED;
	d->eim_id = id;
	d->counter_value = e->s.rollback_counter;
	d->has_eim_transaction_id = e->s.rollback_txid.len > 0;
	d->eim_transaction_id = RSP_BYTES(e->s.rollback_txid.ptr, e->s.rollback_txid.len);
	d->seq_number = e->s.next_seq++;
	d->euicc_result.items = res;
	d->euicc_result.count = 1;
	der_writer_dynamic(&data);
	if ((err = rsp_encode(&rsp_t_euicc_package_result_data_signed, d, &data)) == IOT_OK &&
	    (err = sign_with_token(e, &data, m, sig)) == IOT_OK) {
		d->der = RSP_BYTES(data.buf, data.len);
		r.u.result_signed.euicc_sign_epr = RSP_BYTES(sig, sizeof(sig));
		err = rsp_encode(&rsp_t_euicc_package_result, &r, out);
	}
	if (err == IOT_OK)
		err = euicc_notification_add(e, EUICC_NOTIFY_EPR, 0, d->seq_number, out->buf + start, out->len - start);
	der_writer_free(&data);
	return err;
}
