/* A daemon's signals, blocked and waited for (sig.h). */
#include "base/sig.h"

#include <pthread.h>

void sig_block_daemon(sigset_t *set, bool reload)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	if (reload)
		sigaddset(set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	/* a peer that hangs up mid-write is an error of that write, not the end of the daemon */
	signal(SIGPIPE, SIG_IGN);
}

int sig_wait_daemon(const sigset_t *set)
{
	int sig;

	/* it fails only for a set it cannot wait for: then stopping beats spinning */
	return sigwait(set, &sig) == 0 ? sig : SIGTERM;
}
