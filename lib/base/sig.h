/* A daemon's stop and reload signals, taken by its main thread alone.
 *
 * A flag set by a handler and a pause() after it lose a signal that lands
 * between the flag's test and the pause (a SIGHUP sent while the last reload
 * was being audited), and a handler may run on any worker thread. Instead the
 * signals are blocked before the first thread starts, so every thread inherits
 * the mask, and the main thread takes them one by one with sigwait(): a signal
 * sent at any moment stays pending until it is taken. */
#ifndef IOT_BASE_SIG_H
#define IOT_BASE_SIG_H

#include <signal.h>
#include <stdbool.h>

/* Blocks SIGTERM and SIGINT, and SIGHUP when reload is true, in the calling
 * thread (call it before any thread starts); ignores SIGPIPE. The set to wait
 * for is written to *set. */
void sig_block_daemon(sigset_t *set, bool reload);

/* The next signal of set, waiting for it as long as it takes. */
int sig_wait_daemon(const sigset_t *set);

#endif
