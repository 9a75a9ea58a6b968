/* The PC/SC link (pcsclite): any reader pcscd serves, vpcd's included. */
#include "card/internal.h"

#include <PCSC/winscard.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

struct pcsc {
	SCARDCONTEXT ctx;
	SCARDHANDLE handle;
	DWORD proto;
};

static iot_err pcsc_transmit(struct card *k, const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap,
			     size_t *resp_len)
{
	struct pcsc *p = k->link;
	DWORD n = (DWORD)cap;
	LONG rv = SCardTransmit(p->handle, p->proto == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1 : SCARD_PCI_T0, apdu,
				(DWORD)len, NULL, resp, &n);

	if (rv != SCARD_S_SUCCESS) {
		log_warn("card", "SCardTransmit failed", "error=\"%s\"", pcsc_stringify_error(rv));
		return IOT_E_CARD;
	}
	*resp_len = n;
	return IOT_OK;
}

static iot_err pcsc_reset(struct card *k)
{
	struct pcsc *p = k->link;
	LONG rv = SCardReconnect(p->handle, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
				 SCARD_RESET_CARD, &p->proto);

	return rv == SCARD_S_SUCCESS ? IOT_OK : IOT_E_CARD;
}

static void pcsc_close(struct card *k)
{
	struct pcsc *p = k->link;

	SCardDisconnect(p->handle, SCARD_LEAVE_CARD);
	SCardReleaseContext(p->ctx);
	free(p);
}

static const struct card_ops pcsc_ops = { pcsc_transmit, pcsc_reset, pcsc_close };

iot_err card_pcsc_open(struct card *k)
{
	struct pcsc *p = calloc(1, sizeof(*p));
	char *readers = NULL;
	DWORD len = SCARD_AUTOALLOCATE;
	LONG rv;

	if (!p)
		return IOT_E_NOMEM;
	if ((rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &p->ctx)) != SCARD_S_SUCCESS) {
		log_warn("card", "pcscd cannot be reached", "error=\"%s\"", pcsc_stringify_error(rv));
		free(p);
		return IOT_E_CARD;
	}
	rv = SCARD_E_NO_READERS_AVAILABLE;
	if (k->cfg.target) {
		rv = SCardConnect(p->ctx, k->cfg.target, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
				  &p->handle, &p->proto);
	} else if (SCardListReaders(p->ctx, NULL, (LPSTR)&readers, &len) == SCARD_S_SUCCESS) {
		/* the first reader with a card: a multi-string, double-NUL terminated */
		for (const char *r = readers; *r && rv != SCARD_S_SUCCESS; r += strlen(r) + 1)
			rv = SCardConnect(p->ctx, r, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
					  &p->handle, &p->proto);
		SCardFreeMemory(p->ctx, readers);
	}
	if (rv != SCARD_S_SUCCESS) {
		log_warn("card", "no card in a PC/SC reader", "reader=%s error=\"%s\"",
			 k->cfg.target ? k->cfg.target : "(any)", pcsc_stringify_error(rv));
		SCardReleaseContext(p->ctx);
		free(p);
		return IOT_E_CARD;
	}
	k->link = p;
	k->ops = &pcsc_ops;
	return IOT_OK;
}
