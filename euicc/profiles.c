/* ES10c (SGP.22 5.7.15-5.7.22, SGP.32 5.9.x): the profiles on the eUICC —
 * list, enable, disable, delete, nickname, memory reset — and factory
 * preloading. */
#include "euicc/es10.h"
#include "euicc/notify.h"

#include <stdlib.h>
#include <string.h>

struct euicc_profile *euicc_find_iccid(struct euicc *e, const uint8_t *iccid)
{
	size_t i;

	for (i = 0; i < e->s.profile_count; i++)
		if (!memcmp(e->s.profiles[i].iccid, iccid, 10))
			return &e->s.profiles[i];
	return NULL;
}

struct euicc_profile *euicc_find_aid(struct euicc *e, const uint8_t *aid, size_t len)
{
	size_t i;

	for (i = 0; i < e->s.profile_count; i++)
		if (len == 16 && !memcmp(e->s.profiles[i].aid, aid, 16))
			return &e->s.profiles[i];
	return NULL;
}

struct euicc_profile *euicc_enabled_profile(struct euicc *e)
{
	size_t i;

	for (i = 0; i < e->s.profile_count; i++)
		if (e->s.profiles[i].enabled)
			return &e->s.profiles[i];
	return NULL;
}

/* The metadata of p, decoded into a (arena-backed). */
static iot_err metadata_of(const struct euicc_profile *p, struct rsp_arena *a,
			   struct rsp_store_metadata_request *md)
{
	return rsp_decode(&rsp_t_store_metadata_request, p->metadata.ptr, p->metadata.len, md, a);
}

static uint64_t ppr_of(const struct euicc_profile *p)
{
	struct rsp_store_metadata_request md;
	struct rsp_arena a;
	uint64_t ppr = 0;

	rsp_arena_dynamic(&a);
	if (metadata_of(p, &a, &md) == IOT_OK && md.has_profile_policy_rules)
		ppr = md.profile_policy_rules;
	rsp_arena_free(&a);
	return ppr;
}

/* Whether tag is in a tagList (a concatenation of tags). */
static bool tag_listed(const struct rsp_bytes *list, uint32_t tag)
{
	struct der_reader r;
	size_t i = 0;

	der_reader_init(&r, list->ptr, list->len);
	while (i < list->len) {
		uint32_t t = list->ptr[i++];

		if ((t & 0x1F) == 0x1F)
			while (i < list->len) {
				t = (t << 8) | list->ptr[i];
				if (!(list->ptr[i++] & 0x80))
					break;
			}
		if (t == tag)
			return true;
	}
	return false;
}

static void fill_profile_info(const struct euicc_profile *p, const struct rsp_store_metadata_request *md,
			      bool has_list, const struct rsp_bytes *list, struct rsp_profile_info *out)
{
#define WANT(tag) (!has_list || tag_listed(list, tag))
	memset(out, 0, sizeof(*out));
	if ((out->has_iccid = WANT(0x5A)))
		out->iccid = RSP_BYTES(p->iccid, 10);
	if ((out->has_isdp_aid = WANT(0x4F)))
		out->isdp_aid = RSP_BYTES(p->aid, 16);
	if ((out->has_profile_state = WANT(0x9F70)))
		out->profile_state = p->enabled ? RSP_PROFILE_ENABLED : RSP_PROFILE_DISABLED;
	if ((out->has_profile_nickname = WANT(0x90) && p->nickname.len))
		out->profile_nickname = RSP_BYTES(p->nickname.ptr, p->nickname.len);
	if ((out->has_service_provider_name = WANT(0x91)))
		out->service_provider_name = md->service_provider_name;
	if ((out->has_profile_name = WANT(0x92)))
		out->profile_name = md->profile_name;
	if ((out->has_icon_type = WANT(0x93) && md->has_icon_type))
		out->icon_type = md->icon_type;
	if ((out->has_icon = WANT(0x94) && md->has_icon))
		out->icon = md->icon;
	if ((out->has_profile_class = WANT(0x95)))
		out->profile_class = md->profile_class;
	if ((out->has_notification_configuration_info = WANT(0xB6) && md->has_notification_configuration_info))
		out->notification_configuration_info = md->notification_configuration_info;
	if ((out->has_profile_owner = WANT(0xB7) && md->has_profile_owner))
		out->profile_owner = md->profile_owner;
	if ((out->has_profile_policy_rules = WANT(0x99) && md->has_profile_policy_rules))
		out->profile_policy_rules = md->profile_policy_rules;
	if ((out->has_service_specific_data_stored_in_euicc = WANT(0xBF22) &&
	     md->has_service_specific_data_stored_in_euicc))
		out->service_specific_data_stored_in_euicc = md->service_specific_data_stored_in_euicc;
	if ((out->has_ecall_indication = WANT(0x9F7B) && md->has_ecall_indication))
		out->ecall_indication = md->ecall_indication;
	out->fallback_attribute = WANT(0x9F26) && p->fallback;
	if ((out->has_fallback_allowed = WANT(0x9F67) && md->has_fallback_allowed))
		out->fallback_allowed = md->fallback_allowed;
#undef WANT
}

static bool matches(const struct euicc_profile *p, const struct rsp_store_metadata_request *md,
		    const struct rsp_profile_info_list_request *q)
{
	if (!q->has_search_criteria)
		return true;
	switch (q->search_criteria.choice) {
	case RSP_PROFILE_SEARCH_ISDP_AID:
		return q->search_criteria.u.isdp_aid.len == 16 && !memcmp(q->search_criteria.u.isdp_aid.ptr, p->aid, 16);
	case RSP_PROFILE_SEARCH_ICCID:
		return !memcmp(q->search_criteria.u.iccid.ptr, p->iccid, 10);
	case RSP_PROFILE_SEARCH_CLASS:
		return q->search_criteria.u.profile_class == md->profile_class;
	default:
		return false;
	}
}

/* The answer to a ProfileInfoListRequest (also PSMO listProfileInfo). */
void euicc_list_profiles(struct euicc *e, const struct rsp_profile_info_list_request *q, struct rsp_arena *a,
			 struct rsp_profile_info_list_response *r)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	r->choice = RSP_PROFILE_INFO_LIST_OK;
	r->u.ok.items = rsp_arena_alloc(a, (e->s.profile_count ? e->s.profile_count : 1) * sizeof(struct rsp_profile_info));
	if (!r->u.ok.items) {
		r->choice = RSP_PROFILE_INFO_LIST_ERROR;
		r->u.error = 127;
		return;
	}
	for (i = 0; i < e->s.profile_count; i++) {
		struct rsp_store_metadata_request md;
		struct euicc_profile copy = e->s.profiles[i];

		/* the answer lives in the arena, apart from the state it describes */
		copy.metadata.ptr = (uint8_t *)es10_dup(a, copy.metadata.ptr, copy.metadata.len);
		copy.nickname.ptr = (uint8_t *)es10_dup(a, copy.nickname.ptr, copy.nickname.len);
		if (!copy.metadata.ptr || !copy.nickname.ptr ||
		    rsp_decode(&rsp_t_store_metadata_request, copy.metadata.ptr, copy.metadata.len, &md, a) != IOT_OK ||
		    !matches(&copy, &md, q))
			continue;
		fill_profile_info(&copy, &md, q->has_tag_list, &q->tag_list, &r->u.ok.items[r->u.ok.count]);
		r->u.ok.items[r->u.ok.count].iccid = RSP_BYTES(es10_dup(a, copy.iccid, 10), 10);
		r->u.ok.items[r->u.ok.count].isdp_aid = RSP_BYTES(es10_dup(a, copy.aid, 16), 16);
		r->u.ok.count++;
	}
}

ES10_FN(es10c_get_profiles_info)
{
	struct rsp_profile_info_list_request q;
	struct rsp_profile_info_list_response r;
	iot_err err = es10_decode(&rsp_t_profile_info_list_request, req, len, &q, a);

	if (err != IOT_OK)
		return err;
	euicc_list_profiles(e, &q, a, &r);
	return es10_reply(&rsp_t_profile_info_list_response, &r, out);
}

static struct euicc_profile *find(struct euicc *e, const struct rsp_profile_identifier *id)
{
	if (id->choice == RSP_PROFILE_ID_ICCID)
		return euicc_find_iccid(e, id->u.iccid.ptr);
	return euicc_find_aid(e, id->u.isdp_aid.ptr, id->u.isdp_aid.len);
}

/* The profile state changes behind Enable, Disable and Delete, shared with
 * the PSMOs. Each returns the spec's result code; the caller commits. */
int euicc_enable(struct euicc *e, struct euicc_profile *p)
{
	struct euicc_profile *cur;

	/* SGP.22 5.7.16 */
	if (!p)
		return 1;       /* iccidOrAidNotFound */
	if (p->enabled)
		return 2;       /* profileNotInDisabledState */
	cur = euicc_enabled_profile(e);
	/* SGP.22 4.x: PPR1 forbids disabling the profile enabled now */
	if (cur && (ppr_of(cur) & RSP_PPR1))
		return 3;       /* disallowedByPolicy */
	if (cur) {
		cur->enabled = false;
		if (euicc_notify_profile(e, cur, RSP_NOTIFY_DISABLE) != IOT_OK)
			return 127;
	}
	p->enabled = true;
	return euicc_notify_profile(e, p, RSP_NOTIFY_ENABLE) == IOT_OK ? 0 : 127;
}

/* Enables p in place of whatever is enabled, with the notifications of
 * both, whatever their PPRs (the fallback mechanism overrides them). */
iot_err euicc_switch_to(struct euicc *e, struct euicc_profile *p)
{
	struct euicc_profile *cur = euicc_enabled_profile(e);
	iot_err err = IOT_OK;

	if (cur == p)
		return IOT_OK;
	if (cur) {
		cur->enabled = false;
		err = euicc_notify_profile(e, cur, RSP_NOTIFY_DISABLE);
	}
	p->enabled = true;
	return err == IOT_OK ? euicc_notify_profile(e, p, RSP_NOTIFY_ENABLE) : err;
}

int euicc_disable(struct euicc *e, struct euicc_profile *p)
{
	/* SGP.22 5.7.17 */
	if (!p)
		return 1;
	if (!p->enabled)
		return 2;       /* profileNotInEnabledState */
	if (ppr_of(p) & RSP_PPR1)
		return 3;
	p->enabled = false;
	return euicc_notify_profile(e, p, RSP_NOTIFY_DISABLE) == IOT_OK ? 0 : 127;
}

int euicc_delete(struct euicc *e, struct euicc_profile *p)
{
	size_t i;
	int rc;

	/* SGP.22 5.7.18 */
	if (!p)
		return 1;
	if (p->enabled)
		return 2;       /* profileNotInDisabledState */
	if (ppr_of(p) & RSP_PPR2)
		return 3;
	rc = euicc_notify_profile(e, p, RSP_NOTIFY_DELETE) == IOT_OK ? 0 : 127;
	if (rc)
		return rc;
	i = (size_t)(p - e->s.profiles);
	euicc_blob_free(&p->nickname);
	euicc_blob_free(&p->metadata);
	euicc_blob_free(&p->content);
	euicc_blob_free(&p->files);
	memmove(p, p + 1, (e->s.profile_count - i - 1) * sizeof(*p));
	e->s.profile_count--;
	return 0;
}

static iot_err profile_command(struct euicc *e, const uint8_t *req, size_t len, struct rsp_arena *a,
			       struct der_writer *out, const struct rsp_type *q_type,
			       const struct rsp_type *r_type, int (*op)(struct euicc *, struct euicc_profile *))
{
	struct rsp_profile_request q;
	struct rsp_profile_identifier *id = &q.profile_identifier;
	struct rsp_result r = { 0 };
	struct der_writer snap;
	iot_err err;

	if (q_type == &rsp_t_delete_profile_request)
		err = es10_decode(q_type, req, len, id, a);
	else
		err = es10_decode(q_type, req, len, &q, a);
	if (err != IOT_OK)
		return err;
	if ((err = euicc_begin(e, &snap)) != IOT_OK)
		return err;
	r.result = op(e, find(e, id));
	/* only a change that took place is saved; a refusal changes nothing */
	err = euicc_commit(e, &snap, r.result == 0 ? IOT_OK : IOT_E_ARG);
	if (r.result == 0 && err != IOT_OK)
		r.result = 127;
	return es10_reply(r_type, &r, out);
}

ES10_FN(es10c_enable_profile)
{
	return profile_command(e, req, len, a, out, &rsp_t_enable_profile_request,
			       &rsp_t_enable_profile_response, euicc_enable);
}

ES10_FN(es10c_disable_profile)
{
	return profile_command(e, req, len, a, out, &rsp_t_disable_profile_request,
			       &rsp_t_disable_profile_response, euicc_disable);
}

ES10_FN(es10c_delete_profile)
{
	return profile_command(e, req, len, a, out, &rsp_t_delete_profile_request,
			       &rsp_t_delete_profile_response, euicc_delete);
}

/* ES10c.SetNickname (SGP.22 5.7.21) */
ES10_FN(es10c_set_nickname)
{
	struct rsp_set_nickname_request q;
	struct rsp_result r = { 0 };
	struct euicc_profile *p;
	struct der_writer snap;
	iot_err err = es10_decode(&rsp_t_set_nickname_request, req, len, &q, a);

	if (err != IOT_OK)
		return err;
	if (!(p = euicc_find_iccid(e, q.iccid.ptr))) {
		r.result = 1;   /* iccidNotFound */
		return es10_reply(&rsp_t_set_nickname_response, &r, out);
	}
	if ((err = euicc_begin(e, &snap)) != IOT_OK)
		return err;
	err = euicc_blob_set(&p->nickname, q.profile_nickname.ptr, q.profile_nickname.len);
	if (euicc_commit(e, &snap, err) != IOT_OK)
		r.result = 127;
	return es10_reply(&rsp_t_set_nickname_response, &r, out);
}

enum {
	RESET_OPERATIONAL = 1 << 0, RESET_FIELD_TEST = 1 << 1, RESET_DEFAULT_SMDP = 1 << 2,
	RESET_PRELOADED_TEST = 1 << 3, RESET_PROVISIONING = 1 << 4, RESET_EIM = 1 << 5,
	RESET_IMMEDIATE_ENABLE = 1 << 6,
};

/* SGP.32 5.9.x eUICCMemoryReset: delete the profiles of the classes asked,
 * enabled ones included, and reset what else the options name */
static iot_err memory_reset(struct euicc *e, uint64_t options, struct rsp_euicc_memory_reset_response *r)
{
	struct rsp_arena a;
	size_t i = 0;
	bool deleted = false;

	rsp_arena_dynamic(&a);
	while (i < e->s.profile_count) {
		struct euicc_profile *p = &e->s.profiles[i];
		struct rsp_store_metadata_request md;
		bool go = false;

		if (metadata_of(p, &a, &md) == IOT_OK) {
			go = (md.profile_class == RSP_CLASS_OPERATIONAL && (options & RESET_OPERATIONAL)) ||
			     (md.profile_class == RSP_CLASS_TEST &&
			      (options & (RESET_FIELD_TEST | RESET_PRELOADED_TEST))) ||
			     (md.profile_class == RSP_CLASS_PROVISIONING && (options & RESET_PROVISIONING));
		}
		if (!go) {
			i++;
			continue;
		}
		/* SGP.22 5.7.19: no notification is generated for a memory reset */
		euicc_blob_free(&p->nickname);
		euicc_blob_free(&p->metadata);
		euicc_blob_free(&p->content);
		euicc_blob_free(&p->files);
		memmove(p, p + 1, (e->s.profile_count - i - 1) * sizeof(*p));
		e->s.profile_count--;
		deleted = true;
	}
	rsp_arena_free(&a);
	if ((options & RESET_DEFAULT_SMDP) && e->s.default_dp.len) {
		euicc_blob_free(&e->s.default_dp);
		deleted = true;
	}
	r->reset_result = deleted ? 0 : 1;      /* ok / nothingToDelete */
	if (options & RESET_EIM) {
		r->has_reset_eim_result = true;
		r->reset_eim_result = e->s.eim_count ? 0 : 1;
		for (i = 0; i < e->s.eim_count; i++)
			euicc_blob_free(&e->s.eims[i].config);
		free(e->s.eims);
		e->s.eims = NULL;
		e->s.eim_count = 0;
	}
	if (options & RESET_IMMEDIATE_ENABLE) {
		r->has_reset_immediate_enable_config_result = true;
		r->reset_immediate_enable_config_result = 0;
	}
	return IOT_OK;
}

static iot_err memory_reset_command(struct euicc *e, const uint8_t *req, size_t len, struct rsp_arena *a,
				    struct der_writer *out, bool sgp32)
{
	struct rsp_bits_request q;
	struct rsp_euicc_memory_reset_response r = { 0 };
	struct der_writer snap;
	iot_err err = es10_decode(sgp32 ? &rsp_t_euicc_memory_reset_request : &rsp_t_sgp22_euicc_memory_reset_request,
				  req, len, &q, a);

	if (err != IOT_OK)
		return err;
	if (!sgp32)
		q.bits &= RESET_OPERATIONAL | RESET_FIELD_TEST | RESET_DEFAULT_SMDP;
	if ((err = euicc_begin(e, &snap)) != IOT_OK)
		return err;
	err = memory_reset(e, q.bits, &r);
	if (euicc_commit(e, &snap, err) != IOT_OK) {
		memset(&r, 0, sizeof(r));
		r.reset_result = 127;
	}
	if (!sgp32) {
		struct rsp_result r22 = { r.reset_result };

		return es10_reply(&rsp_t_sgp22_euicc_memory_reset_response, &r22, out);
	}
	return es10_reply(&rsp_t_euicc_memory_reset_response, &r, out);
}

ES10_FN(es10c_memory_reset)
{
	return memory_reset_command(e, req, len, a, out, true);
}

ES10_FN(es10c_memory_reset22)
{
	return memory_reset_command(e, req, len, a, out, false);
}

/* Adds a profile to the state (download or factory); the caller commits. */
iot_err euicc_profile_add(struct euicc *e, const uint8_t *metadata, size_t metadata_len,
			  const uint8_t *content, size_t content_len, struct euicc_profile **added)
{
	struct rsp_store_metadata_request md;
	struct euicc_profile *p;
	struct rsp_arena a;
	uint32_t n = e->s.next_isdp;
	iot_err err;

	rsp_arena_dynamic(&a);
	err = rsp_decode(&rsp_t_store_metadata_request, metadata, metadata_len, &md, &a);
	if (err == IOT_OK && euicc_find_iccid(e, md.iccid.ptr))
		err = IOT_E_ARG;        /* installFailedDueToIccidAlreadyExistsOnEuicc */
	if (err == IOT_OK && e->s.profile_count >= EUICC_MAX_PROFILES)
		err = IOT_E_NOMEM;      /* installFailedDueToInsufficientMemoryForProfile */
	if (err == IOT_OK) {
		p = realloc(e->s.profiles, (e->s.profile_count + 1) * sizeof(*p));
		if (!p)
			err = IOT_E_NOMEM;
		else
			e->s.profiles = p;
	}
	if (err != IOT_OK) {
		rsp_arena_free(&a);
		return err;
	}
	p = &e->s.profiles[e->s.profile_count];
	memset(p, 0, sizeof(*p));
	memcpy(p->iccid, md.iccid.ptr, 10);
	/* ISD-P AIDs: A0000005591010FFFFFFFF8900 nnnn 00 */
	memcpy(p->aid, rsp_isdp_aid_head, sizeof(rsp_isdp_aid_head));
	p->aid[13] = (uint8_t)(n >> 8);
	p->aid[14] = (uint8_t)n;
	p->aid[15] = 0;
	rsp_arena_free(&a);
	if (euicc_blob_set(&p->metadata, metadata, metadata_len) != IOT_OK ||
	    euicc_blob_set(&p->content, content, content_len) != IOT_OK) {
		euicc_blob_free(&p->metadata);
		return IOT_E_NOMEM;
	}
	e->s.profile_count++;
	e->s.next_isdp++;
	*added = p;
	return IOT_OK;
}

iot_err euicc_preload_profile(struct euicc *e, const uint8_t *metadata, size_t metadata_len,
			      const uint8_t *profile, size_t profile_len, bool enabled)
{
	struct euicc_profile *p;
	struct der_writer snap;
	size_t i;
	iot_err err;

	if ((err = euicc_begin(e, &snap)) != IOT_OK)
		return err;
	err = euicc_profile_add(e, metadata, metadata_len, profile, profile_len, &p);
	if (err == IOT_OK && enabled) {
		for (i = 0; i < e->s.profile_count; i++)
			e->s.profiles[i].enabled = false;
		p->enabled = true;
	}
	return euicc_commit(e, &snap, err);
}
