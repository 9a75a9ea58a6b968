/* The profile owner's own server as the tests run it: plain HTTP on
 * loopback, taking ES2+ HandleDownloadProgressInfo from the SM-DP+'s outbox
 * and keeping each report. */
#ifndef IOT_TEST_OWNER_SIDE_H
#define IOT_TEST_OWNER_SIDE_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>

struct owner_side {
	struct http_server *server;
	pthread_mutex_t lock;
	json_t *reports;                /* each report's JSON body, in arrival order */
	int refuse;                     /* answer 503 to this many first */
	char url[100];                  /* where the SM-DP+ is to send them */
};

void owner_side_start(struct owner_side *o);
void owner_side_stop(struct owner_side *o);
/* Waits (WAIT_UNTIL's bound) until n reports came; returns how many did. */
size_t owner_side_wait(struct owner_side *o, size_t n);
/* Waits until a report for point came whose status has subject and reason
 * (NULL for a success); true when one did. */
bool owner_side_wait_for(struct owner_side *o, int point, const char *subject, const char *reason);
/* The next n reports are answered 503 (the owner down for a while). */
void owner_side_refuse(struct owner_side *o, int n);
int owner_side_refusals_left(struct owner_side *o);

#endif
