#include "testutil.h"
#include "owner_side.h"

#include <stdio.h>

#include "net/http.h"

static void handler(void *ctx, const struct http_request *q, struct http_response *r)
{
	struct owner_side *o = ctx;
	json_t *body = json_loadb((const char *)q->body, q->body_len, 0, NULL);

	pthread_mutex_lock(&o->lock);
	if (o->refuse > 0) {
		o->refuse--;
		r->status = 503;
		json_decref(body);
	} else if (body && !strcmp(q->path, "/gsma/rsp2/es2plus/handleDownloadProgressInfo") && q->admin_protocol) {
		json_array_append_new(o->reports, body);
		http_response_set(r, 200, "application/json", "{}", 2);
	} else {
		json_decref(body);
		r->status = 400;
	}
	pthread_mutex_unlock(&o->lock);
}

void owner_side_start(struct owner_side *o)
{
	struct http_server_config c = { .handler = handler, .threads = 1 };

	memset(o, 0, sizeof(*o));
	pthread_mutex_init(&o->lock, NULL);
	o->reports = json_array();
	c.ctx = o;
	assert_int_equal(http_server_start(&c, &o->server), IOT_OK);
	snprintf(o->url, sizeof(o->url), "http://127.0.0.1:%u/gsma/rsp2/es2plus/handleDownloadProgressInfo",
		 http_server_port(o->server));
}

void owner_side_stop(struct owner_side *o)
{
	http_server_stop(o->server);
	json_decref(o->reports);
	pthread_mutex_destroy(&o->lock);
}

static size_t count(struct owner_side *o)
{
	size_t n;

	pthread_mutex_lock(&o->lock);
	n = json_array_size(o->reports);
	pthread_mutex_unlock(&o->lock);
	return n;
}

size_t owner_side_wait(struct owner_side *o, size_t n)
{
	WAIT_UNTIL(count(o) >= n);
	return count(o);
}

static bool matches(json_t *rep, int point, const char *subject, const char *reason)
{
	json_t *st = json_object_get(rep, "notificationPointStatus");
	json_t *code = json_object_get(st, "statusCodeData");
	const char *s = json_string_value(json_object_get(code, "subjectCode"));
	const char *r = json_string_value(json_object_get(code, "reasonCode"));

	if (json_integer_value(json_object_get(rep, "notificationPointId")) != point)
		return false;
	if (!subject)
		return json_string_value(json_object_get(st, "status")) &&
		       !strcmp(json_string_value(json_object_get(st, "status")), "Executed-Success");
	return s && r && !strcmp(s, subject) && !strcmp(r, reason);
}

static bool has(struct owner_side *o, int point, const char *subject, const char *reason)
{
	bool found = false;

	pthread_mutex_lock(&o->lock);
	for (size_t i = 0; i < json_array_size(o->reports) && !found; i++)
		found = matches(json_array_get(o->reports, i), point, subject, reason);
	pthread_mutex_unlock(&o->lock);
	return found;
}

bool owner_side_wait_for(struct owner_side *o, int point, const char *subject, const char *reason)
{
	WAIT_UNTIL(has(o, point, subject, reason));
	return has(o, point, subject, reason);
}

int owner_side_refusals_left(struct owner_side *o)
{
	int n;

	pthread_mutex_lock(&o->lock);
	n = o->refuse;
	pthread_mutex_unlock(&o->lock);
	return n;
}

void owner_side_refuse(struct owner_side *o, int n)
{
	pthread_mutex_lock(&o->lock);
	o->refuse = n;
	pthread_mutex_unlock(&o->lock);
}
