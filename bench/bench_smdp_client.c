/* The client side of bench/store.sh against an smdpd running as its own
 * process: ES2+ orders (downloadOrder for the owner's next available
 * profile, then confirmOrder with a MatchingID, over one kept connection),
 * or full ES9+ downloads of those orders into a software eUICC (a pkigen
 * eUICC, restored to its factory state before each). Prints one line:
 * PHASE COUNT WALL_SECONDS CLIENT_CPU_SECONDS FAILED.
 * Usage: bench_smdp_client URL CA PKI_DIR EID orders|downloads COUNT RUN [OWNER TOKEN] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"
#include "fixture.h"

#include "download_client.h"
#include "net/http.h"
#include "net/json_binding.h"

static double seconds(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int es2(struct http_client *http, const char *base, const char *token, const char *function, json_t *body,
	       json_t **out)
{
	char url[512], auth[300];
	const char *headers[] = { "Content-Type: application/json", "X-Admin-Protocol: gsma/rsp/v2.5.0", auth, NULL };
	char *text;
	uint8_t *resp = NULL;
	size_t len = 0;
	int status = 0;

	json_object_set_new(body, "header", json_pack("{s:s,s:s}", "functionRequesterIdentifier", "bench",
						      "functionCallIdentifier", "1"));
	text = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	snprintf(url, sizeof(url), "%s/gsma/rsp2/es2plus/%s", base, function);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
	*out = NULL;
	if (text && http_client_post(http, url, headers, (const uint8_t *)text, strlen(text), &status, &resp, &len) == IOT_OK &&
	    status == 200)
		*out = json_loadb((const char *)resp, len, 0, NULL);
	free(text);
	free(resp);
	{
		struct jb_status st;

		return *out && jb_response_status(*out, &st) == IOT_OK && st.status && !strcmp(st.status, "Executed-Success")
			       ? 0 : -1;
	}
}

int main(int argc, char **argv)
{
	char base[256], url[300], key[512], cert[512], eum[512], ci[512], mid[64];
	const char *cis[1] = { ci };
	struct http_client_config cc = { 0 };
	struct http_client *http;
	struct euicc_provision prov = { key, cert, eum, cis, 1, NULL, NULL, NULL };
	struct link l = { 0 };
	uint8_t *fresh = NULL;
	size_t fresh_len = 0;
	int count, failed = 0;
	double w0, c0;
	bool orders;

	if (argc < 8 || (strcmp(argv[5], "orders") && strcmp(argv[5], "downloads")) ||
	    (!strcmp(argv[5], "orders") && argc < 10)) {
		fprintf(stderr, "usage: bench_smdp_client URL CA PKI_DIR EID orders|downloads COUNT RUN [OWNER TOKEN]\n");
		return 2;
	}
	orders = !strcmp(argv[5], "orders");
	count = atoi(argv[6]);
	snprintf(base, sizeof(base), "%s", argv[1]);
	snprintf(url, sizeof(url), "%s/gsma/rsp2/asn1", base);
	snprintf(key, sizeof(key), "%s/euicc/%s.key", argv[3], argv[4]);
	snprintf(cert, sizeof(cert), "%s/euicc/%s.pem", argv[3], argv[4]);
	snprintf(eum, sizeof(eum), "%s/eum.pem", argv[3]);
	snprintf(ci, sizeof(ci), "%s/ci.pem", argv[3]);
	cc.ca_file = argv[2];
	if (http_client_new(&cc, &http) != IOT_OK)
		return 1;
	if (!orders) {
		l = (struct link){ .http = http, .url = url, .address = "smdp.iotrsp.test" };
		if (euicc_create(&prov, &l.e) != IOT_OK || euicc_snapshot(l.e, &fresh, &fresh_len) != IOT_OK) {
			fprintf(stderr, "bench_smdp_client: no eUICC from %s\n", cert);
			return 1;
		}
	}
	w0 = seconds(CLOCK_MONOTONIC);
	c0 = seconds(CLOCK_PROCESS_CPUTIME_ID);
	for (int i = 0; i < count; i++) {
		snprintf(mid, sizeof(mid), "%s-%d", argv[7], i);
		if (orders) {
			json_t *out, *out2;
			const char *iccid;

			/* the owner's next available profile (no ICCID: the index on owner and state finds it) */
			if (es2(http, base, argv[9], "downloadOrder", json_pack("{s:s}", "eid", argv[4]), &out) ||
			    !(iccid = json_string_value(json_object_get(out, "iccid"))) ||
			    es2(http, base, argv[9], "confirmOrder",
				json_pack("{s:s,s:s,s:s,s:b}", "iccid", iccid, "eid", argv[4], "matchingId", mid, "releaseFlag", 1),
				&out2))
				failed++;
			else
				json_decref(out2);
			json_decref(out);
		} else {
			euicc_restore(l.e, fresh, fresh_len);
			apdu(l.e, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL);
			failed += dl_download(&l, mid, true) != 0;
		}
	}
	printf("%s %d %.3f %.3f %d\n", argv[5], count, seconds(CLOCK_MONOTONIC) - w0,
	       seconds(CLOCK_PROCESS_CPUTIME_ID) - c0, failed);
	free(fresh);
	euicc_free(l.e);
	http_client_free(http);
	return failed ? 1 : 0;
}
