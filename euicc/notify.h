/* Notifications of the software eUICC (notify.c). */
#ifndef IOT_EUICC_NOTIFY_H
#define IOT_EUICC_NOTIFY_H

#include "euicc/internal.h"

/* Appends a notification (der copied); the caller saves the state. */
iot_err euicc_notification_add(struct euicc *e, enum euicc_notification_kind kind, uint64_t operation,
			       int64_t seq, const uint8_t *der, size_t len);
/* Signs and appends the OtherSignedNotifications the profile's metadata asks
 * for this operation (RSP_NOTIFY_ENABLE, _DISABLE, _DELETE). */
iot_err euicc_notify_profile(struct euicc *e, const struct euicc_profile *p, uint64_t operation);

#endif
