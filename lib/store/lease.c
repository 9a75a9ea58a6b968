/* Leases (store.h): background work that the nodes sharing a store must
 * not do twice is done by the holder of its lease, renewed at each round. */
#include "store/backend.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static char node[128];
static pthread_once_t node_once = PTHREAD_ONCE_INIT;

static void node_make(void)
{
	char host[64] = "";
	struct timespec t;

	gethostname(host, sizeof(host) - 1);
	clock_gettime(CLOCK_REALTIME, &t);
	/* the time of the first call tells a restarted process from its predecessor with the same pid */
	snprintf(node, sizeof(node), "%s:%ld:%llx", host[0] ? host : "node", (long)getpid(),
		 (unsigned long long)t.tv_sec * 1000000000ull + (unsigned long long)t.tv_nsec);
}

const char *store_node_id(void)
{
	pthread_once(&node_once, node_make);
	return node;
}

static iot_err lease_table(struct store *s)
{
	iot_err err = IOT_OK;

	if (!s->lease_table &&
	    (err = store_exec(s, "CREATE TABLE IF NOT EXISTS store_lease (name TEXT PRIMARY KEY, holder TEXT NOT NULL,"
				 " expires INTEGER NOT NULL)")) == IOT_OK)
		s->lease_table = true;
	return err;
}

iot_err store_lease_hold(struct store *s, const char *name, const char *holder, int64_t now_ms, int64_t ttl_ms,
			 bool *held)
{
	struct store_stmt *st;
	bool row = false;
	iot_err err;

	*held = false;
	if ((err = lease_table(s)) != IOT_OK ||
	    (err = store_prepare(s, "INSERT INTO store_lease (name, holder, expires) VALUES ($1, $2, $3)"
				    " ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires = excluded.expires"
				    " WHERE store_lease.holder = excluded.holder OR store_lease.expires < $4 RETURNING holder",
				 &st)) != IOT_OK)
		return err;
	store_bind_text(st, 1, name);
	store_bind_text(st, 2, holder);
	store_bind_int(st, 3, now_ms + ttl_ms);
	store_bind_int(st, 4, now_ms);
	err = store_step(st, &row);
	*held = err == IOT_OK && row;
	store_finalize(st);
	return err;
}

iot_err store_lease_release(struct store *s, const char *name, const char *holder)
{
	iot_err err = lease_table(s);

	return err != IOT_OK ? err : store_sql(s, "DELETE FROM store_lease WHERE name = $1 AND holder = $2", "tt", name, holder);
}
