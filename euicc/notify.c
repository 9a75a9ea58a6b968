/* Pending notifications (SGP.22 3.5, SGP.32 2.7): created signed when a
 * profile is installed, enabled, disabled or deleted, or an eUICC Package
 * is executed; kept with a sequence number until the IPA removes them. */
#include "euicc/es10.h"
#include "euicc/notify.h"

#include <stdlib.h>
#include <string.h>

iot_err euicc_notification_add(struct euicc *e, enum euicc_notification_kind kind, uint64_t operation,
			       int64_t seq, const uint8_t *der, size_t len)
{
	struct euicc_notification *n = realloc(e->s.notifications,
					       (e->s.notification_count + 1) * sizeof(*n));

	if (!n)
		return IOT_E_NOMEM;
	e->s.notifications = n;
	n = &n[e->s.notification_count];
	memset(n, 0, sizeof(*n));
	n->seq = seq;
	n->kind = kind;
	n->operation = operation;
	if (euicc_blob_set(&n->der, der, len) != IOT_OK)
		return IOT_E_NOMEM;
	e->s.notification_count++;
	return IOT_OK;
}

/* SGP.22 2.6.5 / 5.7.x: an OtherSignedNotification for each address the
 * profile's metadata configures for this operation */
iot_err euicc_notify_profile(struct euicc *e, const struct euicc_profile *p, uint64_t operation)
{
	struct rsp_store_metadata_request md;
	struct rsp_arena a;
	size_t i;
	iot_err err;

	rsp_arena_dynamic(&a);
	err = rsp_decode(&rsp_t_store_metadata_request, p->metadata.ptr, p->metadata.len, &md, &a);
	for (i = 0; err == IOT_OK && md.has_notification_configuration_info &&
		    i < md.notification_configuration_info.count; i++) {
		const struct rsp_notification_configuration_information *c =
			&md.notification_configuration_info.items[i];
		struct rsp_other_signed_notification n = { 0 };
		struct der_writer tbs, all;
		struct crypto_buf part;
		uint8_t sig[CRYPTO_SIG_LEN];

		if (!(c->profile_management_operation & operation))
			continue;
		n.tbs_other_notification.seq_number = e->s.next_seq;
		n.tbs_other_notification.profile_management_operation = operation;
		n.tbs_other_notification.notification_address = c->notification_address;
		n.tbs_other_notification.has_iccid = true;
		n.tbs_other_notification.iccid = RSP_BYTES(p->iccid, 10);
		der_writer_dynamic(&tbs);
		der_writer_dynamic(&all);
		/* SGP.22 5.7.x: euiccNotificationSignature over tbsOtherNotification */
		if ((err = rsp_encode(&rsp_t_notification_metadata, &n.tbs_other_notification, &tbs)) == IOT_OK) {
			part = (struct crypto_buf){ tbs.buf, tbs.len };
			err = ecdsa_sign(e->key, &part, 1, sig);
		}
		if (err == IOT_OK) {
			n.euicc_notification_signature = RSP_BYTES(sig, sizeof(sig));
			n.euicc_certificate = RSP_BYTES(e->s.cert.ptr, e->s.cert.len);
			n.eum_certificate = RSP_BYTES(e->s.eum_cert.ptr, e->s.eum_cert.len);
			err = rsp_encode(&rsp_t_other_signed_notification, &n, &all);
		}
		if (err == IOT_OK)
			err = euicc_notification_add(e, EUICC_NOTIFY_OTHER, operation, e->s.next_seq,
						     all.buf, all.len);
		if (err == IOT_OK)
			e->s.next_seq++;
		der_writer_free(&tbs);
		der_writer_free(&all);
	}
	rsp_arena_free(&a);
	return err;
}

/* ES10b.ListNotification (SGP.22 5.7.9): the metadata of pending PIR and
 * other notifications, optionally of one operation */
ES10_FN(es10b_list_notification)
{
	struct rsp_list_notification_request q;
	struct rsp_list_notification_response r = { 0 };
	size_t i;
	iot_err err = es10_decode(&rsp_t_list_notification_request, req, len, &q, a);

	if (err != IOT_OK)
		return err;
	r.choice = RSP_LIST_NOTIFICATION_OK;
	r.u.list.items = rsp_arena_alloc(a, (e->s.notification_count + 1) * sizeof(*r.u.list.items));
	if (!r.u.list.items)
		return IOT_E_NOMEM;
	for (i = 0; i < e->s.notification_count; i++) {
		const struct euicc_notification *n = &e->s.notifications[i];
		struct rsp_pending_notification p;

		if (n->kind == EUICC_NOTIFY_EPR ||
		    (q.has_profile_management_operation && !(q.profile_management_operation & n->operation)))
			continue;
		if (rsp_decode(&rsp_t_pending_notification, n->der.ptr, n->der.len, &p, a) != IOT_OK)
			continue;
		r.u.list.items[r.u.list.count] = p.choice == RSP_PENDING_PIR ?
			p.u.pir.data.notification_metadata : p.u.other.tbs_other_notification;
		/* re-encoded from the fields, not the signed bytes */
		r.u.list.items[r.u.list.count].der = RSP_BYTES(NULL, 0);
		r.u.list.count++;
	}
	return es10_reply(&rsp_t_list_notification_response, &r, out);
}

/* SGP.32 5.9.x ES10b.RetrieveNotificationsList: pending notifications (all,
 * by sequence number, by operation) or the eUICC Package results, each
 * exactly as signed */
ES10_FN(es10b_retrieve_notifications_list)
{
	struct rsp_retrieve_notifications_list_request q;
	const struct rsp_notification_search_criteria *c = &q.search_criteria;
	size_t i, top, list;
	bool results;
	iot_err err = es10_decode(&rsp_t_retrieve_notifications_list_request, req, len, &q, a);

	if (err != IOT_OK)
		return err;
	results = q.has_search_criteria && c->choice == RSP_SEARCH_EUICC_PACKAGE_RESULTS;
	top = der_begin(out, 0xBF2B);
	list = der_begin(out, results ? 0xA2 : 0xA0);
	for (i = 0; i < e->s.notification_count; i++) {
		const struct euicc_notification *n = &e->s.notifications[i];

		if ((n->kind == EUICC_NOTIFY_EPR) != results)
			continue;
		if (q.has_search_criteria && c->choice == RSP_SEARCH_SEQ_NUMBER && n->seq != c->u.seq_number)
			continue;
		if (q.has_search_criteria && c->choice == RSP_SEARCH_PROFILE_MANAGEMENT_OPERATION &&
		    !(n->operation & c->u.profile_management_operation))
			continue;
		der_put_raw(out, n->der.ptr, n->der.len);
	}
	der_end(out, list);
	der_end(out, top);
	return der_writer_err(out);
}

/* ES10b.RemoveNotificationFromList (SGP.22 5.7.10, NotificationSent) */
ES10_FN(es10b_remove_notification)
{
	struct rsp_seq_number q;
	struct rsp_result r = { 1 };            /* nothingToDelete */
	struct der_writer snap;
	size_t i;
	iot_err err = es10_decode(&rsp_t_notification_sent_request, req, len, &q, a);

	if (err != IOT_OK)
		return err;
	for (i = 0; i < e->s.notification_count; i++) {
		struct euicc_notification *n = &e->s.notifications[i];

		if (n->seq != q.seq_number)
			continue;
		if ((err = euicc_begin(e, &snap)) != IOT_OK)
			return err;
		euicc_blob_free(&n->der);
		memmove(n, n + 1, (e->s.notification_count - i - 1) * sizeof(*n));
		e->s.notification_count--;
		r.result = euicc_commit(e, &snap, IOT_OK) == IOT_OK ? 0 : 127;
		break;
	}
	return es10_reply(&rsp_t_notification_sent_response, &r, out);
}
