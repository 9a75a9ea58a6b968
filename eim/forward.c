/* Notifications forwarded (SGP.32 ESipa.HandleNotification, SGP.22
 * ES9+.HandleNotification): what the eUICCs sent through this eIM for an
 * SM-DP+, posted to it in the ASN.1 binding until it takes them. */
#include "eim/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"

/* Where a stored notification goes: "" when nowhere but here (a compact
 * notification names no receiver, or it names this eIM). */
static void receiver_of(const struct eim *e, const struct rsp_pending_notification *n, char *address, size_t cap)
{
	const struct rsp_notification_metadata *md = rsp_pending_notification_metadata(n);

	address[0] = 0;
	if (!md || !md->notification_address.len || md->notification_address.len >= cap)
		return;
	memcpy(address, md->notification_address.ptr, md->notification_address.len);
	address[md->notification_address.len] = 0;
	if (!strcmp(address, e->fqdn))
		address[0] = 0;
}

static iot_err mark_forwarded(struct eim *e, int64_t id, int how)
{
	struct store_stmt *st;
	bool row;
	iot_err err = store_prepare(e->db, "UPDATE notification SET forwarded = $2 WHERE id = $1", &st);

	if (err != IOT_OK)
		return err;
	store_bind_int(st, 1, id);
	store_bind_int(st, 2, how);
	err = store_step(st, &row);
	store_finalize(st);
	return err;
}

bool eim_notifications_waiting(struct eim *e)
{
	bool n = e->notified;

	e->notified = false;
	return n;
}

iot_err eim_forward_notifications(struct eim *e, unsigned max, unsigned *sent)
{
	struct pending { int64_t id; uint8_t *der; size_t len; } *queued;
	char failed[4][256] = { "" };
	size_t n = 0, nfailed = 0;
	struct store_stmt *st;
	bool row = true;
	iot_err err;

	*sent = 0;
	if (!max || !(queued = calloc(max, sizeof(*queued))))
		return max ? IOT_E_NOMEM : IOT_OK;
	/* read first, forward after: no statement held open across the network */
	if ((err = store_prepare(e->db, "SELECT id, der FROM notification WHERE forwarded = 0 ORDER BY id LIMIT $1",
				 &st)) == IOT_OK) {
		store_bind_int(st, 1, max);
		while (n < max && (err = store_step(st, &row)) == IOT_OK && row) {
			const uint8_t *der = store_col_blob(st, 1, &queued[n].len);

			queued[n].id = store_col_int(st, 0);
			if (!(queued[n].der = malloc(queued[n].len ? queued[n].len : 1))) {
				err = IOT_E_NOMEM;
				break;
			}
			memcpy(queued[n].der, der, queued[n].len);
			n++;
		}
		store_finalize(st);
	}
	for (size_t i = 0; err == IOT_OK && i < n; i++) {
		struct rsp_remote_profile_provisioning_request q = { .choice = RSP_ES9_REQ_HANDLE_NOTIFICATION };
		struct rsp_pending_notification pn;
		struct rsp_arena a;
		char address[256];
		uint8_t *raw = NULL;
		bool skip = false;

		rsp_arena_dynamic(&a);
		if (rsp_decode(&rsp_t_pending_notification, queued[i].der, queued[i].len, &pn, &a) != IOT_OK) {
			err = mark_forwarded(e, queued[i].id, EIM_NOTIFICATION_KEPT);
			rsp_arena_free(&a);
			continue;
		}
		receiver_of(e, &pn, address, sizeof(address));
		/* a compact one the eIM could not make whole: no SM-DP+ would take it */
		if (pn.choice == RSP_PENDING_COMPACT_OTHER || pn.choice == RSP_PENDING_COMPACT_PIR)
			address[0] = 0;
		for (size_t f = 0; f < nfailed; f++)
			skip |= !strcmp(failed[f], address);
		if (!address[0]) {
			err = mark_forwarded(e, queued[i].id, EIM_NOTIFICATION_KEPT);
		} else if (!skip) {
			q.u.handle_notification.pending_notification = pn;
			/* SGP.22 3.5: delivered once; kept and retried while the receiver fails */
			if (eim_es9(e, address, &q, NULL, &a, &raw) == IOT_OK) {
				log_info("eim", "notification forwarded", "address=%s seq=%lld", address,
					 (long long)rsp_pending_notification_seq(&pn));
				err = mark_forwarded(e, queued[i].id, EIM_NOTIFICATION_FORWARDED);
				(*sent)++;
			} else if (nfailed < sizeof(failed) / sizeof(failed[0])) {
				/* not again in this pass: the next one retries */
				snprintf(failed[nfailed++], sizeof(failed[0]), "%s", address);
			}
			free(raw);
		}
		rsp_arena_free(&a);
	}
	for (size_t i = 0; i < n; i++)
		free(queued[i].der);
	free(queued);
	return err;
}
