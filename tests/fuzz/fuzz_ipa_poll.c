/* libFuzzer target: libipa's whole poll against an eIM that answers with
 * the fuzzer's bytes, and its inject mode. The input's first byte is a mode
 * (bit 0: the first chunk is pushed, TransferEimPackage, before the polls;
 * bit 1: minimizeEsipaBytes), then the eIM's pushes and answers in turn,
 * each behind a 2-byte big-endian length; when they run out the eIM is
 * unreachable. The
 * eUICC (software, in memory) has a profile and this eIM as its initial
 * one, so the IPA executes whatever decodes: packages, data requests,
 * triggers with their downloads. Nothing may crash, leak or hang. */
#include "fuzz_euicc.h"

#include "ipacore/ipa.h"
#include "rsp/rsp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct euicc *e;
static const uint8_t *in;
static size_t in_left;
static uint8_t record[512];
static size_t record_len;

static iot_err transmit(void *ctx, const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap, size_t *resp_len)
{
	(void)ctx;
	return euicc_transmit(e, apdu, len, resp, cap, resp_len);
}

static iot_err esipa(void *ctx, const struct ipa_eim *eim, const uint8_t *req, size_t len, uint8_t **resp,
		     size_t *resp_len)
{
	size_t n;

	(void)ctx;
	(void)eim;
	(void)req;
	(void)len;
	if (in_left < 2)
		return IOT_E_IO;
	n = (size_t)in[0] << 8 | in[1];
	in += 2;
	in_left -= 2;
	if (n > in_left)
		n = in_left;
	*resp = malloc(n ? n : 1);
	memcpy(*resp, in, n);
	*resp_len = n;
	in += n;
	in_left -= n;
	return IOT_OK;
}

static iot_err save(void *ctx, const uint8_t *rec, size_t len)
{
	(void)ctx;
	if (len > sizeof(record))
		abort();
	if (len)
		memcpy(record, rec, len);
	record_len = len;
	return IOT_OK;
}

static iot_err load(void *ctx, uint8_t *rec, size_t cap, size_t *len)
{
	(void)ctx;
	if (!record_len)
		return IOT_E_NOT_FOUND;
	memcpy(rec, record, record_len < cap ? record_len : cap);
	*len = record_len < cap ? record_len : cap;
	return IOT_OK;
}

static uint64_t now_ms(void *ctx)
{
	(void)ctx;
	return 0;
}

static void add_initial_eim(struct ipa *ipa)
{
	static const char eim_id[] = "eim.fuzz";
	struct rsp_add_initial_eim_request q = { 0 };
	struct rsp_eim_configuration_data c = { 0 };
	struct crypto_key *k;
	const uint8_t *resp;
	uint8_t *spki, *req;
	size_t n, len;

	if (crypto_key_generate(CRYPTO_P256, &k) != IOT_OK || crypto_key_spki(k, &spki, &n) != IOT_OK)
		abort();
	c.eim_id = RSP_STR(eim_id);
	c.has_eim_fqdn = true;
	c.eim_fqdn = RSP_STR(eim_id);
	c.has_counter_value = true;
	c.has_association_token = true;
	c.has_eim_public_key_data = true;
	c.eim_public_key_data.choice = RSP_KEY_DATA_PUBLIC_KEY;
	c.eim_public_key_data.u.public_key = RSP_BYTES(spki, n);
	c.indirect_profile_download = true;
	c.has_eim_supported_protocol = true;
	c.eim_supported_protocol = RSP_PROTO_RETRIEVE_HTTPS | RSP_PROTO_INJECT_HTTPS;
	q.eim_configuration_data_list.items = &c;
	q.eim_configuration_data_list.count = 1;
	if (rsp_encode_alloc(&rsp_t_add_initial_eim_request, &q, &req, &len) != IOT_OK ||
	    ipa_es10(ipa, req, len, &resp, &n) != IOT_OK)
		abort();
	free(req);
	free(spki);
	crypto_key_free(k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *initial;
	static size_t initial_len;
	struct ipa_platform p = { .transmit = transmit, .esipa = esipa, .save = save, .load = load, .now_ms = now_ms };
	struct ipa_config c = { .inject_https = true };
	struct ipa *ipa;
	uint8_t mode;

	if (!e) {
		e = fuzz_euicc_new();
		if (ipa_new(&p, NULL, &ipa) != IOT_OK)
			abort();
		add_initial_eim(ipa);
		ipa_free(ipa);
		euicc_reset(e);
		if (euicc_snapshot(e, &initial, &initial_len) != IOT_OK)
			abort();
	}
	/* every input from the same eUICC and no record */
	if (euicc_restore(e, initial, initial_len) != IOT_OK)
		abort();
	record_len = 0;
	mode = size ? data[0] : 0;
	in = data + (size ? 1 : 0);
	in_left = size ? size - 1 : 0;
	c.minimize_esipa_bytes = mode & 2;
	if (ipa_new(&p, &c, &ipa) != IOT_OK)
		abort();
	if ((mode & 1) && in_left >= 2) {
		size_t n = (size_t)in[0] << 8 | in[1];
		uint8_t *resp = NULL;
		size_t resp_len;

		in += 2;
		in_left -= 2;
		if (n > in_left)
			n = in_left;
		(void)ipa_transfer_eim_package(ipa, false, in, n, &resp, &resp_len);
		free(resp);
		in += n;
		in_left -= n;
	}
	(void)ipa_poll(ipa);
	(void)ipa_poll(ipa);    /* and what the first left behind */
	ipa_free(ipa);
	return 0;
}
