/* Reads the EID and EUICCInfo2 of the first card PC/SC sees (pcscd). */
#include <stdlib.h>
#include <winscard.h>

#include "probe_common.h"

struct card {
	SCARDHANDLE handle;
	DWORD proto;
};

static int transmit(void *ctx, const uint8_t *cmd, size_t n, uint8_t *resp, size_t *resp_len)
{
	struct card *c = ctx;
	DWORD rl = 300;
	LONG rv = SCardTransmit(c->handle, c->proto == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1 : SCARD_PCI_T0,
				cmd, (DWORD)n, NULL, resp, &rl);

	if (rv != SCARD_S_SUCCESS) {
		fprintf(stderr, "pcsc_probe: SCardTransmit: %s\n", pcsc_stringify_error(rv));
		return -1;
	}
	*resp_len = rl;
	return 0;
}

int main(void)
{
	SCARDCONTEXT ctx;
	struct card card;
	DWORD len = SCARD_AUTOALLOCATE;
	char *readers = NULL;
	int rc;

	if (SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx) != SCARD_S_SUCCESS ||
	    SCardListReaders(ctx, NULL, (LPSTR)&readers, &len) != SCARD_S_SUCCESS) {
		fprintf(stderr, "pcsc_probe: no PC/SC service or reader\n");
		return 1;
	}
	printf("reader %s\n", readers);
	if (SCardConnect(ctx, readers, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &card.handle,
			 &card.proto) != SCARD_S_SUCCESS) {
		fprintf(stderr, "pcsc_probe: no card in %s\n", readers);
		return 1;
	}
	printf("protocol T=%d\n", card.proto == SCARD_PROTOCOL_T1 ? 1 : 0);
	rc = probe_card(transmit, &card);
	SCardDisconnect(card.handle, SCARD_LEAVE_CARD);
	SCardFreeMemory(ctx, readers);
	SCardReleaseContext(ctx);
	return rc;
}
