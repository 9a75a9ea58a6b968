/* Ways into a software eUICC from outside the process.
 *
 * Framing (both ways in): every message is a 2-byte big-endian length and
 * that many bytes — the protocol of vsmartcard's vpcd. A 1-byte message is
 * a control: 0x00 power off, 0x01 power on, 0x02 reset, 0x04 get ATR (the
 * answer is the ATR); anything longer is a command APDU, answered by the
 * response APDU.
 *
 *   - the local socket: euiccd listens on a Unix socket; clients (an IPA)
 *     connect and send messages; one client is served at a time.
 *   - vpcd: euiccd connects to vpcd (pcscd's virtual reader driver) and
 *     answers it, so PC/SC programs see a card in a reader. */
#ifndef IOT_EUICC_SERVER_H
#define IOT_EUICC_SERVER_H

#include "euicc/euicc.h"

struct euicc_server_options {
	const char *socket_path;        /* NULL: no local socket */
	const char *vpcd_host;          /* NULL: no vpcd */
	int vpcd_port;                  /* 35963 by default */
};

/* Serves e until *stop becomes non-zero (set from a signal handler). */
iot_err euicc_serve(struct euicc *e, const struct euicc_server_options *o, volatile int *stop);

/* One framed message in, its answer out (both exchanged with the card). */
iot_err euicc_handle_message(struct euicc *e, const uint8_t *msg, size_t len,
			     uint8_t *out, size_t cap, size_t *out_len);

#endif
