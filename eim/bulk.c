/* Bulk registration of eUICCs (a factory's or distributor's list): every
 * certificate chain checked, each distinct EUM once and the eUICCs' own
 * certificates from their DER on several threads (an ECDSA verification
 * each, the cost that bounds the rate), all written in one transaction that
 * commits only once every one is checked: nothing is registered if one is
 * refused, and EIDs known already are left alone so that the same upload
 * may be sent again. */
#include "eim/internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/par.h"
#include "crypto/x509.h"

#define MAX_EUMS 32                     /* distinct EUM certificates in one upload */

struct eum_seen {
	const uint8_t *der;
	size_t len;
	struct crypto_cert *cert;
	struct x509_euicc_issuer *issuer;   /* for its eUICCs' certificates */
	iot_err verdict;
};

struct check {
	const struct eim_euicc_new *v;
	struct eum_seen *eums;
	size_t neums, n;
	time_t now;
	size_t bad[PAR_MAX_THREADS];    /* each part's first refused, or n */
	iot_err err[PAR_MAX_THREADS];
};

static struct eum_seen *eum_of(struct eum_seen *eums, size_t n, const uint8_t *der, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (eums[i].len == len && !memcmp(eums[i].der, der, len))
			return &eums[i];
	return NULL;
}

/* SGP.32 3.5 (as SGP.22 5.6.3): CERT.EUICC by the EUM, its serialNumber the EID */
static iot_err check_one(const struct eim_euicc_new *x, const struct eum_seen *eum, time_t now)
{
	char serial[40];
	iot_err err;

	if (eum->verdict != IOT_OK)
		return eum->verdict;
	err = x509_euicc_check_der(eum->issuer, x->cert, x->cert_len, now, serial, sizeof(serial), NULL);
	/* SGP.22 4.5.2 (CERT.EUICC): its subject serialNumber is the EID */
	if (err == IOT_OK && strcmp(serial, x->eid))
		err = IOT_E_CERT_EID;
	return err;
}

static void check_range(void *arg, unsigned part, size_t from, size_t to)
{
	struct check *c = arg;

	c->bad[part] = c->n;
	c->err[part] = IOT_OK;
	for (size_t i = from; i < to; i++) {
		const struct eim_euicc_new *x = &c->v[i];
		iot_err err;

		if (!x->cert)
			continue;
		err = check_one(x, eum_of(c->eums, c->neums, x->eum, x->eum_len), c->now);
		if (err != IOT_OK) {
			c->bad[part] = i;
			c->err[part] = err;
			break;
		}
	}
}

/* Each distinct EUM parsed and verified against the CIs once. */
static iot_err check_eums(struct eim *e, const struct eim_euicc_new *v, size_t n, struct eum_seen *eums,
			  size_t *neums, time_t now, size_t *bad)
{
	for (size_t i = 0; i < n; i++) {
		struct eum_seen *s;

		if (!v[i].cert)
			continue;
		if (!v[i].eum || !v[i].eum_len || !v[i].cert_len) {
			*bad = i;
			return IOT_E_ARG;
		}
		if (eum_of(eums, *neums, v[i].eum, v[i].eum_len))
			continue;
		if (*neums == MAX_EUMS) {
			*bad = i;
			return IOT_E_ARG;
		}
		s = &eums[(*neums)++];
		*s = (struct eum_seen){ v[i].eum, v[i].eum_len, NULL, NULL, IOT_E_CERT_CI_UNKNOWN };
		if ((s->verdict = x509_parse(s->der, s->len, &s->cert)) != IOT_OK)
			continue;
		s->verdict = IOT_E_CERT_CI_UNKNOWN;
		for (size_t k = 0; k < e->ci_count && s->verdict != IOT_OK; k++) {
			/* SGP.22 4.5.2: CERT.EUM issued by a CI this eIM trusts */
			s->verdict = x509_check_issued(e->cis[k], X509_ROLE_CI, e->cis[k], now);
			if (s->verdict == IOT_OK)
				s->verdict = x509_check_issued(s->cert, X509_ROLE_EUM, e->cis[k], now);
		}
		if (s->verdict == IOT_OK)
			s->verdict = x509_euicc_issuer_new(s->cert, &s->issuer);
	}
	return IOT_OK;
}

/* The EIDs, then each distinct EUM against the CIs, once. */
static iot_err check_prepare(struct eim *e, struct check *c, size_t *bad)
{
	*bad = c->n;
	for (size_t i = 0; i < c->n; i++)
		if (!c->v[i].eid || !eim_eid_valid(c->v[i].eid)) {
			*bad = i;
			return IOT_E_ARG;
		}
	return check_eums(e, c->v, c->n, c->eums, &c->neums, c->now, bad);
}

/* Every eUICC's certificate checked, split over threads; *bad: the first
 * refused. */
static iot_err check_all(struct check *c, unsigned threads, size_t *bad)
{
	iot_err err = IOT_OK;

	par_ranges(c->n, threads, check_range, c);
	*bad = c->n;
	for (unsigned i = 0; i < threads; i++)
		if (c->err[i] != IOT_OK && c->bad[i] < *bad) {
			*bad = c->bad[i];
			err = c->err[i];
		}
	return err;
}

/* One eUICC written in the open transaction: added, or known already. */
static iot_err write_one(struct eim *e, const struct eim_euicc_new *x, const struct eim_settings *set, size_t *added,
			 size_t *known)
{
	iot_err err = store_sql(e->db, "INSERT INTO euicc(eid, labels, created, cert) VALUES ($1, $2, $3, $4)"
				       " ON CONFLICT DO NOTHING", "ttib", x->eid, x->labels ? x->labels : "",
				(int64_t)time(NULL), x->cert, x->cert ? x->cert_len : 0);

	if (err != IOT_OK)
		return err;
	if (store_changes(e->db) != 1) {
		(*known)++;             /* known already: left as it is */
		return IOT_OK;
	}
	/* SGP.32 3.5: each one's first contact queued, as eim_euicc_register does */
	if ((err = eim_labels_index(e, x->eid, x->labels)) == IOT_OK &&
	    (err = eim_op_insert(e, x->eid, EIM_OP_CONTACT, (const uint8_t *)"\x84\xA5\xA6\xA8\xBF\x22", 6, 0,
				 set->operation_ttl)) == IOT_OK)
		(*added)++;
	return err;
}

/* All checked first, then all written in one transaction: the store's
 * write lock is held for the writes alone, not while the certificates are
 * checked, so that the devices' polls and another upload's writes wait
 * only that long (and another upload's checks overlap these writes); a
 * refusal anywhere registers nothing. */
static iot_err check_and_write(struct eim *e, struct check *all, unsigned threads, size_t *added, size_t *known,
			       size_t *bad)
{
	struct eim_settings set;
	iot_err err;

	if ((err = check_all(all, threads, bad)) != IOT_OK || (err = eim_settings_get(e, &set)) != IOT_OK ||
	    (err = store_begin(e->db)) != IOT_OK)
		return err;
	for (size_t i = 0; err == IOT_OK && i < all->n; i++)
		err = write_one(e, &all->v[i], &set, added, known);
	if (err == IOT_OK && (err = store_commit(e->db)) == IOT_OK)
		return IOT_OK;
	store_rollback(e->db);
	return err;
}

iot_err eim_euicc_register_many(struct eim *e, const struct eim_euicc_new *v, size_t n, unsigned threads,
				size_t *added, size_t *known, size_t *bad)
{
	struct eum_seen eums[MAX_EUMS];
	struct check all = { .v = v, .eums = eums, .n = n, .now = time(NULL) };
	iot_err err;

	*added = *known = 0;
	threads = threads < 1 ? 1 : threads > PAR_MAX_THREADS ? PAR_MAX_THREADS : threads;
	if ((err = check_prepare(e, &all, bad)) == IOT_OK && (err = check_and_write(e, &all, threads, added, known, bad)) !=
										     IOT_OK) {
		*added = *known = 0;
	}
	for (size_t i = 0; i < all.neums; i++) {
		x509_euicc_issuer_free(eums[i].issuer);
		x509_free(eums[i].cert);
	}
	return err;
}
