/* The audit log: one row per state change, chained by SHA-256 so that any
 * later edit or removal of a row is detected (eim_audit_verify); and the API
 * keys the store keeps, as hashes. */
#include "eim/internal.h"
#include "eim/change.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/hex.h"
#include "base/log.h"

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS audit ("
	" id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,"
	" subject TEXT NOT NULL, outcome TEXT NOT NULL, hash BLOB NOT NULL);"
	/* the chain's newest link, written with it: removing the newest rows
	 * (truncation) leaves the head pointing past the end */
	"CREATE TABLE IF NOT EXISTS audit_head ("
	" one INTEGER PRIMARY KEY CHECK (one = 1), id INTEGER NOT NULL, hash BLOB NOT NULL);"
	/* the chain's head signed by the eIM every EIM_AUDIT_CHECKPOINT_EVERY entries (audit_export.c) */
	"CREATE TABLE IF NOT EXISTS audit_checkpoint ("
	" id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, signature TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS apikey ("
	" name TEXT PRIMARY KEY, role INTEGER NOT NULL, hash BLOB NOT NULL UNIQUE, created INTEGER NOT NULL);";

/* hash = SHA-256(previous hash || id || ts || actor NUL action NUL subject NUL outcome NUL) */
iot_err eim_audit_entry_hash(const uint8_t prev[32], int64_t id, int64_t ts, const char *actor, const char *action,
			  const char *subject, const char *outcome, uint8_t out[32])
{
	char head[64];
	struct crypto_buf parts[6];

	snprintf(head, sizeof(head), "%lld|%lld|", (long long)id, (long long)ts);
	parts[0] = (struct crypto_buf){ prev, 32 };
	parts[1] = (struct crypto_buf){ (const uint8_t *)head, strlen(head) };
	parts[2] = (struct crypto_buf){ (const uint8_t *)actor, strlen(actor) + 1 };
	parts[3] = (struct crypto_buf){ (const uint8_t *)action, strlen(action) + 1 };
	parts[4] = (struct crypto_buf){ (const uint8_t *)subject, strlen(subject) + 1 };
	parts[5] = (struct crypto_buf){ (const uint8_t *)outcome, strlen(outcome) + 1 };
	return crypto_sha256(parts, 6, out);
}

iot_err eim_audit_schema(struct eim *e)
{
	return store_exec(e->db, schema);
}

iot_err eim_audit_append(struct eim *e, const char *actor, const char *action, const char *subject,
			 const char *outcome)
{
	struct store_stmt *st;
	uint8_t prev[32] = { 0 }, hash[32];
	int64_t id = 1, ts = (int64_t)time(NULL);
	bool row = false;
	iot_err err;

	/* the next link goes on the head (a store from before the head: on the newest row) */
	if ((err = store_prepare(e->db, "SELECT id, hash FROM audit_head UNION ALL"
					" SELECT * FROM (SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1) AS newest"
					" WHERE NOT EXISTS (SELECT 1 FROM audit_head)", &st)) == IOT_OK) {
		if ((err = store_step(st, &row)) == IOT_OK && row) {
			size_t n;
			const uint8_t *h = store_col_blob(st, 1, &n);

			id = store_col_int(st, 0) + 1;
			if (h && n == 32)
				memcpy(prev, h, 32);
		}
		store_finalize(st);
	}
	if (err == IOT_OK)
		err = eim_audit_entry_hash(prev, id, ts, actor, action, subject, outcome, hash);
	if (err == IOT_OK && (err = store_prepare(e->db, "INSERT INTO audit(id, ts, actor, action, subject, outcome, hash)"
							  " VALUES ($1, $2, $3, $4, $5, $6, $7)", &st)) == IOT_OK) {
		store_bind_int(st, 1, id);
		store_bind_int(st, 2, ts);
		store_bind_text(st, 3, actor);
		store_bind_text(st, 4, action);
		store_bind_text(st, 5, subject);
		store_bind_text(st, 6, outcome);
		store_bind_blob(st, 7, hash, 32);
		err = store_step(st, &row);
		store_finalize(st);
	}
	if (err == IOT_OK)
		err = store_sql(e->db, "INSERT INTO audit_head(one, id, hash) VALUES (1, $1, $2)"
				" ON CONFLICT (one) DO UPDATE SET id = $1, hash = $2", "ib", id, hash, (size_t)32);
	if (err == IOT_OK && id % EIM_AUDIT_CHECKPOINT_EVERY == 0)
		err = eim_audit_checkpoint(e, id, hash, ts);
	return err;
}

iot_err eim_audit(struct eim *e, const char *actor, const char *action, const char *subject, const char *outcome)
{
	iot_err err = store_begin(e->db);

	if (err == IOT_OK && (err = eim_audit_append(e, actor, action, subject, outcome)) == IOT_OK)
		return store_commit(e->db);
	store_rollback(e->db);
	log_error("eim", "audit entry lost", "action=%s error=\"%s\"", action, iot_strerror(err));
	return err;
}

iot_err eim_audit_verify(struct eim *e, int64_t *entries, int64_t *bad)
{
	struct store_stmt *st;
	uint8_t prev[32] = { 0 }, hash[32];
	int64_t expect = 1;
	bool row = true;
	iot_err err = store_prepare(e->db, "SELECT id, ts, actor, action, subject, outcome, hash FROM audit ORDER BY id",
				    &st);

	*entries = *bad = 0;
	if (err != IOT_OK)
		return err;
	while ((err = store_step(st, &row)) == IOT_OK && row) {
		size_t n;
		const uint8_t *h = store_col_blob(st, 6, &n);
		int64_t id = store_col_int(st, 0);

		/* a removed row leaves a gap; an edited one a hash that no longer matches */
		if (id != expect ||
		    eim_audit_entry_hash(prev, id, store_col_int(st, 1), store_col_text(st, 2), store_col_text(st, 3),
			       store_col_text(st, 4), store_col_text(st, 5), hash) != IOT_OK ||
		    !h || n != 32 || memcmp(h, hash, 32)) {
			*bad = id != expect ? expect : id;
			err = IOT_E_CRYPTO_MAC;
			break;
		}
		memcpy(prev, hash, 32);
		(*entries)++;
		expect++;
	}
	store_finalize(st);
	/* the rows end where the head says: nothing cut off the end */
	if (err == IOT_OK && (err = store_prepare(e->db, "SELECT id, hash FROM audit_head", &st)) == IOT_OK) {
		size_t n;
		const uint8_t *h;

		if ((err = store_step(st, &row)) == IOT_OK && row &&
		    (store_col_int(st, 0) != expect - 1 || !(h = store_col_blob(st, 1, &n)) || n != 32 ||
		     (expect > 1 && memcmp(h, prev, 32)))) {
			*bad = expect;
			err = IOT_E_CRYPTO_MAC;
		}
		store_finalize(st);
	}
	return err;
}

/* ---- API keys ---- */

bool eim_key_name_ok(const char *name, size_t n)
{
	/* a name is an audit actor: letters, digits and . _ - @ only, never a
	 * control character or a separator a log reader would misread */
	if (!name || !n || n > 63)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("._-@", name[i]))
			return false;
	return true;
}

iot_err eim_key_create(struct eim *e, const char *name, int role, char token[65])
{
	struct store_stmt *st;
	struct crypto_buf part;
	uint8_t raw[32], hash[32];
	bool row;
	iot_err err;

	if (!name || !eim_key_name_ok(name, strlen(name)) || role < 1 || role > 4)
		return IOT_E_ARG;
	if ((err = crypto_random(raw, sizeof(raw))) != IOT_OK)
		return err;
	hex_encode(raw, sizeof(raw), token);
	part = (struct crypto_buf){ (const uint8_t *)token, 64 };
	if ((err = crypto_sha256(&part, 1, hash)) != IOT_OK ||
	    (err = store_prepare(e->db, "INSERT INTO apikey(name, role, hash, created) VALUES ($1, $2, $3, $4)", &st)) !=
		    IOT_OK)
		return err;
	store_bind_text(st, 1, name);
	store_bind_int(st, 2, role);
	store_bind_blob(st, 3, hash, 32);
	store_bind_int(st, 4, (int64_t)time(NULL));
	err = store_step(st, &row);
	store_finalize(st);
	return err == IOT_E_STORE_CONSTRAINT ? IOT_E_REFUSED : err;
}

iot_err eim_key_find(struct eim *e, const uint8_t hash[32], char name[64], int *role)
{
	struct store_stmt *st;
	bool row = false;
	iot_err err = store_prepare(e->db, "SELECT name, role FROM apikey WHERE hash = $1", &st);

	if (err != IOT_OK)
		return err;
	store_bind_blob(st, 1, hash, 32);
	if ((err = store_step(st, &row)) == IOT_OK && row) {
		snprintf(name, 64, "%s", store_col_text(st, 0));
		*role = (int)store_col_int(st, 1);
	}
	store_finalize(st);
	return err != IOT_OK ? err : row ? IOT_OK : IOT_E_NOT_FOUND;
}

iot_err eim_key_delete(struct eim *e, const char *name)
{
	struct store_stmt *st;
	bool row;
	iot_err err = store_prepare(e->db, "DELETE FROM apikey WHERE name = $1", &st);

	if (err != IOT_OK)
		return err;
	store_bind_text(st, 1, name);
	err = store_step(st, &row);
	store_finalize(st);
	return err != IOT_OK ? err : store_changes(e->db) ? IOT_OK : IOT_E_NOT_FOUND;
}

iot_err eim_key_list(struct eim *e, char (*names)[64], int *roles, size_t cap, size_t *n)
{
	struct store_stmt *st;
	bool row = true;
	iot_err err = store_prepare(e->db, "SELECT name, role FROM apikey ORDER BY name", &st);

	*n = 0;
	if (err != IOT_OK)
		return err;
	while ((err = store_step(st, &row)) == IOT_OK && row && *n < cap) {
		snprintf(names[*n], 64, "%s", store_col_text(st, 0));
		roles[(*n)++] = (int)store_col_int(st, 1);
	}
	store_finalize(st);
	return err;
}
