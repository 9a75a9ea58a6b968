/* The IPA inside the eUICC (IPAe, SGP.32): activation, and libipa run on a
 * thread of the eUICC's own with a platform made of the card itself (ES10
 * called directly, its record kept in the card's state) and the network
 * the device's terminal lends it (BIP, bip.c) with TLS terminated here. */
#include "euicc/ipae.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "euicc/es10.h"
#include "ipacore/ipa.h"
#include "net/stream.h"

#define IPAE_MAX_ANSWER (1024 * 1024)   /* the largest ESipa or ES9+ answer taken (a BPP) */

/* SGP.32 IpaeActivationRequest: activateIpae(0) set activates the IPA
 * inside, clear deactivates it (the device's IPAd takes over); the eIM
 * configuration and counters are the ISD-R's, shared by both */
ES10_FN(es10b_ipae_activation)
{
	struct rsp_bits_request q;
	struct rsp_result r = { 0 };
	struct der_writer snap;
	iot_err err = es10_decode(&rsp_t_ipae_activation_request, req, len, &q, a);

	if (err != IOT_OK)
		return err;
	if (!e->ipae) {
		r.result = 1;   /* notSupported */
		return es10_reply(&rsp_t_ipae_activation_response, &r, out);
	}
	if ((err = euicc_begin(e, &snap)) != IOT_OK)
		return err;
	e->s.ipae_active = q.bits & 1;
	if ((err = euicc_commit(e, &snap, IOT_OK)) != IOT_OK)
		return err;
	log_info("ipae", e->s.ipae_active ? "activated" : "deactivated", "ipaMode=%d", e->s.ipae_active);
	euicc_ipae_changed(e);
	return es10_reply(&rsp_t_ipae_activation_response, &r, out);
}

void euicc_ipae_changed(struct euicc *e)
{
	struct euicc_ipae *p = e->ipae;

	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->active = e->s.ipae_active;
	p->kick = p->active;            /* a new IPA polls at once */
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* ---- the platform libipa runs on ---- */

static iot_err platform_es10(void *ctx, const uint8_t *req, size_t len, uint8_t *resp, size_t cap, size_t *resp_len)
{
	struct euicc_ipae *p = ctx;
	struct der_writer out;
	iot_err err;

	der_writer_dynamic(&out);
	pthread_mutex_lock(&p->e->lock);
	err = euicc_es10(p->e, req, len, &out);
	pthread_mutex_unlock(&p->e->lock);
	if (err == IOT_OK && (err = der_writer_err(&out)) == IOT_OK) {
		if (out.len > cap)
			err = IOT_E_BUFFER;
		else if ((*resp_len = out.len) != 0)
			memcpy(resp, out.buf, out.len);
	}
	der_writer_free(&out);
	return err;
}

static iot_err platform_save(void *ctx, const uint8_t *rec, size_t len)
{
	struct euicc_ipae *p = ctx;
	struct der_writer snap;
	iot_err err;

	pthread_mutex_lock(&p->e->lock);
	if ((err = euicc_begin(p->e, &snap)) == IOT_OK)
		err = euicc_commit(p->e, &snap, euicc_blob_set(&p->e->s.ipa_record, rec, len));
	pthread_mutex_unlock(&p->e->lock);
	return err;
}

static iot_err platform_load(void *ctx, uint8_t *rec, size_t cap, size_t *len)
{
	struct euicc_ipae *p = ctx;
	iot_err err = IOT_OK;

	pthread_mutex_lock(&p->e->lock);
	if (!p->e->s.ipa_record.len)
		err = IOT_E_NOT_FOUND;
	else if (p->e->s.ipa_record.len > cap)
		err = IOT_E_BUFFER;
	else
		memcpy(rec, p->e->s.ipa_record.ptr, *len = p->e->s.ipa_record.len);
	pthread_mutex_unlock(&p->e->lock);
	return err;
}

static uint64_t platform_now_ms(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- HTTPS over the channel ---- */

static iot_err io_send(void *ctx, const uint8_t *buf, size_t len)
{
	return ipae_bip_send(ctx, buf, len);
}

static iot_err io_recv(void *ctx, uint8_t *buf, size_t cap, size_t *n)
{
	return ipae_bip_recv(ctx, buf, cap, n);
}

static iot_err io_recv_datagram(void *ctx, uint8_t *buf, size_t cap, size_t *n)
{
	return ipae_bip_recv_datagram(ctx, buf, cap, n);
}

/* "HOST[:PORT]": the port given, else the default */
static void split_host(const char *fqdn, char *host, size_t cap, uint16_t *port, uint16_t default_port)
{
	const char *colon = strrchr(fqdn, ':');

	*port = default_port;
	if (colon && !strchr(colon + 1, ']') && atoi(colon + 1) > 0 && atoi(colon + 1) < 65536) {
		snprintf(host, cap, "%.*s", (int)(colon - fqdn), fqdn);
		*port = (uint16_t)atoi(colon + 1);
	} else {
		snprintf(host, cap, "%s", fqdn);
	}
}

/* The address OPEN CHANNEL carries for host:port: a configured mapping,
 * an IP literal, or the name resolved here (a simulator's shortcut: a card
 * would ask a DNS server over a channel of its own). */
static iot_err resolve(struct euicc_ipae *p, const char *host, uint16_t port, char *addr, size_t cap,
		       uint16_t *to_port)
{
	struct addrinfo hints = { 0 }, *res;
	unsigned char probe[16];

	*to_port = port;
	/* "HOST:PORT:ADDRESS:PORT[,...]": the first mapping of host:port */
	for (const char *m = p->connect_to; m && *m; m = strchr(m, ',') ? strchr(m, ',') + 1 : NULL) {
		char h[256], a[64];
		unsigned hp, ap;

		if (sscanf(m, "%255[^:]:%u:%63[^:]:%u", h, &hp, a, &ap) == 4 && !strcmp(h, host) && hp == port && ap &&
		    ap < 65536) {
			snprintf(addr, cap, "%s", a);
			*to_port = (uint16_t)ap;
			return IOT_OK;
		}
	}
	if (inet_pton(AF_INET, host, probe) == 1 || inet_pton(AF_INET6, host, probe) == 1) {
		if (strlen(host) >= cap)
			return IOT_E_ARG;
		memcpy(addr, host, strlen(host) + 1);
		return IOT_OK;
	}
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return IOT_E_IO;
	if (getnameinfo(res->ai_addr, res->ai_addrlen, addr, (socklen_t)cap, NULL, 0, NI_NUMERICHOST) != 0) {
		freeaddrinfo(res);
		return IOT_E_IO;
	}
	freeaddrinfo(res);
	return IOT_OK;
}

static void drop_connection(struct euicc_ipae *p)
{
	net_tls_stream_close(p->tls);
	p->tls = NULL;
	p->tls_host[0] = 0;
	ipae_bip_close(p);
}

/* A channel and TLS (DTLS over UDP for CoAP) to host, kept for the rest
 * of the poll. */
static iot_err connect_to(struct euicc_ipae *p, const char *fqdn, const struct ipa_eim *eim, bool coaps)
{
	struct net_tls_trust t = { 0 };
	char host[256], addr[64], key[sizeof(p->tls_host)];
	uint16_t port, to_port;
	iot_err err;

	snprintf(key, sizeof(key), "%s%.240s", coaps ? "coaps://" : "https://", fqdn);
	if (p->tls && !strcmp(p->tls_host, key))
		return IOT_OK;
	drop_connection(p);
	split_host(fqdn, host, sizeof(host), &port, coaps ? 5684 : 443);
	if ((err = resolve(p, host, port, addr, sizeof(addr), &to_port)) != IOT_OK) {
		log_warn("ipae", "cannot resolve", "host=%s", host);
		return err;
	}
	/* SGP.32 2.11.1: the eIM configuration's trustedPublicKeyDataTls, a
	 * key or a certificate; else the anchors the eUICC was given */
	t.host = host;
	if (eim && eim->tls_trust_len && eim->tls_trust_is_cert) {
		t.ca_der = eim->tls_trust;
		t.ca_der_len = eim->tls_trust_len;
	} else if (eim && eim->tls_trust_len) {
		t.spki_der = eim->tls_trust;
		t.spki_der_len = eim->tls_trust_len;
	}
	t.ca_file = p->ca_file;
	if ((err = ipae_bip_open(p, addr, to_port, coaps)) != IOT_OK)
		return err;
	p->io = (struct net_stream_io){ p, io_send, coaps ? io_recv_datagram : io_recv };
	/* the sessions of TLS and DTLS are each resumed by their own kind */
	err = coaps ? net_dtls_stream_open(&t, &p->io, &p->dtls_session, &p->tls)
		    : net_tls_stream_open(&t, &p->io, &p->session, &p->tls);
	if (err != IOT_OK) {
		ipae_bip_close(p);
		return err;
	}
	memcpy(p->tls_host, key, sizeof(key));
	log_debug("ipae", "connected", "host=%s address=%s port=%u transport=%s resumed=%d", host, addr, to_port,
		  coaps ? "coaps" : "https", net_tls_stream_resumed(p->tls));
	return IOT_OK;
}

static iot_err post(struct euicc_ipae *p, const char *fqdn, const struct ipa_eim *eim, const char *const *headers,
		    const uint8_t *req, size_t len, uint8_t **resp, size_t *resp_len)
{
	bool coaps = eim && eim->coaps;
	char host[256];
	uint16_t port;
	int status = 0;
	iot_err err;

	*resp = NULL;
	*resp_len = 0;
	if ((err = connect_to(p, fqdn, eim, coaps)) != IOT_OK)
		return IOT_E_IO;
	split_host(fqdn, host, sizeof(host), &port, coaps ? 5684 : 443);
	/* SGP.32 6.1 / 6.2: the same ASN.1 messages over CoAP, 2.04 Changed */
	if (coaps)
		err = net_coap_stream_post(p->tls, "gsma/rsp2/asn1", req, len, IPAE_MAX_ANSWER, &status, resp, resp_len);
	else
		err = net_tls_stream_post(p->tls, host, "/gsma/rsp2/asn1", headers, req, len, IPAE_MAX_ANSWER, &status,
					  resp, resp_len);
	if (err != IOT_OK) {
		drop_connection(p);
		return IOT_E_IO;
	}
	if (status != 200 && status != 204 && !(coaps && status / 100 == 2)) {
		log_warn("ipae", "the server answered with an error", "host=%s status=%d", host, status);
		free(*resp);
		*resp = NULL;
		*resp_len = 0;
		return IOT_E_IO;
	}
	return IOT_OK;
}

/* SGP.32 6.1: the ASN.1 binding, as the IPAd sends it (the eIM sees no difference) */
static iot_err platform_esipa(void *ctx, const struct ipa_eim *eim, const uint8_t *req, size_t len, uint8_t **resp,
			      size_t *resp_len)
{
	static const char *const headers[] = { "Content-Type: application/x-gsma-rsp-asn1", "User-Agent: gsma-rsp-ipad",
					       "X-Admin-Protocol: gsma/rsp/v2.5.0",
					       "Accept: application/x-gsma-rsp-asn1", NULL };

	return post(ctx, eim->fqdn, eim, headers, req, len, resp, resp_len);
}

/* SGP.22 6.6: ES9+ in the ASN.1 binding */
static iot_err platform_es9(void *ctx, const char *address, const uint8_t *req, size_t len, uint8_t **resp,
			    size_t *resp_len)
{
	static const char *const headers[] = { "Content-Type: application/x-gsma-rsp-asn1", "User-Agent: gsma-rsp-lpad",
					       "X-Admin-Protocol: gsma/rsp/v2.5.0", NULL };

	return post(ctx, address, NULL, headers, req, len, resp, resp_len);
}

/* ---- the thread ---- */

static void *ipae_main(void *arg)
{
	struct euicc_ipae *p = arg;

	pthread_mutex_lock(&p->mu);
	while (!p->stop) {
		uint64_t due;

		if (!p->active || !p->terminal_ready) {
			ipae_settled(p);
			pthread_cond_wait(&p->cv, &p->mu);
			continue;
		}
		due = p->kick ? 0 : ipa_poll_due_in(p->ipa);
		if (due) {
			struct timespec until;

			clock_gettime(CLOCK_MONOTONIC, &until);
			until.tv_sec += (time_t)(due / 1000);
			until.tv_nsec += (long)(due % 1000) * 1000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			ipae_settled(p);
			pthread_cond_timedwait(&p->cv, &p->mu, &until);
			continue;
		}
		p->kick = false;
		p->busy = true;
		pthread_mutex_unlock(&p->mu);
		{
			iot_err err = ipa_poll(p->ipa);

			drop_connection(p);     /* the channel is closed between polls */
			pthread_mutex_lock(&p->mu);
			p->stats.polls++;
			if (err != IOT_OK)
				p->stats.polls_failed++;
			log_info("ipae", "poll", "ok=%d error=\"%s\" commands=%u sent=%llu received=%llu", err == IOT_OK,
				 iot_strerror(err), p->stats.commands, (unsigned long long)p->stats.sent,
				 (unsigned long long)p->stats.received);
		}
	}
	ipae_settled(p);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

iot_err euicc_ipae_start(struct euicc *e, const struct euicc_ipae_config *c)
{
	struct euicc_ipae *p;
	struct ipa_platform pf = { 0 };
	struct ipa_config ic = { 0 };
	pthread_condattr_t ca;
	iot_err err;

	if (e->ipae)
		return IOT_E_ARG;
	if (!(p = calloc(1, sizeof(*p))))
		return IOT_E_NOMEM;
	p->e = e;
	p->cfg = *c;
	if (!p->cfg.timeout_ms)
		p->cfg.timeout_ms = 30000;
	if ((c->ca_file && !(p->ca_file = strdup(c->ca_file))) ||
	    (c->connect_to && !(p->connect_to = strdup(c->connect_to)))) {
		err = IOT_E_NOMEM;
		goto fail;
	}
	pf = (struct ipa_platform){ .ctx = p, .es10 = platform_es10, .esipa = platform_esipa, .es9 = platform_es9,
				    .save = platform_save, .load = platform_load, .now_ms = platform_now_ms };
	ic.poll_interval_s = c->poll_interval_s;
	ic.retry_min_s = c->retry_min_s;
	ic.retry_max_s = c->retry_max_s;
	if ((err = ipa_new(&pf, &ic, &p->ipa)) != IOT_OK)
		goto fail;
	pthread_mutex_init(&p->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_lock(&e->lock);
	p->active = e->s.ipae_active;
	p->kick = p->active;
	e->ipae = p;
	pthread_mutex_unlock(&e->lock);
	if (pthread_create(&p->thread, NULL, ipae_main, p) != 0) {
		e->ipae = NULL;
		pthread_cond_destroy(&p->cv);
		pthread_mutex_destroy(&p->mu);
		err = IOT_E_NOMEM;
		goto fail;
	}
	p->started = true;
	return IOT_OK;
fail:
	ipa_free(p->ipa);
	free(p->ca_file);
	free(p->connect_to);
	free(p);
	return err;
}

void euicc_ipae_free(struct euicc *e)
{
	struct euicc_ipae *p = e->ipae;

	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->thread, NULL);
	e->ipae = NULL;
	net_tls_stream_close(p->tls);
	net_tls_session_free(p->session);
	net_tls_session_free(p->dtls_session);
	ipa_free(p->ipa);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p->ca_file);
	free(p->connect_to);
	free(p);
}

void euicc_ipae_stats(struct euicc *e, struct euicc_ipae_stats *out)
{
	struct euicc_ipae *p = e->ipae;

	memset(out, 0, sizeof(*out));
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	*out = p->stats;
	pthread_mutex_unlock(&p->mu);
}

bool euicc_ipae_active(struct euicc *e)
{
	bool on;

	pthread_mutex_lock(&e->lock);
	on = e->s.ipae_active;
	pthread_mutex_unlock(&e->lock);
	return on;
}
