/* libipa: creation, activation codes. */
#include "ipa/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

iot_err ipa_new(const struct ipa_platform *p, const struct ipa_config *c, struct ipa **out)
{
	struct ipa *ipa;

	if (!p->transmit)
		return IOT_E_ARG;
	if (!(ipa = calloc(1, sizeof(*ipa))))
		return IOT_E_NOMEM;
	ipa->p = *p;
	if (c)
		ipa->cfg = *c;
	ipa->cap = ipa->cfg.buffer_size ? ipa->cfg.buffer_size : 16 * 1024;
	if (!(ipa->buf = malloc(ipa->cap))) {
		free(ipa);
		return IOT_E_NOMEM;
	}
	if (ipa->cfg.tac)
		memcpy(ipa->tac, ipa->cfg.tac, sizeof(ipa->tac));
	*out = ipa;
	return IOT_OK;
}

void ipa_free(struct ipa *ipa)
{
	if (!ipa)
		return;
	ipa_card_close(ipa);
	free(ipa->buf);
	free(ipa);
}

/* Copies the next '$'-separated field of *text into out. */
static iot_err field(const char **text, char *out, size_t cap, bool required)
{
	const char *end = strchr(*text, '$');
	size_t n = end ? (size_t)(end - *text) : strlen(*text);

	if (n >= cap || (required && !n))
		return IOT_E_ARG;
	memcpy(out, *text, n);
	out[n] = 0;
	*text += n + (end ? 1 : 0);
	return IOT_OK;
}

iot_err ipa_parse_activation_code(const char *text, struct ipa_activation_code *ac)
{
	char format[4], flag[4] = "";
	iot_err err;

	memset(ac, 0, sizeof(*ac));
	if (!strncmp(text, "LPA:", 4))
		text += 4;
	/* SGP.22 4.1: AC_Format "1" $ SM-DP+ address $ AC_Token [$ SM-DP+ OID [$ CC required flag]] */
	if ((err = field(&text, format, sizeof(format), true)) != IOT_OK || strcmp(format, "1") ||
	    (err = field(&text, ac->address, sizeof(ac->address), true)) != IOT_OK ||
	    (err = field(&text, ac->matching_id, sizeof(ac->matching_id), false)) != IOT_OK ||
	    (err = field(&text, ac->oid, sizeof(ac->oid), false)) != IOT_OK ||
	    (err = field(&text, flag, sizeof(flag), false)) != IOT_OK || *text)
		return IOT_E_ARG;
	if (*flag && strcmp(flag, "1"))
		return IOT_E_ARG;
	ac->cc_required = *flag == '1';
	return IOT_OK;
}
