/* The eUICC's persistent state: a private DER structure written to a
 * temporary file, fsync'd and renamed over the old one, so that after a
 * kill -9 at any point the file holds exactly the last saved state. */
#include "euicc/internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATE_VERSION 2

iot_err euicc_blob_set(struct euicc_blob *b, const void *ptr, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);

	if (!copy)
		return IOT_E_NOMEM;
	if (len)
		memcpy(copy, ptr, len);
	free(b->ptr);
	b->ptr = copy;
	b->len = len;
	return IOT_OK;
}

void euicc_blob_free(struct euicc_blob *b)
{
	free(b->ptr);
	b->ptr = NULL;
	b->len = 0;
}

void euicc_state_clear(struct euicc_state *s)
{
	size_t i;

	euicc_blob_free(&s->key);
	euicc_blob_free(&s->cert);
	euicc_blob_free(&s->eum_cert);
	for (i = 0; i < s->ci_count; i++)
		euicc_blob_free(&s->ci_certs[i]);
	free(s->ci_certs);
	euicc_blob_free(&s->default_dp);
	euicc_blob_free(&s->root_ds);
	euicc_blob_free(&s->ie_smdp_oid);
	euicc_blob_free(&s->ie_smdp_address);
	euicc_blob_free(&s->rollback_eim_id);
	euicc_blob_free(&s->rollback_txid);
	euicc_blob_free(&s->loading_txid);
	euicc_blob_free(&s->loading_address);
	euicc_blob_free(&s->loading_oid);
	euicc_blob_free(&s->ipa_record);
	for (i = 0; i < s->profile_count; i++) {
		euicc_blob_free(&s->profiles[i].nickname);
		euicc_blob_free(&s->profiles[i].metadata);
		euicc_blob_free(&s->profiles[i].content);
		euicc_blob_free(&s->profiles[i].files);
	}
	free(s->profiles);
	for (i = 0; i < s->eim_count; i++)
		euicc_blob_free(&s->eims[i].config);
	free(s->eims);
	for (i = 0; i < s->notification_count; i++)
		euicc_blob_free(&s->notifications[i].der);
	free(s->notifications);
	memset(s, 0, sizeof(*s));
}

static void put_blob(struct der_writer *w, uint32_t tag, const struct euicc_blob *b)
{
	der_put_tlv(w, tag, b->ptr, b->len);
}

static void encode_state(const struct euicc_state *s, struct der_writer *w)
{
	size_t top = der_begin(w, 0xE0), list, item, i;

	der_put_int64(w, 0x80, STATE_VERSION);
	der_put_tlv(w, 0x81, s->eid, 16);
	put_blob(w, 0x82, &s->key);
	put_blob(w, 0x83, &s->cert);
	put_blob(w, 0x84, &s->eum_cert);
	list = der_begin(w, 0xA5);
	for (i = 0; i < s->ci_count; i++)
		put_blob(w, 0x04, &s->ci_certs[i]);
	der_end(w, list);
	put_blob(w, 0x86, &s->default_dp);
	put_blob(w, 0x87, &s->root_ds);
	list = der_begin(w, 0xA8);
	for (i = 0; i < s->profile_count; i++) {
		const struct euicc_profile *p = &s->profiles[i];

		item = der_begin(w, 0x30);
		der_put_tlv(w, 0x80, p->iccid, 10);
		der_put_tlv(w, 0x81, p->aid, 16);
		der_put_bool(w, 0x82, p->enabled);
		der_put_bool(w, 0x83, p->fallback);
		put_blob(w, 0x84, &p->nickname);
		put_blob(w, 0x85, &p->metadata);
		put_blob(w, 0x86, &p->content);
		if (p->files.len)
			put_blob(w, 0x87, &p->files);
		der_end(w, item);
	}
	der_end(w, list);
	list = der_begin(w, 0xA9);
	for (i = 0; i < s->eim_count; i++) {
		const struct euicc_eim *m = &s->eims[i];

		item = der_begin(w, 0x30);
		put_blob(w, 0x80, &m->config);
		der_put_int64(w, 0x81, m->counter);
		if (m->has_token)
			der_put_int64(w, 0x82, m->token);
		der_end(w, item);
	}
	der_end(w, list);
	list = der_begin(w, 0xAA);
	for (i = 0; i < s->notification_count; i++) {
		const struct euicc_notification *n = &s->notifications[i];

		item = der_begin(w, 0x30);
		der_put_int64(w, 0x80, n->seq);
		der_put_int64(w, 0x81, n->kind);
		der_put_bits(w, 0x82, n->operation);
		put_blob(w, 0x83, &n->der);
		der_end(w, item);
	}
	der_end(w, list);
	der_put_int64(w, 0x8B, s->next_seq);
	der_put_int64(w, 0x8C, s->next_isdp);
	item = der_begin(w, 0xAD);
	der_put_bool(w, 0x80, s->immediate_enable);
	put_blob(w, 0x81, &s->ie_smdp_oid);
	put_blob(w, 0x82, &s->ie_smdp_address);
	der_end(w, item);
	item = der_begin(w, 0xAE);
	der_put_bool(w, 0x80, s->has_rollback);
	der_put_tlv(w, 0x81, s->rollback_iccid, 10);
	put_blob(w, 0x82, &s->rollback_eim_id);
	put_blob(w, 0x83, &s->rollback_txid);
	der_put_int64(w, 0x84, s->rollback_counter);
	der_end(w, item);
	der_put_bool(w, 0x8F, s->in_fallback);
	der_put_tlv(w, 0x90, s->fallback_return_iccid, 10);
	item = der_begin(w, 0xB1);
	der_put_bool(w, 0x80, s->loading);
	put_blob(w, 0x81, &s->loading_txid);
	put_blob(w, 0x82, &s->loading_address);
	put_blob(w, 0x83, &s->loading_oid);
	der_end(w, item);
	item = der_begin(w, 0xB2);
	der_put_bool(w, 0x80, s->in_emergency);
	der_put_bool(w, 0x81, s->has_emergency_return);
	der_put_tlv(w, 0x82, s->emergency_return_iccid, 10);
	der_end(w, item);
	item = der_begin(w, 0xB3);
	der_put_bool(w, 0x80, s->ipae_active);
	put_blob(w, 0x81, &s->ipa_record);
	der_end(w, item);
	der_end(w, top);
}

iot_err euicc_begin(struct euicc *e, struct der_writer *snapshot)
{
	der_writer_dynamic(snapshot);
	encode_state(&e->s, snapshot);
	return der_writer_err(snapshot);
}

iot_err euicc_commit(struct euicc *e, struct der_writer *snapshot, iot_err err)
{
	if (err == IOT_OK)
		err = euicc_state_save(e);
	if (err != IOT_OK) {
		/* back to the state before the change: nothing half-applied */
		euicc_state_clear(&e->s);
		if (euicc_state_load(e, snapshot->buf, snapshot->len) != IOT_OK)
			abort();        /* our own encoding always loads */
	}
	der_writer_free(snapshot);
	return err;
}

iot_err euicc_state_save(struct euicc *e)
{
	struct der_writer w;
	char *tmp;
	size_t n;
	int fd;
	iot_err err = IOT_OK;

	if (!e->state_path)
		return IOT_OK;
	der_writer_dynamic(&w);
	encode_state(&e->s, &w);
	if ((err = der_writer_err(&w)) != IOT_OK) {
		der_writer_free(&w);
		return err;
	}
	n = strlen(e->state_path) + 5;
	if (!(tmp = malloc(n))) {
		der_writer_free(&w);
		return IOT_E_NOMEM;
	}
	snprintf(tmp, n, "%s.new", e->state_path);
	/* the state holds the eUICC's private key: owner only */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || fchmod(fd, 0600) != 0 || write(fd, w.buf, w.len) != (ssize_t)w.len ||
	    fsync(fd) != 0)
		err = IOT_E_IO;
	if (fd >= 0 && close(fd) != 0)
		err = IOT_E_IO;
	if (err == IOT_OK && rename(tmp, e->state_path) != 0)
		err = IOT_E_IO;
	if (err != IOT_OK)
		unlink(tmp);
	free(tmp);
	der_writer_free(&w);
	return err;
}

/* ---- load ---- */

struct reader {
	struct der_reader r;
	iot_err err;
};

static bool next(struct reader *rd, uint32_t tag, struct der_tlv *t)
{
	if (rd->err != IOT_OK)
		return false;
	if ((rd->err = der_read(&rd->r, t)) != IOT_OK)
		return false;
	if (t->tag != tag) {
		rd->err = IOT_E_ASN1_TAG;
		return false;
	}
	return true;
}

static void get_blob(struct reader *rd, uint32_t tag, struct euicc_blob *b)
{
	struct der_tlv t;

	if (next(rd, tag, &t))
		rd->err = euicc_blob_set(b, t.value, t.len);
}

/* A blob the state may not have (written by an older euiccd). */
static void get_blob_optional(struct reader *rd, uint32_t tag, struct euicc_blob *b)
{
	struct der_tlv t;

	if (rd->err == IOT_OK && !der_reader_done(&rd->r) && der_peek(&rd->r, &t) == IOT_OK && t.tag == tag)
		get_blob(rd, tag, b);
}

static void get_fixed(struct reader *rd, uint32_t tag, uint8_t *out, size_t len)
{
	struct der_tlv t;

	if (!next(rd, tag, &t))
		return;
	if (t.len != len)
		rd->err = IOT_E_ASN1_SIZE;
	else
		memcpy(out, t.value, len);
}

static int64_t get_int(struct reader *rd, uint32_t tag)
{
	struct der_tlv t;
	int64_t v = 0;

	if (next(rd, tag, &t))
		rd->err = der_get_int64(&t, &v);
	return v;
}

static bool get_bool(struct reader *rd, uint32_t tag)
{
	struct der_tlv t;
	bool v = false;

	if (next(rd, tag, &t))
		rd->err = der_get_bool(&t, &v);
	return v;
}

/* Enters the next constructed TLV; counts its elements into *count. */
static bool enter_list(struct reader *rd, uint32_t tag, struct reader *sub, size_t *count)
{
	struct der_tlv t, x;
	struct der_reader scan;

	*count = 0;
	if (!next(rd, tag, &t))
		return false;
	sub->err = der_enter(&rd->r, &t, &sub->r);
	if (sub->err != IOT_OK) {
		rd->err = sub->err;
		return false;
	}
	scan = sub->r;
	while (!der_reader_done(&scan))
		if ((rd->err = der_read(&scan, &x)) != IOT_OK)
			return false;
		else
			(*count)++;
	return true;
}

static bool enter_item(struct reader *list, struct reader *item)
{
	struct der_tlv t;

	if (!next(list, 0x30, &t))
		return false;
	item->err = der_enter(&list->r, &t, &item->r);
	if (item->err != IOT_OK)
		list->err = item->err;
	return item->err == IOT_OK;
}

iot_err euicc_state_load(struct euicc *e, const uint8_t *buf, size_t len)
{
	struct euicc_state *s = &e->s;
	struct reader top, rd, list, item;
	struct der_tlv t;
	size_t i, n;
	int64_t version;

	memset(s, 0, sizeof(*s));
	der_reader_init(&top.r, buf, len);
	top.err = IOT_OK;
	if (!next(&top, 0xE0, &t))
		return top.err;
	rd.err = der_enter(&top.r, &t, &rd.r);
	version = get_int(&rd, 0x80);
	if (rd.err == IOT_OK && version != STATE_VERSION)
		return IOT_E_ASN1_VALUE;
	get_fixed(&rd, 0x81, s->eid, 16);
	get_blob(&rd, 0x82, &s->key);
	get_blob(&rd, 0x83, &s->cert);
	get_blob(&rd, 0x84, &s->eum_cert);
	if (enter_list(&rd, 0xA5, &list, &n)) {
		s->ci_certs = calloc(n ? n : 1, sizeof(*s->ci_certs));
		for (i = 0; s->ci_certs && i < n && list.err == IOT_OK; i++, s->ci_count++)
			get_blob(&list, 0x04, &s->ci_certs[i]);
		rd.err = s->ci_certs ? list.err : IOT_E_NOMEM;
	}
	get_blob(&rd, 0x86, &s->default_dp);
	get_blob(&rd, 0x87, &s->root_ds);
	if (enter_list(&rd, 0xA8, &list, &n)) {
		s->profiles = calloc(n ? n : 1, sizeof(*s->profiles));
		for (i = 0; s->profiles && i < n && list.err == IOT_OK; i++, s->profile_count++) {
			struct euicc_profile *p = &s->profiles[i];

			if (!enter_item(&list, &item))
				break;
			get_fixed(&item, 0x80, p->iccid, 10);
			get_fixed(&item, 0x81, p->aid, 16);
			p->enabled = get_bool(&item, 0x82);
			p->fallback = get_bool(&item, 0x83);
			get_blob(&item, 0x84, &p->nickname);
			get_blob(&item, 0x85, &p->metadata);
			get_blob(&item, 0x86, &p->content);
			get_blob_optional(&item, 0x87, &p->files);
			list.err = list.err ? list.err : item.err;
		}
		rd.err = s->profiles ? list.err : IOT_E_NOMEM;
	}
	if (rd.err == IOT_OK && enter_list(&rd, 0xA9, &list, &n)) {
		s->eims = calloc(n ? n : 1, sizeof(*s->eims));
		for (i = 0; s->eims && i < n && list.err == IOT_OK; i++, s->eim_count++) {
			struct euicc_eim *m = &s->eims[i];

			if (!enter_item(&list, &item))
				break;
			get_blob(&item, 0x80, &m->config);
			m->counter = get_int(&item, 0x81);
			if (item.err == IOT_OK && !der_reader_done(&item.r)) {
				m->has_token = true;
				m->token = get_int(&item, 0x82);
			}
			list.err = list.err ? list.err : item.err;
		}
		rd.err = s->eims ? list.err : IOT_E_NOMEM;
	}
	if (rd.err == IOT_OK && enter_list(&rd, 0xAA, &list, &n)) {
		s->notifications = calloc(n ? n : 1, sizeof(*s->notifications));
		for (i = 0; s->notifications && i < n && list.err == IOT_OK; i++, s->notification_count++) {
			struct euicc_notification *no = &s->notifications[i];
			struct der_tlv bits;

			if (!enter_item(&list, &item))
				break;
			no->seq = get_int(&item, 0x80);
			no->kind = (enum euicc_notification_kind)get_int(&item, 0x81);
			if (next(&item, 0x82, &bits))
				item.err = der_get_bits(&bits, &no->operation);
			get_blob(&item, 0x83, &no->der);
			list.err = list.err ? list.err : item.err;
		}
		rd.err = s->notifications ? list.err : IOT_E_NOMEM;
	}
	s->next_seq = get_int(&rd, 0x8B);
	s->next_isdp = (uint32_t)get_int(&rd, 0x8C);
	if (rd.err == IOT_OK && next(&rd, 0xAD, &t)) {
		item.err = der_enter(&rd.r, &t, &item.r);
		s->immediate_enable = get_bool(&item, 0x80);
		get_blob(&item, 0x81, &s->ie_smdp_oid);
		get_blob(&item, 0x82, &s->ie_smdp_address);
		rd.err = item.err;
	}
	if (rd.err == IOT_OK && next(&rd, 0xAE, &t)) {
		item.err = der_enter(&rd.r, &t, &item.r);
		s->has_rollback = get_bool(&item, 0x80);
		get_fixed(&item, 0x81, s->rollback_iccid, 10);
		get_blob(&item, 0x82, &s->rollback_eim_id);
		get_blob(&item, 0x83, &s->rollback_txid);
		s->rollback_counter = get_int(&item, 0x84);
		rd.err = item.err;
	}
	s->in_fallback = get_bool(&rd, 0x8F);
	get_fixed(&rd, 0x90, s->fallback_return_iccid, 10);
	if (rd.err == IOT_OK && next(&rd, 0xB1, &t)) {
		item.err = der_enter(&rd.r, &t, &item.r);
		s->loading = get_bool(&item, 0x80);
		get_blob(&item, 0x81, &s->loading_txid);
		get_blob(&item, 0x82, &s->loading_address);
		get_blob(&item, 0x83, &s->loading_oid);
		rd.err = item.err;
	}
	/* added later: a state saved before it has none */
	if (rd.err == IOT_OK && !der_reader_done(&rd.r) && next(&rd, 0xB2, &t)) {
		item.err = der_enter(&rd.r, &t, &item.r);
		s->in_emergency = get_bool(&item, 0x80);
		s->has_emergency_return = get_bool(&item, 0x81);
		get_fixed(&item, 0x82, s->emergency_return_iccid, 10);
		rd.err = item.err;
	}
	if (rd.err == IOT_OK && !der_reader_done(&rd.r) && next(&rd, 0xB3, &t)) {
		item.err = der_enter(&rd.r, &t, &item.r);
		s->ipae_active = get_bool(&item, 0x80);
		get_blob(&item, 0x81, &s->ipa_record);
		rd.err = item.err;
	}
	if (rd.err != IOT_OK) {
		euicc_state_clear(s);
		return rd.err;
	}
	return IOT_OK;
}

iot_err euicc_snapshot(const struct euicc *e, uint8_t **buf, size_t *len)
{
	struct der_writer w;
	iot_err err;

	der_writer_dynamic(&w);
	encode_state(&e->s, &w);
	if ((err = der_writer_err(&w)) != IOT_OK) {
		der_writer_free(&w);
		return err;
	}
	*buf = w.buf;
	*len = w.len;
	return IOT_OK;
}

iot_err euicc_restore(struct euicc *e, const uint8_t *buf, size_t len)
{
	struct euicc tmp;
	iot_err err;

	memset(&tmp, 0, sizeof(tmp));
	if ((err = euicc_state_load(&tmp, buf, len)) != IOT_OK)
		return err;
	if (memcmp(tmp.s.eid, e->s.eid, 16) != 0) {
		euicc_state_clear(&tmp.s);
		return IOT_E_ARG;
	}
	euicc_state_clear(&e->s);
	e->s = tmp.s;
	euicc_reset(e);
	return euicc_state_save(e);
}
