/* Inside libipa. */
#ifndef IOT_IPA_INTERNAL_H
#define IOT_IPA_INTERNAL_H

#include "ipa/ipa.h"
#include "rsp/rsp.h"

struct ipa {
	struct ipa_platform p;
	struct ipa_config cfg;
	uint8_t *buf;                   /* the working buffer: ES10 responses */
	size_t cap;
	uint8_t channel;                /* the logical channel of the ISD-R */
	bool open;
	uint8_t tac[4];
};

#endif
