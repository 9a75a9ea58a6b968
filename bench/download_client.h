/* A full ES9+ download as an LPA drives it (bench/download_client.c). */
#ifndef IOT_BENCH_DOWNLOAD_CLIENT_H
#define IOT_BENCH_DOWNLOAD_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "euicc/euicc.h"
#include "net/http.h"

struct link {
	struct euicc *e;
	struct http_client *http;
	const char *url;                        /* the SM-DP+'s ASN.1 binding, e.g. https://HOST:PORT/gsma/rsp2/asn1 */
	const char *json_url;                   /* or, set, its JSON binding: https://HOST:PORT/gsma/rsp2/es9plus/ */
	const char *address;                    /* its address as the activation code names it */
	uint8_t resp[65536];
	size_t resp_len;
	size_t bytes_out, bytes_in;             /* on the wire, ES9+ messages */
};

/* One download with matching_id into l->e (an ISD-R selected): 0, or -1.
 * !install: up to the BPP, which is then dropped (a retry follows). */
int dl_download(struct link *l, const char *matching_id, bool install);

#endif
