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

/* A modem whose own CAT engine talks to the card (3GPP TS 27.007 8.81-8.87:
 * +CUSATW/+CUSATA for the profile, +CUSATP for each proactive command,
 * +CUSATT and +CUSATE for the answers): the terminal then runs the
 * commands only. */
struct cat_toolkit {
	iot_err (*profile)(void *ctx, const uint8_t *tp, size_t len);
	/* a proactive command the modem passed on, without waiting; *len 0: none */
	iot_err (*command)(void *ctx, uint8_t *cmd, size_t cap, size_t *len);
	iot_err (*respond)(void *ctx, const uint8_t *tr, size_t len);
	iot_err (*envelope)(void *ctx, const uint8_t *env, size_t len);
	/* what to wait on for the next command (the serial line) */
	int (*fd)(void *ctx);
};

struct cat_terminal_config {
	/* one command APDU to the card, its response (data + SW1 SW2): the
	 * terminal runs FETCH, TERMINAL RESPONSE, ENVELOPE and STATUS itself */
	iot_err (*transmit)(void *ctx, const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap, size_t *resp_len);
	/* or a modem that runs them (transmit unused) */
	const struct cat_toolkit *toolkit;
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
