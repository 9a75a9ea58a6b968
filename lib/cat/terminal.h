/* lib/cat terminal: the device's side of the Bearer Independent Protocol
 * (ETSI TS 102 223), as a modem's CAT engine runs it for the IPA inside the
 * eUICC (IPAe): TERMINAL PROFILE offering BIP, STATUS while idle, every
 * proactive command the card announces ('91XX') fetched, run and answered
 * (OPEN CHANNEL as a TCP or UDP client, SEND DATA, RECEIVE DATA, CLOSE
 * CHANNEL, POLL INTERVAL), the data available and channel status events
 * sent by ENVELOPE. It holds no eSIM logic and no keys: TLS is the card's. */
#ifndef IOT_CAT_TERMINAL_H
#define IOT_CAT_TERMINAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct cat_terminal_config {
	/* one command APDU to the card, its response (data + SW1 SW2) */
	iot_err (*transmit)(void *ctx, const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap, size_t *resp_len);
	/* asked at least every status_ms: true ends the run */
	bool (*stopped)(void *ctx);
	void *ctx;
	unsigned status_ms;             /* STATUS while idle (default 30000; POLL INTERVAL changes it) */
	unsigned kbps;                  /* a slow bearer emulated (NB-IoT: tens of kbit/s); 0: unthrottled */
};

struct cat_terminal_stats {
	unsigned apdus, commands, channels;
	uint64_t sent, received;        /* bytes on the channels */
};

/* Runs until stopped (0) or the card refuses TERMINAL PROFILE or is gone (-1). */
int cat_terminal_run(const struct cat_terminal_config *c, struct cat_terminal_stats *stats);

#endif
