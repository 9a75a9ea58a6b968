/* Moving an eIM's store to another (eim.h): the embedded SQLite file to
 * PostgreSQL when the fleet outgrows one machine. */
#include "eim/internal.h"

#include "base/log.h"

iot_err eim_migrate_store(const struct eim_config *c, const char *from_url, uint64_t *rows, size_t *tables)
{
	/* the tables others refer to (foreign keys) go first */
	static const char *const first[] = { "euicc", "campaign", NULL };
	struct eim_config source = *c;
	struct eim *from = NULL, *to = NULL;
	iot_err err;

	/* both opened as an eIM would: each brought to this release's schema first */
	source.store_url = from_url;
	if ((err = eim_open(&source, &from)) == IOT_OK && (err = eim_open(c, &to)) == IOT_OK)
		err = store_copy(from->db, to->db, "euicc", first, rows, tables);
	if (err == IOT_OK)
		err = eim_audit(to, "eimd", "migrate-store", from_url, "copied");
	if (err == IOT_OK)
		log_info("eim", "store migrated", "from=%s tables=%zu rows=%llu", from_url, *tables,
			 (unsigned long long)*rows);
	eim_close(to);
	eim_close(from);
	return err;
}
