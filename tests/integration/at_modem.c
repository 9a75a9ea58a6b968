/* A modem for the tests: a pseudo-terminal that speaks the AT commands of
 * 3GPP TS 27.007 an IPA needs (ATE0, +CSIM, +CCHO, +CGLA, +CCHC) to a
 * software eUICC inside, and runs the card toolkit as a modem does for a
 * terminal on the TE (8.81-8.87: +CUSATW, +CUSATA, +CUSATT, +CUSATE; STATUS
 * while idle, FETCH on '91XX', each proactive command as +CUSATP). There is
 * no cellular modem here; the serial side (termios, line handling, the AT
 * dialogue) is the real thing.
 *
 *   at_modem STATE KEY CERT EUM CI   prints the terminal's path, serves until SIGTERM
 *   AT_MODEM_IPAE="CA_FILE CONNECT_TO": the eUICC has an IPA inside (euicc_ipae_start) */
#define _XOPEN_SOURCE 600     /* posix_openpt, grantpt, unlockpt, ptsname */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "base/hex.h"
#include "euicc/euicc.h"

static volatile sig_atomic_t stop;

/* the toolkit, once the TE took it (+CUSATA): the card's '91XX' kept, a
 * proactive command passed on and not yet answered */
static struct {
	bool on;
	uint8_t profile[64];
	size_t profile_len;
	unsigned pending;
	bool awaiting;
} usat;

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
	/* a modem running the toolkit keeps '91XX' to itself */
	if (usat.on && rn >= 2 && resp[rn - 2] == 0x91) {
		usat.pending = resp[rn - 1];
		resp[rn - 2] = 0x90;
		resp[rn - 1] = 0x00;
	}
	hex_encode(resp, rn, rhex);
	snprintf(out, sizeof(out), "\r\n+%s: %zu,\"%s\"\r\n\r\nOK\r\n", verb, 2 * rn, rhex);
	reply(fd, out);
}

/* One toolkit APDU (CLA '80'); its '91XX' kept. false when refused. */
static bool toolkit(struct euicc *e, uint8_t ins, const uint8_t *data, size_t len)
{
	uint8_t cmd[5 + 256], resp[300];
	size_t rn;

	cmd[0] = 0x80;
	cmd[1] = ins;
	cmd[2] = 0;
	cmd[3] = ins == 0xF2 ? 0x0C : 0;        /* STATUS: no data returned */
	cmd[4] = (uint8_t)len;
	if (len)
		memcpy(cmd + 5, data, len);
	if (euicc_transmit(e, cmd, 5 + len, resp, sizeof(resp), &rn) != IOT_OK || rn < 2)
		return false;
	usat.pending = resp[rn - 2] == 0x91 ? resp[rn - 1] : 0;
	return resp[rn - 2] == 0x90 || resp[rn - 2] == 0x91;
}

/* A waiting proactive command fetched and passed on as +CUSATP. */
static void pass_on(int fd, struct euicc *e)
{
	uint8_t fetch[5] = { 0x80, 0x12, 0x00, 0x00, 0x00 }, resp[300];
	char out[620], hex[601];
	size_t rn;

	if (!usat.on || !usat.pending || usat.awaiting)
		return;
	fetch[4] = (uint8_t)usat.pending;
	usat.pending = 0;
	if (euicc_transmit(e, fetch, sizeof(fetch), resp, sizeof(resp), &rn) != IOT_OK || rn < 2 ||
	    resp[rn - 2] != 0x90)
		return;
	hex_encode(resp, rn - 2, hex);
	snprintf(out, sizeof(out), "\r\n+CUSATP: \"%s\"\r\n", hex);
	usat.awaiting = true;
	reply(fd, out);
}

/* AT+VERB="<hex>": the hex decoded into data */
static bool hex_arg(char *line, uint8_t *data, size_t cap, size_t *n)
{
	char *q = strchr(line, '"');

	if (!q || strrchr(q, '"') == q)
		return false;
	*strrchr(q, '"') = 0;
	return hex_decode(q + 1, data, cap, n) == IOT_OK;
}

static void command(int fd, struct euicc *e, char *line)
{
	uint8_t resp[300], cmd[40];
	size_t rn, n;
	char out[64], *q;
	int session, len;

	uint8_t data[300];
	size_t dn;

	if (!strcmp(line, "ATE0") || !strcmp(line, "AT")) {
		reply(fd, "\r\nOK\r\n");
	} else if (!strncmp(line, "AT+CUSATW=0,", 12) && hex_arg(line, usat.profile, sizeof(usat.profile),
								 &usat.profile_len)) {
		reply(fd, "\r\n+CUSATW: 0,0\r\n\r\nOK\r\n");
	} else if (!strcmp(line, "AT+CUSATA=1")) {
		/* the TE's profile to the card; its proactive commands to the TE */
		if (!toolkit(e, 0x10, usat.profile, usat.profile_len)) {
			reply(fd, "\r\n+CME ERROR: 4\r\n");
			return;
		}
		usat.on = true;
		usat.awaiting = false;
		reply(fd, "\r\nOK\r\n");
		pass_on(fd, e);
	} else if (!strncmp(line, "AT+CUSATT=", 10) && usat.on && hex_arg(line, data, sizeof(data), &dn)) {
		usat.awaiting = false;
		reply(fd, toolkit(e, 0x14, data, dn) ? "\r\nOK\r\n" : "\r\n+CME ERROR: 4\r\n");
		pass_on(fd, e);
	} else if (!strncmp(line, "AT+CUSATE=", 10) && usat.on && hex_arg(line, data, sizeof(data), &dn)) {
		reply(fd, toolkit(e, 0xC2, data, dn) ? "\r\n+CUSATE: \"\"\r\n\r\nOK\r\n" : "\r\n+CME ERROR: 4\r\n");
		pass_on(fd, e);
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
	if (getenv("AT_MODEM_IPAE")) {
		char ca[512], connect[512];
		struct euicc_ipae_config c = { .ca_file = ca, .connect_to = connect, .poll_interval_s = 1,
					       .retry_min_s = 1, .retry_max_s = 2 };

		if (sscanf(getenv("AT_MODEM_IPAE"), "%511s %511s", ca, connect) != 2 || euicc_ipae_start(e, &c) != IOT_OK)
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
		struct pollfd p = { master, POLLIN, 0 };
		ssize_t r;
		char *cr;

		int ready = poll(&p, 1, 50);

		if (ready < 0)
			continue;       /* a signal: stop is looked at */
		/* idle: the modem's STATUS, the card's chance to ask for something */
		if (ready == 0) {
			if (usat.on && !usat.awaiting && !usat.pending)
				(void)toolkit(e, 0xF2, NULL, 0);
			pass_on(master, e);
			continue;
		}
		r = read(master, line + used, sizeof(line) - 1 - used);

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
