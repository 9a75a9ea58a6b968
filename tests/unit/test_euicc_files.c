/* The UICC file system of a profile (TS 102 221 on the SAIP profile
 * package): built from a package made here and from the GSMA TS.48 test
 * profiles when the reference folder is there; SELECT by file ID, path,
 * AID (right-truncated), parent; FCPs; READ/UPDATE BINARY and RECORD with
 * the access rules of EF.ARR; VERIFY PIN and its counter; STATUS; and
 * packages it cannot read. */
#include "testutil.h"
#include "saip_side.h"

#include <stdio.h>
#include <string.h>

#include "base/hex.h"
#include "der/der.h"
#include "euicc/uicc_fs.h"

static const uint8_t iccid[10] = { 0x98, 0x94, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x21 };
static struct uicc_fs fs;
static struct uicc_cursor cur;
static struct der_writer out;
static uint8_t upp[4096];
static size_t upp_len;

static int setup(void **state)
{
	(void)state;
	upp_len = saip_test_profile(iccid, upp, sizeof(upp));
	assert_int_equal(uicc_fs_from_saip(upp, upp_len, &fs), IOT_OK);
	uicc_cursor_reset(&cur);
	der_writer_dynamic(&out);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	uicc_fs_free(&fs);
	der_writer_free(&out);
	return 0;
}

/* Runs one short APDU given in hex ("CLA INS P1 P2 [Lc data] [Le]"); the SW. */
static unsigned run(const char *text)
{
	uint8_t b[300];
	char clean[620];
	size_t n = 0, k = 0, lc = 0, le = 0;

	for (const char *p = text; *p; p++)
		if (*p != ' ')
			clean[k++] = *p;
	clean[k] = 0;
	assert_int_equal(hex_decode(clean, b, sizeof(b), &n), IOT_OK);
	assert_true(n >= 4);
	if (n == 5) {
		le = b[4] ? b[4] : 256;
	} else if (n > 5) {
		lc = b[4];
		assert_true(n == 5 + lc || n == 6 + lc);
		if (n == 6 + lc)
			le = b[n - 1] ? b[n - 1] : 256;
	}
	out.len = 0;
	return uicc_fs_command(&fs, &cur, b[1], b[2], b[3], lc ? b + 5 : NULL, lc, le, &out);
}

static void assert_out(const char *hex)
{
	char got[1200];

	assert_true(out.len * 2 < sizeof(got));
	hex_encode(out.buf, out.len, got);
	assert_string_equal(got, hex);
}

/* The value of tag in the FCP just returned ('62'), as hex, or "". */
static const char *fcp_value(uint32_t tag)
{
	static char v[70];
	struct der_reader r, in;
	struct der_tlv t, e;

	v[0] = 0;
	der_reader_init(&r, out.buf, out.len);
	assert_int_equal(der_read(&r, &t), IOT_OK);
	assert_int_equal(t.tag, 0x62);
	assert_int_equal(der_enter(&r, &t, &in), IOT_OK);
	while (!der_reader_done(&in)) {
		assert_int_equal(der_read(&in, &e), IOT_OK);
		if (e.tag == tag && e.len * 2 < sizeof(v))
			hex_encode(e.value, e.len, v);
	}
	return v;
}

static void test_select_and_read(void **state)
{
	char want[40];

	(void)state;
	/* the MF by its ID, its FCP: a DF, its PIN status, UICC characteristics */
	assert_int_equal(run("00A40004023F00 00"), 0x9000);
	assert_string_equal(fcp_value(0x82), "7821");
	assert_string_equal(fcp_value(0x83), "3F00");
	assert_string_equal(fcp_value(0xC6), "9001C083010183010A");      /* PIN1 and ADM1 enabled */
	/* EF.ICCID: the template's size (10), the package's content */
	assert_int_equal(run("00A40004022FE2 00"), 0x9000);
	assert_string_equal(fcp_value(0x82), "4121");
	assert_string_equal(fcp_value(0x80), "000A");
	assert_int_equal(run("00B000000A"), 0x9000);
	hex_encode(iccid, 10, want);
	assert_out(want);
	/* part of it, from an offset; past its end */
	assert_int_equal(run("00B0000803"), 0x9000);
	assert_out(want + 16);
	assert_int_equal(run("00B0000B01"), 0x6B00);
	/* EF.DIR: records; the first names the USIM */
	assert_int_equal(run("00A40004022F00 00"), 0x9000);
	assert_string_equal(fcp_value(0x82), "4221002602");
	assert_int_equal(run("00B2010426"), 0x9000);
	assert_int_equal(out.len, 0x26);
	assert_memory_equal(out.buf, "\x61\x0F\x4F\x07\xA0\x00\x00\x00\x87\x10\x02", 11);
	assert_int_equal(run("00B2020426"), 0x9000);
	assert_int_equal(out.buf[0], 0xFF);
	assert_int_equal(run("00B2030426"), 0x6A83);
	/* next and previous from the current record */
	assert_int_equal(run("00B2000426"), 0x9000);             /* record 2, current */
	assert_int_equal(run("00B2000326"), 0x9000);             /* previous: 1 */
	assert_int_equal(out.buf[0], 0x61);
	/* READ BINARY on a record file; READ RECORD on a transparent one */
	assert_int_equal(run("00B0000001"), 0x6981);
	assert_int_equal(run("00A40004022FE2 00"), 0x9000);
	assert_int_equal(run("00B2010401"), 0x6981);
	/* no such file; an EF's child */
	assert_int_equal(run("00A40004026F99 00"), 0x6A82);
	assert_int_equal(run("00A4080C04 2FE2 2F00"), 0x6A82);
	/* nothing selected after the MF: no EF */
	assert_int_equal(run("00A4000C00"), 0x9000);
	assert_int_equal(run("00B0000001"), 0x6986);
	assert_int_equal(run("00A40104023F00"), 0x6A86);
}

static void test_usim_and_pins(void **state)
{
	(void)state;
	/* the USIM by its AID, right-truncated, and by '7FFF' after */
	assert_int_equal(run("00A4040407A0000000871002 00"), 0x9000);
	assert_string_equal(fcp_value(0x84), SAIP_USIM_AID);
	assert_int_equal(run("00A40004026F07 00"), 0x9000);
	assert_string_equal(fcp_value(0x8B), "02");
	/* PIN1 is enabled: EF.IMSI needs it */
	assert_int_equal(run("00B0000009"), 0x6982);
	assert_int_equal(run("0020000100"), 0x63C3);
	assert_int_equal(run("002000010839393939FFFFFFFF"), 0x63C2);
	assert_int_equal(run("002000010831323334FFFFFFFF"), 0x9000);
	assert_int_equal(run("0020000100"), 0x9000);
	assert_int_equal(run("00B0000009"), 0x9000);
	assert_out(SAIP_IMSI);
	/* updated where its rule allows (PIN1), read back */
	assert_int_equal(run("00D6000102 1122"), 0x9000);
	assert_int_equal(run("00B0000003"), 0x9000);
	assert_out("081122");
	assert_int_equal(run("00D6000802 1122"), 0x6700);      /* past the end */
	/* EF.AD: the template's file (size 4), no rules: read, never updated */
	assert_int_equal(run("00A4000C026FAD"), 0x9000);
	assert_int_equal(run("00B0000000"), 0x9000);
	assert_out("00000002");
	assert_int_equal(run("00D6000001 01"), 0x6982);
	/* the path from the MF through the ADF's file ID, and '7FFF' */
	assert_int_equal(run("00A4080C04 7FF1 6F07"), 0x9000);
	assert_int_equal(run("00A4000C027FFF"), 0x9000);
	assert_int_equal(run("80F2000000"), 0x9000);
	assert_string_equal(fcp_value(0x83), "7FF1");
	assert_int_equal(run("80F2000110"), 0x9000);
	assert_out("84" "10" SAIP_USIM_AID);
	/* three wrong PINs block it; the right one then does not help */
	for (int i = 2; i >= 1; i--)
		assert_int_equal(run("002000010830303030FFFFFFFF"), 0x63C0u | (unsigned)i);
	assert_int_equal(run("002000010830303030FFFFFFFF"), 0x6983);
	assert_int_equal(run("002000010831323334FFFFFFFF"), 0x6983);
	assert_int_equal(run("0020000208 31323334FFFFFFFF"), 0x6A88);
}

static void test_access_rules(void **state)
{
	(void)state;
	/* EF.PL: read and update always */
	assert_int_equal(run("00A4000C022F05"), 0x9000);
	assert_int_equal(run("00D6000002 6465"), 0x9000);
	assert_int_equal(run("00B0000002"), 0x9000);
	assert_out("6465");
	/* EF.ICCID: update never, whatever is verified */
	assert_int_equal(run("0020000A083838383838383838"), 0x9000);
	assert_int_equal(run("00A4000C022FE2"), 0x9000);
	assert_int_equal(run("00D6000001 00"), 0x6982);
	/* EF.DIR: update with ADM1 (verified above), a record of its length only */
	assert_int_equal(run("00A4000C022F00"), 0x9000);
	assert_int_equal(run("00DC0204 03 112233"), 0x6700);
	uicc_fs_reset_security(&fs);
	{
		char rec[100] = "00DC020426";

		for (int i = 0; i < 0x26; i++)
			strcat(rec, "AB");
		assert_int_equal(run(rec), 0x6982);             /* ADM1 forgotten at the reset */
		assert_int_equal(run("0020000A083838383838383838"), 0x9000);
		assert_int_equal(run(rec), 0x9000);
		assert_int_equal(run("00B2020426"), 0x9000);
		assert_int_equal(out.buf[0x25], 0xAB);
	}
	/* genericFileManagement's DF and EF, by path; its rule named explicitly */
	assert_int_equal(run("00A40804047F666F01 00"), 0x9000);
	assert_string_equal(fcp_value(0x8B), "2F0602");
	assert_int_equal(run("00B0000004"), 0x9000);
	assert_out("CAFEFFBB");
	assert_int_equal(run("00D6000201 AA"), 0x9000);
	assert_int_equal(run("00B0000004"), 0x9000);
	assert_out("CAFEAABB");
	/* the parent of the DF 7F66 is the MF */
	assert_int_equal(run("00A40304 00"), 0x9000);
	assert_string_equal(fcp_value(0x83), "3F00");
}

/* Packages with no file system: random bytes, a truncated one, two files
 * with one ID: refused whole, nothing half built. */
static void test_bad_packages(void **state)
{
	struct uicc_fs bad;
	uint8_t junk[64];

	(void)state;
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37 + 1);
	assert_int_not_equal(uicc_fs_from_saip(junk, sizeof(junk), &bad), IOT_OK);
	assert_null(bad.files);
	assert_int_not_equal(uicc_fs_from_saip(upp, upp_len - 3, &bad), IOT_OK);
	assert_int_equal(uicc_fs_bare(&bad), IOT_OK);
	assert_int_equal(bad.count, 1);
	uicc_fs_free(&bad);
}

/* The GSMA TS.48 test profiles: EF.ICCID holds the header's ICCID, a USIM
 * named in EF.DIR has an EF.IMSI of 9 bytes. */
static void test_ts48(void **state)
{
	const char *ref = getenv("IOTRSP_REFERENCE");
	char list[600], path[512];
	FILE *names = NULL;
	int done = 0;
	size_t files = 0;

	(void)state;
	snprintf(list, sizeof(list), "ls %s/upp/*.der 2>/dev/null", ref ? ref : "/nonexistent");
	if (!ref || !(names = popen(list, "r")))
		skip();
	while (fgets(path, sizeof(path), names)) {
		static uint8_t pkg[65536];
		struct der_reader r, in;
		struct der_tlv h, t;
		size_t len;
		FILE *f;
		char id[21];

		path[strcspn(path, "\n")] = 0;
		assert_non_null(f = fopen(path, "rb"));
		len = fread(pkg, 1, sizeof(pkg), f);
		fclose(f);
		der_reader_init(&r, pkg, len);
		assert_int_equal(der_read(&r, &h), IOT_OK);
		assert_int_equal(der_enter(&r, &h, &in), IOT_OK);
		do
			assert_int_equal(der_read(&in, &t), IOT_OK);
		while (t.tag != 0x83);
		uicc_fs_free(&fs);
		uicc_cursor_reset(&cur);
		assert_int_equal(uicc_fs_from_saip(pkg, len, &fs), IOT_OK);
		assert_int_equal(run("00A4080C022FE2"), 0x9000);
		assert_int_equal(run("00B000000A"), 0x9000);
		{
			/* the header holds the ICCID as printed, EF.ICCID in BCD, nibbles swapped */
			uint8_t bcd[10];

			for (int i = 0; i < 10; i++)
				bcd[i] = (uint8_t)(t.value[i] << 4 | t.value[i] >> 4);
			hex_encode(bcd, 10, id);
		}
		assert_out(id);
		assert_int_equal(run("00A4080402 2F00 00"), 0x9000);
		assert_int_equal(run("00B2010400"), 0x9000);
		assert_true(out.len > 4 && out.buf[0] == 0x61 && out.buf[2] == 0x4F);
		assert_int_equal(run("00A4040C07A0000000871002"), 0x9000);
		assert_int_equal(run("00A40004026F07 00"), 0x9000);
		assert_string_equal(fcp_value(0x80), "0009");
		/* TS.48: PIN1 disabled, EF.IMSI readable; '08' and the IMSI digits */
		assert_int_equal(run("00B0000009"), 0x9000);
		assert_int_equal(out.buf[0], 0x08);
		files += fs.count;
		done++;
	}
	pclose(names);
	if (!done)
		skip();
	print_message("%d TS.48 profiles: file systems built and read (%zu files in all)\n", done, files);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_select_and_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_usim_and_pins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_access_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_packages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ts48, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
