/* The UICC file system an eUICC presents for its enabled profile (ETSI TS
 * 102 221): built from the profile's package (the SAIP profile elements
 * of the TCA eUICC Profile Package specification), then selected, read
 * and updated through ISO/IEC 7816-4 commands as any UICC's. */
#ifndef IOT_EUICC_UICC_FS_H
#define IOT_EUICC_UICC_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

enum uicc_kind {
	UICC_MF = 1,
	UICC_DF,
	UICC_ADF,
	UICC_EF_TRANSPARENT,
	UICC_EF_LINEAR,
	UICC_EF_CYCLIC,
};

struct uicc_file {
	int parent;                     /* index of the DF it is in; -1 for the MF */
	uint16_t fid;                   /* for an ADF, the profile's temporary file ID */
	enum uicc_kind kind;
	uint8_t sfi;                    /* short EF identifier, 0: none */
	uint8_t lcsi;                   /* life cycle status (TS 102 221 11.1.1.4.9) */
	uint8_t aid[16];                /* an ADF's name */
	size_t aid_len;
	uint8_t security[3];            /* '8B': ARR file ID and record, or the record only */
	size_t security_len;
	uint8_t key_refs[16];           /* a DF's PINs, as its 'C6' lists them */
	size_t key_ref_count;
	uint8_t record_len;             /* linear fixed and cyclic EFs */
	size_t size;                    /* an EF's body in bytes (records times record_len) */
	uint8_t *data;
};

struct uicc_pin {
	int df;                         /* the DF it belongs to (-1: global, the MF's) */
	uint8_t ref;                    /* key reference (TS 102 221 9.5.1) */
	uint8_t value[8];
	uint8_t tries, max_tries;
	bool enabled;                   /* a disabled PIN protects nothing */
	bool verified;
};

#define UICC_MAX_FILES 512
#define UICC_MAX_PINS 26

struct uicc_fs {
	struct uicc_file *files;        /* files[0] is the MF */
	size_t count;
	struct uicc_pin pins[UICC_MAX_PINS];
	size_t pin_count;
};

/* Where one logical channel is in the file system. */
struct uicc_cursor {
	int df;                         /* current DF (0: the MF) */
	int ef;                         /* current EF, -1: none */
	int adf;                        /* current application, -1: none */
	int record;                     /* current record of the EF, 0: none */
};

/* Builds fs from a profile package (a sequence of SAIP ProfileElements):
 * the files of the MF, USIM, optional USIM and TELECOM templates and of
 * genericFileManagement, with their contents, and the PINs. A package it
 * cannot read gives an ASN.1 error and an empty fs. */
iot_err uicc_fs_from_saip(const uint8_t *upp, size_t len, struct uicc_fs *fs);
/* An MF alone: the file system of an eUICC without an enabled profile. */
iot_err uicc_fs_bare(struct uicc_fs *fs);
void uicc_fs_free(struct uicc_fs *fs);

/* A child of the DF at index df with that file ID, or -1. */
int uicc_fs_child(const struct uicc_fs *fs, int df, uint16_t fid);

void uicc_cursor_reset(struct uicc_cursor *c);
/* Forgets every PIN verification (a card reset). */
void uicc_fs_reset_security(struct uicc_fs *fs);

struct der_writer;
/* One file-system command of TS 102 221 (SELECT, STATUS, READ BINARY,
 * UPDATE BINARY, READ RECORD, UPDATE RECORD, VERIFY PIN) on the channel at
 * c: the response data goes to out, the status word is returned. le is
 * 0 without Le. */
unsigned uicc_fs_command(struct uicc_fs *fs, struct uicc_cursor *c, uint8_t ins, uint8_t p1, uint8_t p2,
			 const uint8_t *data, size_t lc, size_t le, struct der_writer *out);

#endif
