/* eimTransactionIds (SGP.32 TransactionId, 1-16 bytes): the operation id and
 * a tag only this eIM can make, so that no one names an operation (to end it
 * with a forged error, say) without having been sent it. */
#include "eim/internal.h"

#include <string.h>

#include "crypto/crypto.h"

/* The tag of an operation id: SHA-256 over the eIM's secret and the id,
 * cut to 8 bytes (the input has a fixed length, so no extension helps). */
static void txid_tag(const struct eim *e, const uint8_t id[8], uint8_t tag[8])
{
	struct crypto_buf parts[2] = { { e->txid_key, sizeof(e->txid_key) }, { id, 8 } };
	uint8_t h[CRYPTO_SHA256_LEN];

	if (crypto_sha256(parts, 2, h) != IOT_OK)
		memset(h, 0, sizeof(h));        /* never matches a tag made with the hash */
	memcpy(tag, h, 8);
}

void eim_txid(const struct eim *e, int64_t id, uint8_t out[EIM_TXID_LEN])
{
	for (int i = 7; i >= 0; i--, id >>= 8)
		out[i] = (uint8_t)id;
	txid_tag(e, out, out + 8);
}

bool eim_txid_parse(const struct eim *e, const rsp_bytes *b, int64_t *id)
{
	uint8_t tag[8], diff = 0;
	int64_t v = 0;

	if (b->len != EIM_TXID_LEN && b->len != 8)
		return false;
	for (size_t i = 0; i < 8; i++)
		v = v << 8 | b->ptr[i];
	if (v <= 0)
		return false;
	/* an operation sent before ids were tagged keeps its bare id; no later one has one */
	if (b->len == 8)
		return v <= e->txid_untagged_upto ? (*id = v, true) : false;
	/* unguessable: only the eIM makes the tag (compared in constant time) */
	txid_tag(e, b->ptr, tag);
	for (size_t i = 0; i < 8; i++)
		diff |= (uint8_t)(tag[i] ^ b->ptr[8 + i]);
	*id = v;
	return !diff;
}

/* The eIM's secret for transaction ids, made once for every node of the
 * store; the operations made before it keep their bare ids. */
iot_err eim_txid_init(struct eim *e)
{
	struct store_stmt *st;
	uint8_t fresh[32];
	const uint8_t *b;
	size_t n = 0;
	bool row = false;
	iot_err err;

	if ((err = crypto_random(fresh, sizeof(fresh))) != IOT_OK ||
	    (err = store_sql(e->db, "INSERT INTO setting(name, value) SELECT 'txid_untagged_upto', COALESCE(MAX(id), 0)"
				    " FROM operation WHERE true ON CONFLICT (name) DO NOTHING", "")) != IOT_OK ||
	    (err = store_sql(e->db, "INSERT INTO secret(name, value) VALUES ('txid', $1) ON CONFLICT (name) DO NOTHING",
			     "b", fresh, sizeof(fresh))) != IOT_OK ||
	    (err = store_prepare(e->db, "SELECT (SELECT value FROM secret WHERE name = 'txid'),"
					" (SELECT value FROM setting WHERE name = 'txid_untagged_upto')", &st)) != IOT_OK)
		return err;
	if ((err = store_step(st, &row)) == IOT_OK && row && (b = store_col_blob(st, 0, &n)) && n == sizeof(e->txid_key)) {
		memcpy(e->txid_key, b, n);
		e->txid_untagged_upto = store_col_int(st, 1);
	} else if (err == IOT_OK) {
		err = IOT_E_STORE;
	}
	store_finalize(st);
	return err;
}
