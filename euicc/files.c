/* The enabled profile's UICC file system inside the eUICC: built from the
 * profile's package when first used, again after another profile is
 * enabled; the EFs updated since installation are kept with the profile
 * (state, saved before the update is confirmed) and laid over the package
 * at every build, so an update survives power cuts and profile switches. */
#include "euicc/es10.h"

#include <string.h>

#include "base/log.h"

/* Lays the kept EF bodies over a freshly built file system. */
static void apply_kept(struct uicc_fs *fs, const struct euicc_blob *kept)
{
	struct der_reader r, in;
	struct der_tlv item, index, body;
	int64_t i;

	der_reader_init(&r, kept->ptr, kept->len);
	while (!der_reader_done(&r) && der_read(&r, &item) == IOT_OK && der_enter(&r, &item, &in) == IOT_OK &&
	       der_read(&in, &index) == IOT_OK && der_read(&in, &body) == IOT_OK) {
		if (der_get_int64(&index, &i) != IOT_OK || i <= 0 || (size_t)i >= fs->count ||
		    !fs->files[i].data || fs->files[i].size != body.len)
			continue;       /* not that file in this build: the package decides */
		memcpy(fs->files[i].data, body.value, body.len);
	}
}

struct uicc_fs *euicc_fs(struct euicc *e)
{
	const struct euicc_profile *p = euicc_enabled_profile(e);

	if (e->fs_built && (p ? e->fs_of_profile && !memcmp(e->fs_iccid, p->iccid, sizeof(e->fs_iccid))
			      : !e->fs_of_profile))
		return &e->fs;
	uicc_fs_free(&e->fs);
	e->fs_built = e->fs_of_profile = false;
	if (p && uicc_fs_from_saip(p->content.ptr, p->content.len, &e->fs) == IOT_OK) {
		apply_kept(&e->fs, &p->files);
		e->fs_of_profile = true;
		memcpy(e->fs_iccid, p->iccid, sizeof(e->fs_iccid));
		log_info("euicc", "file system of the enabled profile", "files=%zu pins=%zu", e->fs.count,
			 e->fs.pin_count);
	} else if (uicc_fs_bare(&e->fs) != IOT_OK) {
		return NULL;
	}
	e->fs_built = true;
	/* every channel starts again from the MF */
	for (int i = 0; i < EUICC_CHANNELS; i++)
		uicc_cursor_reset(&e->ch[i].cursor);
	return &e->fs;
}

iot_err euicc_fs_keep(struct euicc *e, int file)
{
	struct euicc_profile *p = euicc_enabled_profile(e);
	struct der_writer kept, snap;
	struct der_reader r, in;
	struct der_tlv item, index;
	const struct uicc_file *f;
	size_t mark;
	int64_t i;
	iot_err err;

	if (!p || !e->fs_of_profile || file <= 0 || (size_t)file >= e->fs.count)
		return IOT_E_ARG;
	f = &e->fs.files[file];
	der_writer_dynamic(&kept);
	/* the other files kept, then this one as it is now */
	der_reader_init(&r, p->files.ptr, p->files.len);
	while (!der_reader_done(&r) && der_read(&r, &item) == IOT_OK && der_enter(&r, &item, &in) == IOT_OK &&
	       der_read(&in, &index) == IOT_OK)
		if (der_get_int64(&index, &i) == IOT_OK && i != file)
			der_put_raw(&kept, item.raw, item.raw_len);
	mark = der_begin(&kept, 0x30);
	der_put_int64(&kept, 0x02, file);
	der_put_tlv(&kept, 0x04, f->data, f->size);
	der_end(&kept, mark);
	if ((err = der_writer_err(&kept)) == IOT_OK && (err = euicc_begin(e, &snap)) == IOT_OK) {
		err = euicc_blob_set(&p->files, kept.buf, kept.len);
		err = euicc_commit(e, &snap, err);
	}
	der_writer_free(&kept);
	if (err != IOT_OK) {
		/* not kept: the file system goes back to what is */
		e->fs_built = false;
		log_warn("euicc", "file update not kept", "error=\"%s\"", iot_strerror(err));
	}
	return err;
}
