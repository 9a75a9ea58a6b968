/* The enabled profile's file system from its profile package: the SAIP
 * profile elements (TCA eUICC Profile Package, PEDefinitions) that create
 * files. Template elements name their files by position; the file IDs
 * below are those of ETSI TS 102 221 and TS 31.102. What a template gives
 * by default and the element leaves out (a file's size, its structure) is
 * taken from the tables; a file neither gives is left out. */
#include "euicc/uicc_fs.h"

#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "der/der.h"

struct tmpl_file {
	uint16_t fid;
	enum uicc_kind kind;
	uint16_t size;                  /* default body size (0: from the element) */
	uint8_t record_len;             /* default record length */
};

#define T(fid, size) { fid, UICC_EF_TRANSPARENT, size, 0 }
#define L(fid, rl) { fid, UICC_EF_LINEAR, 0, rl }

/* PE-MF: mf, ef-pl, ef-iccid, ef-dir, ef-arr, ef-umpc (TS 102 221 13) */
static const struct tmpl_file mf_files[] = {
	{ 0x3F00, UICC_MF, 0, 0 }, T(0x2F05, 0), T(0x2FE2, 10), L(0x2F00, 0), L(0x2F06, 0), T(0x2F08, 5),
};
/* PE-USIM: adf-usim and its mandatory and usual EFs (TS 31.102 4.2) */
static const struct tmpl_file usim_files[] = {
	{ 0x7FF0, UICC_ADF, 0, 0 }, T(0x6F07, 9), L(0x6F06, 0), T(0x6F08, 33), T(0x6F09, 33), T(0x6F31, 1),
	T(0x6F38, 0), L(0x6F3B, 0), L(0x6F3C, 176), L(0x6F42, 0), T(0x6F43, 2), T(0x6F46, 17), T(0x6F56, 0),
	T(0x6F5B, 6), T(0x6F5C, 3), T(0x6F73, 14), T(0x6F78, 2), T(0x6F7B, 12), T(0x6F7E, 11), T(0x6FAD, 4),
	L(0x6FB7, 0), T(0x6FC4, 0), T(0x6FE3, 18), L(0x6FE4, 0),
};
/* PE-OPT-USIM: the first EFs of its template, in the USIM ADF (TS 31.102 4.2) */
static const struct tmpl_file opt_usim_files[] = {
	T(0x6F05, 0), T(0x6F37, 3), { 0x6F39, UICC_EF_CYCLIC, 0, 3 }, T(0x6F3E, 0), T(0x6F3F, 0), L(0x6F40, 0),
	T(0x6F41, 5), T(0x6F45, 0), T(0x6F48, 0), L(0x6F49, 0), L(0x6F4B, 13), L(0x6F4C, 13), T(0x6F50, 0),
	T(0x6F60, 0), T(0x6F61, 0), T(0x6F62, 0), T(0x6F2C, 0), T(0x6F32, 0), L(0x6F47, 0), L(0x6F4D, 0),
	L(0x6F4E, 13), L(0x6F4F, 0), L(0x6F55, 13),
};
/* PE-TELECOM: DF.TELECOM and its first EFs (TS 31.102 4.4) */
static const struct tmpl_file telecom_files[] = {
	{ 0x7F10, UICC_DF, 0, 0 }, L(0x6F06, 0), L(0x6F53, 0), T(0x6F54, 0), L(0x6FE0, 0), L(0x6FE1, 0), L(0x6FE5, 0),
};
#undef T
#undef L

/* ProfileElement alternatives (automatic tags) this reads */
enum {
	PE_GENERIC_FILE_MANAGEMENT = 0xA1,
	PE_PIN_CODES = 0xA2,
	PE_MF = 0xB0,
	PE_TELECOM = 0xB2,
	PE_USIM = 0xB3,
	PE_OPT_USIM = 0xB4,
};

/* What one Fcp gives (TS 102 222 coding); has_* for what it leaves out. */
struct fcp {
	const uint8_t *descriptor;
	size_t descriptor_len;
	bool has_fid, has_size, has_sfi, has_lcsi;
	uint16_t fid;
	size_t size;
	uint8_t sfi, lcsi;
	const uint8_t *aid, *security, *key_refs;
	size_t aid_len, security_len, key_ref_count;
};

struct build {
	struct uicc_fs *fs;
	int df;                         /* where a template's or a command's files go */
	int ef;                         /* genericFileManagement: the file being filled */
	size_t pos;                     /* ... and where in it */
	int usim;                       /* the USIM ADF, for PE-OPT-USIM */
};

static iot_err parse_fcp(const struct der_reader *parent, const struct der_tlv *t, struct fcp *f)
{
	struct der_reader r;
	struct der_tlv e;
	iot_err err;

	memset(f, 0, sizeof(*f));
	if ((err = der_enter(parent, t, &r)) != IOT_OK)
		return err;
	while (!der_reader_done(&r)) {
		if ((err = der_read(&r, &e)) != IOT_OK)
			return err;
		switch (e.tag) {
		case 0x82:
			if (e.len < 2 || e.len > 4)
				return IOT_E_ASN1_VALUE;
			f->descriptor = e.value;
			f->descriptor_len = e.len;
			break;
		case 0x83:
			if (e.len != 2)
				return IOT_E_ASN1_VALUE;
			f->has_fid = true;
			f->fid = (uint16_t)(e.value[0] << 8 | e.value[1]);
			break;
		case 0x84:
			if (e.len < 5 || e.len > 16)
				return IOT_E_ASN1_VALUE;
			f->aid = e.value;
			f->aid_len = e.len;
			break;
		case 0x8A:
			if (e.len != 1)
				return IOT_E_ASN1_VALUE;
			f->has_lcsi = true;
			f->lcsi = e.value[0];
			break;
		case 0x8B:
			if (e.len < 1 || e.len > 3)
				return IOT_E_ASN1_VALUE;
			f->security = e.value;
			f->security_len = e.len;
			break;
		case 0x80:
			if (e.len < 1 || e.len > 3)
				return IOT_E_ASN1_VALUE;
			f->has_size = true;
			for (size_t i = 0; i < e.len; i++)
				f->size = f->size << 8 | e.value[i];
			break;
		case 0xC6:
			/* PEDefinitions Fcp.pinStatusTemplateDO: the DF's key references;
			 * the eUICC makes the 'C6' of TS 102 221 from them */
			if (e.len > sizeof(((struct uicc_file *)0)->key_refs))
				return IOT_E_ASN1_VALUE;
			f->key_refs = e.value;
			f->key_ref_count = e.len;
			break;
		case 0x88:
			/* PEDefinitions Fcp.shortEFID: empty means no SFI */
			if (e.len > 1)
				return IOT_E_ASN1_VALUE;
			f->has_sfi = true;
			f->sfi = e.len ? (uint8_t)(e.value[0] >> 3) : 0;
			break;
		default:
			break;                  /* proprietary information, link paths: not presented */
		}
	}
	return IOT_OK;
}

/* TS 102 221 11.1.1.4.3: the file descriptor byte's structure */
static enum uicc_kind kind_of(const uint8_t *d)
{
	if ((d[0] & 0x38) == 0x38)
		return UICC_DF;
	switch (d[0] & 0x07) {
	case 1:
		return UICC_EF_TRANSPARENT;
	case 2:
		return UICC_EF_LINEAR;
	case 6:
		return UICC_EF_CYCLIC;
	default:
		return 0;               /* BER-TLV EFs: not presented */
	}
}

static bool is_df(enum uicc_kind k)
{
	return k == UICC_MF || k == UICC_DF || k == UICC_ADF;
}

int uicc_fs_child(const struct uicc_fs *fs, int df, uint16_t fid)
{
	for (size_t i = 1; i < fs->count; i++)
		if (fs->files[i].parent == df && fs->files[i].fid == fid)
			return (int)i;
	return -1;
}

/* Adds a file to the DF at index parent; its index, or -1 (and err set). */
static int add_file(struct build *b, int parent, const struct fcp *f, const struct tmpl_file *dflt, iot_err *err)
{
	struct uicc_fs *fs = b->fs;
	struct uicc_file *n;
	enum uicc_kind kind = f->descriptor ? kind_of(f->descriptor) : dflt ? dflt->kind : 0;
	uint16_t fid = f->has_fid ? f->fid : dflt ? dflt->fid : 0;
	size_t size = f->has_size ? f->size : dflt ? dflt->size : 0;
	uint8_t record_len = dflt ? dflt->record_len : 0;

	if (dflt && dflt->kind == UICC_MF)
		return 0;                       /* the MF exists from the start; its attributes follow */
	if (kind == UICC_DF && dflt && dflt->kind == UICC_ADF)
		kind = UICC_ADF;
	if (kind == UICC_DF && f->aid)
		kind = UICC_ADF;
	if (f->descriptor && f->descriptor_len == 4)
		record_len = f->descriptor[3];
	if (!kind || !fid || fid == 0x3F00 || (!is_df(kind) && (!size || size > 0xFFFF)) ||
	    ((kind == UICC_EF_LINEAR || kind == UICC_EF_CYCLIC) && (!record_len || size % record_len)))
		return -1;                      /* a file this cannot present: left out */
	if (uicc_fs_child(fs, parent, fid) >= 0 || fs->count >= UICC_MAX_FILES) {
		*err = IOT_E_ASN1_VALUE;               /* two files with one ID in a DF, or too many */
		return -1;
	}
	n = &fs->files[fs->count];
	memset(n, 0, sizeof(*n));
	n->parent = parent;
	n->fid = fid;
	n->kind = kind;
	n->lcsi = f->has_lcsi ? f->lcsi : 0x05;
	n->sfi = f->has_sfi ? f->sfi : 0;
	if (kind == UICC_ADF) {
		/* TS 31.102 4.1: without a dfName, the USIM's RID and PIX prefix */
		static const uint8_t usim_aid[] = { 0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02 };

		n->aid_len = f->aid ? f->aid_len : sizeof(usim_aid);
		memcpy(n->aid, f->aid ? f->aid : usim_aid, n->aid_len);
	}
	if (f->security) {
		memcpy(n->security, f->security, f->security_len);
		n->security_len = f->security_len;
	}
	if (f->key_refs) {
		memcpy(n->key_refs, f->key_refs, f->key_ref_count);
		n->key_ref_count = f->key_ref_count;
	}
	if (!is_df(kind)) {
		n->record_len = kind == UICC_EF_TRANSPARENT ? 0 : record_len;
		n->size = size;
		if (!(n->data = malloc(size))) {
			*err = IOT_E_NOMEM;
			return -1;
		}
		memset(n->data, 0xFF, size);    /* PEDefinitions: content not filled is 'FF' */
	}
	return (int)fs->count++;
}

/* Writes fillFileContent at the fill position of the EF (bounded by its body). */
static void fill(struct build *b, const struct der_tlv *t)
{
	struct uicc_file *f;
	size_t n;

	if (b->ef < 0)
		return;
	f = &b->fs->files[b->ef];
	if (b->pos >= f->size)
		return;
	n = t->len < f->size - b->pos ? t->len : f->size - b->pos;
	memcpy(f->data + b->pos, t->value, n);
	b->pos += n;
}

static iot_err fill_offset(struct build *b, const struct der_tlv *t)
{
	int64_t v;
	iot_err err = der_get_int64(t, &v);

	if (err == IOT_OK && (v < 0 || v > 0xFFFF))
		err = IOT_E_ASN1_VALUE;
	if (err == IOT_OK)
		b->pos += (size_t)v;
	return err;
}

/* One File of a template element: [doNotCreate], [Fcp], then fills; the
 * MF's attributes (it exists from the start) are taken from its Fcp. */
static iot_err template_file(struct build *b, const struct der_reader *pe, const struct der_tlv *t,
			     const struct tmpl_file *dflt, int parent, int *index)
{
	struct der_reader r;
	struct der_tlv e;
	struct fcp f = { 0 };
	iot_err err = IOT_OK;

	*index = -1;
	if ((err = der_enter(pe, t, &r)) != IOT_OK)
		return err;
	while (!der_reader_done(&r)) {
		if ((err = der_read(&r, &e)) != IOT_OK)
			return err;
		if (e.tag == 0x80)
			return IOT_OK;          /* doNotCreate */
		if (e.tag == 0xA1 && (err = parse_fcp(&r, &e, &f)) != IOT_OK)
			return err;
	}
	if (dflt && dflt->kind == UICC_MF) {
		struct uicc_file *mf = &b->fs->files[0];

		if (f.security) {
			memcpy(mf->security, f.security, f.security_len);
			mf->security_len = f.security_len;
		}
		if (f.key_refs) {
			memcpy(mf->key_refs, f.key_refs, f.key_ref_count);
			mf->key_ref_count = f.key_ref_count;
		}
		*index = 0;
		return IOT_OK;
	}
	*index = add_file(b, parent, &f, dflt, &err);
	if (*index < 0)
		return err;
	b->ef = is_df(b->fs->files[*index].kind) ? -1 : *index;
	b->pos = 0;
	der_enter(pe, t, &r);
	while (!der_reader_done(&r) && der_read(&r, &e) == IOT_OK && err == IOT_OK) {
		if (e.tag == 0x83)
			fill(b, &e);
		else if (e.tag == 0x82)
			err = fill_offset(b, &e);
	}
	return err;
}

/* A template element: header [0], templateID [1], then its Files [2].. in
 * the order of the table; the first is the DF the others go in, unless
 * the element adds to a DF made before (opt-usim). */
static iot_err template_pe(struct build *b, const struct der_reader *top, const struct der_tlv *pe,
			   const struct tmpl_file *table, size_t n, int parent)
{
	struct der_reader r;
	struct der_tlv e;
	int df = parent, index;
	iot_err err;

	if ((err = der_enter(top, pe, &r)) != IOT_OK)
		return err;
	while (!der_reader_done(&r)) {
		size_t k;

		if ((err = der_read(&r, &e)) != IOT_OK)
			return err;
		if (e.tag < 0xA2 || e.tag > 0xBE)
			continue;               /* header, templateID (and tags this does not know) */
		k = e.tag - 0xA2;
		if (k >= n || parent < 0)
			continue;               /* a file of the template past the table: left out */
		if ((err = template_file(b, &r, &e, &table[k], k == 0 ? parent : df, &index)) != IOT_OK)
			return err;
		if (index >= 0 && is_df(b->fs->files[index].kind))
			df = index;
	}
	b->df = df;
	return IOT_OK;
}

/* A file path from the MF (SAIP 8.3.5: file IDs, temporary ones for ADFs). */
static int resolve_path(const struct uicc_fs *fs, const uint8_t *p, size_t len)
{
	int at = 0;

	if (len % 2)
		return -1;
	for (size_t i = 0; i < len && at >= 0; i += 2) {
		uint16_t fid = (uint16_t)(p[i] << 8 | p[i + 1]);

		if (i == 0 && fid == 0x3F00)
			continue;
		at = uicc_fs_child(fs, at, fid);
	}
	return at;
}

/* PE-GenericFileManagement: commands, each a sequence of filePath,
 * createFCP, fillFileOffset and fillFileContent. */
static iot_err generic_pe(struct build *b, const struct der_reader *top, const struct der_tlv *pe)
{
	struct der_reader r, cmds, cmd;
	struct der_tlv e, c, x;
	iot_err err;

	if ((err = der_enter(top, pe, &r)) != IOT_OK)
		return err;
	while (!der_reader_done(&r)) {
		if ((err = der_read(&r, &e)) != IOT_OK)
			return err;
		if (e.tag != 0xA1)
			continue;
		if ((err = der_enter(&r, &e, &cmds)) != IOT_OK)
			return err;
		while (!der_reader_done(&cmds)) {
			if ((err = der_read(&cmds, &c)) != IOT_OK || (err = der_enter(&cmds, &c, &cmd)) != IOT_OK)
				return err;
			while (!der_reader_done(&cmd)) {
				if ((err = der_read(&cmd, &x)) != IOT_OK)
					return err;
				if (x.tag == 0x80) {            /* filePath: where the next files go */
					int at = resolve_path(b->fs, x.value, x.len);

					/* in a DF not presented (a template left out): its files too */
					b->df = at < 0 ? -1 : is_df(b->fs->files[at].kind) ? at : b->fs->files[at].parent;
					b->ef = at < 0 || is_df(b->fs->files[at].kind) ? -1 : at;
					b->pos = 0;
				} else if (x.tag == 0x62) {     /* createFCP */
					struct fcp f;
					int at;

					if ((err = parse_fcp(&cmd, &x, &f)) != IOT_OK)
						return err;
					if (b->df < 0)
						continue;
					at = add_file(b, b->df, &f, NULL, &err);
					if (err != IOT_OK)
						return err;
					if (at >= 0 && is_df(b->fs->files[at].kind))
						b->df = at;
					b->ef = at >= 0 && !is_df(b->fs->files[at].kind) ? at : -1;
					b->pos = 0;
				} else if (x.tag == 0x81) {
					fill(b, &x);
				} else if (x.tag == 0x02 && (err = fill_offset(b, &x)) != IOT_OK) {
					return err;
				}
			}
		}
	}
	return IOT_OK;
}

/* PE-PINCodes: pinconfig [0] { PINConfiguration... } in the context of the
 * DF made last (the MF's PINs are global, an ADF's local). */
static iot_err pin_pe(struct build *b, const struct der_reader *top, const struct der_tlv *pe)
{
	struct der_reader r, choice, list, cfg;
	struct der_tlv e, c, item, x;
	iot_err err;

	if ((err = der_enter(top, pe, &r)) != IOT_OK)
		return err;
	while (!der_reader_done(&r)) {
		if ((err = der_read(&r, &e)) != IOT_OK)
			return err;
		if (e.tag != 0xA1)
			continue;
		if ((err = der_enter(&r, &e, &choice)) != IOT_OK || (err = der_read(&choice, &c)) != IOT_OK)
			return err;
		if (c.tag != 0xA0)
			continue;               /* filePath: PINs shared with another DF, kept there */
		if ((err = der_enter(&choice, &c, &list)) != IOT_OK)
			return err;
		while (!der_reader_done(&list)) {
			/* the defaults of PINConfiguration: pinAttributes 7, 3 tries of 3 */
			struct uicc_pin p = { .df = b->df, .tries = 3, .max_tries = 3, .enabled = true };
			bool has_ref = false, has_value = false;
			int64_t v;

			if ((err = der_read(&list, &item)) != IOT_OK || (err = der_enter(&list, &item, &cfg)) != IOT_OK)
				return err;
			while (!der_reader_done(&cfg)) {
				if ((err = der_read(&cfg, &x)) != IOT_OK)
					return err;
				if (x.tag == 0x80 && der_get_int64(&x, &v) == IOT_OK && v > 0 && v < 256) {
					p.ref = (uint8_t)v;
					has_ref = true;
				} else if (x.tag == 0x81 && x.len == sizeof(p.value)) {
					memcpy(p.value, x.value, sizeof(p.value));
					has_value = true;
				} else if (x.tag == 0x83 && der_get_int64(&x, &v) == IOT_OK && v >= 0 && v < 256) {
					/* pinAttributes b1: the PIN is enabled (interpretations.md) */
					p.enabled = v & 0x01;
				} else if (x.tag == 0x84 && der_get_int64(&x, &v) == IOT_OK && v >= 0 && v < 256) {
					/* maxNumOfAttemps in the high nibble, retries left in the low one */
					p.max_tries = (uint8_t)(v >> 4);
					p.tries = (uint8_t)(v & 0x0F);
				}
			}
			if (!has_ref || !has_value)
				return IOT_E_ASN1_VALUE;
			if (b->fs->pin_count < UICC_MAX_PINS)
				b->fs->pins[b->fs->pin_count++] = p;
		}
	}
	return IOT_OK;
}

iot_err uicc_fs_bare(struct uicc_fs *fs)
{
	memset(fs, 0, sizeof(*fs));
	if (!(fs->files = calloc(UICC_MAX_FILES, sizeof(*fs->files))))
		return IOT_E_NOMEM;
	fs->files[0] = (struct uicc_file){ .parent = -1, .fid = 0x3F00, .kind = UICC_MF, .lcsi = 0x05 };
	fs->count = 1;
	return IOT_OK;
}

void uicc_fs_free(struct uicc_fs *fs)
{
	for (size_t i = 0; fs->files && i < fs->count; i++)
		free(fs->files[i].data);
	free(fs->files);
	memset(fs, 0, sizeof(*fs));
}

iot_err uicc_fs_from_saip(const uint8_t *upp, size_t len, struct uicc_fs *fs)
{
	struct build b = { .fs = fs, .df = 0, .ef = -1, .usim = -1 };
	struct der_reader top;
	struct der_tlv pe;
	iot_err err;

	if ((err = uicc_fs_bare(fs)) != IOT_OK)
		return err;
	der_reader_init(&top, upp, len);
	while (err == IOT_OK && !der_reader_done(&top)) {
		if ((err = der_read(&top, &pe)) != IOT_OK)
			break;
		switch (pe.tag) {
		case PE_MF:
			err = template_pe(&b, &top, &pe, mf_files, sizeof(mf_files) / sizeof(mf_files[0]), 0);
			break;
		case PE_TELECOM:
			err = template_pe(&b, &top, &pe, telecom_files, sizeof(telecom_files) / sizeof(telecom_files[0]), 0);
			break;
		case PE_USIM:
			err = template_pe(&b, &top, &pe, usim_files, sizeof(usim_files) / sizeof(usim_files[0]), 0);
			if (err == IOT_OK && b.df > 0 && fs->files[b.df].kind == UICC_ADF)
				b.usim = b.df;
			break;
		case PE_OPT_USIM:
			/* its Files are [2].. with no DF of its own: they go in the USIM ADF */
			err = template_pe(&b, &top, &pe, opt_usim_files, sizeof(opt_usim_files) / sizeof(opt_usim_files[0]),
					  b.usim);
			break;
		case PE_GENERIC_FILE_MANAGEMENT:
			err = generic_pe(&b, &top, &pe);
			break;
		case PE_PIN_CODES:
			err = pin_pe(&b, &top, &pe);
			break;
		default:
			break;                  /* elements that create no file, or templates not presented */
		}
	}
	if (err != IOT_OK) {
		log_debug("euicc", "profile package gives no file system", "error=\"%s\"", iot_strerror(err));
		uicc_fs_free(fs);
	}
	return err;
}
