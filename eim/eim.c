/* The eIM core: configuration, the store, eUICCs and operations. */
#include "eim/internal.h"
#include "eim/change.h"
#include "eim/autopilot.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/hex.h"
#include "base/log.h"
#include "crypto/eum_cache.h"

/* The schema's version: raised with every change to it (tables, columns,
 * indexes); a store with a higher one is refused (store_schema_check). */
#define EIM_SCHEMA_VERSION 1

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS euicc ("
	" eid TEXT PRIMARY KEY, counter INTEGER NOT NULL DEFAULT 0, token INTEGER, cert BLOB,"
	" labels TEXT NOT NULL DEFAULT '', last_contact INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL,"
	" esipa_json INTEGER NOT NULL DEFAULT 0, last_source TEXT, sources INTEGER NOT NULL DEFAULT 0,"
	" sources_since INTEGER NOT NULL DEFAULT 0);"
	/* before operation, which refers to it */
	"CREATE TABLE IF NOT EXISTS campaign ("
	" id INTEGER PRIMARY KEY, name TEXT NOT NULL, max_in_flight INTEGER NOT NULL, created INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS operation ("
	" id INTEGER PRIMARY KEY, eid TEXT NOT NULL REFERENCES euicc(eid), kind INTEGER NOT NULL,"
	" payload BLOB NOT NULL, state INTEGER NOT NULL DEFAULT 0, counter INTEGER NOT NULL DEFAULT 0,"
	" message BLOB, result BLOB, result_code INTEGER NOT NULL DEFAULT 0, smdp TEXT,"
	" created INTEGER NOT NULL, updated INTEGER NOT NULL, expires INTEGER NOT NULL,"
	" campaign INTEGER REFERENCES campaign(id), retries INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX IF NOT EXISTS operation_next ON operation(eid, state, id);"
	"CREATE INDEX IF NOT EXISTS operation_campaign ON operation(campaign, state);"
	"CREATE TABLE IF NOT EXISTS session ("
	" txid BLOB PRIMARY KEY, op INTEGER NOT NULL, smdp TEXT NOT NULL, created INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS notification ("
	" id INTEGER PRIMARY KEY, eid TEXT, seq INTEGER, der BLOB NOT NULL, forwarded INTEGER NOT NULL DEFAULT 0,"
	" received INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS profile ("
	" eid TEXT NOT NULL REFERENCES euicc(eid), iccid TEXT NOT NULL, state INTEGER NOT NULL,"
	" updated INTEGER NOT NULL, PRIMARY KEY (eid, iccid));"
	"CREATE INDEX IF NOT EXISTS profile_iccid ON profile(iccid, state);"
	"CREATE TABLE IF NOT EXISTS euicc_state ("
	" eid TEXT PRIMARY KEY REFERENCES euicc(eid), rplmn TEXT, rplmn_at INTEGER, change_cause INTEGER,"
	" changed_at INTEGER);"
	/* each label of each eUICC, for campaigns and listings by label without a scan */
	"CREATE TABLE IF NOT EXISTS euicc_label ("
	" label TEXT NOT NULL, eid TEXT NOT NULL REFERENCES euicc(eid), PRIMARY KEY (label, eid));"
	"CREATE TABLE IF NOT EXISTS setting (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS secret (name TEXT PRIMARY KEY, value BLOB NOT NULL);"
	/* what compact ESipa messages leave out (SGP.32 minimizeEsipaBytes), to rebuild them */
	"CREATE TABLE IF NOT EXISTS euicc_info ("
	" eid TEXT PRIMARY KEY REFERENCES euicc(eid), eum_cert BLOB, euicc_info2 BLOB, ipa_features INTEGER);"
	"CREATE TABLE IF NOT EXISTS session_info ("
	" txid BLOB PRIMARY KEY, server_address BLOB NOT NULL, challenge BLOB NOT NULL, smdp_oid BLOB NOT NULL,"
	" pb_oid BLOB, iccid BLOB);"
	"CREATE INDEX IF NOT EXISTS notification_forward ON notification(forwarded, id);"
	"CREATE INDEX IF NOT EXISTS notification_seq ON notification(seq);"
	"CREATE INDEX IF NOT EXISTS notification_eid ON notification(eid, id);";

const char *eim_op_kind_name(enum eim_op_kind k)
{
	static const char *const names[] = { "?", "psmo", "eco", "data", "download", "contact" };

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

const char *eim_op_state_name(enum eim_op_state s)
{
	static const char *const names[] = { "pending", "sent", "done", "failed", "cancelled", "expired" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

iot_err eim_add_column(struct eim *e, const char *table, const char *column, const char *decl)
{
	struct store_stmt *st;
	char sql[200];

	snprintf(sql, sizeof(sql), "SELECT %s FROM %s LIMIT 0", column, table);
	if (store_prepare(e->db, sql, &st) == IOT_OK) {
		store_finalize(st);
		return IOT_OK;
	}
	snprintf(sql, sizeof(sql), "ALTER TABLE %s ADD COLUMN %s %s", table, column, decl);
	if (store_exec(e->db, sql) == IOT_OK)
		return IOT_OK;
	/* another node or thread added it first */
	snprintf(sql, sizeof(sql), "SELECT %s FROM %s LIMIT 0", column, table);
	if (store_prepare(e->db, sql, &st) != IOT_OK)
		return IOT_E_STORE;
	store_finalize(st);
	return IOT_OK;
}

static iot_err labels_backfill(struct eim *e);

iot_err eim_open(const struct eim_config *c, struct eim **out)
{
	struct eim *e;
	iot_err err = IOT_OK;

	if (!c->eim_id || !c->key_file || !c->cert_file || !c->store_url || !c->ci_count)
		return IOT_E_ARG;
	if (!(e = calloc(1, sizeof(*e))) || !(e->eim_id = strdup(c->eim_id)) ||
	    !(e->fqdn = strdup(c->fqdn ? c->fqdn : c->eim_id)) || !(e->cis = calloc(c->ci_count, sizeof(*e->cis)))) {
		eim_close(e);
		return IOT_E_NOMEM;
	}
	e->cfg = *c;
	e->ci_count = c->ci_count;
	if (!(e->keys = c->keys) && crypto_key_cache_new(256, &e->keys) == IOT_OK)
		e->own_keys = true;
	if (!(e->eums = c->eums) && x509_eum_cache_new(EIM_EUM_CACHE, &e->eums) == IOT_OK)
		e->own_eums = true;
	if (!e->keys || !e->eums) {
		eim_close(e);
		return IOT_E_NOMEM;
	}
	if (!e->cfg.op_seconds)
		e->cfg.op_seconds = 7 * 24 * 3600;
	if ((err = crypto_key_load_pem(c->key_file, &e->key)) != IOT_OK || (err = x509_load(c->cert_file, &e->cert)) != IOT_OK ||
	    (c->tls_cert_file && (err = x509_load(c->tls_cert_file, &e->tls_cert)) != IOT_OK))
		log_error("eim", "unusable eIM credentials", "key=%s cert=%s error=\"%s\"", c->key_file, c->cert_file,
			  iot_strerror(err));
	for (size_t i = 0; err == IOT_OK && i < c->ci_count; i++)
		err = x509_load(c->ci_files[i], &e->cis[i]);
	if (err == IOT_OK && (err = store_open(c->store_url, &e->db)) == IOT_OK &&
	    (err = store_schema_check(e->db, "eim", EIM_SCHEMA_VERSION)) == IOT_OK &&
	    (err = store_exec(e->db, schema)) == IOT_OK)
		err = eim_audit_schema(e);
	if (err == IOT_OK)
		err = eim_inject_schema(e);
	/* a store from before download retries: the operation table gains its count */
	if (err == IOT_OK)
		err = eim_add_column(e, "operation", "retries", "INTEGER NOT NULL DEFAULT 0");
	/* and sessions the reason a relayed CancelSession gave, for a device that sends no trigger result */
	if (err == IOT_OK && (err = eim_add_column(e, "session", "cancelled", "INTEGER")) == IOT_OK)
		err = store_exec(e->db, "CREATE INDEX IF NOT EXISTS session_op ON session(op)");
	/* and from before sources were watched: the euicc table gains them */
	if (err == IOT_OK && (err = eim_add_column(e, "euicc", "last_source", "TEXT")) == IOT_OK &&
	    (err = eim_add_column(e, "euicc", "sources", "INTEGER NOT NULL DEFAULT 0")) == IOT_OK)
		err = eim_add_column(e, "euicc", "sources_since", "INTEGER NOT NULL DEFAULT 0");
	/* and from before governance: profiles' class and fallback attribute,
	 * operations' and campaigns' change records and stages */
	if (err == IOT_OK)
		err = labels_backfill(e);
	if (err == IOT_OK)
		err = eim_governance_schema(e);
	if (err == IOT_OK)
		err = eim_health_schema(e);
	if (err == IOT_OK && e->key)
		err = eim_audit_checkpoint_upgrade(e);
	if (err == IOT_OK)
		err = eim_txid_init(e);
	if (err == IOT_OK)
		err = store_schema_set(e->db, "eim", EIM_SCHEMA_VERSION);
	if (err != IOT_OK) {
		eim_close(e);
		return err;
	}
	*out = e;
	return IOT_OK;
}

void eim_close(struct eim *e)
{
	if (!e)
		return;
	for (size_t i = 0; e->cis && i < e->ci_count; i++)
		x509_free(e->cis[i]);
	free(e->cis);
	crypto_key_free(e->key);
	x509_free(e->cert);
	x509_free(e->tls_cert);
	/* the cohort counters this process still holds for the store (a clean stop loses none) */
	if (e->db)
		(void)eim_tally_flush(e);
	store_close(e->db);
	http_client_free(e->es9);
	http_client_free(e->inject);
	for (size_t i = 0; i < EIM_MAX_WEBHOOKS; i++)
		http_client_free(e->webhook_http[i]);
	net_coap_client_free(e->inject_coap);
	eim_policy_release(e->builtin_policy);
	if (e->own_keys)
		crypto_key_cache_free(e->keys);
	if (e->own_eums)
		x509_eum_cache_free(e->eums);
	free(e->eim_id);
	free(e->fqdn);
	free(e);
}

const char *eim_connect_for(const struct eim *e, const char *host_port, size_t n)
{
	for (size_t i = 0; i < e->cfg.connect_count; i++)
		if (!strncmp(e->cfg.connect[i], host_port, n) && e->cfg.connect[i][n] == ':')
			return e->cfg.connect[i];
	return NULL;
}

int64_t eim_now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* ---- eUICCs ---- */

bool eim_eid_valid(const char *eid)
{
	size_t n = strlen(eid);

	if (n != 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (eid[i] < '0' || eid[i] > '9')
			return false;
	return true;
}

static iot_err run(struct store *db, const char *sql, const char *text, int64_t a, int64_t b)
{
	struct store_stmt *st;
	bool row;
	iot_err err = store_prepare(db, sql, &st);

	if (err != IOT_OK)
		return err;
	if (text)
		store_bind_text(st, 1, text);
	store_bind_int(st, 2, a);
	store_bind_int(st, 3, b);
	err = store_step(st, &row);
	store_finalize(st);
	return err;
}

iot_err eim_euicc_register(struct eim *e, const char *eid, const char *labels)
{
	return eim_euicc_register_certified(e, eid, labels, NULL, 0, NULL, 0);
}

iot_err eim_euicc_check_certificates(struct eim *e, const char *eid, const uint8_t *eum_der, size_t eum_len,
				     const uint8_t *cert_der, size_t cert_len)
{
	struct crypto_cert *eum = NULL, *cert = NULL;
	enum x509_role failed = X509_ROLE_CI;
	time_t now = time(NULL);
	char serial[40];
	iot_err err;

	/* this EUM passed with one of our CIs already, both still valid: the
	 * eUICC's certificate is checked from its DER (the same verdicts; one
	 * OpenSSL could not parse may be refused for another reason) */
	for (size_t i = 0; i < e->ci_count; i++) {
		struct x509_euicc_issuer *known = x509_eum_cache_issuer(e->eums, e->cis[i], eum_der, eum_len, now);

		if (known) {
			/* SGP.22 4.5.2 (CERT.EUICC): its subject serialNumber is the EID */
			err = x509_euicc_check_der(known, cert_der, cert_len, now, serial, sizeof(serial), NULL);
			return err == IOT_OK && strcmp(serial, eid) ? IOT_E_CERT_EID : err;
		}
	}
	if ((err = x509_parse(eum_der, eum_len, &eum)) != IOT_OK || (err = x509_parse(cert_der, cert_len, &cert)) != IOT_OK)
		goto out;
	/* SGP.32 3.5 (as SGP.22 5.6.3): CERT.EUM by a CI we trust, CERT.EUICC by the EUM */
	err = IOT_E_CERT_CI_UNKNOWN;
	for (size_t i = 0; i < e->ci_count && err != IOT_OK; i++) {
		err = x509_verify_euicc_chain(e->cis[i], eum, cert, now, &failed);
		/* the CI and the EUM passed (whatever the eUICC's): the EUM is kept
		 * for this CI (the cache may take it), and no other CI issued it */
		if (err == IOT_OK || failed == X509_ROLE_EUICC) {
			x509_eum_cache_put(e->eums, e->cis[i], &eum);
			break;
		}
	}
	/* SGP.22 4.5.2 (CERT.EUICC): its subject serialNumber is the EID */
	if (err == IOT_OK && ((err = x509_subject_serial(cert, serial, sizeof(serial))) != IOT_OK || strcmp(serial, eid)))
		err = err ? err : IOT_E_CERT_EID;
out:
	x509_free(eum);
	x509_free(cert);
	return err;
}

/* eid's labels (comma-separated) into euicc_label, in the caller's transaction. */
iot_err eim_labels_index(struct eim *e, const char *eid, const char *labels)
{
	iot_err err = IOT_OK;

	for (const char *p = labels; err == IOT_OK && p && *p;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char label[256];

		if (n && n < sizeof(label)) {
			memcpy(label, p, n);
			label[n] = 0;
			err = store_sql(e->db, "INSERT INTO euicc_label(label, eid) VALUES ($1, $2) ON CONFLICT DO NOTHING", "tt",
					label, eid);
		}
		p = end ? end + 1 : NULL;
	}
	return err;
}

/* A store from before euicc_label: its eUICCs' labels indexed once. */
static iot_err labels_backfill(struct eim *e)
{
	struct store_stmt *st;
	bool row = false;
	iot_err err = store_prepare(e->db, "SELECT 1 FROM euicc_label LIMIT 1", &st);

	/* a row read at most, at each open: labels indexed already, or no labels */
	if (err != IOT_OK)
		return err;
	err = store_step(st, &row);
	store_finalize(st);
	if (err != IOT_OK || row || (err = store_prepare(e->db, "SELECT 1 FROM euicc WHERE labels <> '' LIMIT 1", &st)) !=
					     IOT_OK)
		return err;
	err = store_step(st, &row);
	store_finalize(st);
	if (err != IOT_OK || !row || (err = store_begin(e->db)) != IOT_OK)
		return err;
	if ((err = store_prepare(e->db, "SELECT eid, labels FROM euicc WHERE labels <> ''", &st)) == IOT_OK) {
		while (err == IOT_OK && (err = store_step(st, &row)) == IOT_OK && row) {
			char eid[33], labels[256];

			snprintf(eid, sizeof(eid), "%s", store_col_text(st, 0));
			snprintf(labels, sizeof(labels), "%s", store_col_text(st, 1));
			err = eim_labels_index(e, eid, labels);
		}
		store_finalize(st);
	}
	if (err == IOT_OK)
		return store_commit(e->db);
	store_rollback(e->db);
	return err;
}

iot_err eim_euicc_register_certified(struct eim *e, const char *eid, const char *labels, const uint8_t *eum,
				     size_t eum_len, const uint8_t *cert, size_t cert_len)
{
	struct store_stmt *st;
	int64_t id;
	bool row;
	iot_err err;

	if (!eim_eid_valid(eid))
		return IOT_E_ARG;
	if (cert && (err = eim_euicc_check_certificates(e, eid, eum, eum_len, cert, cert_len)) != IOT_OK)
		return err;
	if ((err = store_begin(e->db)) != IOT_OK)
		return err;
	if ((err = store_prepare(e->db, "INSERT INTO euicc(eid, labels, created, cert) VALUES ($1, $2, $3, $4)", &st)) ==
	    IOT_OK) {
		store_bind_text(st, 1, eid);
		store_bind_text(st, 2, labels ? labels : "");
		store_bind_int(st, 3, (int64_t)time(NULL));
		if (cert)
			store_bind_blob(st, 4, cert, cert_len);
		else
			store_bind_null(st, 4);
		err = store_step(st, &row);
		store_finalize(st);
	}
	if (err == IOT_E_STORE_CONSTRAINT)
		err = IOT_E_REFUSED;
	if (err == IOT_OK)
		err = eim_labels_index(e, eid, labels);
	/* SGP.32 3.5: the first contact asks for the certificates and the association token,
	 * the IPA's capabilities and euiccInfo2 (compact messages leave them out) */
	if (err == IOT_OK) {
		store_commit(e->db);
		return eim_op_create(e, eid, EIM_OP_CONTACT, (const uint8_t *)"\x84\xA5\xA6\xA8\xBF\x22", 6, &id);
	}
	store_rollback(e->db);
	return err;
}

iot_err eim_euicc_register_batch(struct eim *e, const char *const *eids, const char *const *labels, size_t n,
				 size_t *added)
{
	struct eim_settings set;
	iot_err err;

	*added = 0;
	for (size_t i = 0; i < n; i++)
		if (!eim_eid_valid(eids[i]))
			return IOT_E_ARG;
	if ((err = eim_settings_get(e, &set)) != IOT_OK || (err = store_begin(e->db)) != IOT_OK)
		return err;
	for (size_t i = 0; err == IOT_OK && i < n; i++) {
		/* known already: left as it is */
		if ((err = store_sql(e->db, "INSERT INTO euicc(eid, labels, created) VALUES ($1, $2, $3)"
				     " ON CONFLICT DO NOTHING", "tti", eids[i], labels && labels[i] ? labels[i] : "",
				     (int64_t)time(NULL))) != IOT_OK || store_changes(e->db) != 1)
			continue;
		/* SGP.32 3.5: each one's first contact queued, as eim_euicc_register does */
		if ((err = eim_labels_index(e, eids[i], labels ? labels[i] : NULL)) == IOT_OK &&
		    (err = eim_op_insert(e, eids[i], EIM_OP_CONTACT, (const uint8_t *)"\x84\xA5\xA6\xA8\xBF\x22", 6, 0,
					 set.operation_ttl)) == IOT_OK)
			(*added)++;
	}
	if (err == IOT_OK)
		return store_commit(e->db);
	store_rollback(e->db);
	*added = 0;
	return err;
}

static void euicc_row(struct store_stmt *st, struct eim_euicc *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->eid, sizeof(out->eid), "%s", store_col_text(st, 0));
	out->counter = store_col_int(st, 1);
	out->has_token = !store_col_null(st, 2);
	out->token = store_col_int(st, 2);
	out->has_cert = !store_col_null(st, 3);
	snprintf(out->labels, sizeof(out->labels), "%s", store_col_text(st, 4));
	out->last_contact = store_col_int(st, 5);
	out->pending = store_col_int(st, 6);
}

#define EUICC_SELECT                                                                           \
	"SELECT euicc.eid, counter, token, cert, labels, last_contact,"                          \
	" (SELECT COUNT(*) FROM operation o WHERE o.eid = euicc.eid AND o.state < 2) "
#define EUICC_COLUMNS EUICC_SELECT "FROM euicc "

iot_err eim_euicc_get(struct eim *e, const char *eid, struct eim_euicc *out)
{
	struct store_stmt *st;
	bool row = false;
	iot_err err = store_prepare(e->db, EUICC_COLUMNS "WHERE eid = $1", &st);

	if (err != IOT_OK)
		return err;
	store_bind_text(st, 1, eid);
	if ((err = store_step(st, &row)) == IOT_OK && row)
		euicc_row(st, out);
	store_finalize(st);
	return err != IOT_OK ? err : row ? IOT_OK : IOT_E_NOT_FOUND;
}

iot_err eim_euicc_list(struct eim *e, const struct eim_euicc_filter *f, struct eim_euicc *out, size_t cap,
		       size_t *n)
{
	/* the walk, in EID order, starts in the narrowest index the filters
	 * allow: a label's (euicc_label), a profile's holders (profile by
	 * ICCID), the eUICCs with work (operation by state), or all of them;
	 * the other filters are checked on the rows it yields */
	static const char *const drivers[] = {
		/* joined, not "IN (SELECT ...)": a label of a million eUICCs is
		 * walked in its index a page at a time, never gathered whole */
		"FROM euicc_label l JOIN euicc ON euicc.eid = l.eid WHERE l.label = $3 AND l.eid > $1",
		"FROM euicc WHERE euicc.eid IN (SELECT eid FROM profile WHERE iccid = $5 AND eid > $1)",
		"FROM euicc WHERE euicc.eid IN (SELECT eid FROM operation WHERE state < 2 AND eid > $1)",
		"FROM euicc WHERE euicc.eid > $1",
	};
	int d = f->label ? 0 : f->iccid ? 1 : f->pending_only ? 2 : 3;
	char sql[1024];
	struct store_stmt *st;
	bool row = true;
	iot_err err;

	snprintf(sql, sizeof(sql), EUICC_SELECT "%s AND ($3 IS NULL OR $3 IS NOT NULL)"
		 " AND ($4 = 0 OR EXISTS (SELECT 1 FROM operation o WHERE o.eid = euicc.eid AND o.state < 2))"
		 " AND (($5 IS NULL AND $6 < 0) OR EXISTS (SELECT 1 FROM profile p WHERE p.eid = euicc.eid"
		 "  AND ($5 IS NULL OR p.iccid = $5) AND ($6 < 0 OR p.state = $6)))"
		 " AND ($7 < 0 OR (CASE WHEN cert IS NOT NULL AND token IS NOT NULL THEN 1 ELSE 0 END) = $7)"
		 " ORDER BY %s LIMIT $2", drivers[d], d ? "euicc.eid" : "l.eid");
	err = store_prepare(e->db, sql, &st);

	*n = 0;
	if (err != IOT_OK)
		return err;
	store_bind_text(st, 1, f->after ? f->after : "");
	store_bind_int(st, 2, (int64_t)cap);
	store_bind_text(st, 3, f->label);
	store_bind_int(st, 4, f->pending_only);
	store_bind_text(st, 5, f->iccid);
	store_bind_int(st, 6, f->profile_state);
	store_bind_int(st, 7, f->learned);
	while (err == IOT_OK && (err = store_step(st, &row)) == IOT_OK && row && *n < cap)
		euicc_row(st, &out[(*n)++]);
	store_finalize(st);
	return err;
}

iot_err eim_initial_eim_request(struct eim *e, uint8_t **der, size_t *len)
{
	struct rsp_add_initial_eim_request q = { 0 };
	struct rsp_eim_configuration_data c = { 0 };
	uint8_t *spki;
	size_t n;
	iot_err err;

	if ((err = crypto_key_spki(x509_key(e->cert), &spki, &n)) != IOT_OK)
		return err;
	/* SGP.32 2.11.1 EimConfigurationData: what a factory loads with ES10b.AddInitialEim */
	c.eim_id = RSP_BYTES(e->eim_id, strlen(e->eim_id));
	c.has_eim_fqdn = true;
	c.eim_fqdn = RSP_BYTES(e->fqdn, strlen(e->fqdn));
	c.has_eim_id_type = true;
	c.eim_id_type = RSP_EIM_ID_TYPE_FQDN;
	c.has_counter_value = true;
	c.has_association_token = true;
	c.has_eim_public_key_data = true;
	c.eim_public_key_data.choice = RSP_KEY_DATA_PUBLIC_KEY;
	c.eim_public_key_data.u.public_key = RSP_BYTES(spki, n);
	if (e->tls_cert) {
		size_t dl;
		const uint8_t *d = x509_der(e->tls_cert, &dl);

		c.has_trusted_public_key_data_tls = true;
		c.trusted_public_key_data_tls.choice = RSP_KEY_DATA_CERTIFICATE;
		c.trusted_public_key_data_tls.u.certificate = RSP_BYTES(d, dl);
	}
	c.has_eim_supported_protocol = true;
	c.eim_supported_protocol = e->cfg.coaps ? RSP_PROTO_RETRIEVE_COAPS : RSP_PROTO_RETRIEVE_HTTPS;
	c.indirect_profile_download = true;
	q.eim_configuration_data_list.items = &c;
	q.eim_configuration_data_list.count = 1;
	err = rsp_encode_alloc(&rsp_t_add_initial_eim_request, &q, der, len);
	free(spki);
	return err;
}

/* ---- operations ---- */

iot_err eim_op_insert(struct eim *e, const char *eid, enum eim_op_kind kind, const uint8_t *payload, size_t len,
		      int64_t campaign, unsigned ttl)
{
	struct store_stmt *st;
	int64_t now = (int64_t)time(NULL);
	bool row;
	iot_err err;

	if ((err = store_prepare(e->db,
				 "INSERT INTO operation(eid, kind, payload, created, updated, expires, campaign)"
				 " VALUES ($1, $2, $3, $4, $4, $5, $6)", &st)) != IOT_OK)
		return err;
	store_bind_text(st, 1, eid);
	store_bind_int(st, 2, kind);
	store_bind_blob(st, 3, payload, len);
	store_bind_int(st, 4, now);
	store_bind_int(st, 5, now + ttl);
	if (campaign)
		store_bind_int(st, 6, campaign);
	else
		store_bind_null(st, 6);
	err = store_step(st, &row);
	store_finalize(st);
	return err;
}

iot_err eim_lease_hold(struct eim *e, const char *name, bool *held)
{
	return store_lease_hold(e->db, name, store_node_id(), eim_now_ms(), e->cfg.lease_ms ? e->cfg.lease_ms : 30000,
				held);
}

iot_err eim_lease_keep(struct eim *e, const char *name, int64_t *held_until, bool *held)
{
	int64_t now = eim_now_ms(), ttl = e->cfg.lease_ms ? e->cfg.lease_ms : 30000;
	iot_err err;

	/* renewed at most once per half lease: no other node takes it before it
	 * expires, a full lease after the last renewal, and the half left over
	 * covers the nodes' clocks and a step's length (a renewal is a durable
	 * write, and the workers run a step per device result) */
	*held = now < *held_until;
	if (*held)
		return IOT_OK;
	if ((err = eim_lease_hold(e, name, held)) == IOT_OK && *held)
		*held_until = now + ttl / 2;
	return err;
}

iot_err eim_lease_release(struct eim *e, const char *name)
{
	return store_lease_release(e->db, name, store_node_id());
}

iot_err eim_last_id(struct eim *e, int64_t *id)
{
	struct store_stmt *st;
	bool row = false;
	iot_err err = store_prepare(e->db, "SELECT last_insert_rowid()", &st);

	if (err != IOT_OK)
		return err;
	if ((err = store_step(st, &row)) == IOT_OK && row)
		*id = store_col_int(st, 0);
	store_finalize(st);
	return err;
}

iot_err eim_op_create(struct eim *e, const char *eid, enum eim_op_kind kind, const uint8_t *payload, size_t len,
		      int64_t *id)
{
	struct eim_settings set;
	struct eim_euicc u;
	iot_err err;

	if (kind < EIM_OP_PSMO || kind > EIM_OP_CONTACT || !len)
		return IOT_E_ARG;
	if ((err = eim_euicc_get(e, eid, &u)) != IOT_OK)
		return err;
	err = eim_settings_get(e, &set);
	if (err == IOT_OK)
		err = eim_op_insert(e, eid, kind, payload, len, 0, set.operation_ttl);
	if (err == IOT_OK)
		err = eim_last_id(e, id);
	if (err == IOT_OK)
		store_log_on_commit(e->db, "eim", "operation", "id=%lld eid=%s kind=%s", (long long)*id, eid,
				    eim_op_kind_name(kind));
	return err;
}

void eim_op_from_row(struct store_stmt *st, struct eim_op *op)
{
	memset(op, 0, sizeof(*op));
	op->id = store_col_int(st, 0);
	snprintf(op->eid, sizeof(op->eid), "%s", store_col_text(st, 1));
	op->kind = (enum eim_op_kind)store_col_int(st, 2);
	op->state = (enum eim_op_state)store_col_int(st, 3);
	op->counter = store_col_int(st, 4);
	op->result_code = store_col_int(st, 5);
	op->created = store_col_int(st, 6);
	op->updated = store_col_int(st, 7);
}

iot_err eim_op_get(struct eim *e, int64_t id, struct eim_op *op)
{
	struct store_stmt *st;
	bool row = false;
	iot_err err = store_prepare(e->db, "SELECT " EIM_OP_COLUMNS ", result FROM operation WHERE id = $1", &st);

	memset(op, 0, sizeof(*op));
	if (err != IOT_OK)
		return err;
	store_bind_int(st, 1, id);
	if ((err = store_step(st, &row)) == IOT_OK && row) {
		const uint8_t *r;
		size_t n;

		eim_op_from_row(st, op);
		if ((r = store_col_blob(st, 8, &n)) && n && (op->result = malloc(n))) {
			memcpy(op->result, r, n);
			op->result_len = n;
		}
	}
	store_finalize(st);
	return err != IOT_OK ? err : row ? IOT_OK : IOT_E_NOT_FOUND;
}

void eim_op_free(struct eim_op *op)
{
	free(op->result);
	op->result = NULL;
}

iot_err eim_op_cancel(struct eim *e, int64_t id)
{
	iot_err err = run(e->db, "UPDATE operation SET state = 4, updated = $2 WHERE id = $3 AND state = 0", NULL,
			  (int64_t)time(NULL), id);

	if (err != IOT_OK)
		return err;
	if (store_changes(e->db) == 1)
		return IOT_OK;
	{
		struct eim_op op;

		err = eim_op_get(e, id, &op);
		eim_op_free(&op);
		return err == IOT_OK ? IOT_E_REFUSED : err;
	}
}


iot_err eim_euicc_state(struct eim *e, const char *eid, struct eim_euicc_state *out)
{
	struct store_stmt *st;
	bool row = false;
	iot_err err = store_prepare(e->db, "SELECT rplmn, rplmn_at, change_cause, changed_at FROM euicc_state"
					   " WHERE eid = $1", &st);

	memset(out, 0, sizeof(*out));
	out->change_cause = -1;
	if (err != IOT_OK)
		return err;
	store_bind_text(st, 1, eid);
	if ((err = store_step(st, &row)) == IOT_OK && row) {
		if (!store_col_null(st, 0))
			snprintf(out->rplmn, sizeof(out->rplmn), "%s", store_col_text(st, 0));
		out->rplmn_at = store_col_int(st, 1);
		out->change_cause = store_col_null(st, 2) ? -1 : store_col_int(st, 2);
		out->changed_at = store_col_int(st, 3);
	}
	store_finalize(st);
	return err;
}


/* ---- settings ---- */

static const struct {
	const char *name;
	size_t offset;
	int64_t min, max;
} settings[] = {
	{ "operation_ttl", offsetof(struct eim_settings, operation_ttl), 60, 366 * 24 * 3600 },
	{ "campaign_max_in_flight", offsetof(struct eim_settings, campaign_max_in_flight), 1, 1000000 },
	{ "operation_max_deliveries", offsetof(struct eim_settings, operation_max_deliveries), 2, 1000 },
	{ "operation_max_sent", offsetof(struct eim_settings, operation_max_sent), 60, 366 * 24 * 3600 },
};

bool eim_store_writable(struct eim *e)
{
	uint64_t free_bytes;

	/* a disk about full fails the next write that needs a page, whichever it is */
	if (store_free_space(e->db, &free_bytes) == IOT_OK && free_bytes < EIM_STORE_MIN_FREE)
		return false;
	return store_sql(e->db, "INSERT INTO setting(name, value) VALUES ('health_probe', $1)"
			 " ON CONFLICT (name) DO UPDATE SET value = $1", "i", (int64_t)time(NULL)) == IOT_OK;
}

iot_err eim_settings_get(struct eim *e, struct eim_settings *out)
{
	struct store_stmt *st;
	bool row = true;
	iot_err err;

	out->operation_ttl = e->cfg.op_seconds;         /* the config's, until an admin changes them */
	out->campaign_max_in_flight = 100;
	out->operation_max_deliveries = 20;
	out->operation_max_sent = 7 * 24 * 3600;
	if ((err = store_prepare(e->db, "SELECT name, value FROM setting", &st)) != IOT_OK)
		return err;
	while ((err = store_step(st, &row)) == IOT_OK && row)
		for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
			if (!strcmp(store_col_text(st, 0), settings[i].name))
				*(unsigned *)((char *)out + settings[i].offset) = (unsigned)store_col_int(st, 1);
	store_finalize(st);
	return err;
}

iot_err eim_settings_set(struct eim *e, const struct eim_settings *in)
{
	struct store_stmt *st;
	bool row;
	iot_err err = IOT_OK;

	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		unsigned v = *(const unsigned *)((const char *)in + settings[i].offset);

		if (v < settings[i].min || v > settings[i].max)
			return IOT_E_ARG;
	}
	if ((err = store_begin(e->db)) != IOT_OK)
		return err;
	for (size_t i = 0; err == IOT_OK && i < sizeof(settings) / sizeof(settings[0]); i++) {
		if ((err = store_prepare(e->db, "INSERT INTO setting(name, value) VALUES ($1, $2)"
						" ON CONFLICT (name) DO UPDATE SET value = $2", &st)) != IOT_OK)
			break;
		store_bind_text(st, 1, settings[i].name);
		store_bind_int(st, 2, *(const unsigned *)((const char *)in + settings[i].offset));
		err = store_step(st, &row);
		store_finalize(st);
	}
	if (err == IOT_OK)
		return store_commit(e->db);
	store_rollback(e->db);
	return err;
}
