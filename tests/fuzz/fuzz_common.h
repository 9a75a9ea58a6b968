/* Shared body of the libFuzzer targets: decode, and for what decodes,
 * check that encoding and decoding again is stable (DER is canonical). */
#ifndef IOT_FUZZ_COMMON_H
#define IOT_FUZZ_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rsp/rsp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void clear_der_members(const struct rsp_type *t, void *v);

static void fuzz_rsp_type(const struct rsp_type *t, const uint8_t *data, size_t size)
{
	static uint8_t fixed_mem[2048];
	struct rsp_arena arena;
	void *v = calloc(1, t->size ? t->size : 1);
	uint8_t *enc = NULL, *enc2 = NULL;
	size_t enc_len = 0, enc2_len = 0;

	/* a small fixed arena must fail cleanly, never overflow */
	rsp_arena_fixed(&arena, fixed_mem, sizeof(fixed_mem));
	(void)rsp_decode(t, data, size, v, &arena);

	rsp_arena_dynamic(&arena);
	if (rsp_decode(t, data, size, v, &arena) == IOT_OK) {
		/* encode from the fields, not the kept input bytes */
		clear_der_members(t, v);
		if (rsp_encode_alloc(t, v, &enc, &enc_len) == IOT_OK) {
			struct rsp_arena a2;
			void *v2 = calloc(1, t->size ? t->size : 1);

			rsp_arena_dynamic(&a2);
			if (rsp_decode(t, enc, enc_len, v2, &a2) != IOT_OK)
				abort();        /* our own output must decode */
			clear_der_members(t, v2);
			if (rsp_encode_alloc(t, v2, &enc2, &enc2_len) != IOT_OK ||
			    enc2_len != enc_len || memcmp(enc, enc2, enc_len))
				abort();        /* and re-encode to the same bytes */
			rsp_arena_free(&a2);
			free(v2);
		}
	}
	free(enc);
	free(enc2);
	rsp_arena_free(&arena);
	free(v);
}

/* Walks a decoded value and clears every der member, so that encoding
 * exercises the field encoder. */
static void clear_der_members(const struct rsp_type *t, void *v)
{
	unsigned i;

	if (t->kind == RSP_SEQ) {
		if (t->der_offset)
			memset((uint8_t *)v + t->der_offset - 1, 0, sizeof(struct rsp_bytes));
		for (i = 0; i < t->nfields; i++) {
			const struct rsp_field *f = &t->fields[i];

			if ((f->flags & RSP_OPTIONAL) && !*(bool *)((uint8_t *)v + f->present))
				continue;
			clear_der_members(f->type, (uint8_t *)v + f->offset);
		}
	} else if (t->kind == RSP_CHOICE) {
		int c = *(int *)((uint8_t *)v + t->choice_offset);

		if (c >= 1 && (unsigned)c <= t->nfields)
			clear_der_members(t->fields[c - 1].type, (uint8_t *)v + t->fields[c - 1].offset);
	} else if (t->kind == RSP_SEQOF) {
		struct { void *items; size_t count; } *l = v;
		size_t k;

		for (k = 0; k < l->count; k++)
			clear_der_members(t->elem, (uint8_t *)l->items + k * t->elem->size);
	}
}

#endif
