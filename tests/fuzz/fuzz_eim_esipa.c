/* libFuzzer target: the eIM's ESipa entry point (eim_esipa) with any bytes:
 * decoding, getEimPackage with packages signed and sent, results with their
 * signatures checked, data responses, the relay's lookups; and the store
 * transactions around them. One eIM (in-memory store) for the run, with
 * the fuzz eUICC registered and operations queued for it. */
#include "fuzz_euicc.h"

#include "base/log.h"
#include "eim/eim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t psmo_list[] = { 0xA0, 0x02, 0xA4, 0x00 };       /* psmoList { getRAT } */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct eim *e;
	struct der_writer w;
	struct eim_euicc u;
	int64_t id;

	if (!e) {
		log_set_level(LOG_ERROR);
		static const char *cis[1];
		struct eim_config c = { 0 };

		make_pki();
		cis[0] = ci_path;
		/* any key and certificate sign for the eIM here */
		c = (struct eim_config){ .eim_id = "eim.fuzz", .key_file = key_path, .cert_file = cert_path,
					 .ci_files = cis, .ci_count = 1, .store_url = "sqlite::memory:" };
		if (eim_open(&c, &e) != IOT_OK || eim_euicc_register(e, "89049032123451234512345678901235", "") != IOT_OK)
			abort();
	}
	/* always something to hand out, never a growing queue */
	if (eim_euicc_get(e, "89049032123451234512345678901235", &u) == IOT_OK && u.pending < 2) {
		(void)eim_op_create(e, "89049032123451234512345678901235", EIM_OP_PSMO, psmo_list, sizeof(psmo_list), &id);
		(void)eim_op_create(e, "89049032123451234512345678901235", EIM_OP_DOWNLOAD, (const uint8_t *)"LPA:1$a$b", 9,
				    &id);
	}
	der_writer_dynamic(&w);
	(void)eim_esipa(e, data, size, &w);
	der_writer_free(&w);
	return 0;
}
