/* The audit log for an auditor: exported as JSON lines, each entry with its
 * chained hash; every EIM_AUDIT_CHECKPOINT_EVERY entries the eIM signs the
 * chain's head (kept in the store, written with the entry), and the export
 * ends with a head signed at export time. A line edited, removed or cut
 * off breaks the chain or loses the signed end, offline, with nothing but
 * the eIM's certificate (eimd --audit-verify FILE, or openssl:
 * docs/operations.md). */
#include "eim/internal.h"
#include "eim/change.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "base/hex.h"
#include "crypto/crypto.h"
#include "crypto/x509.h"

/* What a checkpoint's signature covers: "iotrsp-audit KIND ID HASH TS". */
static void checkpoint_text(char *out, size_t cap, const char *kind, int64_t id, const uint8_t hash[32], int64_t ts)
{
	char hex[65];

	hex_encode(hash, 32, hex);
	snprintf(out, cap, "iotrsp-audit %s %lld %s %lld", kind, (long long)id, hex, (long long)ts);
}

/* SHA-256 ECDSA by the eIM's key, DER, base64 */
static iot_err sign_text(struct eim *e, const char *text, char *b64, size_t cap)
{
	struct crypto_buf part = { (const uint8_t *)text, strlen(text) };
	uint8_t sig[CRYPTO_SIG_LEN], der[80];
	size_t len;
	iot_err err;

	if ((err = ecdsa_sign(e->key, &part, 1, sig)) != IOT_OK || (err = ecdsa_sig_to_der(sig, der, sizeof(der), &len)) != IOT_OK)
		return err;
	return base64_encode(der, len, b64, cap);
}

iot_err eim_audit_checkpoint(struct eim *e, int64_t id, const uint8_t hash[32], int64_t ts)
{
	char text[160], sig[160];
	iot_err err;

	checkpoint_text(text, sizeof(text), "checkpoint", id, hash, ts);
	if ((err = sign_text(e, text, sig, sizeof(sig))) != IOT_OK)
		return err;
	return store_sql(e->db, "INSERT INTO audit_checkpoint(id, ts, signature) VALUES ($1, $2, $3)", "iit", id, ts, sig);
}

iot_err eim_audit_checkpoint_upgrade(struct eim *e)
{
	struct store_stmt *st;
	bool row = false;
	int64_t ids[1024], n = 0;
	uint8_t hashes[1024][32];
	iot_err err = store_prepare(e->db, "SELECT 1 FROM audit_checkpoint LIMIT 1", &st);

	if (err != IOT_OK)
		return err;
	err = store_step(st, &row);
	store_finalize(st);
	if (err != IOT_OK || row)
		return err;
	/* a store from before checkpoints: its chain as it stands is signed now
	 * (trusted on first use), a batch at a time */
	for (int64_t after = 0;;) {
		if ((err = store_prepare(e->db, "SELECT id, hash FROM audit WHERE id % $1 = 0 AND id > $2 ORDER BY id LIMIT 1024",
					 &st)) != IOT_OK)
			return err;
		store_bind_int(st, 1, EIM_AUDIT_CHECKPOINT_EVERY);
		store_bind_int(st, 2, after);
		for (n = 0; n < 1024 && (err = store_step(st, &row)) == IOT_OK && row;) {
			size_t len;
			const uint8_t *h = store_col_blob(st, 1, &len);

			if (h && len == 32) {
				ids[n] = store_col_int(st, 0);
				memcpy(hashes[n++], h, 32);
			}
		}
		store_finalize(st);
		if (err != IOT_OK || !n)
			return err;
		if ((err = store_begin(e->db)) != IOT_OK)
			return err;
		for (int64_t i = 0; err == IOT_OK && i < n; i++)
			err = eim_audit_checkpoint(e, ids[i], hashes[i], (int64_t)time(NULL));
		if (err != IOT_OK) {
			store_rollback(e->db);
			return err;
		}
		if ((err = store_commit(e->db)) != IOT_OK)
			return err;
		after = ids[n - 1];
	}
}

static iot_err append_line(char **buf, size_t *len, size_t *cap, json_t *j)
{
	char *line = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	size_t n = line ? strlen(line) : 0;

	json_decref(j);
	if (!line)
		return IOT_E_NOMEM;
	if (*len + n + 2 > *cap) {
		size_t want = (*cap ? *cap * 2 : 65536) + n;
		char *grown = realloc(*buf, want);

		if (!grown) {
			free(line);
			return IOT_E_NOMEM;
		}
		*buf = grown;
		*cap = want;
	}
	memcpy(*buf + *len, line, n);
	(*buf)[*len + n] = '\n';
	*len += n + 1;
	(*buf)[*len] = 0;
	free(line);
	return IOT_OK;
}

iot_err eim_audit_export(struct eim *e, char **text, size_t *len)
{
	struct store_stmt *st;
	uint8_t head[32] = { 0 };
	int64_t last = 0, ts = (int64_t)time(NULL);
	size_t cap = 0;
	bool row = true;
	char hex[65], sig[160], msg[160];
	iot_err err = store_prepare(e->db, "SELECT a.id, a.ts, a.actor, a.action, a.subject, a.outcome, a.hash,"
					   " c.ts, c.signature FROM audit a LEFT JOIN audit_checkpoint c ON c.id = a.id"
					   " ORDER BY a.id", &st);

	*text = NULL;
	*len = 0;
	if (err != IOT_OK)
		return err;
	while (err == IOT_OK && (err = store_step(st, &row)) == IOT_OK && row) {
		size_t n;
		const uint8_t *h = store_col_blob(st, 6, &n);

		if (!h || n != 32) {
			err = IOT_E_STORE;
			break;
		}
		memcpy(head, h, 32);
		last = store_col_int(st, 0);
		hex_encode(head, 32, hex);
		err = append_line(text, len, &cap,
				  json_pack("{s:I,s:I,s:s,s:s,s:s,s:s,s:s}", "id", (json_int_t)last, "ts",
					    (json_int_t)store_col_int(st, 1), "actor", store_col_text(st, 2), "action",
					    store_col_text(st, 3), "subject", store_col_text(st, 4), "outcome",
					    store_col_text(st, 5), "hash", hex));
		if (err == IOT_OK && !store_col_null(st, 8))
			err = append_line(text, len, &cap,
					  json_pack("{s:I,s:s,s:I,s:s}", "checkpoint", (json_int_t)last, "hash", hex, "ts",
						    (json_int_t)store_col_int(st, 7), "signature", store_col_text(st, 8)));
	}
	store_finalize(st);
	checkpoint_text(msg, sizeof(msg), "end", last, head, ts);
	hex_encode(head, 32, hex);
	if (err == IOT_OK && (err = sign_text(e, msg, sig, sizeof(sig))) == IOT_OK)
		err = append_line(text, len, &cap,
				  json_pack("{s:I,s:s,s:I,s:s}", "end", (json_int_t)last, "hash", hex, "ts", (json_int_t)ts,
					    "signature", sig));
	if (err != IOT_OK) {
		free(*text);
		*text = NULL;
		*len = 0;
	}
	return err;
}

static bool verify_signature(const struct crypto_key *key, const char *kind, int64_t id, const uint8_t hash[32],
			     const json_t *line)
{
	const char *b64 = json_string_value(json_object_get(line, "signature"));
	uint8_t der[80], sig[CRYPTO_SIG_LEN];
	size_t n;
	char msg[160];
	struct crypto_buf part;

	if (!b64 || base64_decode(b64, strlen(b64), der, sizeof(der), &n) != IOT_OK || ecdsa_sig_from_der(der, n, sig) != IOT_OK)
		return false;
	checkpoint_text(msg, sizeof(msg), kind, id, hash, json_integer_value(json_object_get(line, "ts")));
	part = (struct crypto_buf){ (const uint8_t *)msg, strlen(msg) };
	return ecdsa_verify(key, &part, 1, sig, sizeof(sig)) == IOT_OK;
}

iot_err eim_audit_verify_export(const char *text, size_t len, const char *cert_file, int64_t *entries, char *why,
				size_t cap)
{
	struct crypto_cert *cert = NULL;
	uint8_t prev[32] = { 0 };
	const char *p = text, *end = text + len;
	bool ended = false, checkpointed = false;
	int line_no = 0;
	iot_err err;

	*entries = 0;
	snprintf(why, cap, "%s", "");
	err = IOT_OK;
	for (; p < end && err == IOT_OK; line_no++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		json_t *j = json_loadb(p, n, 0, NULL);
		const char *hex = json_string_value(json_object_get(j, "hash"));
		uint8_t h[32];
		size_t hn = 0;

		p += n + (nl ? 1 : 0);
		if (!n && !nl)
			break;
		err = IOT_E_CRYPTO_MAC;
		if (!json_is_object(j) || !hex || hex_decode(hex, h, sizeof(h), &hn) != IOT_OK || hn != 32)
			snprintf(why, cap, "line %d: not an audit export line", line_no + 1);
		else if (ended)
			snprintf(why, cap, "line %d: lines after the signed end", line_no + 1);
		else if (json_object_get(j, "id")) {
			int64_t id = json_integer_value(json_object_get(j, "id"));
			uint8_t want[32];
			const char *f[4];

			for (int i = 0; i < 4; i++)
				f[i] = json_string_value(json_object_get(j, (const char *[]){ "actor", "action", "subject", "outcome" }[i]));
			/* a removed line leaves a gap; an edited one a hash that no longer follows */
			if (id != *entries + 1)
				snprintf(why, cap, "line %d: entry %lld where %lld was due (removed?)", line_no + 1, (long long)id,
					 (long long)(*entries + 1));
			else if (!f[0] || !f[1] || !f[2] || !f[3] ||
				 eim_audit_entry_hash(prev, id, json_integer_value(json_object_get(j, "ts")), f[0], f[1], f[2],
						      f[3], want) != IOT_OK ||
				 memcmp(want, h, 32))
				snprintf(why, cap, "line %d: entry %lld does not match its hash (edited?)", line_no + 1,
					 (long long)id);
			else if (id > 1 && (id - 1) % EIM_AUDIT_CHECKPOINT_EVERY == 0 && !checkpointed)
				/* the eIM signed the head every EIM_AUDIT_CHECKPOINT_EVERY entries as it
				 * wrote them: a chain rewritten in the store cannot carry them */
				snprintf(why, cap, "line %d: the signed checkpoint of entry %lld is missing", line_no + 1,
					 (long long)(id - 1));
			else {
				memcpy(prev, h, 32);
				(*entries)++;
				checkpointed = false;
				err = IOT_OK;
			}
		} else {
			bool is_end = json_object_get(j, "end") != NULL;
			int64_t id = json_integer_value(json_object_get(j, is_end ? "end" : "checkpoint"));

			if (id != *entries || memcmp(h, prev, 32))
				snprintf(why, cap, "line %d: a checkpoint for a chain other than the lines before it", line_no + 1);
			else if (is_end && id && id % EIM_AUDIT_CHECKPOINT_EVERY == 0 && !checkpointed)
				snprintf(why, cap, "line %d: the signed checkpoint of entry %lld is missing", line_no + 1,
					 (long long)id);
			else if (!cert && x509_load(cert_file, &cert) != IOT_OK)
				snprintf(why, cap, "cannot load the eIM certificate %s", cert_file);
			else if (!verify_signature(x509_key(cert), is_end ? "end" : "checkpoint", id, h, j))
				snprintf(why, cap, "line %d: the checkpoint's signature is not the eIM's", line_no + 1);
			else {
				ended = is_end;
				checkpointed |= !is_end;
				err = IOT_OK;
			}
		}
		json_decref(j);
	}
	if (err == IOT_OK && !ended) {
		snprintf(why, cap, "no signed end: the export was cut off");
		err = IOT_E_CRYPTO_MAC;
	}
	x509_free(cert);
	return err;
}
