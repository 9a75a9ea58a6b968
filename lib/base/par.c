#include "base/par.h"

#include <pthread.h>
#include <unistd.h>

struct part {
	void (*fn)(void *arg, unsigned part, size_t from, size_t to);
	void *arg;
	unsigned k;
	size_t from, to;
};

static void *run(void *p)
{
	struct part *x = p;

	x->fn(x->arg, x->k, x->from, x->to);
	return NULL;
}

void par_ranges(size_t n, unsigned threads, void (*fn)(void *arg, unsigned part, size_t from, size_t to), void *arg)
{
	struct part parts[PAR_MAX_THREADS];
	pthread_t t[PAR_MAX_THREADS];
	int started[PAR_MAX_THREADS] = { 0 };
	size_t per;

	threads = threads < 1 ? 1 : threads > PAR_MAX_THREADS ? PAR_MAX_THREADS : threads;
	per = (n + threads - 1) / threads;
	for (unsigned k = 0; k < threads; k++) {
		size_t from = k * per < n ? k * per : n, to = (k + 1) * per < n ? (k + 1) * per : n;

		parts[k] = (struct part){ fn, arg, k, from, to };
		/* the first part on this thread, the others on their own */
		if (k > 0 && !(started[k] = !pthread_create(&t[k], NULL, run, &parts[k])))
			run(&parts[k]);
	}
	run(&parts[0]);
	for (unsigned k = 1; k < threads; k++)
		if (started[k])
			pthread_join(t[k], NULL);
}

unsigned par_cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 4096 ? 4096 : (unsigned)n;
}
