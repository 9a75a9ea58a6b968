/* lib/der: the reader on every malformed case the issue names, the writer's
 * DER output byte for byte. */
#include "testutil.h"

#include "der/der.h"

static iot_err read_one(const char *h, struct der_tlv *t)
{
	static uint8_t buf[70000];
	size_t n = hex(h, buf, sizeof(buf));

	return der_parse_one(buf, n, t);
}

static void test_multibyte_tags(void **state)
{
	struct der_tlv t;
	(void)state;

	assert_int_equal(read_one("BF51 02 8001", &t), IOT_OK);
	assert_int_equal(t.tag, 0xBF51);
	assert_true(der_tag_constructed(t.tag));
	assert_int_equal(t.len, 2);
	assert_int_equal(read_one("5F37 01 AA", &t), IOT_OK);
	assert_int_equal(t.tag, 0x5F37);
	assert_false(der_tag_constructed(t.tag));
	assert_int_equal(read_one("9F70 01 01", &t), IOT_OK);
	assert_int_equal(t.tag, 0x9F70);
	assert_int_equal(t.value[0], 1);
	/* three-byte tag: number 200 = 0x81 0x48 */
	assert_int_equal(read_one("BF8148 00", &t), IOT_OK);
	assert_int_equal(t.tag, 0xBF8148);
	assert_int_equal(t.raw_len, 4);
}

static void test_bad_tags(void **state)
{
	struct der_tlv t;
	(void)state;

	/* tag number below 31 in the high form */
	assert_int_equal(read_one("BF1E 00", &t), IOT_E_DER_TAG);
	/* leading 0x80 in the tag number */
	assert_int_equal(read_one("BF8051 00", &t), IOT_E_DER_TAG);
	/* more than 4 tag bytes */
	assert_int_equal(read_one("BF81818101 00", &t), IOT_E_DER_TAG);
	/* tag cut off */
	assert_int_equal(read_one("BF", &t), IOT_E_DER_TRUNCATED);
	assert_int_equal(read_one("BF81", &t), IOT_E_DER_TRUNCATED);
}

static void test_lengths(void **state)
{
	struct der_tlv t;
	static uint8_t buf[70000];
	size_t n;
	(void)state;

	assert_int_equal(read_one("04 81 02 AABB", &t), IOT_OK);
	assert_int_equal(t.len, 2);
	buf[0] = 0x04; buf[1] = 0x82; buf[2] = 0x01; buf[3] = 0x00;
	memset(buf + 4, 0x5a, 256);
	assert_int_equal(der_parse_one(buf, 260, &t), IOT_OK);
	assert_int_equal(t.len, 256);
	buf[1] = 0x83; buf[2] = 0x00; buf[3] = 0x01; buf[4] = 0x00;
	memset(buf + 5, 0x5a, 256);
	assert_int_equal(der_parse_one(buf, 261, &t), IOT_OK);
	assert_int_equal(t.len, 256);
	n = hex("04 84 00000001 AA", buf, sizeof(buf));
	assert_int_equal(der_parse_one(buf, n, &t), IOT_OK);
	assert_int_equal(t.len, 1);
	/* 5 length bytes */
	assert_int_equal(read_one("04 85 0000000001 AA", &t), IOT_E_DER_LENGTH);
	/* indefinite */
	assert_int_equal(read_one("30 80 0000", &t), IOT_E_DER_INDEFINITE);
	/* truncated: length missing, long length cut, value short */
	assert_int_equal(read_one("04", &t), IOT_E_DER_TRUNCATED);
	assert_int_equal(read_one("04 82 01", &t), IOT_E_DER_TRUNCATED);
	assert_int_equal(read_one("04 03 AABB", &t), IOT_E_DER_TRUNCATED);
	assert_int_equal(read_one("04 84 FFFFFFFF AA", &t), IOT_E_DER_TRUNCATED);
	/* trailing */
	assert_int_equal(read_one("04 01 AA BB", &t), IOT_E_DER_TRAILING);
}

static void test_read_header(void **state)
{
	uint8_t buf[16];
	uint32_t tag;
	size_t vlen, hlen, n;
	(void)state;

	/* a header whose value has not arrived yet */
	n = hex("BF36 82 1234", buf, sizeof(buf));
	assert_int_equal(der_read_header(buf, n, &tag, &vlen, &hlen), IOT_OK);
	assert_int_equal(tag, 0xBF36);
	assert_int_equal(vlen, 0x1234);
	assert_int_equal(hlen, 5);
	assert_int_equal(der_read_header(buf, 4, &tag, &vlen, &hlen), IOT_E_DER_TRUNCATED);
	assert_int_equal(der_read_header(buf, 1, &tag, &vlen, &hlen), IOT_E_DER_TRUNCATED);
	n = hex("A0 80", buf, sizeof(buf));
	assert_int_equal(der_read_header(buf, n, &tag, &vlen, &hlen), IOT_E_DER_INDEFINITE);
}

static void test_overrun_and_depth(void **state)
{
	static uint8_t buf[256];
	size_t n, i;
	(void)state;

	/* child's length runs past its parent's value */
	n = hex("30 04 04 05 AABBCCDD 0000", buf, sizeof(buf));
	assert_int_equal(der_validate(buf, n), IOT_E_DER_OVERRUN);
	/* child's tag runs past its parent */
	n = hex("30 01 BF 51 00", buf, sizeof(buf));
	assert_int_equal(der_validate(buf, n), IOT_E_DER_OVERRUN);
	/* parent itself truncated */
	n = hex("30 06 04 01 AA", buf, sizeof(buf));
	assert_int_equal(der_validate(buf, n), IOT_E_DER_TRUNCATED);
	/* nesting: DER_MAX_DEPTH + 1 levels of 30 fails, DER_MAX_DEPTH passes */
	for (i = 0; i < DER_MAX_DEPTH + 1; i++) {
		buf[2 * i] = 0x30;
		buf[2 * i + 1] = (uint8_t)(2 * (DER_MAX_DEPTH - i));
	}
	assert_int_equal(der_validate(buf, 2 * (DER_MAX_DEPTH + 1)), IOT_E_DER_DEPTH);
	assert_int_equal(der_validate(buf + 2, 2 * DER_MAX_DEPTH), IOT_OK);
	/* der_enter refuses a primitive */
	{
		struct der_reader r, c;
		struct der_tlv t;

		n = hex("04 01 AA", buf, sizeof(buf));
		der_reader_init(&r, buf, n);
		assert_int_equal(der_read(&r, &t), IOT_OK);
		assert_int_equal(der_enter(&r, &t, &c), IOT_E_DER_PRIMITIVE);
	}
}

static void test_primitives(void **state)
{
	struct der_tlv t;
	int64_t v;
	bool b;
	uint64_t bits;
	(void)state;

	assert_int_equal(read_one("02 01 7F", &t), IOT_OK);
	assert_int_equal(der_get_int64(&t, &v), IOT_OK);
	assert_int_equal(v, 127);
	assert_int_equal(read_one("02 02 0080", &t), IOT_OK);
	assert_int_equal(der_get_int64(&t, &v), IOT_OK);
	assert_int_equal(v, 128);
	assert_int_equal(read_one("02 01 FF", &t), IOT_OK);
	assert_int_equal(der_get_int64(&t, &v), IOT_OK);
	assert_int_equal(v, -1);
	assert_int_equal(read_one("02 02 007F", &t), IOT_OK);
	assert_int_equal(der_get_int64(&t, &v), IOT_E_ASN1_VALUE);
	assert_int_equal(read_one("02 02 FF80", &t), IOT_OK);
	assert_int_equal(der_get_int64(&t, &v), IOT_E_ASN1_VALUE);
	assert_int_equal(read_one("02 00", &t), IOT_OK);
	assert_int_equal(der_get_int64(&t, &v), IOT_E_ASN1_VALUE);
	assert_int_equal(read_one("02 09 010000000000000000", &t), IOT_OK);
	assert_int_equal(der_get_int64(&t, &v), IOT_E_ASN1_RANGE);
	assert_int_equal(read_one("01 01 FF", &t), IOT_OK);
	assert_int_equal(der_get_bool(&t, &b), IOT_OK);
	assert_true(b);
	assert_int_equal(read_one("01 02 FFFF", &t), IOT_OK);
	assert_int_equal(der_get_bool(&t, &b), IOT_E_ASN1_VALUE);
	assert_int_equal(read_one("05 01 00", &t), IOT_OK);
	assert_int_equal(der_get_null(&t), IOT_E_ASN1_VALUE);
	/* NotificationEvent with notificationDisable(2): 03 02 05 20 */
	assert_int_equal(read_one("03 02 05 20", &t), IOT_OK);
	assert_int_equal(der_get_bits(&t, &bits), IOT_OK);
	assert_int_equal(bits, 1u << 2);
	assert_int_equal(read_one("03 02 08 20", &t), IOT_OK);
	assert_int_equal(der_get_bits(&t, &bits), IOT_E_ASN1_VALUE);
	assert_int_equal(read_one("03 01 01", &t), IOT_OK);
	assert_int_equal(der_get_bits(&t, &bits), IOT_E_ASN1_VALUE);
}

static void assert_written(struct der_writer *w, const char *h)
{
	uint8_t want[512];
	size_t n = hex(h, want, sizeof(want));

	assert_int_equal(der_writer_err(w), IOT_OK);
	assert_int_equal(w->len, n);
	assert_memory_equal(w->buf, want, n);
}

static void test_writer_integers_and_bits(void **state)
{
	static const struct { int64_t v; const char *h; } ints[] = {
		{ 0, "020100" }, { 127, "02017F" }, { 128, "02020080" }, { 256, "02020100" },
		{ -1, "0201FF" }, { -128, "020180" }, { -129, "0202FF7F" },
		{ INT64_MAX, "02087FFFFFFFFFFFFFFF" }, { INT64_MIN, "02088000000000000000" },
	};
	struct der_writer w;
	size_t i;
	(void)state;

	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		der_writer_dynamic(&w);
		der_put_int64(&w, 0x02, ints[i].v);
		assert_written(&w, ints[i].h);
		der_writer_free(&w);
	}
	der_writer_dynamic(&w);
	der_put_bits(&w, 0x03, 0);               /* empty */
	der_put_bits(&w, 0x81, 1u << 0);         /* notificationInstall */
	der_put_bits(&w, 0x80, 0x3f);            /* six ipaFeatures */
	der_put_bits(&w, 0x85, 1u << 8);         /* bit 8 */
	der_put_bool(&w, 0x01, true);
	der_put_null(&w, 0x05);
	assert_written(&w, "030100 81020780 800202FC 8503070080 0101FF 0500");
	der_writer_free(&w);
}

static void test_writer_lengths(void **state)
{
	static const size_t sizes[] = { 0, 1, 127, 128, 255, 256, 65535, 65536 };
	static uint8_t value[70000];
	struct der_writer w;
	struct der_tlv t;
	size_t i, mark, outer;
	(void)state;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		der_writer_dynamic(&w);
		outer = der_begin(&w, 0xBF51);
		mark = der_begin(&w, 0x30);
		der_put_tlv(&w, 0x04, value, sizes[i]);
		der_end(&w, mark);
		der_end(&w, outer);
		assert_int_equal(der_writer_err(&w), IOT_OK);
		assert_int_equal(der_parse_one(w.buf, w.len, &t), IOT_OK);
		assert_int_equal(t.tag, 0xBF51);
		assert_int_equal(der_validate(w.buf, w.len), IOT_OK);
		der_writer_free(&w);
	}
	/* minimal lengths: 127 -> 7F, 128 -> 81 80, 256 -> 82 0100 */
	der_writer_dynamic(&w);
	der_put_len(&w, 127);
	der_put_len(&w, 128);
	der_put_len(&w, 256);
	der_put_len(&w, 65536);
	assert_written(&w, "7F 8180 820100 83010000");
	der_writer_free(&w);
}

static void test_writer_fixed_overflow(void **state)
{
	uint8_t buf[4];
	struct der_writer w;
	(void)state;

	der_writer_fixed(&w, buf, sizeof(buf));
	der_put_tlv(&w, 0x04, (const uint8_t *)"abc", 3);
	assert_int_equal(der_writer_err(&w), IOT_E_BUFFER);
	/* sticky: later writes change nothing */
	der_put_null(&w, 0x05);
	assert_int_equal(der_writer_err(&w), IOT_E_BUFFER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_multibyte_tags),
		cmocka_unit_test(test_bad_tags),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_read_header),
		cmocka_unit_test(test_overrun_and_depth),
		cmocka_unit_test(test_primitives),
		cmocka_unit_test(test_writer_integers_and_bits),
		cmocka_unit_test(test_writer_lengths),
		cmocka_unit_test(test_writer_fixed_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
