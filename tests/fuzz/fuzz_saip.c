/* libFuzzer target: a profile package made into a UICC file system
 * (euicc/saip.c), then every file of it selected, read and updated, every
 * PIN verified (euicc/uicc.c), so that arbitrary FCPs, fills, access
 * rules and PIN configurations reach the commands. */
#include <stdint.h>
#include <stdlib.h>

#include "der/der.h"
#include "euicc/uicc_fs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t pin[8] = { 0x31, 0x32, 0x33, 0x34, 0xFF, 0xFF, 0xFF, 0xFF };
	static const uint8_t bytes[255] = { 0 };
	struct uicc_fs fs;
	struct uicc_cursor c;
	struct der_writer out;

	if (uicc_fs_from_saip(data, size, &fs) != IOT_OK)
		return 0;
	der_writer_dynamic(&out);
	uicc_cursor_reset(&c);
	for (size_t i = 0; i < fs.pin_count; i++)
		uicc_fs_command(&fs, &c, 0x20, 0x00, fs.pins[i].ref, pin, sizeof(pin), 0, &out);
	for (size_t i = 0; i < fs.count; i++) {
		const struct uicc_file *f = &fs.files[i];
		uint8_t path[16], n = 0;

		/* the path from the MF, then the file-system commands on it */
		for (int at = (int)i; at > 0 && n + 2 <= sizeof(path); at = fs.files[at].parent) {
			for (int k = n - 1; k >= 0; k--)
				path[k + 2] = path[k];
			path[0] = (uint8_t)(fs.files[at].fid >> 8);
			path[1] = (uint8_t)fs.files[at].fid;
			n += 2;
		}
		out.len = 0;
		uicc_fs_command(&fs, &c, 0xA4, 0x08, 0x04, path, n, 0, &out);
		out.len = 0;
		uicc_fs_command(&fs, &c, 0xF2, 0x00, 0x00, NULL, 0, 0, &out);
		if (f->kind == UICC_EF_TRANSPARENT) {
			uicc_fs_command(&fs, &c, 0xB0, 0x00, 0x00, NULL, 0, 256, &out);
			uicc_fs_command(&fs, &c, 0xD6, 0x00, 0x01, bytes, f->size > 1 ? 1 : 0, 0, &out);
		} else if (f->kind == UICC_EF_LINEAR || f->kind == UICC_EF_CYCLIC) {
			uicc_fs_command(&fs, &c, 0xB2, 0x01, 0x04, NULL, 0, 0, &out);
			uicc_fs_command(&fs, &c, 0xB2, 0x00, 0x02, NULL, 0, 0, &out);
			uicc_fs_command(&fs, &c, 0xDC, 0x01, 0x04, bytes, f->record_len, 0, &out);
			uicc_fs_command(&fs, &c, 0xDC, 0x00, 0x03, bytes, f->record_len, 0, &out);
		} else if (f->kind == UICC_ADF) {
			out.len = 0;
			uicc_fs_command(&fs, &c, 0xA4, 0x04, 0x04, f->aid, f->aid_len, 0, &out);
		}
	}
	der_writer_free(&out);
	uicc_fs_free(&fs);
	return 0;
}
