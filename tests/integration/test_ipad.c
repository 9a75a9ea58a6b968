/* ipad as a process, with euiccd as a process behind its socket, against an
 * eIM played by the test (eim_side.c) over HTTPS and over CoAP/DTLS, the
 * SM-DP+ in-process behind it: zero-touch first contact (bootstrap profile
 * and initial eIM to the assigned profile enabled), data requests, a
 * malformed eIM, kill -9 during a download and during a result's delivery,
 * the daemon (SIGUSR1 polls, SIGTERM stops). */
#include "testutil.h"
#include "fixture.h"
#include "eim_side.h"

#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/hex.h"
#include "net/coap.h"
#include "net/http.h"
#include "smdp/server.h"
#include "smdp/smdp.h"

#define ADDRESS "smdp.iotrsp.test"
#define BOOT "89049032000000000019"


static const char *euiccd_bin, *ipad_bin;
static bool coaps, direct;              /* the transport; downloads straight from the SM-DP+ */
static struct smdp_server *smdp_https;
static char smdp_cert[200], smdp_key[200];
static struct fixture_pki pki;
static struct smdp_credentials creds;
static struct smdp *dp;
static struct eim_side eim;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct http_server *https;
static struct net_coap_server *coap;
static char tls_cert[200], tls_key[200], db_url[220], sock_path[200], state_dir[200];
static pid_t euiccd;
static uint32_t delay_tag;              /* the eIM sits on this message ... */
static volatile int released;           /* ... until the test lets it go */
static volatile int delayed;            /* a delayed message arrived */
static volatile int delay_over;         /* ... and the eIM is through with it */
static const uint8_t op_iccid[10] = { 0x98, 0x94, 0x44, 0x99, 0x99, 0x99, 0x99, 0x09, 0x20, 0xF3 };

static void handle(const uint8_t *req, size_t len, uint8_t **resp, size_t *resp_len, iot_err *err)
{
	struct der_tlv t;

	bool delay = delay_tag && der_parse_one(req, len, &t) == IOT_OK && t.tag == delay_tag;

	if (delay) {
		delayed = 1;
		WAIT_UNTIL(released);
	}
	pthread_mutex_lock(&lock);
	*err = eim_side_handle(&eim, req, len, resp, resp_len);
	pthread_mutex_unlock(&lock);
	if (delay)
		delay_over = 1;
}

static void on_https(void *ctx, const struct http_request *q, struct http_response *r)
{
	uint8_t *resp;
	size_t len;
	iot_err err;

	(void)ctx;
	/* SGP.32 6.1: the ASN.1 binding */
	if (strcmp(q->path, "/gsma/rsp2/asn1") || !q->content_type ||
	    strcmp(q->content_type, "application/x-gsma-rsp-asn1") || !q->user_agent ||
	    strcmp(q->user_agent, "gsma-rsp-ipad")) {
		http_response_set(r, 400, "text/plain", "bad request", 11);
		return;
	}
	handle(q->body, q->body_len, &resp, &len, &err);
	if (err != IOT_OK)
		http_response_set(r, 503, "text/plain", "down", 4);
	else
		http_response_set(r, len ? 200 : 204, "application/x-gsma-rsp-asn1", resp, len);
	free(resp);
}

static void on_coap(void *ctx, const char *peer, const char *path, const uint8_t *body, size_t len, struct net_coap_reply *r)
{
	uint8_t *resp;
	size_t n;
	iot_err err;

	(void)ctx;
	(void)peer;
	(void)path;
	handle(body, len, &resp, &n, &err);
	net_coap_reply_set(r, err == IOT_OK ? 204 : 503, resp, err == IOT_OK ? n : 0);
	free(resp);
}

/* A daemon for the test; it dies with the test (a failed assertion ends
 * the test before its teardown: an orphan would hold ctest's pipe open). */
static pid_t spawn(char *const argv[])
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/* ipad with the test's options and args; its stdout in out. Returns its exit status. */
static int ipad(const char *args, char *out, size_t cap)
{
	char cmd[2048];
	FILE *f;
	size_t n;

	/* the eIM and the SM-DP+ by name, reached on loopback, their certificates checked for the name */
	snprintf(cmd, sizeof(cmd),
		 "%s --card socket:%s --state-dir %s --eim-ca %s --es9-ca %s "
		 "--connect eim.iotrsp.test:443:127.0.0.1:%u --connect eim.iotrsp.test:5684:127.0.0.1:%u "
		 "--connect " ADDRESS ":443:127.0.0.1:%u %s --retry-min 1 %s 2>>%s/ipad.log",
		 ipad_bin, sock_path, state_dir, tls_cert, smdp_cert, https ? http_server_port(https) : 0,
		 coap ? net_coap_server_port(coap) : 0, smdp_server_port(smdp_https), direct ? "" : "--no-direct", args,
		 pki.dir);
	assert_non_null(f = popen(cmd, "r"));
	n = fread(out, 1, cap - 1, f);
	out[n] = 0;
	return WEXITSTATUS(pclose(f));
}

static pid_t ipad_background(const char *command)
{
	static char card[256], c1[96], c2[96];
	char *argv[] = { (char *)ipad_bin, "--card", card, "--state-dir", state_dir, "--eim-ca", tls_cert,
			 "--connect", c1, "--connect", c2, "--poll-interval", "3600", "--no-direct",
			 (char *)command, NULL };

	snprintf(card, sizeof(card), "socket:%s", sock_path);
	snprintf(c1, sizeof(c1), "eim.iotrsp.test:443:127.0.0.1:%u", http_server_port(https));
	snprintf(c2, sizeof(c2), "eim.iotrsp.test:5684:127.0.0.1:%u", net_coap_server_port(coap));
	return spawn(argv);
}

static void start_euiccd(void)
{
	char *argv[] = { (char *)euiccd_bin, "--state", pki.state, "--key", pki.euicc_key, "--cert", pki.euicc_cert,
			 "--eum", pki.eum, "--ci", pki.ci, "--socket", sock_path, "--bootstrap", BOOT, NULL };
	struct stat st;

	euiccd = spawn(argv);
	WAIT_UNTIL(stat(sock_path, &st) == 0);
	assert_int_equal(stat(sock_path, &st), 0);
}

static int setup(void **state)
{
	struct http_server_config hc = { 0 };
	struct net_coap_server_config cc = { .path = "gsma/rsp2/asn1", .handler = on_coap };
	struct smdp_config sc;
	struct smdp_profile_info info = { .owner = "op", .service_provider_name = "Operator A", .profile_name = "IoT",
					  .profile_class = 2, .notification_address = "localhost" };
	static uint8_t upp[12 * 1024];
	struct crypto_key *key;
	uint8_t eid[16];
	size_t n;
	char out[512], args[512];
	const char *tok;

	(void)state;
	fixture_pki_make(&pki, CRYPTO_P256);
	fixture_tls_cert_for("eim.iotrsp.test", pki.dir, "eim-tls", tls_cert, sizeof(tls_cert), tls_key, sizeof(tls_key));
	fixture_tls_cert_for(ADDRESS, pki.dir, "smdp-tls", smdp_cert, sizeof(smdp_cert), smdp_key, sizeof(smdp_key));
	snprintf(db_url, sizeof(db_url), "sqlite:%s/smdp.db", pki.dir);
	snprintf(sock_path, sizeof(sock_path), "%s/euicc.sock", pki.dir);
	snprintf(state_dir, sizeof(state_dir), "%s/ipad", pki.dir);
	creds = (struct smdp_credentials){ pki.ci, pki.dp_auth, pki.dp_key, pki.dp_pb, pki.dp_pb_key };
	sc = (struct smdp_config){ .address = ADDRESS, .creds = &creds, .cred_count = 1, .store_url = db_url };
	assert_int_equal(smdp_open(&sc, &dp), IOT_OK);
	{
		struct smdp_server_config ss = { .smdp = sc };

		ss.http = (struct http_server_config){ .cert_file = smdp_cert, .key_file = smdp_key, .threads = 2 };
		assert_int_equal(smdp_server_start(&ss, &smdp_https), IOT_OK);
	}
	for (size_t i = 0; i < sizeof(upp); i++)
		upp[i] = (uint8_t)(i * 3);
	assert_int_equal(smdp_add_profile(dp, op_iccid, &info, upp, sizeof(upp)), IOT_OK);
	assert_int_equal(hex_decode(FIXTURE_EID, eid, sizeof(eid), &n), IOT_OK);
	eim_side_init(&eim, CRYPTO_P256, eid);
	/* the eIM signs with the key of its certificate in the PKI */
	crypto_key_free(eim.key);
	assert_int_equal(crypto_key_load_pem(pki.eim_key, &key), IOT_OK);
	eim.key = key;
	eim.eim_id = "eim.iotrsp.test";
	eim.fqdn = "eim.iotrsp.test";
	eim.dp = dp;
	eim.smdp_address = ADDRESS;
	hc = (struct http_server_config){ .cert_file = tls_cert, .key_file = tls_key, .threads = 2,
					  .handler = on_https };
	assert_int_equal(http_server_start(&hc, &https), IOT_OK);
	cc.cert_file = tls_cert;
	cc.key_file = tls_key;
	assert_int_equal(net_coap_server_start(&cc, &coap), IOT_OK);
	delay_tag = 0;
	delayed = delay_over = released = 0;
	start_euiccd();
	/* the factory: this eIM is the eUICC's first, over the transport under test */
	snprintf(args, sizeof(args), "--eim-id eim.iotrsp.test --fqdn eim.iotrsp.test %s %s --eim-cert %s "
		 "add-initial-eim --json", direct ? "" : "--indirect", coaps ? "--coaps" : "", pki.eim_cert);
	assert_int_equal(ipad(args, out, sizeof(out)), 0);
	assert_non_null(tok = strstr(out, "\"association_token\":"));
	eim.token = atoll(tok + 20);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	kill(euiccd, SIGTERM);
	waitpid(euiccd, NULL, 0);
	http_server_stop(https);
	net_coap_server_stop(coap);
	smdp_server_stop(smdp_https);
	direct = false;
	https = NULL;
	coap = NULL;
	eim_side_free(&eim);
	smdp_close(dp);
	fixture_pki_remove(&pki);
	return 0;
}

static void order(const char *matching_id)
{
	uint8_t got[10];
	char mid[65];

	assert_int_equal(smdp_download_order(dp, "op", op_iccid, NULL, got, NULL), IOT_OK);
	assert_int_equal(smdp_confirm_order(dp, "op", op_iccid, NULL, matching_id, NULL, true, mid, NULL), IOT_OK);
}

static void queue_enable(void)
{
	struct rsp_psmo p = { .choice = RSP_PSMO_ENABLE };

	p.u.enable.iccid = RSP_BYTES(op_iccid, 10);
	pthread_mutex_lock(&lock);
	eim_side_queue_psmos(&eim, &p, 1);
	pthread_mutex_unlock(&lock);
}

static void queue_pdt(const char *code)
{
	pthread_mutex_lock(&lock);
	eim_side_queue_pdt(&eim, code);
	pthread_mutex_unlock(&lock);
}

static void test_zero_touch(void **state)
{
	char out[4096];

	(void)state;
	assert_int_equal(ipad("info --json", out, sizeof(out)), 0);
	assert_non_null(strstr(out, coaps ? "\"eim_transport\":\"coaps\"" : "\"eim_transport\":\"https\""));
	assert_int_equal(ipad("profiles --json", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "\"iccid\":\"" BOOT "\",\"state\":\"enabled\""));
	/* the operator ordered a profile; the eIM triggers it and enables it */
	order("ZERO-TOUCH");
	queue_pdt("LPA:1$" ADDRESS "$ZERO-TOUCH");
	queue_enable();
	assert_int_equal(ipad("poll --json", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "\"result\":\"IOT_OK\""));
	assert_non_null(strstr(out, "\"installed\":1"));
	assert_non_null(strstr(out, "\"packages\":1"));
	assert_int_equal(eim.pdt_installed, 1);
	assert_int_equal(eim.eprs, 1);
	assert_int_equal(ipad("profiles --json", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "\"iccid\":\"8949449999999990023\",\"state\":\"enabled\""));
	assert_non_null(strstr(out, "\"iccid\":\"" BOOT "\",\"state\":\"disabled\""));
	/* everything reported was acknowledged, so nothing is left on the eUICC */
	assert_int_equal(ipad("notifications --json", out, sizeof(out)), 0);
	assert_string_equal(out, "{\"package_results\":0,\"notifications\":[]}\n");
	/* and an empty poll is just that */
	assert_int_equal(ipad("poll --json", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "\"packages\":0"));
}

static void test_data_request_and_bad_eim(void **state)
{
	static const uint8_t tags[] = { 0xBF, 0x20, 0xA6, 0xA8, 0xA9 };
	char out[2048];

	(void)state;
	pthread_mutex_lock(&lock);
	eim_side_queue_data_request(&eim, tags, sizeof(tags));
	pthread_mutex_unlock(&lock);
	assert_int_equal(ipad("poll --json", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "\"data_requests\":1"));
	assert_int_equal(eim.data_responses, 1);
	/* a malformed answer: refused, nothing executed */
	queue_enable();
	eim.fault = EIM_FAULT_GARBAGE;
	eim.fault_tag = 0xBF4F;
	assert_int_equal(ipad("poll --json", out, sizeof(out)), 1);
	assert_non_null(strstr(out, "\"rejected\":1"));
	assert_int_equal(eim.eprs, 0);
	/* the package still waits and runs on the next poll */
	assert_int_equal(ipad("poll --json", out, sizeof(out)), 0);
	assert_int_equal(eim.eprs, 1);
}

static void wait_delayed(void)
{
	WAIT_UNTIL(delayed);
	assert_true(delayed);
}

/* Lets the eIM answer the held message (its device gone) and waits until
 * it has. */
static void wait_delay_over(void)
{
	released = 1;
	WAIT_UNTIL(delay_over);
	assert_true(delay_over);
	delay_tag = 0;
	delayed = delay_over = released = 0;
}

/* kill -9 while the eIM holds the BPP back: the next start cancels and
 * reports, and the order is downloaded by the next trigger. */
static void test_kill_during_download(void **state)
{
	char out[2048];
	pid_t pid;
	int st;

	(void)state;
	order("KILL-DL");
	queue_pdt("LPA:1$" ADDRESS "$KILL-DL");
	delay_tag = 0xBF3A;
	pid = ipad_background("poll");
	wait_delayed();
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	assert_true(WIFSIGNALED(st));
	wait_delay_over();
	assert_int_equal(ipad("poll --json", out, sizeof(out)), 0);
	assert_int_equal(eim.pdt_results, 1);
	assert_int_equal(eim.last_pdt_error, 127);
	assert_int_equal(eim.pdt_installed, 0);
	queue_pdt("LPA:1$" ADDRESS "$KILL-DL");
	assert_int_equal(ipad("poll --json", out, sizeof(out)), 0);
	assert_int_equal(eim.pdt_installed, 1);
	assert_int_equal(ipad("profiles --json", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "\"iccid\":\"8949449999999990023\",\"state\":\"disabled\""));
}

/* kill -9 while the result is on its way: it stays on the eUICC and goes
 * again; the package is not applied twice. */
static void test_kill_during_result(void **state)
{
	char out[2048];
	pid_t pid;
	int st;

	(void)state;
	order("KILL-EPR");
	queue_pdt("LPA:1$" ADDRESS "$KILL-EPR");
	assert_int_equal(ipad("poll --json", out, sizeof(out)), 0);
	queue_enable();
	delay_tag = 0xBF50;
	pid = ipad_background("poll");
	wait_delayed();
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	wait_delay_over();
	assert_int_equal(ipad("notifications --json", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "\"package_results\":1"));
	assert_int_equal(ipad("poll --json", out, sizeof(out)), 0);
	assert_int_equal(eim.eprs, 2);                 /* the same result, delivered again */
	assert_int_equal(ipad("notifications --json", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "\"package_results\":0"));
	assert_int_equal(ipad("profiles --json", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "\"iccid\":\"8949449999999990023\",\"state\":\"enabled\""));
}

static int setup_direct(void **state)
{
	direct = true;
	return setup(state);
}

/* The eIM's configuration lets the device reach SM-DP+s itself: the trigger's
 * activation code is downloaded over ES9+ (HTTPS), the result reported to
 * the eIM, the installation result delivered to the SM-DP+. */
static void test_direct_download(void **state)
{
	enum smdp_state st;
	char out[2048];
	unsigned before;

	(void)state;
	order("DIRECT");
	queue_pdt("LPA:1$" ADDRESS "$DIRECT");
	before = eim.messages;
	assert_int_equal(ipad("poll --json", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "\"installed\":1"));
	assert_int_equal(eim.pdt_installed, 1);
	assert_int_equal(eim.messages - before, 3);    /* getEimPackage, the result, getEimPackage */
	assert_int_equal(smdp_profile_state(dp, op_iccid, &st), IOT_OK);
	assert_int_equal(st, SMDP_INSTALLED);
	/* and straight from an activation code, without the eIM */
	assert_int_equal(ipad("download 'LPA:1$" ADDRESS "$NOT-ORDERED' --json", out, sizeof(out)), 1);
	assert_non_null(strstr(out, "\"smdp_code\":6"));      /* matchingIdRefused */
}

/* Connectivity lost in the middle of an indirect download: the next poll
 * cancels the session and reports; the next trigger goes through. */
static void test_connectivity_lost(void **state)
{
	char out[2048];

	(void)state;
	order("LOST");
	queue_pdt("LPA:1$" ADDRESS "$LOST");
	eim.fault = EIM_FAULT_DROP;
	eim.fault_tag = 0xBF3B;
	assert_int_equal(ipad("poll --json", out, sizeof(out)), 1);
	assert_int_equal(ipad("poll --json", out, sizeof(out)), 0);
	assert_int_equal(eim.last_pdt_error, 127);
	queue_pdt("LPA:1$" ADDRESS "$LOST");
	assert_int_equal(ipad("poll --json", out, sizeof(out)), 0);
	assert_int_equal(eim.pdt_installed, 1);
}

static void test_daemon(void **state)
{
	static const uint8_t tags[] = { 0xBF, 0x20 };
	pid_t pid;
	int st;

	(void)state;
	pid = ipad_background("run");
	WAIT_UNTIL(eim.messages >= 1);         /* the first poll at start */
	pthread_mutex_lock(&lock);
	eim_side_queue_data_request(&eim, tags, sizeof(tags));
	pthread_mutex_unlock(&lock);
	kill(pid, SIGUSR1);
	WAIT_UNTIL(eim.data_responses >= 1);
	assert_int_equal(eim.data_responses, 1);
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_zero_touch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_request_and_bad_eim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_during_download, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_during_result, setup, teardown),
		cmocka_unit_test_setup_teardown(test_daemon, setup, teardown),
		cmocka_unit_test_setup_teardown(test_direct_download, setup_direct, teardown),
		cmocka_unit_test_setup_teardown(test_connectivity_lost, setup, teardown),
	};
	int failed;

	if (argc != 3) {
		fprintf(stderr, "usage: test_ipad EUICCD IPAD\n");
		return 2;
	}
	euiccd_bin = argv[1];
	ipad_bin = argv[2];
	signal(SIGPIPE, SIG_IGN);
	coaps = false;
	failed = cmocka_run_group_tests_name("ipad over HTTPS", tests, NULL, NULL);
	coaps = true;
	failed += cmocka_run_group_tests_name("ipad over CoAP/DTLS", tests, NULL, NULL);
	return failed;
}
