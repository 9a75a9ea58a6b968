/* lib/card: APDU links to an eUICC — PC/SC (any reader through pcscd), an
 * AT-command modem on a serial port (AT+CSIM, or AT+CCHO/AT+CGLA/AT+CCHC
 * for logical channels), and euiccd's local socket — the only place that
 * calls pcsclite or talks to a modem.
 *
 * A link carries APDUs as they are; on the AT link in logical-channel mode
 * it maps MANAGE CHANNEL and SELECT onto AT+CCHO/AT+CCHC, so the IPA above
 * speaks APDUs alike on every link. */
#ifndef IOT_CARD_CARD_H
#define IOT_CARD_CARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

enum card_kind { CARD_PCSC = 1, CARD_AT, CARD_SOCKET };

struct card_config {
	enum card_kind kind;
	const char *target;     /* PC/SC: reader name (NULL: the first with a card);
				   AT: the serial device; socket: euiccd's socket path */
	bool at_logical;        /* AT: AT+CCHO/CGLA/CCHC rather than AT+CSIM */
	unsigned at_timeout_ms; /* AT: one command's answer (default 5000) */
};

/* "pcsc", "pcsc:READER", "at:/dev/ttyUSB2", "at-cgla:/dev/ttyUSB2",
 * "socket:/run/euiccd.sock" into c (pointing into spec). */
iot_err card_parse(const char *spec, struct card_config *c);

struct card;
iot_err card_open(const struct card_config *c, struct card **out);
void card_close(struct card *k);
/* One command APDU, its response (data + SW1 SW2). */
iot_err card_transmit(struct card *k, const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap, size_t *resp_len);
/* A card reset (REFRESH): every logical channel is gone afterwards. */
iot_err card_reset(struct card *k);

/* An AT link's modem runs the card toolkit itself (3GPP TS 27.007 8.81-8.87);
 * a terminal on this side takes part through it: its profile (+CUSATW,
 * +CUSATA), each proactive command the modem passes on (+CUSATP, *len 0
 * when none has come; never waits), the TERMINAL RESPONSE (+CUSATT) and
 * ENVELOPE (+CUSATE), and the line to wait on for the next.
 * IOT_E_ARG on a link that is not AT. */
iot_err card_usat_profile(struct card *k, const uint8_t *tp, size_t len);
iot_err card_usat_command(struct card *k, uint8_t *cmd, size_t cap, size_t *len);
iot_err card_usat_response(struct card *k, const uint8_t *tr, size_t len);
iot_err card_usat_envelope(struct card *k, const uint8_t *env, size_t len);
int card_usat_fd(struct card *k);

#endif
