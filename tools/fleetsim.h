/* fleetsim's parts: the devices (fleetsim_device.c: each an IPA with its
 * software eUICC, its transport and its misbehaviour, scheduled by worker
 * threads) and the program (fleetsim.c: options, registration, progress,
 * the report). */
#ifndef IOT_TOOLS_FLEETSIM_H
#define IOT_TOOLS_FLEETSIM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cat/terminal.h"
#include "ipacore/ipa.h"

struct device {
	struct euicc *euicc;
	struct ipa *ipa;
	char eid[33];
	struct worker *w;
	bool coaps, slow;
	double next_at;                 /* when its next poll is due (ms, monotonic) */
	unsigned polls, failures;       /* failures in a row, for the back-off */
	int cut_in;                     /* APDUs until the power goes (0: not in this poll) */
	bool off;                       /* power lost in this poll */
	bool online;                    /* its last poll reached the eIM */
	bool north;                     /* where --no-coverage's profile has none */
	double offline_since;           /* its first failed poll in a row (ms), 0: online */
	uint8_t record[512];            /* libipa's record, as flash would keep it */
	size_t record_len;
	unsigned seed;
	/* an IPA inside its eUICC (IPAe, --ipae-share): it polls by itself
	 * through this device's terminal thread (BIP); the workers leave it be */
	bool ipae;
	pthread_t terminal;
	struct cat_terminal_stats terminal_stats;
};

#define FLEET_NODES 8

struct worker {
	pthread_t thread;
	struct device *devices;
	size_t count;
	struct http_client *http[FLEET_NODES];  /* one per eIM node (--node) */
	struct net_coap_client *coap[FLEET_NODES];
	double node_down_until[FLEET_NODES];    /* a node that failed is left out a while, as a balancer does */
	double *latency_ms;
	size_t latency_cap;             /* latencies kept: the first --rounds */
	/* the polls among them that executed something: a poll goes on while the
	 * eIM has packages, so one can carry several round trips back to back */
	double *busy_ms;
	size_t busy, busy_packages;
	size_t polls, failed;
	uint64_t payload_up, payload_down;      /* ESipa messages, both ways */
};

/* What the fleet has done so far, for the live progress and the report. */
extern struct fleet_counts {
	atomic_ulong polls, failed, packages, installed, results, power_cuts, lost, up, down, fallbacks, uncovered,
		replayed;
	atomic_uint online;             /* devices whose last poll reached the eIM */
	atomic_bool stop;
} fleet;

/* The command line. */
extern struct fleet_options {
	const char *pki, *initial, *eim, *ca, *register_url, *api_key, *until, *profiles_out;
	unsigned skip;
	unsigned coaps_share;           /* percent of the devices on CoAP/DTLS */
	unsigned ipae_share;            /* percent of the devices with their IPA in the eUICC (over HTTPS) */
	unsigned devices, threads, rounds, interval_ms, timeout_ms, jitter, progress_s;
	unsigned network_loss, power_loss;      /* percent of exchanges, of polls */
	unsigned slow_share, slow_ms, slow_bps;
	char operator_iin[8], uncovered_iin[8];         /* --operator-profile, --no-coverage */
	unsigned uncovered_share, fallback_after_ms;
	unsigned replay;                /* --replay: the first device sends each result this many times more */
	struct ipa_config ipa;          /* minimizeEsipaBytes */
	char host[256];
	unsigned port;
	/* the eIM's nodes behind its one name (--node, else --eim's port): each
	 * exchange goes to one of them at random */
	struct fleet_node {
		unsigned https_port, coaps_port;
		char url[300], connect[300];
	} node[FLEET_NODES];
	unsigned nodes;
} opt;

/* The monotonic clock in ms. */
double fleetsim_now_ms(void);
void fleetsim_pause_ms(double ms);
/* A device from the PKI's eUICC eid, factory-fresh with its bootstrap
 * profile (and --operator-profile's), the initial eIM loaded. */
int fleetsim_device_new(struct device *d, const char *eid, const uint8_t *initial, size_t initial_len);
/* --replay's attacker: the first device. */
extern struct device *fleetsim_attacker;
/* --ipae-share: d's eUICC gets an IPA of its own, activated, reaching the
 * eIM (its name mapped to connect_address) through d's terminal thread,
 * which runs until the fleet stops; fleetsim_ipae_join waits for it. */
int fleetsim_ipae_start(struct device *d, const char *connect_address);
void fleetsim_ipae_join(struct device *d);
/* A worker thread: its devices polled, the one due first each time. */
void *fleetsim_work(void *arg);

#endif
