/* libFuzzer target: CoAP messages (RFC 7252, RFC 7959 block options) as the
 * IPA inside the eUICC reads the eIM's answers over DTLS. */
#include <stdint.h>
#include <stdlib.h>

#include "net/stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct net_coap_message m;

	if (net_coap_message_parse(data, size, &m) != IOT_OK)
		return 0;
	/* what it gives points into the message */
	if (m.tkl > 8 || (m.payload && (m.payload < data || m.payload + m.payload_len > data + size)) ||
	    (m.payload && !m.payload_len) || m.type > 3)
		abort();
	return 0;
}
