/* A SQLite VFS over the process's default one that writes a commit's WAL
 * frames with one write instead of two per page. Internal to lib/store
 * (sqlite.c, sqlite_wal.c). */
#ifndef IOT_STORE_SQLITE_VFS_H
#define IOT_STORE_SQLITE_VFS_H

#include <stdint.h>

/* A WAL grows by this many bytes at a time, zeros written ahead of its
 * frames (an overwrite syncs at about half an append's CPU). */
#define SQLITE_VFS_PREFILL (1024 * 1024)

/* The VFS's name for sqlite3_open_v2, registered at the first call (not as
 * the default); NULL when it could not be (SQLite's default is used then). */
const char *sqlite_vfs_name(void);
/* Since the process began: writes SQLite asked of WAL files, and the writes
 * of frames made of them, zeros apart (for the tests: that a commit's
 * frames go as one). */
void sqlite_vfs_stats(uint64_t *asked, uint64_t *made);

#endif
