/* The operator console's static files under /console/, from the directory
 * eimd was given (`console`): the pages work only through the REST API and
 * the strict policy below keeps them from loading or sending anything
 * anywhere else. */
#include "eim/server_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const headers[] = {
	/* no inline script or style, nothing from elsewhere, no framing */
	"Content-Security-Policy",
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
	"font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
	"X-Content-Type-Options", "nosniff",
	"Referrer-Policy", "no-referrer",
	"Cache-Control", "no-cache",
	NULL,
};

static const char *type_of(const char *name)
{
	static const struct { const char *ext, *type; } types[] = {
		{ ".html", "text/html; charset=utf-8" }, { ".js", "text/javascript; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" }, { ".svg", "image/svg+xml" }, { ".png", "image/png" },
	};
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(dot, types[i].ext))
			return types[i].type;
	return NULL;
}

/* A path under /console/ made of safe names only: no "..", no hidden
 * files, the top level and vendor/ only (never the build's node_modules). */
static bool name_ok(const char *p)
{
	const char *slash = strchr(p, '/');

	if (!*p || *p == '/' || strstr(p, "..") || strstr(p, "/.") || *p == '.' ||
	    (slash && (strncmp(p, "vendor/", 7) || strchr(slash + 1, '/'))))
		return false;
	for (; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("._-/", *p)))
			return false;
	return true;
}

bool eim_console(struct eim_server *s, const struct http_request *q, struct http_response *r)
{
	const char *name, *type;
	char path[1024];
	FILE *f;
	long n;
	uint8_t *body;

	if (strcmp(q->path, "/console") && strncmp(q->path, "/console/", 9))
		return false;
	if (!s->cfg.console_dir) {
		eim_rest_error(r, 404, "no console on this eIM (config: console = DIR)");
		return true;
	}
	if (strcmp(q->method, "GET")) {
		r->status = 405;
		return true;
	}
	if (!strcmp(q->path, "/console")) {
		static const char *const to_slash[] = { "Location", "/console/", NULL };

		r->status = 301;
		r->headers = to_slash;
		return true;
	}
	name = q->path[8] && q->path[9] ? q->path + 9 : "index.html";
	if (!name_ok(name) || !(type = type_of(name)) ||
	    snprintf(path, sizeof(path), "%s/%s", s->cfg.console_dir, name) >= (int)sizeof(path) || !(f = fopen(path, "rb"))) {
		http_response_set(r, 404, "text/plain; charset=utf-8", "not found\n", 10);
		r->headers = headers;
		return true;
	}
	body = NULL;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || n > 8 * 1024 * 1024 || fseek(f, 0, SEEK_SET) ||
	    !(body = malloc((size_t)n + 1)) || fread(body, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(body);
		eim_rest_error(r, 500, "the console's file could not be read");
		return true;
	}
	fclose(f);
	http_response_set(r, 200, type, body, (size_t)n);
	free(body);
	r->headers = headers;
	return true;
}
