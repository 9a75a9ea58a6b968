/* The SM-DP+: credentials, the store, profiles and ES2+ (SGP.22 5.3). */
#include "smdp/internal.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/hex.h"
#include "base/log.h"

/* The schema's version: raised with every change to it; a store with a
 * higher one is refused (store_schema_check). */
#define SMDP_SCHEMA_VERSION 1

static const char schema[] =
	/* narrow rows: the packages live in profile_package, so that reading a
	 * profile's state never walks a 12 KB value (bench/store.sh) */
	"CREATE TABLE IF NOT EXISTS profile ("
	" iccid TEXT PRIMARY KEY, owner TEXT NOT NULL, state INTEGER NOT NULL,"
	" metadata BLOB NOT NULL, ppk BLOB,"
	" eid TEXT, matching_id TEXT, cc_hash BLOB, cc_tries INTEGER NOT NULL DEFAULT 0,"
	" expires INTEGER NOT NULL DEFAULT 0, downloads INTEGER NOT NULL DEFAULT 0,"
	" bound_otpk BLOB, bound_otsk BLOB, updated INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX IF NOT EXISTS profile_matching_id ON profile(matching_id)"
	" WHERE matching_id IS NOT NULL AND matching_id <> '';"
	"CREATE INDEX IF NOT EXISTS profile_eid ON profile(eid);"

	"CREATE TABLE IF NOT EXISTS session ("
	" txid BLOB PRIMARY KEY, cred INTEGER NOT NULL, phase INTEGER NOT NULL,"
	" server_challenge BLOB NOT NULL, iccid TEXT, eid TEXT, euicc_cert BLOB,"
	" smdp_sig2 BLOB, euicc_otpk BLOB, dp_otsk BLOB, expires INTEGER NOT NULL);"
	/* ES2+.HandleDownloadProgressInfo to send, written with the change it reports */
	"CREATE TABLE IF NOT EXISTS progress ("
	" id INTEGER PRIMARY KEY, owner TEXT NOT NULL, iccid TEXT NOT NULL, eid TEXT, point INTEGER NOT NULL,"
	" success INTEGER NOT NULL, subject TEXT, reason TEXT, result BLOB, at INTEGER NOT NULL,"
	" attempts INTEGER NOT NULL DEFAULT 0, next_try INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS notification ("
	" id INTEGER PRIMARY KEY, iccid TEXT, eid TEXT, seq INTEGER, operation INTEGER,"
	" result INTEGER, received INTEGER NOT NULL, der BLOB NOT NULL);"
	"CREATE TABLE IF NOT EXISTS profile_package (iccid TEXT PRIMARY KEY REFERENCES profile(iccid), upp BLOB NOT NULL);"
	"CREATE TABLE IF NOT EXISTS smdp_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
	/* the hot paths' lookups (tests/integration/query_plans.c checks each) */
	"CREATE INDEX IF NOT EXISTS profile_owner_state ON profile(owner, state, updated, iccid);"
	/* a session is written four times per download: no index beyond its
	 * key (the sweep of expired ones and an order's reset scan the few
	 * sessions under way); older stores' are dropped (a release that
	 * makes them again works as before: the schema's version stays) */
	"DROP INDEX IF EXISTS session_expires;"
	"DROP INDEX IF EXISTS session_iccid;"
	"CREATE INDEX IF NOT EXISTS progress_next ON progress(next_try, id);";

time_t smdp_now(const struct smdp *s)
{
	return s->fixed_now ? s->fixed_now : time(NULL);
}

void smdp_set_time(struct smdp *s, time_t now)
{
	s->fixed_now = now;
}

iot_err smdp_status_set(struct smdp_status *st, iot_err err, int code, const char *subject,
			const char *reason, const char *message)
{
	if (st)
		*st = (struct smdp_status){ code, subject, reason, message };
	return err;
}

const char *smdp_state_name(enum smdp_state st)
{
	static const char *const names[] = { "available", "allocated", "linked", "confirmed", "released",
					     "downloaded", "installed", "error", "unavailable" };

	return (unsigned)st < sizeof(names) / sizeof(names[0]) ? names[st] : "?";
}

static void cred_free(struct smdp_cred *c)
{
	x509_free(c->ci);
	x509_free(c->auth);
	x509_free(c->pb);
	crypto_key_free(c->auth_key);
	crypto_key_free(c->pb_key);
}

static iot_err cred_load(const struct smdp_credentials *in, time_t now, struct smdp_cred *c)
{
	iot_err err;

	if ((err = x509_load(in->ci_cert, &c->ci)) != IOT_OK ||
	    (err = x509_load(in->auth_cert, &c->auth)) != IOT_OK ||
	    (err = x509_load(in->pb_cert, &c->pb)) != IOT_OK ||
	    (err = crypto_key_load_pem(in->auth_key, &c->auth_key)) != IOT_OK ||
	    (err = crypto_key_load_pem(in->pb_key, &c->pb_key)) != IOT_OK)
		return err;
	/* SGP.22 4.5.2: CERT.DPauth and CERT.DPpb chain to the CI they are used with */
	if ((err = x509_verify_chain(c->ci, c->auth, X509_ROLE_DP_AUTH, now)) != IOT_OK ||
	    (err = x509_verify_chain(c->ci, c->pb, X509_ROLE_DP_PB, now)) != IOT_OK)
		return err;
	return x509_subject_rid(c->auth, c->oid, sizeof(c->oid), &c->oid_len);
}

/* A store from before profile_package keeps its packages in profile.upp:
 * moved out once (the column stays, empty, and is filled with x'' after). */
static iot_err move_packages(struct smdp *s)
{
	struct store_stmt *q;
	bool row = false;
	iot_err err;

	if (store_prepare(s->db, "SELECT upp FROM profile LIMIT 0", &q) != IOT_OK)
		return IOT_OK;          /* a store made without the column */
	store_finalize(q);
	s->legacy_upp = true;
	if ((err = store_prepare(s->db, "SELECT value FROM smdp_meta WHERE name = 'packages_moved'", &q)) != IOT_OK)
		return err;
	err = store_step(q, &row);
	store_finalize(q);
	if (err != IOT_OK || row || (err = store_begin(s->db)) != IOT_OK)
		return err;
	if ((err = store_exec(s->db, "INSERT INTO profile_package(iccid, upp) SELECT iccid, upp FROM profile"
				     " WHERE length(upp) > 0 ON CONFLICT DO NOTHING;"
				     "UPDATE profile SET upp = x'' WHERE length(upp) > 0;"
				     "INSERT INTO smdp_meta(name, value) VALUES ('packages_moved', 1);")) != IOT_OK) {
		store_rollback(s->db);
		return err;
	}
	log_info("smdp", "profile packages moved to profile_package", "%s", "");
	return store_commit(s->db);
}

iot_err smdp_open(const struct smdp_config *c, struct smdp **out)
{
	struct smdp *s;
	iot_err err = IOT_OK;

	if (!c->address || !c->cred_count || !c->store_url)
		return IOT_E_ARG;
	if (!(s = calloc(1, sizeof(*s))) || !(s->address = strdup(c->address)) ||
	    !(s->creds = calloc(c->cred_count, sizeof(*s->creds)))) {
		smdp_close(s);
		return IOT_E_NOMEM;
	}
	s->cred_count = c->cred_count;
	s->keys = c->keys;
	s->eums = c->eums;
	if (!c->keys || !c->eums) {
		s->own_keys = true;
		if (crypto_key_cache_new(64, &s->keys) != IOT_OK || x509_eum_cache_new(8, &s->eums) != IOT_OK) {
			smdp_close(s);
			return IOT_E_NOMEM;
		}
	}
	s->cc_attempts = c->cc_attempts > 0 ? c->cc_attempts : 3;
	s->download_attempts = c->download_attempts > 0 ? c->download_attempts : 3;
	s->session_seconds = c->session_seconds > 0 ? c->session_seconds : 600;
	s->order_seconds = c->order_seconds > 0 ? c->order_seconds : 7 * 24 * 3600;
	for (size_t i = 0; i < c->cred_count && err == IOT_OK; i++) {
		err = cred_load(&c->creds[i], time(NULL), &s->creds[i]);
		if (err != IOT_OK)
			log_error("smdp", "unusable credentials", "ci=%s error=\"%s\"", c->creds[i].ci_cert,
				  iot_strerror(err));
	}
	if (err == IOT_OK && (err = store_open(c->store_url, &s->db)) == IOT_OK &&
	    (err = store_schema_check(s->db, "smdp", SMDP_SCHEMA_VERSION)) == IOT_OK)
		err = store_exec(s->db, schema);
	if (err == IOT_OK)
		err = move_packages(s);
	if (err == IOT_OK)
		err = store_schema_set(s->db, "smdp", SMDP_SCHEMA_VERSION);
	if (err != IOT_OK) {
		smdp_close(s);
		return err;
	}
	*out = s;
	return IOT_OK;
}

void smdp_close(struct smdp *s)
{
	if (!s)
		return;
	for (size_t i = 0; s->creds && i < s->cred_count; i++)
		cred_free(&s->creds[i]);
	free(s->creds);
	free(s->address);
	store_close(s->db);
	if (s->own_keys) {
		crypto_key_cache_free(s->keys);
		x509_eum_cache_free(s->eums);
	}
	free(s);
}

void smdp_activation_code(const struct smdp *s, const char *matching_id, char *out, size_t cap)
{
	/* SGP.22 4.1: AC_Format "1", SM-DP+ address, AC_Token */
	snprintf(out, cap, "LPA:1$%s$%s", s->address, matching_id);
}

/* ---- profile rows ---- */

void smdp_col_text(struct store_stmt *q, int col, char *out, size_t cap)
{
	const char *t = store_col_null(q, col) ? "" : store_col_text(q, col);

	snprintf(out, cap, "%s", t ? t : "");
}

iot_err smdp_profile_load(struct smdp *s, enum smdp_key by, const char *key, struct smdp_profile *p)
{
	static const char *const sql[] = {
		[SMDP_BY_ICCID] = "SELECT iccid, owner, state, eid, matching_id, cc_hash, cc_tries, expires,"
				  " downloads, bound_otpk FROM profile WHERE iccid = $1",
		/* (the term that names the partial index's condition lets the index serve) */
		[SMDP_BY_MATCHING_ID] = "SELECT iccid, owner, state, eid, matching_id, cc_hash, cc_tries, expires,"
					" downloads, bound_otpk FROM profile WHERE matching_id = $1 AND matching_id <> ''",
		/* SGP.22 3.1.2: the default SM-DP+ / SM-DS case, an order for this EID */
		[SMDP_BY_RELEASED_EID] = "SELECT iccid, owner, state, eid, matching_id, cc_hash, cc_tries, expires,"
					 " downloads, bound_otpk FROM profile WHERE eid = $1"
					 " AND state IN (4, 5) AND (matching_id IS NULL OR matching_id = '')"
					 " ORDER BY updated LIMIT 1",
	};
	struct store_stmt *q;
	const uint8_t *b;
	size_t n;
	bool row;
	iot_err err;

	memset(p, 0, sizeof(*p));
	if ((err = store_prepare(s->db, sql[by], &q)) != IOT_OK)
		return err;
	if ((err = store_bind_text(q, 1, key)) == IOT_OK && (err = store_step(q, &row)) == IOT_OK && !row)
		err = IOT_E_NOT_FOUND;
	if (err == IOT_OK) {
		smdp_col_text(q, 0, p->iccid, sizeof(p->iccid));
		smdp_col_text(q, 1, p->owner, sizeof(p->owner));
		p->state = (int)store_col_int(q, 2);
		smdp_col_text(q, 3, p->eid, sizeof(p->eid));
		smdp_col_text(q, 4, p->matching_id, sizeof(p->matching_id));
		b = store_col_blob(q, 5, &n);
		if ((p->has_cc = b && n == sizeof(p->cc_hash)))
			memcpy(p->cc_hash, b, n);
		p->cc_tries = (int)store_col_int(q, 6);
		p->expires = store_col_int(q, 7);
		p->downloads = (int)store_col_int(q, 8);
		b = store_col_blob(q, 9, &n);
		if ((p->has_bound = b && n == sizeof(p->bound_otpk)))
			memcpy(p->bound_otpk, b, n);
	}
	store_finalize(q);
	return err;
}

iot_err smdp_profile_set_state(struct smdp *s, const char *iccid, enum smdp_state st)
{
	struct store_stmt *q;
	bool row;
	iot_err err;

	if ((err = store_prepare(s->db, "UPDATE profile SET state = $1, updated = $2 WHERE iccid = $3", &q)) != IOT_OK)
		return err;
	if ((err = store_bind_int(q, 1, st)) == IOT_OK && (err = store_bind_int(q, 2, smdp_now(s))) == IOT_OK &&
	    (err = store_bind_text(q, 3, iccid)) == IOT_OK)
		err = store_step(q, &row);
	store_finalize(q);
	return err;
}

static uint8_t *dup_blob(struct store_stmt *q, int col, size_t *len)
{
	const uint8_t *b = store_col_blob(q, col, len);
	uint8_t *copy;

	if (!b)
		return NULL;
	if ((copy = malloc(*len ? *len : 1)))
		memcpy(copy, b, *len);
	return copy;
}

iot_err smdp_package_load(struct smdp *s, const char *iccid, struct smdp_package *pkg)
{
	struct store_stmt *q;
	size_t ppk_len = 0;
	bool row;
	iot_err err;

	memset(pkg, 0, sizeof(*pkg));
	if ((err = store_prepare(s->db, "SELECT p.metadata, k.upp, p.ppk FROM profile p JOIN profile_package k"
					" ON k.iccid = p.iccid WHERE p.iccid = $1", &q)) != IOT_OK)
		return err;
	if ((err = store_bind_text(q, 1, iccid)) == IOT_OK && (err = store_step(q, &row)) == IOT_OK && !row)
		err = IOT_E_NOT_FOUND;
	if (err == IOT_OK) {
		pkg->metadata = dup_blob(q, 0, &pkg->metadata_len);
		pkg->upp = dup_blob(q, 1, &pkg->upp_len);
		if (!store_col_null(q, 2))
			pkg->ppk = dup_blob(q, 2, &ppk_len);
		if (!pkg->metadata || !pkg->upp || (!store_col_null(q, 2) && (!pkg->ppk || ppk_len != SMDP_PPK_LEN)))
			err = IOT_E_STORE;
	}
	store_finalize(q);
	if (err != IOT_OK)
		smdp_package_free(pkg);
	return err;
}

iot_err smdp_metadata_load(struct smdp *s, const char *iccid, uint8_t **metadata, size_t *len)
{
	struct store_stmt *q;
	bool row;
	iot_err err;

	*metadata = NULL;
	/* the metadata alone: the package (12 KB and more, in overflow pages) is read only to be bound */
	if ((err = store_prepare(s->db, "SELECT metadata FROM profile WHERE iccid = $1", &q)) != IOT_OK)
		return err;
	if ((err = store_bind_text(q, 1, iccid)) == IOT_OK && (err = store_step(q, &row)) == IOT_OK && !row)
		err = IOT_E_NOT_FOUND;
	if (err == IOT_OK && !(*metadata = dup_blob(q, 0, len)))
		err = IOT_E_STORE;
	store_finalize(q);
	return err;
}

void smdp_package_free(struct smdp_package *pkg)
{
	free(pkg->metadata);
	free(pkg->upp);
	if (pkg->ppk)
		memset(pkg->ppk, 0, SMDP_PPK_LEN);
	free(pkg->ppk);
	memset(pkg, 0, sizeof(*pkg));
}

iot_err smdp_profile_state(struct smdp *s, const uint8_t iccid[10], enum smdp_state *st)
{
	struct smdp_profile p;
	char key[21];
	iot_err err;

	hex_encode(iccid, 10, key);
	if ((err = smdp_profile_load(s, SMDP_BY_ICCID, key, &p)) == IOT_OK)
		*st = (enum smdp_state)p.state;
	return err;
}

/* ---- import ---- */

static iot_err make_metadata(const uint8_t iccid[10], const struct smdp_profile_info *info, uint8_t **der,
			     size_t *len)
{
	struct rsp_store_metadata_request m = { 0 };
	struct rsp_notification_configuration_information nci;

	m.iccid = RSP_BYTES(iccid, 10);
	m.service_provider_name = RSP_BYTES(info->service_provider_name, strlen(info->service_provider_name));
	m.profile_name = RSP_BYTES(info->profile_name, strlen(info->profile_name));
	m.profile_class = info->profile_class;
	if (info->notification_address && *info->notification_address) {
		nci.profile_management_operation = RSP_NOTIFY_INSTALL | RSP_NOTIFY_ENABLE | RSP_NOTIFY_DISABLE |
						   RSP_NOTIFY_DELETE;
		nci.notification_address = RSP_BYTES(info->notification_address,
						     strlen(info->notification_address));
		m.has_notification_configuration_info = true;
		m.notification_configuration_info.items = &nci;
		m.notification_configuration_info.count = 1;
	}
	if (info->ppr) {
		m.has_profile_policy_rules = true;
		m.profile_policy_rules = info->ppr;
	}
	/* the SGP.22 form: what every eUICC takes in AuthenticateClient and '88' */
	return rsp_encode_alloc(&rsp_t_sgp22_store_metadata_request, &m, der, len);
}

static bool valid_owner(const char *owner)
{
	size_t n = owner ? strlen(owner) : 0;

	return n > 0 && n < sizeof(((struct smdp_profile *)0)->owner);
}

iot_err smdp_add_profile(struct smdp *s, const uint8_t iccid[10], const struct smdp_profile_info *info,
			 const uint8_t *upp, size_t upp_len)
{
	struct store_stmt *q = NULL;
	struct der_writer protected_upp;
	uint8_t *metadata = NULL, ppk[SMDP_PPK_LEN];
	size_t metadata_len;
	char key[21];
	bool row, began = false;
	iot_err err;

	/* SGP.22 2.4.3 / 4.4: profile name and service provider name are mandatory, up to 64 bytes */
	if (!valid_owner(info->owner) || !info->service_provider_name || !info->profile_name ||
	    !*info->service_provider_name || !*info->profile_name || strlen(info->service_provider_name) > 32 ||
	    strlen(info->profile_name) > 64 || info->profile_class < RSP_CLASS_TEST ||
	    info->profile_class > RSP_CLASS_OPERATIONAL || !upp || !upp_len)
		return IOT_E_ARG;
	hex_encode(iccid, 10, key);
	if ((err = make_metadata(iccid, info, &metadata, &metadata_len)) != IOT_OK)
		return err;
	der_writer_dynamic(&protected_upp);
	if (info->protect_ahead && (err = smdp_protect_ahead(upp, upp_len, ppk, &protected_upp)) == IOT_OK) {
		upp = protected_upp.buf;
		upp_len = protected_upp.len;
	}
	/* one transaction for the row and its package (a bulk import's batch, or its own) */
	if (err == IOT_OK && !s->import_batch && (err = store_begin(s->db)) == IOT_OK)
		began = true;
	if (err == IOT_OK)
		err = store_prepare(s->db, s->legacy_upp ? "INSERT INTO profile (iccid, owner, state, metadata, ppk, updated, upp)"
							   " VALUES ($1, $2, 0, $3, $4, $5, x'')"
							 : "INSERT INTO profile (iccid, owner, state, metadata, ppk, updated)"
							   " VALUES ($1, $2, 0, $3, $4, $5)", &q);
	if (err == IOT_OK && (err = store_bind_text(q, 1, key)) == IOT_OK &&
	    (err = store_bind_text(q, 2, info->owner)) == IOT_OK &&
	    (err = store_bind_blob(q, 3, metadata, metadata_len)) == IOT_OK &&
	    (err = info->protect_ahead ? store_bind_blob(q, 4, ppk, sizeof(ppk)) : store_bind_null(q, 4)) == IOT_OK &&
	    (err = store_bind_int(q, 5, smdp_now(s))) == IOT_OK)
		err = store_step(q, &row);
	if (err == IOT_OK)
		err = store_sql(s->db, "INSERT INTO profile_package (iccid, upp) VALUES ($1, $2)", "tb", key, upp, upp_len);
	if (began && err == IOT_OK)
		err = store_commit(s->db);
	else if (began)
		store_rollback(s->db);
	store_finalize(q);
	memset(ppk, 0, sizeof(ppk));
	der_writer_free(&protected_upp);
	free(metadata);
	if (err == IOT_E_STORE_CONSTRAINT)
		return IOT_E_REFUSED;   /* the ICCID exists */
	if (err == IOT_OK && !s->import_batch)
		log_info("smdp", "profile imported", "iccid=%s owner=%s ppk=%d", key, info->owner,
			 info->protect_ahead);
	/* a bulk import commits every SMDP_IMPORT_BATCH profiles */
	if (err == IOT_OK && s->import_batch && ++s->import_count % SMDP_IMPORT_BATCH == 0 &&
	    (err = store_commit(s->db)) == IOT_OK)
		err = store_begin(s->db);
	return err;
}

iot_err smdp_import_begin(struct smdp *s)
{
	iot_err err = store_begin(s->db);

	s->import_batch = err == IOT_OK;
	s->import_count = 0;
	return err;
}

iot_err smdp_import_end(struct smdp *s, bool commit)
{
	iot_err err = IOT_OK;

	if (!s->import_batch)
		return IOT_OK;
	s->import_batch = false;
	if (commit)
		err = store_commit(s->db);
	else
		store_rollback(s->db);
	log_info("smdp", "profiles imported", "count=%lld committed=%d", (long long)s->import_count, commit);
	return err;
}

/* ---- ES2+ ---- */

static bool valid_eid(const char *eid)
{
	size_t i;

	for (i = 0; eid[i]; i++)
		if (!isdigit((unsigned char)eid[i]))
			return false;
	return i == 32;
}

/* SGP.22 4.1: a MatchingID is made of alphanumerics and '-' */
static bool valid_matching_id(const char *m)
{
	size_t i;

	for (i = 0; m[i]; i++)
		if (!isalnum((unsigned char)m[i]) && m[i] != '-')
			return false;
	return i <= 64;
}

/* The owner's profile iccid, or NOT_FOUND (another owner's is unknown too). */
static iot_err owned_profile(struct smdp *s, const char *owner, const uint8_t iccid[10], struct smdp_profile *p,
			     struct smdp_status *st)
{
	char key[21];
	iot_err err;

	hex_encode(iccid, 10, key);
	err = smdp_profile_load(s, SMDP_BY_ICCID, key, p);
	/* SGP.22 5.3: an ICCID the caller does not own is unknown to it */
	if (err == IOT_E_NOT_FOUND || (err == IOT_OK && strcmp(p->owner, owner)))
		return smdp_status_set(st, IOT_E_NOT_FOUND, 0, "8.2.1", "3.9", "Profile ICCID unknown");
	return err;
}

/* Runs a statement with text ('t', NULL binds NULL), int64 ('i') and blob
 * ('b': pointer, size_t; NULL binds NULL) parameters. */
iot_err smdp_finish(struct smdp *s, iot_err err)
{
	if (err == IOT_OK)
		return store_commit(s->db);
	store_rollback(s->db);
	return err;
}

iot_err smdp_download_order(struct smdp *s, const char *owner, const uint8_t *iccid, const char *eid,
			    uint8_t iccid_out[10], struct smdp_status *st)
{
	struct smdp_profile p;
	size_t n;
	iot_err err;

	smdp_status_set(st, IOT_OK, 0, NULL, NULL, NULL);
	if (eid && !valid_eid(eid))
		return smdp_status_set(st, IOT_E_REFUSED, 0, "8.1.1", "2.1", "EID invalid");
	if ((err = store_begin(s->db)) != IOT_OK)
		return err;
	if (iccid) {
		err = owned_profile(s, owner, iccid, &p, st);
		/* SGP.22 5.3.1: the profile must be available */
		if (err == IOT_OK && p.state != SMDP_AVAILABLE)
			err = smdp_status_set(st, IOT_E_REFUSED, 0, "8.2.1", "3.3", "Profile ICCID not available");
	} else {
		struct store_stmt *q;
		bool row;

		err = store_prepare(s->db, "SELECT iccid FROM profile WHERE owner = $1 AND state = 0"
				    " ORDER BY updated, iccid LIMIT 1", &q);
		if (err == IOT_OK && (err = store_bind_text(q, 1, owner)) == IOT_OK &&
		    (err = store_step(q, &row)) == IOT_OK) {
			if (row)
				smdp_col_text(q, 0, p.iccid, sizeof(p.iccid));
			else    /* SGP.22 5.3.1: no more profile available */
				err = smdp_status_set(st, IOT_E_REFUSED, 0, "8.2.5", "3.7", "No more Profile available");
		}
		if (err == IOT_OK || q)
			store_finalize(q);
	}
	if (err == IOT_OK)
		err = store_sql(s->db, "UPDATE profile SET state = $1, eid = $2, updated = $3 WHERE iccid = $4", "itit",
			     (int64_t)(eid ? SMDP_LINKED : SMDP_ALLOCATED), eid, (int64_t)smdp_now(s), p.iccid);
	if (err == IOT_OK && (err = hex_decode(p.iccid, iccid_out, 10, &n)) == IOT_OK && n != 10)
		err = IOT_E_STORE;
	err = smdp_finish(s, err);
	if (err == IOT_OK)
		log_info("smdp", "ES2+.DownloadOrder", "owner=%s iccid=%s eid=%s", owner, p.iccid, eid ? eid : "-");
	return err;
}

/* A MatchingID no one guesses: 20 characters of 5 bits each. */
static iot_err new_matching_id(char out[65])
{
	static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRSTUVWX";
	uint8_t r[20];
	size_t o = 0;
	iot_err err = crypto_random(r, sizeof(r));

	for (size_t i = 0; err == IOT_OK && i < sizeof(r); i++) {
		if (i && i % 5 == 0)
			out[o++] = '-';
		out[o++] = alphabet[r[i] & 31];
	}
	out[o] = 0;
	return err;
}

iot_err smdp_confirm_order(struct smdp *s, const char *owner, const uint8_t iccid[10], const char *eid,
			   const char *matching_id, const char *confirmation_code, bool release,
			   char matching_id_out[65], struct smdp_status *st)
{
	struct smdp_profile p, other;
	uint8_t cc_hash[CRYPTO_SHA256_LEN];
	char mid[65];
	iot_err err;

	smdp_status_set(st, IOT_OK, 0, NULL, NULL, NULL);
	if (eid && !valid_eid(eid))
		return smdp_status_set(st, IOT_E_REFUSED, 0, "8.1.1", "2.1", "EID invalid");
	if (matching_id && !valid_matching_id(matching_id))
		return smdp_status_set(st, IOT_E_REFUSED, 0, "8.2.6", "2.1", "MatchingID invalid");
	if (confirmation_code && !*confirmation_code)
		return smdp_status_set(st, IOT_E_REFUSED, 0, "8.2.7", "2.1", "Confirmation code empty");
	if ((err = store_begin(s->db)) != IOT_OK)
		return err;
	err = owned_profile(s, owner, iccid, &p, st);
	/* SGP.22 5.3.2: only an allocated or linked profile can be confirmed */
	if (err == IOT_OK && p.state != SMDP_ALLOCATED && p.state != SMDP_LINKED)
		err = smdp_status_set(st, IOT_E_REFUSED, 0, "8.2.1", "3.5", "Profile ICCID: invalid transition");
	/* SGP.22 5.3.2: an EID given at DownloadOrder cannot change */
	if (err == IOT_OK && eid && p.eid[0] && strcmp(eid, p.eid))
		err = smdp_status_set(st, IOT_E_REFUSED, 0, "8.1.1", "3.10", "A different EID is linked");
	if (err == IOT_OK && eid)
		snprintf(p.eid, sizeof(p.eid), "%s", eid);
	if (err == IOT_OK && matching_id && !*matching_id && !p.eid[0])
		/* SGP.22 5.3.2: an empty MatchingID (default SM-DP+) needs the EID */
		err = smdp_status_set(st, IOT_E_REFUSED, 0, "8.1.1", "2.2", "EID missing");
	if (err == IOT_OK && !matching_id)
		err = new_matching_id(mid);
	else if (err == IOT_OK)
		snprintf(mid, sizeof(mid), "%s", matching_id);
	if (err == IOT_OK && mid[0]) {
		iot_err e = smdp_profile_load(s, SMDP_BY_MATCHING_ID, mid, &other);

		/* SGP.22 5.3.2: a MatchingID names one order */
		if (e == IOT_OK)
			err = smdp_status_set(st, IOT_E_REFUSED, 0, "8.2.6", "3.3", "MatchingID already in use");
		else if (e != IOT_E_NOT_FOUND)
			err = e;
	}
	if (err == IOT_OK && confirmation_code) {
		struct crypto_buf cc = { (const uint8_t *)confirmation_code, strlen(confirmation_code) };

		/* SGP.22 2.6.4.3 / 3.1.3: only SHA-256(CC) is kept */
		err = crypto_sha256(&cc, 1, cc_hash);
	}
	if (err == IOT_OK)
		err = store_sql(s->db, "UPDATE profile SET state = $1, eid = $2, matching_id = $3, cc_hash = $4, cc_tries = 0,"
			     " expires = $5, updated = $6 WHERE iccid = $7", "ittbiit",
			     (int64_t)(release ? SMDP_RELEASED : SMDP_CONFIRMED), p.eid[0] ? p.eid : NULL, mid,
			     confirmation_code ? cc_hash : NULL, sizeof(cc_hash),
			     (int64_t)(smdp_now(s) + s->order_seconds), (int64_t)smdp_now(s), p.iccid);
	err = smdp_finish(s, err);
	if (err == IOT_OK) {
		snprintf(matching_id_out, 65, "%s", mid);
		log_info("smdp", "ES2+.ConfirmOrder", "owner=%s iccid=%s eid=%s cc=%d released=%d", owner, p.iccid,
			 p.eid[0] ? p.eid : "-", confirmation_code != NULL, release);
	}
	return err;
}

iot_err smdp_release_profile(struct smdp *s, const char *owner, const uint8_t iccid[10], struct smdp_status *st)
{
	struct smdp_profile p;
	iot_err err;

	smdp_status_set(st, IOT_OK, 0, NULL, NULL, NULL);
	if ((err = store_begin(s->db)) != IOT_OK)
		return err;
	err = owned_profile(s, owner, iccid, &p, st);
	/* SGP.22 5.3.5: only a confirmed profile can be released */
	if (err == IOT_OK && p.state != SMDP_CONFIRMED)
		err = smdp_status_set(st, IOT_E_REFUSED, 0, "8.2.1", "3.5", "Profile ICCID cannot be released");
	if (err == IOT_OK)
		err = smdp_profile_set_state(s, p.iccid, SMDP_RELEASED);
	err = smdp_finish(s, err);
	if (err == IOT_OK)
		log_info("smdp", "ES2+.ReleaseProfile", "owner=%s iccid=%s", owner, p.iccid);
	return err;
}

iot_err smdp_cancel_order(struct smdp *s, const char *owner, const uint8_t iccid[10], const char *eid,
			  const char *matching_id, bool available, struct smdp_status *st)
{
	struct smdp_profile p;
	iot_err err;

	smdp_status_set(st, IOT_OK, 0, NULL, NULL, NULL);
	if ((err = store_begin(s->db)) != IOT_OK)
		return err;
	err = owned_profile(s, owner, iccid, &p, st);
	/* SGP.22 5.3.4: the EID and MatchingID given name this order, or nothing is cancelled */
	if (err == IOT_OK && eid && *eid && strcmp(eid, p.eid))
		err = smdp_status_set(st, IOT_E_REFUSED, 0, "8.1.1", "3.8", "EID does not match the order's");
	if (err == IOT_OK && matching_id && strcmp(matching_id, p.matching_id))
		err = smdp_status_set(st, IOT_E_REFUSED, 0, "8.2.6", "3.8", "MatchingID does not match the order's");
	/* SGP.22 5.3.4: an order can be cancelled until the profile is downloaded */
	if (err == IOT_OK && (p.state < SMDP_ALLOCATED || p.state > SMDP_RELEASED))
		err = smdp_status_set(st, IOT_E_REFUSED, 0, "8.2.1", "3.5", "Profile ICCID: invalid transition");
	if (err == IOT_OK)
		err = store_sql(s->db, "UPDATE profile SET state = $1, eid = NULL, matching_id = NULL, cc_hash = NULL,"
			     " cc_tries = 0, expires = 0, downloads = 0, bound_otpk = NULL, bound_otsk = NULL,"
			     " updated = $2 WHERE iccid = $3", "iit",
			     (int64_t)(available ? SMDP_AVAILABLE : SMDP_UNAVAILABLE), (int64_t)smdp_now(s), p.iccid);
	/* a session running for this order ends with it */
	if (err == IOT_OK)
		err = store_sql(s->db, "DELETE FROM session WHERE iccid = $1", "t", p.iccid);
	err = smdp_finish(s, err);
	if (err == IOT_OK)
		log_info("smdp", "ES2+.CancelOrder", "owner=%s iccid=%s final=%s", owner, p.iccid,
			 available ? "available" : "unavailable");
	return err;
}

/* ---- ES2+.HandleDownloadProgressInfo, the outbox ---- */

iot_err smdp_migrate_store(const struct smdp_config *c, const char *from_url, uint64_t *rows, size_t *tables)
{
	static const char *const first[] = { "profile", NULL };    /* profile_package refers to it */
	struct smdp_config source = *c;
	struct smdp *from = NULL, *to = NULL;
	iot_err err;

	source.store_url = from_url;
	if ((err = smdp_open(&source, &from)) == IOT_OK && (err = smdp_open(c, &to)) == IOT_OK)
		err = store_copy(from->db, to->db, "profile", first, rows, tables);
	smdp_close(to);
	smdp_close(from);
	return err;
}
