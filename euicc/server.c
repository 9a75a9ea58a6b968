/* The local socket and the vpcd link of euiccd (framing in server.h). */
#include "euicc/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "base/io.h"
#include "base/log.h"

#define MAX_MSG 270

enum { CTRL_OFF = 0x00, CTRL_ON = 0x01, CTRL_RESET = 0x02, CTRL_ATR = 0x04 };

iot_err euicc_handle_message(struct euicc *e, const uint8_t *msg, size_t len,
			     uint8_t *out, size_t cap, size_t *out_len)
{
	const uint8_t *atr;
	size_t n;

	if (len == 1) {
		switch (msg[0]) {
		case CTRL_OFF:
		case CTRL_ON:
		case CTRL_RESET:
			/* power cycles and resets end sessions and channels */
			euicc_reset(e);
			*out_len = 0;
			return IOT_OK;
		case CTRL_ATR:
			atr = euicc_atr(&n);
			if (n > cap)
				return IOT_E_BUFFER;
			memcpy(out, atr, n);
			*out_len = n;
			return IOT_OK;
		default:
			return IOT_E_ARG;
		}
	}
	return euicc_transmit(e, msg, len, out, cap, out_len);
}

/* One message from fd, answered; false when the peer is gone. tcp: vpcd's
 * link, where the length and the body come in two writes. */
static bool serve_one(struct euicc *e, int fd, bool tcp)
{
	uint8_t hdr[2], msg[MAX_MSG], out[MAX_MSG + 2];
	size_t len, out_len = 0;
	int one = 1;

	if (io_read_full(fd, hdr, 2) != IOT_OK)
		return false;
	/* acknowledged at once: vpcd's Nagle holds the body back until the length
	 * is, and a delayed acknowledgement would cost ~40 ms per APDU (Linux
	 * clears quick-ack mode by itself, so it is asked for at every message) */
	if (tcp)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
	len = (size_t)hdr[0] << 8 | hdr[1];
	if (len == 0 || len > MAX_MSG || io_read_full(fd, msg, len) != IOT_OK)
		return false;
	if (euicc_handle_message(e, msg, len, out + 2, sizeof(out) - 2, &out_len) != IOT_OK)
		return false;
	/* power off and reset have no answer; everything else has one */
	if (len == 1 && msg[0] != CTRL_ATR)
		return true;
	out[0] = (uint8_t)(out_len >> 8);
	out[1] = (uint8_t)out_len;
	return io_write_full(fd, out, out_len + 2) == IOT_OK;
}

static int listen_unix(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		close(fd);
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 4) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int connect_tcp(const char *host, int port)
{
	struct addrinfo hints, *res, *ai;
	char service[16];
	int fd = -1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	snprintf(service, sizeof(service), "%d", port);
	if (getaddrinfo(host, service, &hints, &res) != 0)
		return -1;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			int one = 1;

			/* each answer goes in one write, at once */
			(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			break;
		}
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

iot_err euicc_serve(struct euicc *e, const struct euicc_server_options *o, volatile int *stop)
{
	int lfd = -1, cfd = -1, vfd = -1;
	time_t next_vpcd = 0;

	if (o->socket_path) {
		if ((lfd = listen_unix(o->socket_path)) < 0) {
			log_error("euiccd", "cannot listen", "socket=%s error=\"%s\"", o->socket_path, strerror(errno));
			return IOT_E_IO;
		}
		log_info("euiccd", "listening", "socket=%s", o->socket_path);
	}
	while (!*stop) {
		struct pollfd p[3];
		int n = 0, li = -1, ci = -1, vi = -1;

		/* vpcd may come up after us, or restart: keep trying */
		if (o->vpcd_host && vfd < 0 && time(NULL) >= next_vpcd) {
			vfd = connect_tcp(o->vpcd_host, o->vpcd_port);
			next_vpcd = time(NULL) + 1;
			if (vfd >= 0) {
				log_info("euiccd", "connected to vpcd", "host=%s port=%d", o->vpcd_host, o->vpcd_port);
				euicc_reset(e);
			}
		}
		if (lfd >= 0 && cfd < 0) {
			p[n] = (struct pollfd){ lfd, POLLIN, 0 };
			li = n++;
		}
		if (cfd >= 0) {
			p[n] = (struct pollfd){ cfd, POLLIN, 0 };
			ci = n++;
		}
		if (vfd >= 0) {
			p[n] = (struct pollfd){ vfd, POLLIN, 0 };
			vi = n++;
		}
		if (poll(p, (nfds_t)n, 500) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (li >= 0 && (p[li].revents & POLLIN)) {
			cfd = accept(lfd, NULL, NULL);
			if (cfd >= 0)
				euicc_reset(e);         /* a new client finds a freshly reset card */
		}
		if (ci >= 0 && (p[ci].revents & (POLLIN | POLLHUP | POLLERR)) && !serve_one(e, cfd, false)) {
			close(cfd);
			cfd = -1;
		}
		if (vi >= 0 && (p[vi].revents & (POLLIN | POLLHUP | POLLERR)) && !serve_one(e, vfd, true)) {
			log_warn("euiccd", "vpcd connection lost", "host=%s", o->vpcd_host);
			close(vfd);
			vfd = -1;
		}
	}
	if (cfd >= 0)
		close(cfd);
	if (vfd >= 0)
		close(vfd);
	if (lfd >= 0) {
		close(lfd);
		unlink(o->socket_path);
	}
	return IOT_OK;
}
