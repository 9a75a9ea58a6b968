/* The UICC commands on the enabled profile's file system (ETSI TS 102 221
 * 11.1): SELECT by file ID, path and AID, STATUS, READ and UPDATE BINARY,
 * READ and UPDATE RECORD, VERIFY PIN; access as the files' rules in EF.ARR
 * say (TS 102 221 9.2.4, expanded format). */
#include "euicc/uicc_fs.h"

#include <string.h>

#include "der/der.h"

enum {
	SW_OK = 0x9000,
	SW_WRONG_LENGTH = 0x6700,
	SW_INCOMPATIBLE = 0x6981,       /* command incompatible with the file structure */
	SW_SECURITY = 0x6982,           /* security status not satisfied */
	SW_BLOCKED = 0x6983,            /* authentication method blocked */
	SW_NO_EF = 0x6986,              /* command not allowed: no EF selected */
	SW_WRONG_DATA = 0x6A80,
	SW_FILE_NOT_FOUND = 0x6A82,
	SW_RECORD_NOT_FOUND = 0x6A83,
	SW_INCORRECT_P1P2 = 0x6A86,
	SW_REF_NOT_FOUND = 0x6A88,
	SW_WRONG_P1P2 = 0x6B00,         /* offset outside the EF */
	SW_INS_NOT_SUPPORTED = 0x6D00,
};

/* EF access modes (TS 102 221 9.2.4: AM byte of an EF) */
enum { AM_READ = 0x01, AM_UPDATE = 0x02 };

static bool is_df(const struct uicc_file *f)
{
	return f->kind == UICC_MF || f->kind == UICC_DF || f->kind == UICC_ADF;
}

void uicc_cursor_reset(struct uicc_cursor *c)
{
	*c = (struct uicc_cursor){ .df = 0, .ef = -1, .adf = -1, .record = 0 };
}

void uicc_fs_reset_security(struct uicc_fs *fs)
{
	for (size_t i = 0; i < fs->pin_count; i++)
		fs->pins[i].verified = false;
}

/* ---- access rules ---- */

/* The PIN with key reference ref for the application adf (local PINs are
 * the ADF's own; global ones the card's). */
static struct uicc_pin *find_pin(struct uicc_fs *fs, int adf, uint8_t ref)
{
	struct uicc_pin *any = NULL;

	for (size_t i = 0; i < fs->pin_count; i++) {
		if (fs->pins[i].ref != ref)
			continue;
		if (!(ref & 0x80) || fs->pins[i].df == adf)
			return &fs->pins[i];
		any = any ? any : &fs->pins[i];
	}
	return any;
}

static bool key_satisfied(struct uicc_fs *fs, int adf, uint8_t ref)
{
	struct uicc_pin *pin = find_pin(fs, adf, ref);
	bool adm = (ref & 0x7F) >= 0x0A && (ref & 0x7F) <= 0x0E;

	if (!pin)
		return false;
	/* a disabled PIN asks nothing; administrative keys are never disabled */
	return pin->verified || (!adm && !pin->enabled);
}

/* Evaluates one security condition DO (TS 102 221 9.2.4, ISO/IEC 7816-4 9.3). */
static bool condition_met(struct uicc_fs *fs, int adf, const uint8_t *p, size_t n, uint8_t tag)
{
	size_t i = 0;
	bool any = false, all = true;

	switch (tag) {
	case 0x90:
		return true;                    /* always */
	case 0x97:
		return false;                   /* never */
	case 0xA4:                              /* user authentication: '83' key reference */
		while (i + 2 <= n && i + 2 + p[i + 1] <= n) {
			if (p[i] == 0x83 && p[i + 1] == 1)
				return key_satisfied(fs, adf, p[i + 2]);
			i += 2 + p[i + 1];
		}
		return false;
	case 0xA0:                              /* OR template */
	case 0xAF:                              /* AND template */
		while (i + 2 <= n && i + 2 + p[i + 1] <= n) {
			bool met = condition_met(fs, adf, p + i + 2, p[i + 1], p[i]);

			any = any || met;
			all = all && met;
			i += 2 + p[i + 1];
		}
		return tag == 0xA0 ? any : all;
	default:
		return false;
	}
}

/* The EF.ARR a file's '8B' refers to: by its ID, or implicitly 2F06 for
 * the MF, ADFs and files under the MF, 6F06 for the others (PEDefinitions
 * Fcp.securityAttributesReferenced); looked up from the file's DF up. */
static int arr_of(const struct uicc_fs *fs, int file, uint8_t *record)
{
	const struct uicc_file *f = &fs->files[file];
	int from = is_df(f) ? file : f->parent;
	uint16_t fid;

	if (f->security_len == 3) {
		fid = (uint16_t)(f->security[0] << 8 | f->security[1]);
		*record = f->security[2];
	} else if (f->security_len == 1) {
		bool top = f->kind == UICC_MF || f->kind == UICC_ADF || f->parent == 0;

		fid = top ? 0x2F06 : 0x6F06;
		*record = f->security[0];
		if (f->kind == UICC_ADF)
			from = 0;
	} else {
		return -1;
	}
	for (int d = from; d >= 0; d = fs->files[d].parent) {
		int arr = uicc_fs_child(fs, d, fid);

		if (arr >= 0 && fs->files[arr].kind == UICC_EF_LINEAR)
			return arr;
	}
	return -1;
}

/* Whether the access mode am on file is allowed now. A file without rules
 * may be read, never updated. */
static bool allowed(struct uicc_fs *fs, const struct uicc_cursor *c, int file, uint8_t am)
{
	const struct uicc_file *arr;
	const uint8_t *p;
	uint8_t record;
	int a = arr_of(fs, file, &record);
	size_t i = 0, n;

	if (fs->files[file].security_len == 0)
		return am == AM_READ;
	if (a < 0 || !record)
		return false;
	arr = &fs->files[a];
	if ((size_t)record * arr->record_len > arr->size)
		return false;
	p = arr->data + (size_t)(record - 1) * arr->record_len;
	n = arr->record_len;
	/* pairs of an access mode DO and the condition that follows it */
	while (i + 2 <= n && p[i] != 0xFF && i + 2 + p[i + 1] <= n) {
		bool mode = p[i] == 0x80 && p[i + 1] == 1 && (p[i + 2] & am);
		size_t next = i + 2 + p[i + 1];

		if (p[i] == 0x80 || p[i] == 0x84) {
			if (next + 2 > n || next + 2 + p[next + 1] > n)
				return false;
			if (mode)
				return condition_met(fs, c->adf, p + next + 2, p[next + 1], p[next]);
			next += 2 + p[next + 1];
		}
		i = next;
	}
	return false;
}

/* ---- SELECT and STATUS ---- */

/* TS 102 221 9.5.2: 'C6' { '90' PS_DO (b8 of its first byte for the first
 * key reference: enabled), '83' each key reference }. */
static void put_pin_status(const struct uicc_fs *fs, const struct uicc_file *df, struct der_writer *out)
{
	uint8_t ps[2] = { 0 };
	size_t mark;

	if (!df->key_ref_count)
		return;
	for (size_t i = 0; i < df->key_ref_count; i++) {
		const struct uicc_pin *pin = find_pin((struct uicc_fs *)fs, -1, df->key_refs[i]);

		if (pin && pin->enabled)
			ps[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	}
	mark = der_begin(out, 0xC6);
	der_put_tlv(out, 0x90, ps, df->key_ref_count > 8 ? 2 : 1);
	for (size_t i = 0; i < df->key_ref_count; i++)
		der_put_tlv(out, 0x83, &df->key_refs[i], 1);
	der_end(out, mark);
}

/* TS 102 221 11.1.1.3: the FCP template of a file. */
static void put_fcp(const struct uicc_fs *fs, int file, struct der_writer *out)
{
	const struct uicc_file *f = &fs->files[file];
	size_t mark = der_begin(out, 0x62);
	uint8_t b[5];

	if (is_df(f)) {
		b[0] = 0x78;
		b[1] = 0x21;
		der_put_tlv(out, 0x82, b, 2);
	} else {
		b[0] = f->kind == UICC_EF_TRANSPARENT ? 0x41 : f->kind == UICC_EF_LINEAR ? 0x42 : 0x46;
		b[1] = 0x21;
		if (f->kind == UICC_EF_TRANSPARENT) {
			der_put_tlv(out, 0x82, b, 2);
		} else {
			b[2] = 0;
			b[3] = f->record_len;
			b[4] = (uint8_t)(f->size / f->record_len);
			der_put_tlv(out, 0x82, b, 5);
		}
	}
	b[0] = (uint8_t)(f->fid >> 8);
	b[1] = (uint8_t)f->fid;
	der_put_tlv(out, 0x83, b, 2);
	if (f->kind == UICC_ADF)
		der_put_tlv(out, 0x84, f->aid, f->aid_len);
	if (f->kind == UICC_MF) {
		/* 'A5' { '80' UICC characteristics: clock stop allowed, 1.8 V } */
		static const uint8_t prop[] = { 0x80, 0x01, 0x71 };

		der_put_tlv(out, 0xA5, prop, sizeof(prop));
	}
	der_put_tlv(out, 0x8A, &f->lcsi, 1);
	if (f->security_len)
		der_put_tlv(out, 0x8B, f->security, f->security_len);
	if (is_df(f)) {
		put_pin_status(fs, f, out);
	} else {
		b[0] = (uint8_t)(f->size >> 8);
		b[1] = (uint8_t)f->size;
		der_put_tlv(out, 0x80, b, 2);
		b[0] = (uint8_t)(f->sfi << 3);
		der_put_tlv(out, 0x88, b, f->sfi ? 1 : 0);
	}
	der_end(out, mark);
}

/* TS 102 221 8.4.1: a file ID names the MF, the current ADF ('7FFF'), the
 * current DF, a child of it, its parent, or a child of its parent. */
static int find_by_fid(const struct uicc_fs *fs, const struct uicc_cursor *c, uint16_t fid)
{
	int parent = fs->files[c->df].parent, at;

	if (fid == 0x3F00)
		return 0;
	if (fid == 0x7FFF)
		return c->adf;
	if (fs->files[c->df].fid == fid)
		return c->df;
	if ((at = uicc_fs_child(fs, c->df, fid)) >= 0)
		return at;
	if (parent >= 0 && fs->files[parent].fid == fid)
		return parent;
	return parent >= 0 ? uicc_fs_child(fs, parent, fid) : -1;
}

static int find_by_path(const struct uicc_fs *fs, const struct uicc_cursor *c, int from, const uint8_t *p, size_t n)
{
	int at = from;

	if (n == 0 || n % 2)
		return -2;
	for (size_t i = 0; i < n && at >= 0; i += 2) {
		uint16_t fid = (uint16_t)(p[i] << 8 | p[i + 1]);

		if (fid == 0x7FFF && i == 0)
			at = c->adf;
		else if (!is_df(&fs->files[at]))
			at = -1;
		else
			at = uicc_fs_child(fs, at, fid);
	}
	return at;
}

/* TS 102 221 8.2.1: an AID, possibly right-truncated, names an ADF. */
static int find_by_aid(const struct uicc_fs *fs, const uint8_t *aid, size_t n)
{
	for (size_t i = 1; i < fs->count; i++)
		if (fs->files[i].kind == UICC_ADF && n >= 5 && n <= fs->files[i].aid_len &&
		    !memcmp(fs->files[i].aid, aid, n))
			return (int)i;
	return -1;
}

static unsigned do_select(struct uicc_fs *fs, struct uicc_cursor *c, uint8_t p1, uint8_t p2, const uint8_t *data,
			  size_t lc, struct der_writer *out)
{
	int at;

	/* TS 102 221 11.1.1.2: P2 '04' FCP, '0C' no data ('00' taken as '04') */
	if ((p2 & ~0x03) != 0x04 && (p2 & ~0x03) != 0x0C && (p2 & ~0x03) != 0x00)
		return SW_INCORRECT_P1P2;
	switch (p1) {
	case 0x00:
		if (lc != 0 && lc != 2)
			return SW_WRONG_LENGTH;
		at = lc ? find_by_fid(fs, c, (uint16_t)(data[0] << 8 | data[1])) : 0;
		break;
	case 0x03:
		at = fs->files[c->df].parent;
		break;
	case 0x04:
		at = lc ? find_by_aid(fs, data, lc) : -1;
		break;
	case 0x08:
		at = find_by_path(fs, c, 0, data, lc);
		break;
	case 0x09:
		at = find_by_path(fs, c, c->df, data, lc);
		break;
	default:
		return SW_INCORRECT_P1P2;
	}
	if (at == -2)
		return SW_WRONG_LENGTH;
	if (at < 0)
		return SW_FILE_NOT_FOUND;
	if (is_df(&fs->files[at])) {
		c->df = at;
		c->ef = -1;
		if (fs->files[at].kind == UICC_ADF)
			c->adf = at;
		else if (at == 0)
			c->adf = -1;
	} else {
		c->df = fs->files[at].parent;
		c->ef = at;
	}
	c->record = 0;
	if ((p2 & 0x0C) == 0x04 || (p2 & 0x0C) == 0x00)
		put_fcp(fs, at, out);
	return SW_OK;
}

static unsigned do_status(struct uicc_fs *fs, const struct uicc_cursor *c, uint8_t p2, struct der_writer *out)
{
	/* TS 102 221 11.1.2: the current DF's FCP ('00'), its AID ('01'), or nothing ('0C') */
	if (p2 == 0x00)
		put_fcp(fs, c->df, out);
	else if (p2 == 0x01 && c->adf >= 0)
		der_put_tlv(out, 0x84, fs->files[c->adf].aid, fs->files[c->adf].aid_len);
	else if (p2 != 0x0C && p2 != 0x01)
		return SW_INCORRECT_P1P2;
	return SW_OK;
}

/* ---- EF access ---- */

/* P1 b8 set: an SFI in b5-b1 names the EF (and makes it current). */
static unsigned ef_by_sfi(struct uicc_fs *fs, struct uicc_cursor *c, uint8_t sfi)
{
	for (size_t i = 1; i < fs->count; i++)
		if (fs->files[i].parent == c->df && fs->files[i].sfi == sfi && !is_df(&fs->files[i])) {
			c->ef = (int)i;
			c->record = 0;
			return SW_OK;
		}
	return SW_FILE_NOT_FOUND;
}

static unsigned do_binary(struct uicc_fs *fs, struct uicc_cursor *c, bool update, uint8_t p1, uint8_t p2,
			  const uint8_t *data, size_t lc, size_t le, struct der_writer *out)
{
	struct uicc_file *f;
	size_t offset;
	unsigned sw;

	if (p1 & 0x80) {
		if (p1 & 0x60)
			return SW_INCORRECT_P1P2;
		if ((sw = ef_by_sfi(fs, c, p1 & 0x1F)) != SW_OK)
			return sw;
		offset = p2;
	} else {
		offset = (size_t)p1 << 8 | p2;
	}
	if (c->ef < 0)
		return SW_NO_EF;
	f = &fs->files[c->ef];
	if (f->kind != UICC_EF_TRANSPARENT)
		return SW_INCOMPATIBLE;
	if (!allowed(fs, c, c->ef, update ? AM_UPDATE : AM_READ))
		return SW_SECURITY;
	if (offset > f->size || (offset == f->size && (update || le)))
		return SW_WRONG_P1P2;
	if (update) {
		if (!lc || lc > f->size - offset)
			return SW_WRONG_LENGTH;
		memcpy(f->data + offset, data, lc);
		return SW_OK;
	}
	le = le ? le : 256;
	der_put_raw(out, f->data + offset, le < f->size - offset ? le : f->size - offset);
	return SW_OK;
}

static unsigned do_record(struct uicc_fs *fs, struct uicc_cursor *c, bool update, uint8_t p1, uint8_t p2,
			  const uint8_t *data, size_t lc, struct der_writer *out)
{
	struct uicc_file *f;
	unsigned sw;
	int count, record, mode = p2 & 0x07;

	if (p2 >> 3) {
		if ((sw = ef_by_sfi(fs, c, p2 >> 3)) != SW_OK)
			return sw;
	}
	if (c->ef < 0)
		return SW_NO_EF;
	f = &fs->files[c->ef];
	if (f->kind != UICC_EF_LINEAR && f->kind != UICC_EF_CYCLIC)
		return SW_INCOMPATIBLE;
	count = (int)(f->size / f->record_len);
	/* TS 102 221 11.1.5.2: '04' absolute (P1 0: the current one), '02' next, '03' previous */
	if (mode == 0x04)
		record = p1 ? p1 : c->record;
	else if (mode == 0x02 && !p1)
		record = c->record < count ? c->record + 1 : f->kind == UICC_EF_CYCLIC ? 1 : count + 1;
	else if (mode == 0x03 && !p1)
		record = c->record > 1 ? c->record - 1 : f->kind == UICC_EF_CYCLIC || !c->record ? count : 0;
	else
		return SW_INCORRECT_P1P2;
	if (!allowed(fs, c, c->ef, update ? AM_UPDATE : AM_READ))
		return SW_SECURITY;
	if (update && f->kind == UICC_EF_CYCLIC) {
		/* TS 102 221 11.1.6: a cyclic EF is updated by previous only: the
		 * oldest record is written and becomes record 1 */
		if (mode != 0x03)
			return SW_INCORRECT_P1P2;
		if (lc != f->record_len)
			return SW_WRONG_LENGTH;
		memmove(f->data + f->record_len, f->data, f->size - f->record_len);
		memcpy(f->data, data, lc);
		c->record = 1;
		return SW_OK;
	}
	if (record < 1 || record > count)
		return SW_RECORD_NOT_FOUND;
	c->record = record;
	if (update) {
		if (lc != f->record_len)
			return SW_WRONG_LENGTH;
		memcpy(f->data + (size_t)(record - 1) * f->record_len, data, lc);
		return SW_OK;
	}
	der_put_raw(out, f->data + (size_t)(record - 1) * f->record_len, f->record_len);
	return SW_OK;
}

/* TS 102 221 11.1.9: VERIFY PIN; no data asks for the retries left. */
static unsigned do_verify(struct uicc_fs *fs, const struct uicc_cursor *c, uint8_t p1, uint8_t p2,
			  const uint8_t *data, size_t lc)
{
	struct uicc_pin *pin;

	if (p1 != 0x00)
		return SW_INCORRECT_P1P2;
	if (!(pin = find_pin(fs, c->adf, p2)))
		return SW_REF_NOT_FOUND;
	if (!pin->tries)
		return SW_BLOCKED;
	if (!lc)
		return pin->verified || !pin->enabled ? SW_OK : 0x63C0u | pin->tries;
	if (lc != sizeof(pin->value))
		return SW_WRONG_LENGTH;
	if (!memcmp(pin->value, data, sizeof(pin->value))) {
		pin->verified = true;
		pin->tries = pin->max_tries;
		return SW_OK;
	}
	pin->verified = false;
	pin->tries--;
	return pin->tries ? 0x63C0u | pin->tries : SW_BLOCKED;
}

unsigned uicc_fs_command(struct uicc_fs *fs, struct uicc_cursor *c, uint8_t ins, uint8_t p1, uint8_t p2,
			 const uint8_t *data, size_t lc, size_t le, struct der_writer *out)
{
	if (c->df < 0 || (size_t)c->df >= fs->count || c->ef >= (int)fs->count || c->adf >= (int)fs->count)
		uicc_cursor_reset(c);
	switch (ins) {
	case 0xA4:
		return do_select(fs, c, p1, p2, data, lc, out);
	case 0xF2:
		return do_status(fs, c, p2, out);
	case 0xB0:
		return do_binary(fs, c, false, p1, p2, data, lc, le, out);
	case 0xD6:
		return do_binary(fs, c, true, p1, p2, data, lc, le, out);
	case 0xB2:
		return do_record(fs, c, false, p1, p2, data, lc, out);
	case 0xDC:
		return do_record(fs, c, true, p1, p2, data, lc, out);
	case 0x20:
		return do_verify(fs, c, p1, p2, data, lc);
	default:
		return SW_INS_NOT_SUPPORTED;
	}
}
