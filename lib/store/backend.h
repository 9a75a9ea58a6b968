/* What a lib/store backend provides (store.c dispatches to it). A backend's
 * store and statement structs begin with struct store and struct store_stmt. */
#ifndef IOT_STORE_BACKEND_H
#define IOT_STORE_BACKEND_H

#include "store/store.h"

struct store_ops {
	const char *engine;
	void (*close)(struct store *s);
	iot_err (*exec)(struct store *s, const char *sql);
	iot_err (*begin)(struct store *s);
	iot_err (*commit)(struct store *s);
	iot_err (*commit_async)(struct store *s);                                      /* optional */
	void (*rollback)(struct store *s);
	iot_err (*prepare)(struct store *s, const char *sql, struct store_stmt **out);
	iot_err (*bind_int)(struct store_stmt *st, int index, int64_t v);
	iot_err (*bind_text)(struct store_stmt *st, int index, const char *v);
	iot_err (*bind_blob)(struct store_stmt *st, int index, const void *v, size_t len);
	iot_err (*bind_null)(struct store_stmt *st, int index);
	iot_err (*step)(struct store_stmt *st, bool *row);
	int64_t (*col_int)(struct store_stmt *st, int col);
	const char *(*col_text)(struct store_stmt *st, int col);
	const uint8_t *(*col_blob)(struct store_stmt *st, int col, size_t *len);
	bool (*col_null)(struct store_stmt *st, int col);
	int (*col_count)(struct store_stmt *st);
	const char *(*col_name)(struct store_stmt *st, int col);
	char (*col_type)(struct store_stmt *st, int col);
	iot_err (*free_space)(struct store *s, uint64_t *bytes);
	int64_t (*changes)(struct store *s);
	void (*finalize)(struct store_stmt *st);
	iot_err (*sync_stats)(struct store *s, uint64_t *commits, uint64_t *syncs);     /* optional */
	iot_err (*checkpoints)(struct store *s, uint64_t *n);                          /* optional */
	iot_err (*begin_read)(struct store *s);                                         /* optional */
	void (*end_read)(struct store *s);                                              /* with begin_read */
};

/* A line store_log_on_commit keeps until its transaction ends. */
struct store_deferred_log {
	const char *comp, *msg;
	char *fields;
};

struct store {
	const struct store_ops *ops;
	bool lease_table;               /* lease.c made its table on this connection */
	bool in_txn;                    /* between store_begin and its commit or rollback */
	struct store_deferred_log *deferred;
	size_t ndeferred, deferred_cap;
};

struct store_stmt {
	struct store *s;
};

iot_err store_sqlite_open(const char *path, struct store **out);
iot_err store_pg_open(const char *url, struct store **out);

#endif
