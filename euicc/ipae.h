/* Inside the IPA inside the eUICC (IPAe): the state its thread and the
 * card's APDU handling share, under mu. The thread runs libipa; the card
 * side hands it what the device's terminal answers. */
#ifndef IOT_EUICC_IPAE_H
#define IOT_EUICC_IPAE_H

#include "cat/cat.h"
#include "euicc/internal.h"
#include "net/stream.h"

struct ipa;

enum ipae_cmd_state { IPAE_CMD_NONE, IPAE_CMD_QUEUED, IPAE_CMD_FETCHED };

struct euicc_ipae {
	struct euicc *e;
	struct euicc_ipae_config cfg;
	char *ca_file, *connect_to;
	pthread_t thread;
	bool started;

	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	bool active;                    /* ipaMode ipae */
	bool kick;                      /* a poll now */
	/* the thread works (not waiting for the terminal, not idle): the card
	 * answers an APDU that gave it work only once it is settled again */
	bool busy;
	/* the terminal: a TERMINAL PROFILE offering BIP since the last reset;
	 * each reset starts a new generation, failing what waited in the old */
	bool terminal_ready;
	unsigned generation;
	/* the one proactive command out at a time, and its TERMINAL RESPONSE */
	enum ipae_cmd_state cmd_state;
	uint8_t cmd[CAT_MAX_OBJECT + 3];
	size_t cmd_len;
	uint8_t number;                 /* the next command number */
	bool tr_ready;
	uint8_t tr[CAT_MAX_OBJECT + 3];
	size_t tr_len;
	/* the channel: its id, bytes the terminal holds for us, link gone */
	bool channel_open;
	uint8_t channel;
	size_t rx_avail;
	bool link_dropped;
	struct euicc_ipae_stats stats;

	/* the thread's own (no lock) */
	struct ipa *ipa;
	struct net_tls_stream *tls;
	struct net_tls_session *session, *dtls_session;
	struct net_stream_io io;
	size_t tx_buffer, tx_stored;    /* the terminal's send buffer, and what waits in it */
	char tls_host[256];             /* "https://" or "coaps://" and the host it is to */
};

/* bip.c: the IPAe's side of the channel, called from its thread. Each
 * waits for the terminal (cfg.timeout_ms); IOT_E_IO when it did not
 * answer, refused, or the card was reset meanwhile. */
iot_err ipae_bip_open(struct euicc_ipae *p, const char *host, uint16_t port, bool udp);
iot_err ipae_bip_send(struct euicc_ipae *p, const uint8_t *buf, size_t len);
iot_err ipae_bip_recv(struct euicc_ipae *p, uint8_t *buf, size_t cap, size_t *n);
/* UDP: one whole datagram (the terminal holds one at a time) */
iot_err ipae_bip_recv_datagram(struct euicc_ipae *p, uint8_t *buf, size_t cap, size_t *n);
void ipae_bip_close(struct euicc_ipae *p);
/* the thread waits for the terminal (or for work): settled */
void ipae_settled(struct euicc_ipae *p);

#endif
