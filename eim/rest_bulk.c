/* POST /api/v1/euiccs/bulk: many eUICCs registered in one request, as JSON
 * lines (application/x-ndjson: {"eid", "labels"?, "euiccCertificate"?,
 * "eumCertificate"?} per line) or CSV (text/csv, RFC 4180, a header naming
 * the same columns), certificates in base64 DER, both or neither. All or
 * nothing; EIDs known already are left alone, so the same file may be sent
 * again (docs/rest-api.yaml). The records are found on one thread, then
 * parsed and decoded on several. */
#include "eim/server_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "base/csv.h"
#include "base/log.h"
#include "base/par.h"
#include "net/json_binding.h"

#define BULK_MAX_ITEMS 100000

enum { COL_EID, COL_LABELS, COL_CERT, COL_EUM, COLS };
static const char *const col_names[COLS] = { "eid", "labels", "euiccCertificate", "eumCertificate" };

/* One item as found: a JSON line, or a CSV record's fields by column. */
struct item {
	struct csv_field f[COLS];
	bool has[COLS];
};

struct bulk {
	bool csv;
	struct item *items;
	size_t n, cap;
	struct eim_euicc_new *v;
	json_t **json;
	void **owned;                   /* three per item: certificate, EUM, CSV texts (NULL where shared) */
	unsigned threads;               /* parsing and checking: the cores, 2 to PAR_MAX_THREADS */
	size_t bad[PAR_MAX_THREADS];    /* each part's first refused item, or n */
	const char *why[PAR_MAX_THREADS];
};

static void bulk_free(struct bulk *b)
{
	for (size_t i = 0; b->json && i < b->n; i++)
		json_decref(b->json[i]);
	for (size_t i = 0; b->owned && i < 3 * b->n; i++)
		free(b->owned[i]);
	free(b->items);
	free(b->v);
	free(b->json);
	free(b->owned);
}

static const char *bulk_push(struct bulk *b, const struct item *it)
{
	if (b->n == BULK_MAX_ITEMS) {
		b->n++;                 /* the item refused */
		return "at most 100000 eUICCs in one request";
	}
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 1024;
		void *v = realloc(b->items, cap * sizeof(*b->items));

		if (!v)
			return "out of memory";
		b->items = v;
		b->cap = cap;
	}
	b->items[b->n++] = *it;
	return NULL;
}

/* JSON lines: the non-empty lines (CR LF ends taken too). */
static const char *bulk_split_lines(struct bulk *b, const char *p, const char *end)
{
	const char *why = NULL;

	while (p < end && !why) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *stop = nl ? nl : end;
		size_t len = (size_t)(stop - p) - (stop > p && stop[-1] == '\r');

		if (len)
			why = bulk_push(b, &(struct item){ .f = { { p, len, false } } });
		p = stop + 1;
	}
	return why;
}

/* CSV: the header names the columns (RFC 4180 2.3), in any order. */
static const char *bulk_split_csv(struct bulk *b, const char *p, const char *end)
{
	struct csv_field f[COLS + 1];
	int col[COLS] = { -1, -1, -1, -1 };
	size_t n;
	iot_err err;

	if (csv_record(&p, end, f, COLS, &n) != IOT_OK)
		return "the header: the columns eid, labels, euiccCertificate, eumCertificate";
	for (size_t k = 0; k < n; k++) {
		int c = 0;

		while (c < COLS && (f[k].len != strlen(col_names[c]) || memcmp(f[k].text, col_names[c], f[k].len)))
			c++;
		if (c == COLS || col[c] >= 0)
			return "the header: the columns eid, labels, euiccCertificate, eumCertificate, each once";
		col[c] = (int)k;
	}
	if (col[COL_EID] < 0 || (col[COL_CERT] < 0) != (col[COL_EUM] < 0))
		return "the header: an eid column, and both certificate columns or neither";
	while ((err = csv_record(&p, end, f, COLS + 1, &n)) == IOT_OK) {
		struct item it = { 0 };
		const char *why;

		if (n == 1 && !f[0].len)
			continue;       /* an empty line */
		if (n != (size_t)(col[COL_EID] >= 0) + (col[COL_LABELS] >= 0) + 2 * (col[COL_CERT] >= 0)) {
			bulk_push(b, &it);
			return "as many fields as the header has columns";
		}
		for (int c = 0; c < COLS; c++)
			if (col[c] >= 0 && (c == COL_EID || f[col[c]].len)) {
				it.f[c] = f[col[c]];
				it.has[c] = true;
			}
		if ((why = bulk_push(b, &it)))
			return why;
	}
	if (err != IOT_E_NOT_FOUND) {
		bulk_push(b, &(struct item){ 0 });
		return "a quoted field not closed, or a quote inside an unquoted field (RFC 4180)";
	}
	return NULL;
}

/* The EUM certificate last decoded in a part: most items repeat it. */
struct eum_prev {
	const char *text;
	size_t len;
	const uint8_t *der;
	size_t der_len;
};

static iot_err decode(const char *text, size_t len, void **owned, const uint8_t **der, size_t *der_len)
{
	uint8_t *buf = malloc(len / 4 * 3 + 1);
	iot_err err;

	if (!buf)
		return IOT_E_NOMEM;
	*owned = buf;
	err = base64_decode(text, len, buf, len / 4 * 3 + 1, der_len);
	*der = buf;
	return err;
}

/* Both certificates of item i; those of the item before are reused when its
 * EUM's text is the same. */
static const char *bulk_certs(struct bulk *b, size_t i, const struct csv_field *cert, const struct csv_field *eum,
			      struct eum_prev *prev)
{
	static const char bad[] = "euiccCertificate and eumCertificate: base64 DER, both or neither";
	struct eim_euicc_new *x = &b->v[i];

	if (!cert && !eum)
		return NULL;
	if (!cert || !eum || cert->escaped || eum->escaped ||
	    decode(cert->text, cert->len, &b->owned[3 * i], &x->cert, &x->cert_len) != IOT_OK)
		return bad;
	if (prev->text && prev->len == eum->len && !memcmp(prev->text, eum->text, eum->len)) {
		x->eum = prev->der;
		x->eum_len = prev->der_len;
		return NULL;
	}
	if (decode(eum->text, eum->len, &b->owned[3 * i + 1], &x->eum, &x->eum_len) != IOT_OK)
		return bad;
	*prev = (struct eum_prev){ eum->text, eum->len, x->eum, x->eum_len };
	return NULL;
}

static const char *bulk_json(struct bulk *b, size_t i, struct eum_prev *prev)
{
	struct eim_euicc_new *x = &b->v[i];
	struct csv_field f[2], *cert = NULL, *eum = NULL;
	const json_t *c, *m;
	json_t *j;

	if (!(j = b->json[i] = json_loadb(b->items[i].f[0].text, b->items[i].f[0].len, 0, NULL)) || !json_is_object(j))
		return "not a JSON object";
	x->eid = json_string_value(json_object_get(j, "eid"));
	x->labels = json_string_value(json_object_get(j, "labels"));
	if (!x->eid || (json_object_get(j, "labels") && !x->labels))
		return "eid: 32 digits; labels: a string";
	c = json_object_get(j, "euiccCertificate");
	m = json_object_get(j, "eumCertificate");
	if ((c && !json_is_string(c)) || (m && !json_is_string(m)))
		return "euiccCertificate and eumCertificate: base64 DER, both or neither";
	if (c)
		f[0] = (struct csv_field){ json_string_value(c), json_string_length(c), false }, cert = &f[0];
	if (m)
		f[1] = (struct csv_field){ json_string_value(m), json_string_length(m), false }, eum = &f[1];
	return bulk_certs(b, i, cert, eum, prev);
}

static const char *bulk_csv(struct bulk *b, size_t i, struct eum_prev *prev)
{
	const struct item *it = &b->items[i];
	struct eim_euicc_new *x = &b->v[i];
	size_t el = it->f[COL_EID].len + 1, ll = it->has[COL_LABELS] ? it->f[COL_LABELS].len + 1 : 0;
	char *t = b->owned[3 * i + 2] = malloc(el + ll);

	if (!t)
		return "out of memory";
	if (csv_field_copy(&it->f[COL_EID], t, el) != IOT_OK ||
	    (ll && csv_field_copy(&it->f[COL_LABELS], t + el, ll) != IOT_OK))
		return "out of memory";
	x->eid = t;
	x->labels = ll ? t + el : NULL;
	return bulk_certs(b, i, it->has[COL_CERT] ? &it->f[COL_CERT] : NULL, it->has[COL_EUM] ? &it->f[COL_EUM] : NULL,
			  prev);
}

/* A part of the items, parsed on its own thread. */
static void bulk_part(void *arg, unsigned part, size_t from, size_t to)
{
	struct bulk *b = arg;
	struct eum_prev prev = { 0 };

	b->bad[part] = b->n;
	for (size_t i = from; i < to; i++)
		if ((b->why[part] = b->csv ? bulk_csv(b, i, &prev) : bulk_json(b, i, &prev))) {
			b->bad[part] = i;
			return;
		}
}

/* Every item parsed; NULL, or why the first refused item (*bad) is refused. */
static const char *bulk_parse(struct bulk *b, size_t *bad)
{
	const char *why = NULL;

	*bad = 0;
	b->v = calloc(b->n, sizeof(*b->v));
	b->json = calloc(b->n, sizeof(*b->json));
	b->owned = calloc(3 * b->n, sizeof(*b->owned));
	if (!b->v || !b->json || !b->owned)
		return "out of memory";
	par_ranges(b->n, b->threads, bulk_part, b);
	*bad = b->n;
	for (unsigned k = 0; k < b->threads; k++)
		if (b->bad[k] < *bad) {
			*bad = b->bad[k];
			why = b->why[k];
		}
	return why;
}

bool eim_rest_bulk(struct eim_server *s, const struct http_request *q, struct http_response *r)
{
	static const char ndjson[] = "application/x-ndjson", csv[] = "text/csv";
	const struct eim_api_key *k;
	struct eim *e;
	struct bulk b = { 0 };
	const char *p = (const char *)q->body, *end = p + q->body_len, *why;
	size_t added = 0, known = 0, bad = 0, item = 0;
	char outcome[128], msg[200];
	iot_err err = IOT_OK;
	unsigned cores = par_cores();

	if (strcmp(q->path, "/api/v1/euiccs/bulk"))
		return false;
	if (strcmp(q->method, "POST")) {
		eim_rest_error(r, 405, "POST JSON lines or CSV here");
		return true;
	}
	if (!(k = eim_rest_authorize(s, q, EIM_ROLE_OPERATOR, r)))
		return true;
	if (!(e = eim_server_core(s))) {
		eim_rest_error(r, 503, "the store is unavailable");
		return true;
	}
	if (!q->content_type || (strncmp(q->content_type, ndjson, sizeof(ndjson) - 1) &&
				 strncmp(q->content_type, csv, sizeof(csv) - 1))) {
		eim_rest_error(r, 415, "application/x-ndjson (a JSON object per line) or text/csv is expected");
		return true;
	}
	b.csv = !strncmp(q->content_type, csv, sizeof(csv) - 1);
	b.threads = cores < 2 ? 2 : cores > PAR_MAX_THREADS ? PAR_MAX_THREADS : cores;
	if ((why = b.csv ? bulk_split_csv(&b, p, end) : bulk_split_lines(&b, p, end)))
		item = b.n;             /* the items are counted without empty lines and the header */
	else if (!b.n)
		why = "no eUICC";
	else if ((why = bulk_parse(&b, &bad)))
		item = bad + 1;
	if (!why) {
		err = eim_euicc_register_many(e, b.v, b.n, b.threads, &added, &known, &bad);
		if (err != IOT_OK && bad < b.n)
			item = bad + 1;
	}
	snprintf(outcome, sizeof(outcome), "%s items=%zu added=%zu known=%zu", why ? "IOT_E_ARG" : iot_errname(err), b.n,
		 added, known);
	eim_audit(e, k->name, "register-bulk", "euiccs", outcome);
	if (why || (err != IOT_OK && bad < b.n)) {
		snprintf(msg, sizeof(msg), "eUICC %zu: %s (nothing registered)", item, why ? why : iot_strerror(err));
		eim_rest_reply(r, 400, json_pack("{s:s, s:I}", "error", msg, "item", (json_int_t)item));
	} else if (err != IOT_OK) {
		eim_rest_failure(r, err, 500, iot_strerror(err));
	} else {
		log_info("eim", "eUICCs registered in bulk", "key=%s items=%zu added=%zu known=%zu", k->name, b.n, added,
			 known);
		eim_rest_reply(r, 200, json_pack("{s:I, s:I, s:I}", "received", (json_int_t)b.n, "added", (json_int_t)added,
						 "known", (json_int_t)known));
	}
	bulk_free(&b);
	return true;
}
