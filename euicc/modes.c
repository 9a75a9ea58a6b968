/* The SGP.32 additions around enabling (5.9.x): immediate enable of a
 * profile just downloaded, rollback of an enable an eIM asked for, the
 * fallback mechanism, the emergency profile and connectivity parameters. */
#include "euicc/es10.h"
#include "euicc/notify.h"

#include <string.h>

/* Stores the immediate enable configuration (ES10b and the PSMO). */
iot_err euicc_configure_immediate_enable(struct euicc *e,
					 const struct rsp_configure_immediate_profile_enabling_request *q)
{
	iot_err err = IOT_OK;

	e->s.immediate_enable = q->immediate_enable_flag;
	euicc_blob_free(&e->s.ie_smdp_oid);
	euicc_blob_free(&e->s.ie_smdp_address);
	if (q->has_default_smdp_oid)
		err = euicc_blob_set(&e->s.ie_smdp_oid, q->default_smdp_oid.ptr, q->default_smdp_oid.len);
	if (err == IOT_OK && q->has_default_smdp_address)
		err = euicc_blob_set(&e->s.ie_smdp_address, q->default_smdp_address.ptr, q->default_smdp_address.len);
	return err;
}

/* SGP.32 5.9.x ES10b.ConfigureImmediateProfileEnabling: the IPA may set it
 * only while no eIM is associated; an eIM uses its PSMO */
ES10_FN(es10b_configure_immediate_enable)
{
	struct rsp_configure_immediate_profile_enabling_request q;
	struct rsp_result r = { 0 };
	struct der_writer snap;
	iot_err err = es10_decode(&rsp_t_configure_immediate_profile_enabling_request, req, len, &q, a);

	if (err != IOT_OK)
		return err;
	if (e->s.eim_count) {
		r.result = 2;   /* associatedEimAlreadyExists */
		return es10_reply(&rsp_t_configure_immediate_profile_enabling_response, &r, out);
	}
	if ((err = euicc_begin(e, &snap)) != IOT_OK)
		return err;
	if (euicc_commit(e, &snap, euicc_configure_immediate_enable(e, &q)) != IOT_OK)
		r.result = 1;   /* insufficientMemory */
	return es10_reply(&rsp_t_configure_immediate_profile_enabling_response, &r, out);
}

/* SGP.32 5.9.x ES10b.ImmediateEnable: the profile downloaded just now */
ES10_FN(es10b_immediate_enable)
{
	struct rsp_refresh_flag q;
	struct rsp_result r = { 0 };
	struct der_writer snap;
	iot_err err = es10_decode(&rsp_t_immediate_enable_request, req, len, &q, a);

	if (err != IOT_OK)
		return err;
	if (!e->s.immediate_enable) {
		r.result = 1;   /* immediateEnableNotAvailable */
	} else if (!e->has_installed || !euicc_find_iccid(e, e->installed_iccid)) {
		r.result = 4;   /* noSessionContext */
	} else {
		if ((err = euicc_begin(e, &snap)) != IOT_OK)
			return err;
		r.result = euicc_enable(e, euicc_find_iccid(e, e->installed_iccid));
		if (r.result == 2)
			r.result = 0;   /* already enabled: nothing to do */
		if (euicc_commit(e, &snap, r.result ? IOT_E_ARG : IOT_OK) != IOT_OK && !r.result)
			r.result = 127;
		e->has_installed = false;
	}
	return es10_reply(&rsp_t_immediate_enable_response, &r, out);
}

/* SGP.32 5.9.x ES10b.ProfileRollback: back to the profile enabled before
 * the last enable PSMO with rollbackFlag; the eIM learns of it through a
 * new signed EuiccPackageResult */
ES10_FN(es10b_profile_rollback)
{
	struct rsp_refresh_flag q;
	struct rsp_profile_rollback_response r = { 0 };
	struct euicc_profile *back;
	struct der_writer snap, epr;
	iot_err err = es10_decode(&rsp_t_profile_rollback_request, req, len, &q, a);

	if (err != IOT_OK)
		return err;
	if (!e->s.has_rollback || !(back = euicc_find_iccid(e, e->s.rollback_iccid))) {
		r.cmd_result = 1;       /* rollbackNotAllowed */
		return es10_reply(&rsp_t_profile_rollback_response, &r, out);
	}
	if ((err = euicc_begin(e, &snap)) != IOT_OK)
		return err;
	r.cmd_result = back->enabled ? 0 : euicc_enable(e, back);
	if (r.cmd_result) {
		euicc_commit(e, &snap, IOT_E_ARG);
		r.cmd_result = 7;       /* commandError */
		return es10_reply(&rsp_t_profile_rollback_response, &r, out);
	}
	der_writer_dynamic(&epr);
	err = euicc_package_result_rollback(e, a, &epr);
	e->s.has_rollback = false;
	if ((err = euicc_commit(e, &snap, err)) != IOT_OK) {
		der_writer_free(&epr);
		return err;
	}
	r.has_euicc_package_result = true;
	err = rsp_decode(&rsp_t_euicc_package_result, es10_dup(a, epr.buf, epr.len), epr.len,
			 &r.euicc_package_result, a);
	der_writer_free(&epr);
	if (err != IOT_OK)
		return err;
	return es10_reply(&rsp_t_profile_rollback_response, &r, out);
}

/* SGP.32 5.9.x ES10b.ExecuteFallbackMechanism: enable the profile with the
 * fallback attribute; ReturnFromFallback goes back */
ES10_FN(es10b_execute_fallback)
{
	struct rsp_refresh_flag q;
	struct rsp_result r = { 0 };
	struct euicc_profile *fb = NULL, *cur = euicc_enabled_profile(e);
	struct der_writer snap;
	size_t i;
	iot_err err = es10_decode(&rsp_t_execute_fallback_mechanism_request, req, len, &q, a);

	if (err != IOT_OK)
		return err;
	for (i = 0; i < e->s.profile_count; i++)
		if (e->s.profiles[i].fallback)
			fb = &e->s.profiles[i];
	/* SGP.32 5.9.x: no fallback while an emergency call needs its profile */
	if (e->s.in_emergency) {
		r.result = 104; /* ecallActive */
	} else if (!fb) {
		r.result = 6;   /* fallbackNotAvailable */
	} else if (fb->enabled) {
		r.result = 2;   /* profileNotInDisabledState */
	} else {
		if ((err = euicc_begin(e, &snap)) != IOT_OK)
			return err;
		if (cur)
			memcpy(e->s.fallback_return_iccid, cur->iccid, 10);
		e->s.in_fallback = cur != NULL;
		/* the fallback overrides the PPR1 of the profile it replaces */
		if (euicc_commit(e, &snap, euicc_switch_to(e, fb)) != IOT_OK)
			r.result = 127;
	}
	return es10_reply(&rsp_t_execute_fallback_mechanism_response, &r, out);
}

ES10_FN(es10b_return_from_fallback)
{
	struct rsp_refresh_flag q;
	struct rsp_result r = { 0 };
	struct euicc_profile *back;
	struct der_writer snap;
	iot_err err = es10_decode(&rsp_t_return_from_fallback_request, req, len, &q, a);

	if (err != IOT_OK)
		return err;
	if (!e->s.in_fallback || !(back = euicc_find_iccid(e, e->s.fallback_return_iccid))) {
		r.result = 6;   /* fallbackNotAvailable */
		return es10_reply(&rsp_t_return_from_fallback_response, &r, out);
	}
	if ((err = euicc_begin(e, &snap)) != IOT_OK)
		return err;
	err = euicc_switch_to(e, back);
	e->s.in_fallback = false;
	if (euicc_commit(e, &snap, err) != IOT_OK)
		r.result = 127;
	return es10_reply(&rsp_t_return_from_fallback_response, &r, out);
}

/* The profile its owner marked for emergency calls (ecallIndication). */
static struct euicc_profile *emergency_profile(struct euicc *e)
{
	struct rsp_store_metadata_request md;
	struct euicc_profile *found = NULL;
	struct rsp_arena a;

	for (size_t i = 0; i < e->s.profile_count && !found; i++) {
		rsp_arena_dynamic(&a);
		if (rsp_decode(&rsp_t_store_metadata_request, e->s.profiles[i].metadata.ptr, e->s.profiles[i].metadata.len,
			       &md, &a) == IOT_OK && md.has_ecall_indication && md.ecall_indication)
			found = &e->s.profiles[i];
		rsp_arena_free(&a);
	}
	return found;
}

bool euicc_ecall_active(const struct euicc *e)
{
	return e->s.in_emergency;
}

/* SGP.32 5.9.x ES10b.EnableEmergencyProfile: the IPA swaps to the emergency
 * profile for an eCall; the one it replaces is remembered */
ES10_FN(es10b_enable_emergency_profile)
{
	struct rsp_refresh_flag q;
	struct rsp_result r = { 0 };
	struct euicc_profile *em, *cur = euicc_enabled_profile(e);
	struct der_writer snap;
	iot_err err = es10_decode(&rsp_t_enable_emergency_profile_request, req, len, &q, a);

	if (err != IOT_OK)
		return err;
	if (!(em = emergency_profile(e))) {
		r.result = 8;   /* ecallNotAvailable */
	} else if (em->enabled) {
		r.result = 2;   /* profileNotInDisabledState */
	} else {
		if ((err = euicc_begin(e, &snap)) != IOT_OK)
			return err;
		if ((e->s.has_emergency_return = cur != NULL))
			memcpy(e->s.emergency_return_iccid, cur->iccid, 10);
		e->s.in_emergency = true;
		/* SGP.32: the emergency profile overrides the PPR1 of the profile it replaces */
		if (euicc_commit(e, &snap, euicc_switch_to(e, em)) != IOT_OK)
			r.result = 127;
	}
	return es10_reply(&rsp_t_enable_emergency_profile_response, &r, out);
}

/* SGP.32 5.9.x ES10b.DisableEmergencyProfile: back to the profile enabled before */
ES10_FN(es10b_disable_emergency_profile)
{
	struct rsp_refresh_flag q;
	struct rsp_result r = { 0 };
	struct euicc_profile *em = emergency_profile(e), *back;
	struct der_writer snap;
	iot_err err = es10_decode(&rsp_t_disable_emergency_profile_request, req, len, &q, a);

	if (err != IOT_OK)
		return err;
	if (!e->s.in_emergency || !em || !em->enabled) {
		r.result = 2;   /* profileNotInEnabledState */
		return es10_reply(&rsp_t_disable_emergency_profile_response, &r, out);
	}
	if ((err = euicc_begin(e, &snap)) != IOT_OK)
		return err;
	back = e->s.has_emergency_return ? euicc_find_iccid(e, e->s.emergency_return_iccid) : NULL;
	if (back) {
		err = euicc_switch_to(e, back);
	} else {
		em->enabled = false;
		err = euicc_notify_profile(e, em, RSP_NOTIFY_DISABLE);
	}
	e->s.in_emergency = false;
	e->s.has_emergency_return = false;
	if (euicc_commit(e, &snap, err) != IOT_OK)
		r.result = 127;
	return es10_reply(&rsp_t_disable_emergency_profile_response, &r, out);
}

/* SGP.32 5.9.x ES10b.GetConnectivityParameters: the enabled profile's HTTP
 * (and CoAP) parameters; this eUICC's profiles carry none */
ES10_FN(es10b_get_connectivity_parameters)
{
	struct rsp_empty q;
	struct rsp_get_connectivity_parameters_response r = { .choice = 2 };
	iot_err err = es10_decode(&rsp_t_get_connectivity_parameters_request, req, len, &q, a);

	(void)e;
	if (err != IOT_OK)
		return err;
	r.u.error = 1;          /* parametersNotAvailable */
	return es10_reply(&rsp_t_get_connectivity_parameters_response, &r, out);
}
