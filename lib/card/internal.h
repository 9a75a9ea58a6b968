/* Inside lib/card: each link fills the operations of its card. */
#ifndef IOT_CARD_INTERNAL_H
#define IOT_CARD_INTERNAL_H

#include "card/card.h"

struct card_ops {
	iot_err (*transmit)(struct card *k, const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap,
			    size_t *resp_len);
	iot_err (*reset)(struct card *k);
	void (*close)(struct card *k);
};

struct card {
	const struct card_ops *ops;
	struct card_config cfg;
	void *link;                     /* the link's own state */
};

iot_err card_pcsc_open(struct card *k);
iot_err card_at_open(struct card *k);
iot_err card_at_usat_profile(struct card *k, const uint8_t *tp, size_t len);
iot_err card_at_usat_command(struct card *k, uint8_t *cmd, size_t cap, size_t *len);
iot_err card_at_usat_response(struct card *k, const uint8_t *tr, size_t len);
iot_err card_at_usat_envelope(struct card *k, const uint8_t *env, size_t len);
int card_at_usat_fd(struct card *k);

#endif
