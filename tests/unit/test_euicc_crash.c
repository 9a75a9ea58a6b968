/* kill -9 at any point: an eUICC busy changing its state is killed at
 * random moments; its state file must then load, and hold the last change
 * acknowledged to the client (or the one in flight, saved before its
 * answer could leave), never anything torn or older. */
#include "testutil.h"
#include "fixture.h"

#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rsp/rsp.h"

static struct fixture_pki pki;

static int setup(void **state)
{
	(void)state;
	fixture_pki_make(&pki, CRYPTO_P256);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fixture_pki_remove(&pki);
	return 0;
}

/* SetNickname "n<i>" on the profile, then report i on the pipe. */
static void busy_child(int ack_fd)
{
	struct euicc *e;
	uint8_t req[64], resp[4096];
	size_t rl;
	long i;

	if (euicc_open(pki.state, &e) != IOT_OK)
		_exit(3);
	apdu(e, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL);
	for (i = 1;; i++) {
		char nick[16];
		int n = snprintf(nick, sizeof(nick), "n%ld", i);

		/* BF29 { 5A iccid, 90 nickname } */
		req[0] = 0xBF;
		req[1] = 0x29;
		req[2] = (uint8_t)(12 + 2 + n);
		memcpy(req + 3, "\x5A\x0A\x98\x94\x00\x00\x00\x00\x00\x00\x00\x01", 12);
		req[15] = 0x90;
		req[16] = (uint8_t)n;
		memcpy(req + 17, nick, (size_t)n);
		if (es10_apdus(e, req, (size_t)(17 + n), 255, resp, sizeof(resp), &rl, NULL) != 0x9000 ||
		    rl != 6 || resp[5] != 0)
			_exit(4);
		if (write(ack_fd, &i, sizeof(i)) != sizeof(i))
			_exit(5);
	}
}

static long nickname_in_state(void)
{
	struct euicc *e;
	struct rsp_profile_info_list_response list;
	struct rsp_arena a;
	uint8_t resp[4096];
	size_t rl;
	long n;

	assert_int_equal(euicc_open(pki.state, &e), IOT_OK);
	apdu(e, "00A4040C10A0000005591010FFFFFFFF8900000100", NULL, NULL);
	assert_int_equal(es10_apdus(e, (const uint8_t *)"\xBF\x2D\x00", 3, 255, resp, sizeof(resp), &rl, NULL), 0x9000);
	rsp_arena_dynamic(&a);
	assert_int_equal(rsp_decode(&rsp_t_profile_info_list_response, resp, rl, &list, &a), IOT_OK);
	assert_int_equal(list.u.ok.count, 1);
	n = list.u.ok.items[0].has_profile_nickname ? strtol((const char *)list.u.ok.items[0].profile_nickname.ptr + 1,
							      NULL, 10) : 0;
	rsp_arena_free(&a);
	euicc_free(e);
	return n;
}

static void test_kill_9_at_random_moments(void **state)
{
	static const uint8_t md[] = { 0xBF, 0x25, 0x14, 0x5A, 0x0A, 0x98, 0x94, 0, 0, 0, 0, 0, 0, 0, 0x01,
				      0x91, 0x02, 'O', 'p', 0x92, 0x02, 'P', '1' };
	struct euicc *e = fixture_euicc(&pki);
	int round, kills = 0;
	(void)state;

	assert_int_equal(euicc_preload_profile(e, md, sizeof(md), (const uint8_t *)"p", 1, true), IOT_OK);
	euicc_free(e);
	srand((unsigned)time(NULL));
	for (round = 0; round < 25; round++) {
		int fds[2];
		long last = 0, v, stored;
		pid_t pid;
		struct timespec nap = { 0, (long)(rand() % 20000) * 1000 };

		assert_int_equal(pipe(fds), 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			busy_child(fds[1]);
		}
		close(fds[1]);
		/* once it is busy (one change acknowledged), kill it at a random moment */
		if (read(fds[0], &v, sizeof(v)) == sizeof(v))
			last = v;
		nanosleep(&nap, NULL);
		kill(pid, SIGKILL);
		while (read(fds[0], &v, sizeof(v)) == sizeof(v))
			last = v;
		close(fds[0]);
		waitpid(pid, NULL, 0);
		stored = nickname_in_state();
		/* the base of this round is what the previous one left */
		if (last) {
			kills++;
			assert_true(stored == last || stored == last + 1);
		}
	}
	assert_true(kills > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kill_9_at_random_moments),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
