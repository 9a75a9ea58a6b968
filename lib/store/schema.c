/* Schema versions (store.h): a store made by a newer release is refused,
 * not half-understood. */
#include "store/store.h"

#include "base/log.h"

static iot_err version_table(struct store *s)
{
	return store_exec(s, "CREATE TABLE IF NOT EXISTS store_schema (component TEXT PRIMARY KEY,"
			     " version INTEGER NOT NULL)");
}

iot_err store_schema_check(struct store *s, const char *component, int64_t version)
{
	struct store_stmt *st;
	bool row = false;
	int64_t found = 0;
	iot_err err;

	if ((err = version_table(s)) != IOT_OK ||
	    (err = store_prepare(s, "SELECT version FROM store_schema WHERE component = $1", &st)) != IOT_OK)
		return err;
	store_bind_text(st, 1, component);
	if ((err = store_step(st, &row)) == IOT_OK && row)
		found = store_col_int(st, 0);
	store_finalize(st);
	if (err == IOT_OK && found > version) {
		log_error("store", "the store's schema is newer than this program's: upgrade the program",
			  "component=%s schema=%lld known=%lld", component, (long long)found, (long long)version);
		return IOT_E_REFUSED;
	}
	return err;
}

iot_err store_schema_set(struct store *s, const char *component, int64_t version)
{
	/* never down: an older node that started alongside does not undo a newer one's mark */
	return store_sql(s, "INSERT INTO store_schema (component, version) VALUES ($1, $2) ON CONFLICT (component)"
			    " DO UPDATE SET version = excluded.version WHERE store_schema.version < excluded.version",
			 "ti", component, version);
}
