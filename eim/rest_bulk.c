/* POST /api/v1/euiccs/bulk: many eUICCs registered in one request, as JSON
 * lines (application/x-ndjson): {"eid", "labels"?, "euiccCertificate"?,
 * "eumCertificate"?} per line, certificates in base64 DER, both or neither.
 * All or nothing; EIDs known already are left alone, so the same file may
 * be sent again (docs/rest-api.yaml). */
#include "eim/server_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "net/json_binding.h"

#define BULK_MAX_LINES 100000
#define BULK_THREADS 2

struct bulk {
	struct eim_euicc_new *v;
	json_t **lines;
	uint8_t **blobs;
	size_t n, cap;
};

static void bulk_free(struct bulk *b)
{
	for (size_t i = 0; i < b->n; i++) {
		json_decref(b->lines[i]);
		free(b->blobs[2 * i]);
		free(b->blobs[2 * i + 1]);
	}
	free(b->v);
	free(b->lines);
	free(b->blobs);
}

/* One line into the next slot; false (line refused) with why set. */
static bool bulk_line(struct bulk *b, const char *text, size_t len, const char **why)
{
	struct eim_euicc_new *x;
	json_t *j;
	size_t i = b->n;

	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 1024;
		void *v = realloc(b->v, cap * sizeof(*b->v)), *l = v ? realloc(b->lines, cap * sizeof(*b->lines)) : NULL;

		if (v)
			b->v = v;
		if (l)
			b->lines = l;
		if (!v || !l || !(l = realloc(b->blobs, 2 * cap * sizeof(*b->blobs)))) {
			*why = "out of memory";
			return false;
		}
		b->blobs = l;
		b->cap = cap;
	}
	if (!(j = json_loadb(text, len, 0, NULL)) || !json_is_object(j)) {
		json_decref(j);
		*why = "not a JSON object";
		return false;
	}
	x = &b->v[i];
	memset(x, 0, sizeof(*x));
	b->lines[i] = j;
	b->blobs[2 * i] = b->blobs[2 * i + 1] = NULL;
	b->n++;
	x->eid = json_string_value(json_object_get(j, "eid"));
	x->labels = json_string_value(json_object_get(j, "labels"));
	if (!x->eid || (json_object_get(j, "labels") && !x->labels)) {
		*why = "eid: 32 digits; labels: a string";
		return false;
	}
	if (!json_object_get(j, "euiccCertificate") && !json_object_get(j, "eumCertificate"))
		return true;
	if (jb_get_asn1(j, "euiccCertificate", &b->blobs[2 * i], &x->cert_len) != IOT_OK ||
	    jb_get_asn1(j, "eumCertificate", &b->blobs[2 * i + 1], &x->eum_len) != IOT_OK) {
		*why = "euiccCertificate and eumCertificate: base64 DER, both or neither";
		return false;
	}
	x->cert = b->blobs[2 * i];
	x->eum = b->blobs[2 * i + 1];
	return true;
}

bool eim_rest_bulk(struct eim_server *s, const struct http_request *q, struct http_response *r)
{
	static const char ndjson[] = "application/x-ndjson";
	const struct eim_api_key *k;
	struct eim *e;
	struct bulk b = { 0 };
	const char *p = (const char *)q->body, *end = p + q->body_len, *why = NULL;
	size_t added = 0, known = 0, bad = 0, item = 0;
	char outcome[128], msg[200];
	iot_err err = IOT_OK;

	if (strcmp(q->path, "/api/v1/euiccs/bulk"))
		return false;
	if (strcmp(q->method, "POST")) {
		eim_rest_error(r, 405, "POST JSON lines here");
		return true;
	}
	if (!(k = eim_rest_authorize(s, q, EIM_ROLE_OPERATOR, r)))
		return true;
	if (!(e = eim_server_core(s))) {
		eim_rest_error(r, 503, "the store is unavailable");
		return true;
	}
	if (!q->content_type || strncmp(q->content_type, ndjson, sizeof(ndjson) - 1)) {
		eim_rest_error(r, 415, "application/x-ndjson is expected: a JSON object per line");
		return true;
	}
	while (p < end && !why) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *stop = nl ? nl : end;

		if (stop > p && !(stop - p == 1 && *p == '\r')) {
			item++;         /* the items are the non-empty lines */
			if (b.n == BULK_MAX_LINES)
				why = "at most 100000 lines in one request";
			else
				bulk_line(&b, p, (size_t)(stop - p), &why);
		}
		p = stop + 1;
	}
	if (!why && !b.n)
		why = "no line";
	if (!why) {
		err = eim_euicc_register_many(e, b.v, b.n, BULK_THREADS, &added, &known, &bad);
		if (err != IOT_OK && bad < b.n)
			item = bad + 1;
	}
	snprintf(outcome, sizeof(outcome), "%s lines=%zu added=%zu known=%zu", why ? "IOT_E_ARG" : iot_errname(err), b.n,
		 added, known);
	eim_audit(e, k->name, "register-bulk", "euiccs", outcome);
	if (why || (err != IOT_OK && bad < b.n)) {
		snprintf(msg, sizeof(msg), "eUICC %zu: %s (nothing registered)", item, why ? why : iot_strerror(err));
		eim_rest_reply(r, 400, json_pack("{s:s, s:I}", "error", msg, "item", (json_int_t)item));
	} else if (err != IOT_OK) {
		eim_rest_failure(r, err, 500, iot_strerror(err));
	} else {
		log_info("eim", "eUICCs registered in bulk", "key=%s lines=%zu added=%zu known=%zu", k->name, b.n, added,
			 known);
		eim_rest_reply(r, 200, json_pack("{s:I, s:I, s:I}", "received", (json_int_t)b.n, "added", (json_int_t)added,
						 "known", (json_int_t)known));
	}
	bulk_free(&b);
	return true;
}
