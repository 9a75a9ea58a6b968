/* Reads the EID and EUICCInfo2 of the first card PC/SC sees (pcscd); with
 * --apdus N (bench/vpcd.sh) also sends N STORE DATA GetEID round trips and
 * prints the time per APDU. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
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

int main(int argc, char **argv)
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
	if (!rc && argc == 3 && !strcmp(argv[1], "--apdus")) {
		/* GetEID ('BF3E' with its tag list) in one STORE DATA, answered with data: an ES10 round trip */
		static const uint8_t get_eid[] = { 0x80, 0xE2, 0x91, 0x00, 0x06, 0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A, 0x00 };
		uint8_t resp[300];
		size_t rl;
		long n = atol(argv[2]);
		struct timespec t0, t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (long i = 0; i < n && !rc; i++)
			rc = transmit(&card, get_eid, sizeof(get_eid), resp, &rl);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		printf("apdus %ld in %.3f s: %.3f ms per APDU\n", n,
		       (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
		       ((double)(t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6) / (double)(n ? n : 1));
	}
	SCardDisconnect(card.handle, SCARD_LEAVE_CARD);
	SCardFreeMemory(ctx, readers);
	SCardReleaseContext(ctx);
	return rc;
}
