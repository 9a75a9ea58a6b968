/* rspdump: decodes an RSP message (SGP.22 / SGP.32) and prints it as a tree
 * with the ASN.1 field names.
 *
 *   rspdump [--type NAME] [--hex | --base64 | --binary] [FILE]
 *   rspdump --list
 *
 * Without --type it tries the ESipa and ES9+ top-level messages, then every
 * type it knows, and prints the first that decodes the whole input. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base64.h"
#include "rsp/rsp.h"

enum format { FMT_AUTO, FMT_HEX, FMT_BASE64, FMT_BINARY };

static void usage(FILE *f)
{
	fprintf(f, "usage: rspdump [--type NAME] [--hex | --base64 | --binary] [FILE]\n"
		   "       rspdump --list\n"
		   "Decodes an SGP.22/SGP.32 message from FILE (or standard input) and prints it.\n");
}

static uint8_t *read_all(FILE *f, size_t *len)
{
	size_t cap = 4096, n = 0, got;
	uint8_t *buf = malloc(cap);

	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			uint8_t *nb = realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
	}
	*len = n;
	return buf;
}

static bool is_hex_text(const uint8_t *p, size_t n)
{
	size_t i, digits = 0;

	for (i = 0; i < n; i++) {
		if (isxdigit(p[i]))
			digits++;
		else if (!isspace(p[i]))
			return false;
	}
	return digits > 0 && digits % 2 == 0;
}

static size_t from_hex(const uint8_t *p, size_t n, uint8_t *out)
{
	size_t i, o = 0;
	int hi = -1;

	for (i = 0; i < n; i++) {
		int v;

		if (!isxdigit(p[i]))
			continue;
		v = isdigit(p[i]) ? p[i] - '0' : tolower(p[i]) - 'a' + 10;
		if (hi < 0) {
			hi = v;
		} else {
			out[o++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return o;
}

static size_t strip_space(uint8_t *p, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++)
		if (!isspace(p[i]))
			p[o++] = p[i];
	return o;
}

static iot_err dump(const struct rsp_type *t, const uint8_t *der, size_t len)
{
	void *v = calloc(1, t->size ? t->size : 1);
	struct rsp_arena a;
	iot_err err;

	if (!v)
		return IOT_E_NOMEM;
	rsp_arena_dynamic(&a);
	err = rsp_decode(t, der, len, v, &a);
	if (err == IOT_OK)
		rsp_print(stdout, t, v);
	rsp_arena_free(&a);
	free(v);
	return err;
}

int main(int argc, char **argv)
{
	static const struct rsp_type *const first[] = {
		&rsp_t_esipa_message_from_ipa, &rsp_t_esipa_message_from_eim,
		&rsp_t_remote_profile_provisioning_request, &rsp_t_remote_profile_provisioning_response,
	};
	const struct rsp_type *type = NULL;
	enum format fmt = FMT_AUTO;
	const char *path = NULL;
	uint8_t *in, *der;
	size_t len, der_len = 0, i;
	iot_err err = IOT_E_ARG, first_err;
	FILE *f = stdin;
	int rc = 1;

	for (i = 1; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--list")) {
			for (i = 0; rsp_all_types[i]; i++)
				printf("%s\n", rsp_all_types[i]->name);
			return 0;
		} else if (!strcmp(argv[i], "--type") && i + 1 < (size_t)argc) {
			if (!(type = rsp_type_by_name(argv[++i]))) {
				fprintf(stderr, "rspdump: unknown type %s (see --list)\n", argv[i]);
				return 2;
			}
		} else if (!strcmp(argv[i], "--hex")) {
			fmt = FMT_HEX;
		} else if (!strcmp(argv[i], "--base64")) {
			fmt = FMT_BASE64;
		} else if (!strcmp(argv[i], "--binary")) {
			fmt = FMT_BINARY;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			usage(stderr);
			return 2;
		} else {
			path = argv[i];
		}
	}
	if (path && strcmp(path, "-") && !(f = fopen(path, "rb"))) {
		perror(path);
		return 2;
	}
	in = read_all(f, &len);
	if (f != stdin)
		fclose(f);
	if (!in) {
		fprintf(stderr, "rspdump: out of memory\n");
		return 2;
	}
	if (fmt == FMT_AUTO)
		fmt = is_hex_text(in, len) ? FMT_HEX : FMT_BINARY;
	der = malloc(len ? len : 1);
	if (!der) {
		free(in);
		return 2;
	}
	if (fmt == FMT_HEX) {
		der_len = from_hex(in, len, der);
	} else if (fmt == FMT_BASE64) {
		len = strip_space(in, len);
		if ((err = base64_decode((const char *)in, len, der, len, &der_len)) != IOT_OK) {
			fprintf(stderr, "rspdump: %s\n", iot_strerror(err));
			goto out;
		}
	} else {
		memcpy(der, in, len);
		der_len = len;
	}

	if (type) {
		err = dump(type, der, der_len);
		first_err = err;
	} else {
		first_err = err = dump(first[0], der, der_len);
		for (i = 1; err != IOT_OK && i < sizeof(first) / sizeof(first[0]); i++)
			err = dump(first[i], der, der_len);
		for (i = 0; err != IOT_OK && rsp_all_types[i]; i++)
			err = dump(rsp_all_types[i], der, der_len);
	}
	if (err != IOT_OK)
		fprintf(stderr, "rspdump: not a message of %s: %s\n",
			type ? type->name : "any known type", iot_strerror(first_err));
	else
		rc = 0;
out:
	free(der);
	free(in);
	return rc;
}
