/* Views of the fleet for people: the console and eimctl (eim/fleet.c). */
#ifndef IOT_EIM_FLEET_H
#define IOT_EIM_FLEET_H

#include <jansson.h>

#include "eim/eim.h"

/* {euiccs, learned, silent (no contact since silent_after), jsonBinding,
 * withWork, profiles: [{iccid, state, count}] (the 20 most held),
 * operators: [{key: ICCID issuer prefix, count}] (by enabled profiles),
 * labels: [{key, count}]}. */
iot_err eim_fleet_summary(struct eim *e, int64_t silent_after, json_t **out);
/* Operations that ended since since, per minute: [{minute, state, count}]. */
iot_err eim_fleet_minutes(struct eim *e, int64_t since, json_t **out);
/* eid's operations, newest first, before operation id before (0: from the newest), results
 * included (each eim_op_free'd by the caller). */
iot_err eim_euicc_operations(struct eim *e, const char *eid, int64_t before, size_t limit, struct eim_op *out,
			     size_t *n);
/* eid's notifications as stored, newest first: [{id, seq, event, iccid, address, state (pending, forwarded, kept), received}]. */
iot_err eim_euicc_notifications(struct eim *e, const char *eid, size_t limit, json_t **out);
/* Campaign ids, newest first, before id before (0: from the newest). */
iot_err eim_campaign_list(struct eim *e, int64_t before, size_t limit, int64_t *ids, size_t *n);
/* Audit entries, newest first, before id before; subject (or NULL): those whose subject starts with it. */
iot_err eim_audit_page(struct eim *e, int64_t before, size_t limit, const char *subject, json_t **out);

#endif
