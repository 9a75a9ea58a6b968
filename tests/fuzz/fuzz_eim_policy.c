/* libFuzzer target: eimd's governance parsers: a policy file (rules,
 * windows, their time zones), a POSIX TZ rule, and an audit export read
 * back line by line. The first byte picks which. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eim/change.h"
#include "eim/tz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[200], text[256];
	struct eim_policy *p;
	struct tz z;
	int64_t entries;

	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		if (eim_policy_parse((const char *)data + 1, size - 1, &p, why, sizeof(why)) == IOT_OK) {
			json_decref(eim_policy_json(p));
			(void)eim_policy_window_open(p, "site=a,fleet=b", 1774828800);
			eim_policy_free(p);
		}
		break;
	case 1:
		snprintf(text, sizeof(text), "%.*s", (int)(size - 1 < 255 ? size - 1 : 255), (const char *)data + 1);
		if (tz_parse_posix(text, &z) == IOT_OK) {
			struct tm tm;

			tz_local(&z, 1774828800, &tm);
		}
		break;
	default:
		/* no certificate: the lines are read and checked up to the first signature */
		(void)eim_audit_verify_export((const char *)data + 1, size - 1, "/nonexistent", &entries, why, sizeof(why));
		break;
	}
	return 0;
}
