#include "saip_side.h"

#include "testutil.h"

#include <string.h>

#include "base/hex.h"
#include "der/der.h"

/* Puts tag { hex } (hex: the value as text, spaces ignored). */
static void put_hex(struct der_writer *w, uint32_t tag, const char *text)
{
	uint8_t b[512];
	char clean[1100];
	size_t n = 0, k = 0;

	for (const char *p = text; *p; p++)
		if (*p != ' ')
			clean[k++] = *p;
	clean[k] = 0;
	assert_true(k < sizeof(clean));
	assert_int_equal(hex_decode(clean, b, sizeof(b), &n), IOT_OK);
	der_put_tlv(w, tag, b, n);
}

/* A File: [fcp] then its content, under its field tag. */
static void file(struct der_writer *w, uint32_t field, const char *fcp, const char *content)
{
	size_t m = der_begin(w, field);

	if (fcp)
		put_hex(w, 0xA1, fcp);
	if (content)
		put_hex(w, 0x83, content);
	der_end(w, m);
}

/* Records of rl bytes each, from their beginnings, padded with 'FF'. */
static void records(char *out, size_t cap, size_t rl, const char *const *recs, size_t n)
{
	size_t at = 0;

	for (size_t i = 0; i < n; i++) {
		size_t k = 0;

		for (const char *p = recs[i]; *p; p++)
			if (*p != ' ')
				out[at + k++] = *p;
		assert_true(k <= 2 * rl && at + 2 * rl < cap);
		while (k < 2 * rl)
			out[at + k++] = 'F';
		at += k;
	}
	out[at] = 0;
}

static void header(struct der_writer *w, int id)
{
	size_t m = der_begin(w, 0xA0);

	der_put_int64(w, 0x81, id);
	der_end(w, m);
}

size_t saip_test_profile(const uint8_t iccid[10], uint8_t *buf, size_t cap)
{
	struct der_writer w;
	char iccid_hex[21], arr[200];
	size_t m, g, c;

	der_writer_fixed(&w, buf, cap);
	hex_encode(iccid, 10, iccid_hex);
	/* ProfileHeader: major 2, minor 3, iccid */
	m = der_begin(&w, 0xA0);
	der_put_int64(&w, 0x80, 2);
	der_put_int64(&w, 0x81, 3);
	put_hex(&w, 0x83, iccid_hex);
	der_put_tlv(&w, 0xA5, NULL, 0);
	der_put_tlv(&w, 0xA6, NULL, 0);
	der_end(&w, m);

	/* PE-MF: templateID 2.23.143.1.2.1 */
	m = der_begin(&w, 0xB0);
	header(&w, 1);
	put_hex(&w, 0x81, "67810F010201");
	file(&w, 0xA2, "8B0101 C602 010A", NULL);
	file(&w, 0xA3, "82024121 83022F05 8B0102 800106", "656E");
	file(&w, 0xA4, "8B0103", iccid_hex);
	/* EF.DIR record 1: '61' { '4F' the USIM's AID (RID and PIX prefix), '50' "USIM" } */
	file(&w, 0xA5, "820442210026 83022F00 8B0101 80014C", "610F 4F07A0000000871002 500455534D49");
	{
		/* 1: read always, update ADM1; 2: read and update always; 3: read always, update never */
		static const char *const rules[] = { "800101 9000 800102 A406 83010A 950108", "800103 9000",
						     "800101 9000 800102 9700" };

		records(arr, sizeof(arr), 0x20, rules, 3);
	}
	file(&w, 0xA6, "820442210020 83022F06 8B0101 800160", arr);
	der_end(&w, m);

	/* PE-PINCodes: pinconfig { PIN1 "1234", 3 tries; ADM1 "88888888", 10 } */
	m = der_begin(&w, 0xA2);
	header(&w, 2);
	g = der_begin(&w, 0xA1);
	c = der_begin(&w, 0xA0);
	put_hex(&w, 0x30, "800101 810831323334FFFFFFFF 830107 840133");
	put_hex(&w, 0x30, "80010A 81083838383838383838 830103 8401AA");
	der_end(&w, c);
	der_end(&w, g);
	der_end(&w, m);

	/* PE-USIM: templateID 2.23.143.1.2.4 */
	m = der_begin(&w, 0xB3);
	header(&w, 3);
	put_hex(&w, 0x81, "67810F010204");
	file(&w, 0xA2, "82027821 83027FF1 8410" SAIP_USIM_AID " 8B0101 C603 01810A", NULL);
	file(&w, 0xA3, "82024121 83026F07 8B0102 800109", SAIP_IMSI);
	{
		/* 1: read always, update ADM1; 2: read and update with PIN1 */
		static const char *const rules[] = { "800101 9000 800102 A406 83010A 950108",
						     "800103 A406 830101 950108" };

		records(arr, sizeof(arr), 0x20, rules, 2);
	}
	file(&w, 0xA4, "820442210020 83026F06 8B0101 800140", arr);
	file(&w, 0xB5, NULL, "00000002");             /* ef-ad [21]: the template's file */
	der_end(&w, m);

	/* PE-GenericFileManagement: DF 7F66 in the MF, EF 6F01 in it */
	m = der_begin(&w, 0xA1);
	header(&w, 4);
	g = der_begin(&w, 0xA1);
	c = der_begin(&w, 0x30);
	der_put_tlv(&w, 0x80, NULL, 0);
	put_hex(&w, 0x62, "82027821 83027F66 8B0101");
	put_hex(&w, 0x62, "82024121 83026F01 8B032F0602 800104");
	put_hex(&w, 0x81, "CAFE");
	der_put_int64(&w, 0x02, 1);
	put_hex(&w, 0x81, "BB");
	der_end(&w, c);
	der_end(&w, g);
	der_end(&w, m);

	/* PE-End */
	m = der_begin(&w, 0xAA);
	header(&w, 5);
	der_end(&w, m);
	assert_int_equal(der_writer_err(&w), IOT_OK);
	return w.len;
}
