/* Reads the EID and EUICCInfo2 through euiccd's local socket (framing in
 * euicc/server.h); with "atr" first prints the ATR. */
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "probe_common.h"

static int xfer(int fd, const uint8_t *msg, size_t n, uint8_t *out, size_t *out_len)
{
	uint8_t hdr[2] = { (uint8_t)(n >> 8), (uint8_t)n };
	size_t len, got = 0;

	if (write(fd, hdr, 2) != 2 || write(fd, msg, n) != (ssize_t)n)
		return -1;
	if (read(fd, hdr, 2) != 2)
		return -1;
	len = (size_t)hdr[0] << 8 | hdr[1];
	while (got < len) {
		ssize_t r = read(fd, out + got, len - got);

		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	*out_len = len;
	return 0;
}

static int transmit(void *ctx, const uint8_t *cmd, size_t n, uint8_t *resp, size_t *resp_len)
{
	return xfer(*(int *)ctx, cmd, n, resp, resp_len);
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint8_t atr[64];
	size_t n, i;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (argc < 2) {
		fprintf(stderr, "usage: socket_probe SOCKET\n");
		return 2;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		perror(argv[1]);
		return 1;
	}
	if (xfer(fd, (const uint8_t *)"\x04", 1, atr, &n) != 0)
		return 1;
	printf("ATR ");
	for (i = 0; i < n; i++)
		printf("%02X", atr[i]);
	printf("\n");
	i = (size_t)probe_card(transmit, &fd);
	close(fd);
	return (int)i;
}
