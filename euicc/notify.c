/* Pending notifications (SGP.22 3.5, SGP.32 2.7): created signed when a
 * profile is installed, enabled, disabled or deleted, or an eUICC Package
 * is executed; kept with a sequence number until the IPA removes them. */
#include "euicc/internal.h"
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
