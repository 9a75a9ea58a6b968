/* A modem for the tests: a pseudo-terminal that speaks the AT commands of
 * 3GPP TS 27.007 an IPA needs (ATE0, +CSIM, +CCHO, +CGLA, +CCHC) to a
 * software eUICC inside. There is no cellular modem here; the serial side
 * (termios, line handling, the AT dialogue) is the real thing.
 *
 *   at_modem STATE KEY CERT EUM CI   prints the terminal's path, serves until SIGTERM */
#define _XOPEN_SOURCE 600     /* posix_openpt, grantpt, unlockpt, ptsname */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "base/hex.h"
#include "euicc/euicc.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void reply(int fd, const char *text)
{
	if (write(fd, text, strlen(text)) < 0)
		stop = 1;
}

/* One APDU; the answer as +VERB: <len>,"<hex>". */
static void apdu(int fd, struct euicc *e, const char *verb, const char *hex, int channel)
{
	uint8_t cmd[300], resp[300];
	size_t n, rn;
	char out[700], rhex[601];

	if (hex_decode(hex, cmd, sizeof(cmd), &n) != IOT_OK || n < 4) {
		reply(fd, "\r\n+CME ERROR: 50\r\n");
		return;
	}
	if (channel > 0)        /* the session's channel in the class byte */
		cmd[0] = (uint8_t)(channel < 4 ? (cmd[0] & 0xFC) | channel : (cmd[0] & 0xB0) | 0x40 | (channel - 4));
	if (euicc_transmit(e, cmd, n, resp, sizeof(resp), &rn) != IOT_OK) {
		reply(fd, "\r\nERROR\r\n");
		return;
	}
	hex_encode(resp, rn, rhex);
	snprintf(out, sizeof(out), "\r\n+%s: %zu,\"%s\"\r\n\r\nOK\r\n", verb, 2 * rn, rhex);
	reply(fd, out);
}

static void command(int fd, struct euicc *e, char *line)
{
	uint8_t resp[300], cmd[40];
	size_t rn, n;
	char out[64], *q;
	int session, len;

	if (!strcmp(line, "ATE0") || !strcmp(line, "AT")) {
		reply(fd, "\r\nOK\r\n");
	} else if (!strncmp(line, "AT+CSIM=", 8) && (q = strchr(line, '"')) && strrchr(q, '"') > q) {
		*strrchr(q, '"') = 0;
		apdu(fd, e, "CSIM", q + 1, 0);
	} else if (!strncmp(line, "AT+CCHO=\"", 9) && strrchr(line + 9, '"')) {
		/* MANAGE CHANNEL open, then SELECT the AID on it */
		*strrchr(line + 9, '"') = 0;
		if (euicc_transmit(e, (const uint8_t *)"\x00\x70\x00\x00\x01", 5, resp, sizeof(resp), &rn) != IOT_OK ||
		    rn != 3 || resp[1] != 0x90 || hex_decode(line + 9, cmd + 5, sizeof(cmd) - 6, &n) != IOT_OK) {
			reply(fd, "\r\n+CME ERROR: 4\r\n");
			return;
		}
		session = resp[0];
		cmd[0] = (uint8_t)session;
		cmd[1] = 0xA4;
		cmd[2] = 0x04;
		cmd[3] = 0x00;
		cmd[4] = (uint8_t)n;
		cmd[5 + n] = 0;
		if (euicc_transmit(e, cmd, 6 + n, resp, sizeof(resp), &rn) != IOT_OK || rn < 2 ||
		    (resp[rn - 2] != 0x90 && resp[rn - 2] != 0x61)) {
			reply(fd, "\r\n+CME ERROR: 4\r\n");
			return;
		}
		snprintf(out, sizeof(out), "\r\n+CCHO: %d\r\n\r\nOK\r\n", session);
		reply(fd, out);
	} else if (sscanf(line, "AT+CGLA=%d,%d,", &session, &len) == 2 && (q = strchr(line, '"')) &&
		   strrchr(q, '"') > q) {
		*strrchr(q, '"') = 0;
		apdu(fd, e, "CGLA", q + 1, session);
	} else if (sscanf(line, "AT+CCHC=%d", &session) == 1) {
		cmd[0] = 0x00;
		cmd[1] = 0x70;
		cmd[2] = 0x80;
		cmd[3] = (uint8_t)session;
		(void)euicc_transmit(e, cmd, 4, resp, sizeof(resp), &rn);
		reply(fd, "\r\nOK\r\n");
	} else {
		reply(fd, "\r\nERROR\r\n");
	}
}

int main(int argc, char **argv)
{
	struct euicc *e;
	struct termios t;
	struct sigaction sa = { .sa_handler = on_signal };
	char line[1024];
	size_t used = 0;
	int master, slave;

	if (argc != 6) {
		fprintf(stderr, "usage: at_modem STATE KEY CERT EUM CI\n");
		return 2;
	}
	if (access(argv[1], R_OK) == 0) {
		if (euicc_open(argv[1], &e) != IOT_OK)
			return 1;
	} else {
		const char *ci[] = { argv[5] };
		struct euicc_provision p = { argv[2], argv[3], argv[4], ci, 1, argv[1], NULL, NULL };

		if (euicc_create(&p, &e) != IOT_OK)
			return 1;
	}
	if ((master = posix_openpt(O_RDWR | O_NOCTTY)) < 0 || grantpt(master) || unlockpt(master) ||
	    (slave = open(ptsname(master), O_RDWR | O_NOCTTY)) < 0)
		return 1;
	/* raw until the IPA sets its own; kept open so the line stays up between clients */
	tcgetattr(slave, &t);
	cfmakeraw(&t);
	tcsetattr(slave, TCSANOW, &t);
	printf("%s\n", ptsname(master));
	fflush(stdout);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	while (!stop) {
		ssize_t r = read(master, line + used, sizeof(line) - 1 - used);
		char *cr;

		if (r < 0 && (errno == EINTR || errno == EIO)) {
			usleep(10000);
			continue;
		}
		if (r <= 0)
			break;
		used += (size_t)r;
		line[used] = 0;
		while ((cr = strpbrk(line, "\r\n"))) {
			*cr = 0;
			if (*line)
				command(master, e, line);
			used -= (size_t)(cr + 1 - line);
			memmove(line, cr + 1, used + 1);
		}
		if (used == sizeof(line) - 1)
			used = 0;
	}
	euicc_free(e);
	close(slave);
	close(master);
	return 0;
}
