/* Work split over threads: n items in contiguous ranges, one range per
 * thread, the first on the caller's. For batch work that is CPU-bound and
 * independent per item (parsing, certificate checks). */
#ifndef IOT_BASE_PAR_H
#define IOT_BASE_PAR_H

#include <stddef.h>

#define PAR_MAX_THREADS 8

/* Calls fn(arg, part, from, to) for parts 0..threads-1 covering [0, n) in
 * order, concurrently, and returns when all have returned. threads is
 * clamped to 1..PAR_MAX_THREADS; a thread that cannot be started runs its
 * range on the caller's. Empty ranges are still called (from == to). */
void par_ranges(size_t n, unsigned threads, void (*fn)(void *arg, unsigned part, size_t from, size_t to), void *arg);
/* The processors online (at least 1): what CPU-bound work can use, and
 * what the daemons size their thread pools by. */
unsigned par_cores(void);

#endif
