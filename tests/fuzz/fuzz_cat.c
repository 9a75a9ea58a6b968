/* libFuzzer target: ETSI TS 102 223 data objects as both ends of BIP read
 * them — proactive commands (the terminal), terminal responses and event
 * download envelopes (the eUICC) — and what is read writes back the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cat/cat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size, *body;
	uint8_t out[CAT_MAX_OBJECT + 3];
	struct cat_command c;
	struct cat_writer w;
	struct cat_tlv t;
	size_t blen;

	/* a run of objects: each inside the input, each written back alike */
	while (cat_next(&p, end, &t) == IOT_OK) {
		if (t.val < data || t.val + t.len > end || p > end)
			abort();
		cat_writer_init(&w, out, sizeof(out));
		cat_put(&w, t.tag, t.cr, t.val, t.len);
		if (cat_writer_err(&w) != IOT_OK || memcmp(out + w.len - t.len, t.val, t.len) != 0)
			abort();
	}
	if (cat_command_parse(data, size, &c) == IOT_OK) {
		if (c.objects < data || c.objects + c.len > end)
			abort();
		/* the head written again reads back as the same command */
		cat_writer_init(&w, out, sizeof(out));
		cat_begin(&w, 0xD0);
		cat_put_command_head(&w, c.number, c.type, c.qualifier, c.destination);
		cat_end(&w);
		struct cat_command again;
		if (cat_command_parse(out, w.len, &again) != IOT_OK || again.type != c.type ||
		    again.number != c.number || again.qualifier != c.qualifier || again.destination != c.destination)
			abort();
		cat_find(c.objects, c.len, CAT_TAG_CHANNEL_DATA, &t);
	}
	if (cat_unwrap(data, size, 0xD6, &body, &blen) == IOT_OK) {
		if (body + blen != end)
			abort();
		cat_find(body, blen, CAT_TAG_EVENT_LIST, &t);
		cat_find(body, blen, CAT_TAG_CHANNEL_STATUS, &t);
	}
	return 0;
}
