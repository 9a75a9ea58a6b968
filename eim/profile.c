/* What the eIM knows of each eUICC's profiles, learned from the signed
 * results and notifications the eUICC sends (never from what was asked). */
#include "eim/internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/log.h"

/* sql with its first nparams of $1 eid, $2 iccid, $3 state, $4 now */
static iot_err profile_exec(struct eim *e, const char *sql, int nparams, const char *eid, const char *iccid,
			    int64_t state)
{
	struct store_stmt *st;
	bool row;
	iot_err err = store_prepare(e->db, sql, &st);

	if (err != IOT_OK)
		return err;
	store_bind_text(st, 1, eid);
	if (nparams >= 2)
		store_bind_text(st, 2, iccid);
	if (nparams >= 3)
		store_bind_int(st, 3, state);
	if (nparams >= 4)
		store_bind_int(st, 4, (int64_t)time(NULL));
	err = store_step(st, &row);
	store_finalize(st);
	return err;
}

#define PROFILE_UPSERT                                                                         \
	"INSERT INTO profile(eid, iccid, state, updated) VALUES ($1, $2, $3, $4)"                \
	" ON CONFLICT (eid, iccid) DO UPDATE SET state = $3, updated = $4"

/* One enabled profile: the one enabled before is disabled now. */
static iot_err profile_enabled(struct eim *e, const char *eid, const char *iccid)
{
	iot_err err = profile_exec(e, "UPDATE profile SET state = 0, updated = $4"
				      " WHERE eid = $1 AND iccid <> $2 AND state = $3", 4, eid, iccid, 1);

	return err != IOT_OK ? err : profile_exec(e, PROFILE_UPSERT, 4, eid, iccid, 1);
}

/* A listProfileInfo answer is the whole truth: what it lacks is gone. */
static iot_err learn_list(struct eim *e, const char *eid, const struct rsp_profile_info_list_response *p)
{
	iot_err err;

	if (p->choice != RSP_PROFILE_INFO_LIST_OK)
		return IOT_OK;
	if ((err = profile_exec(e, "DELETE FROM profile WHERE eid = $1", 1, eid, NULL, 0)) != IOT_OK)
		return err;
	for (size_t j = 0; j < p->u.ok.count && err == IOT_OK; j++) {
		const struct rsp_profile_info *pi = &p->u.ok.items[j];
		char iccid[21];

		if (!pi->has_iccid || pi->iccid.len != 10)
			continue;
		rsp_iccid_to_digits(pi->iccid.ptr, iccid);
		/* the class (SGP.22 ProfileInfo, operational when absent) and the
		 * fallback attribute (SGP.32 ProfileInfo) are what governance's
		 * safety rules read */
		err = store_sql(e->db, "INSERT INTO profile(eid, iccid, state, updated, class, fallback)"
				" VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (eid, iccid) DO UPDATE"
				" SET state = $3, updated = $4, class = $5, fallback = $6", "ttiiii", eid, iccid,
				(int64_t)(pi->has_profile_state && pi->profile_state == 1), (int64_t)time(NULL),
				pi->has_profile_class ? pi->profile_class : (int64_t)2, (int64_t)pi->fallback_attribute);
	}
	return err;
}

/* A PSMO the eUICC carried out (result 0) on one profile. */
static iot_err learn_psmo(struct eim *e, const char *eid, const struct rsp_psmo *p)
{
	char iccid[21];

	/* setFallbackAttribute moves the attribute (SGP.32 SetFallbackAttributeResult: one profile carries it) */
	if (p->choice == RSP_PSMO_UNSET_FALLBACK_ATTRIBUTE)
		return profile_exec(e, "UPDATE profile SET fallback = 0 WHERE eid = $1", 1, eid, NULL, 0);
	if (p->choice == RSP_PSMO_SET_FALLBACK_ATTRIBUTE && p->u.set_fallback_attribute.iccid.len == 10) {
		rsp_iccid_to_digits(p->u.set_fallback_attribute.iccid.ptr, iccid);
		return profile_exec(e, "UPDATE profile SET fallback = CASE WHEN iccid = $2 THEN 1 ELSE 0 END WHERE eid = $1", 2, eid, iccid, 0);
	}
	if (p->choice != RSP_PSMO_ENABLE && p->choice != RSP_PSMO_DISABLE && p->choice != RSP_PSMO_DELETE)
		return IOT_OK;
	if (p->u.enable.iccid.len != 10)        /* the same place in each of the three */
		return IOT_OK;
	rsp_iccid_to_digits(p->u.enable.iccid.ptr, iccid);
	if (p->choice == RSP_PSMO_DELETE)
		return profile_exec(e, "DELETE FROM profile WHERE eid = $1 AND iccid = $2", 2, eid, iccid, 0);
	if (p->choice == RSP_PSMO_DISABLE)
		return profile_exec(e, PROFILE_UPSERT, 4, eid, iccid, 0);
	return profile_enabled(e, eid, iccid);
}

static bool euicc_result_changes_profiles(int choice)
{
	return choice == RSP_RESULT_LIST_PROFILE_INFO || choice == RSP_RESULT_ENABLE || choice == RSP_RESULT_DISABLE ||
	       choice == RSP_RESULT_DELETE || choice == RSP_RESULT_SET_FALLBACK_ATTRIBUTE ||
	       choice == RSP_RESULT_UNSET_FALLBACK_ATTRIBUTE;
}

iot_err eim_profiles_learn_result(struct eim *e, const char *eid, int64_t op, const uint8_t *der, size_t len)
{
	struct rsp_euicc_package_result r;
	struct rsp_euicc_package pkg = { 0 };
	struct rsp_arena a;
	struct store_stmt *st;
	bool row = false;
	iot_err err = IOT_OK;

	if (!der)
		return IOT_OK;
	rsp_arena_dynamic(&a);
	if (rsp_decode(&rsp_t_euicc_package_result, der, len, &r, &a) != IOT_OK || r.choice != RSP_EPR_RESULT_SIGNED)
		goto out;
	/* nothing about profiles in it (an eCO, getRAT, ...): nothing to learn */
	for (size_t i = 0; i < r.u.result_signed.data.euicc_result.count && !row; i++)
		row = euicc_result_changes_profiles(r.u.result_signed.data.euicc_result.items[i].choice);
	if (!row)
		goto out;
	row = false;
	/* the PSMOs the results answer, in the same order */
	if ((err = store_prepare(e->db, "SELECT payload FROM operation WHERE id = $1 AND kind = 1", &st)) != IOT_OK)
		goto out;
	store_bind_int(st, 1, op);
	if ((err = store_step(st, &row)) == IOT_OK && row) {
		size_t n;
		const uint8_t *p = store_col_blob(st, 0, &n);
		uint8_t *copy = p && n ? rsp_arena_alloc(&a, n) : NULL;

		if (copy && rsp_decode(&rsp_t_euicc_package, memcpy(copy, p, n), n, &pkg, &a) != IOT_OK)
			pkg.choice = 0;
	}
	store_finalize(st);
	if (err != IOT_OK || pkg.choice != RSP_PACKAGE_PSMO_LIST)
		goto out;
	for (size_t i = 0; i < r.u.result_signed.data.euicc_result.count && err == IOT_OK; i++) {
		const struct rsp_euicc_result_data *d = &r.u.result_signed.data.euicc_result.items[i];

		if (d->choice == RSP_RESULT_LIST_PROFILE_INFO)
			err = learn_list(e, eid, &d->u.list_profile_info);
		else if (i < pkg.u.psmo_list.count && (d->choice == RSP_RESULT_ENABLE || d->choice == RSP_RESULT_DISABLE ||
						       d->choice == RSP_RESULT_DELETE || d->choice == RSP_RESULT_SET_FALLBACK_ATTRIBUTE ||
						       d->choice == RSP_RESULT_UNSET_FALLBACK_ATTRIBUTE) && d->u.code == 0)
			err = learn_psmo(e, eid, &pkg.u.psmo_list.items[i]);
	}
out:
	rsp_arena_free(&a);
	return err;
}

iot_err eim_profiles_learn_notification(struct eim *e, const char *eid, const struct rsp_notification_metadata *md)
{
	/* NotificationEvent bits (SGP.22 2.4a): install 0, enable 1, disable 2, delete 3, and the same by RPM 4-7 */
	uint64_t op = md->profile_management_operation;
	char iccid[21];

	if (!md->has_iccid || md->iccid.len != 10)
		return IOT_OK;
	rsp_iccid_to_digits(md->iccid.ptr, iccid);
	if (op & (1u << 3 | 1u << 6))
		return profile_exec(e, "DELETE FROM profile WHERE eid = $1 AND iccid = $2", 2, eid, iccid, 0);
	if (op & (1u << 1 | 1u << 4))
		return profile_enabled(e, eid, iccid);
	if (op & (1u << 0 | 1u << 2 | 1u << 5))
		return profile_exec(e, PROFILE_UPSERT, 4, eid, iccid, 0);
	return IOT_OK;
}

iot_err eim_euicc_profiles(struct eim *e, const char *eid, struct eim_profile *out, size_t cap, size_t *n)
{
	struct store_stmt *st;
	bool row = true;
	iot_err err = store_prepare(e->db, "SELECT iccid, state, class, fallback FROM profile WHERE eid = $1 ORDER BY iccid",
				    &st);

	*n = 0;
	if (err != IOT_OK)
		return err;
	store_bind_text(st, 1, eid);
	while (*n < cap && (err = store_step(st, &row)) == IOT_OK && row) {
		snprintf(out[*n].iccid, sizeof(out[*n].iccid), "%s", store_col_text(st, 0));
		out[*n].state = (int)store_col_int(st, 1);
		out[*n].profile_class = (int)store_col_int(st, 2);
		out[(*n)++].fallback = store_col_int(st, 3) != 0;
	}
	store_finalize(st);
	return err;
}
