/* lib/cat: ETSI TS 102 223 (Card Application Toolkit) data objects as the
 * Bearer Independent Protocol uses them: proactive commands ('D0') the card
 * sends through FETCH, the terminal's TERMINAL RESPONSE, and event download
 * envelopes ('D6'). Both ends use it: the IPA inside the eUICC (IPAe) and
 * the device's terminal that lends it the network.
 *
 * Data objects are COMPREHENSION-TLVs (ETSI TS 101 220 7.1.1): a one-byte
 * tag whose top bit is the comprehension-required flag, a length of one
 * byte below 128 or '81' and one byte up to 255. Readers point into the
 * caller's buffer; writers fill the caller's buffer. No allocation. */
#ifndef IOT_CAT_CAT_H
#define IOT_CAT_CAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* TS 102 223 9.3: tags, without the comprehension-required bit */
enum {
	CAT_TAG_COMMAND_DETAILS = 0x01,
	CAT_TAG_DEVICE_IDENTITIES = 0x02,
	CAT_TAG_RESULT = 0x03,
	CAT_TAG_DURATION = 0x04,
	CAT_TAG_EVENT_LIST = 0x19,
	CAT_TAG_BEARER_DESCRIPTION = 0x35,
	CAT_TAG_CHANNEL_DATA = 0x36,
	CAT_TAG_CHANNEL_DATA_LENGTH = 0x37,
	CAT_TAG_CHANNEL_STATUS = 0x38,
	CAT_TAG_BUFFER_SIZE = 0x39,
	CAT_TAG_TRANSPORT_LEVEL = 0x3C, /* UICC/terminal interface transport level */
	CAT_TAG_OTHER_ADDRESS = 0x3E,   /* the data destination address */
};

/* TS 102 223 9.4: types of command */
enum {
	CAT_CMD_POLL_INTERVAL = 0x03,
	CAT_CMD_OPEN_CHANNEL = 0x40,
	CAT_CMD_CLOSE_CHANNEL = 0x41,
	CAT_CMD_RECEIVE_DATA = 0x42,
	CAT_CMD_SEND_DATA = 0x43,
};

/* TS 102 223 8.7: device identities */
enum { CAT_DEV_UICC = 0x81, CAT_DEV_TERMINAL = 0x82, CAT_DEV_CHANNEL1 = 0x21 };

/* TS 102 223 8.25: events */
enum { CAT_EVENT_DATA_AVAILABLE = 0x09, CAT_EVENT_CHANNEL_STATUS = 0x0A };

/* TS 102 223 8.12: general results */
enum {
	CAT_RESULT_OK = 0x00,
	CAT_RESULT_TERMINAL_BUSY = 0x20,        /* terminal currently unable to process command */
	CAT_RESULT_NETWORK_BUSY = 0x21,         /* network currently unable to process command */
	CAT_RESULT_BEYOND_CAPABILITIES = 0x30,  /* command beyond terminal's capabilities */
	CAT_RESULT_DATA_NOT_UNDERSTOOD = 0x32,  /* command data not understood by terminal */
	CAT_RESULT_BIP_ERROR = 0x3A,            /* Bearer Independent Protocol error */
};
/* 8.12.11: the BIP error's additional information */
enum { CAT_BIP_NO_CHANNEL = 0x01, CAT_BIP_CHANNEL_CLOSED = 0x02, CAT_BIP_TRANSPORT_UNAVAILABLE = 0x05 };

/* 8.52: UICC/terminal interface transport level types */
enum { CAT_TRANSPORT_UDP_CLIENT = 0x01, CAT_TRANSPORT_TCP_CLIENT = 0x02 };
/* 8.58: other address types */
enum { CAT_ADDRESS_IPV4 = 0x21, CAT_ADDRESS_IPV6 = 0x57 };

/* 8.56: channel status byte 1 b8 (link established) and byte 2 '05' (link dropped) */
#define CAT_CHANNEL_LINK_UP 0x80
#define CAT_CHANNEL_LINK_DROPPED 0x05

/* The largest proactive command (FETCH gives at most 256 bytes) and the
 * channel data one SEND DATA or RECEIVE DATA carries so that it fits. */
#define CAT_MAX_OBJECT 255
#define CAT_MAX_CHANNEL_DATA 237

struct cat_tlv {
	uint8_t tag;                    /* without the comprehension-required bit */
	bool cr;
	const uint8_t *val;
	size_t len;
};

/* The next data object in [*p, end): IOT_E_NOT_FOUND at the end,
 * IOT_E_DER_TRUNCATED when it does not fit. */
iot_err cat_next(const uint8_t **p, const uint8_t *end, struct cat_tlv *t);
/* The first data object with that tag in buf; false when none or malformed. */
bool cat_find(const uint8_t *buf, size_t len, uint8_t tag, struct cat_tlv *t);
/* A BER-TLV envelope ('D0' proactive command, 'D6' event download): its
 * contents, checked to fill the buffer exactly. */
iot_err cat_unwrap(const uint8_t *buf, size_t len, uint8_t tag, const uint8_t **val, size_t *vlen);

/* A proactive command as it arrives (TS 102 223 6.6). */
struct cat_command {
	uint8_t number, type, qualifier;
	uint8_t source, destination;    /* device identities */
	const uint8_t *objects;         /* all of its data objects, command details included */
	size_t len;
};
iot_err cat_command_parse(const uint8_t *buf, size_t len, struct cat_command *c);

/* A writer over the caller's buffer; an overflow is remembered, nothing written past cap. */
struct cat_writer {
	uint8_t *buf;
	size_t cap, len;
	bool overflow;
	size_t envelope;                /* where an open BER-TLV envelope starts */
};
void cat_writer_init(struct cat_writer *w, uint8_t *buf, size_t cap);
/* tag with the comprehension-required bit set when cr */
void cat_put(struct cat_writer *w, uint8_t tag, bool cr, const void *val, size_t len);
void cat_put_byte(struct cat_writer *w, uint8_t tag, bool cr, uint8_t v);
/* 'D0' or 'D6' around what is put until cat_end (at most 255 bytes in it) */
void cat_begin(struct cat_writer *w, uint8_t tag);
void cat_end(struct cat_writer *w);
/* IOT_E_BUFFER after an overflow */
iot_err cat_writer_err(const struct cat_writer *w);

/* Command details and device identities at the head of a proactive command
 * (the card to dest) or of a terminal response (copying the command's). */
void cat_put_command_head(struct cat_writer *w, uint8_t number, uint8_t type, uint8_t qualifier, uint8_t dest);
void cat_put_response_head(struct cat_writer *w, const struct cat_command *c, uint8_t result,
			   const uint8_t *extra, size_t extra_len);

#endif
