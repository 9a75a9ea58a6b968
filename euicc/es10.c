/* ES10 dispatch (SGP.22 5.7, SGP.32 5.9): each request by its tag to the
 * function that serves it; and the identity functions: GetEID, EUICCInfo1/2,
 * GetCerts, configured addresses, SetDefaultDpAddress, GetRAT, challenge. */
#include "euicc/internal.h"
#include "euicc/es10.h"

#include <string.h>

const uint8_t *es10_dup(struct rsp_arena *a, const void *ptr, size_t len)
{
	uint8_t *copy = rsp_arena_alloc(a, len ? len : 1);

	if (copy && len)
		memcpy(copy, ptr, len);
	return copy;
}

iot_err es10_decode(const struct rsp_type *t, const uint8_t *req, size_t len, void *out,
		    struct rsp_arena *arena)
{
	return rsp_decode(t, req, len, out, arena);
}

iot_err es10_reply(const struct rsp_type *t, const void *resp, struct der_writer *out)
{
	return rsp_encode(t, resp, out);
}

/* ES10c.GetEID (SGP.22 5.7.20): tagList '5A' only */
static iot_err get_eid(struct euicc *e, const uint8_t *req, size_t len, struct rsp_arena *a,
		       struct der_writer *out)
{
	struct rsp_get_euicc_data_request q;
	struct rsp_get_euicc_data_response r;
	iot_err err = es10_decode(&rsp_t_get_euicc_data_request, req, len, &q, a);

	if (err != IOT_OK)
		return err;
	if (q.tag_list.ptr[0] != 0x5A)
		return IOT_E_ASN1_VALUE;
	r.eid_value = RSP_BYTES(e->s.eid, 16);
	return es10_reply(&rsp_t_get_euicc_data_response, &r, out);
}

/* The SKIs of the CIs this eUICC trusts (verification) and of the CI its
 * own chain ends in (signing). */
static void ci_lists(struct euicc *e, struct rsp_arena *a, rsp_bytes_list *verify, rsp_bytes_list *sign)
{
	size_t i, len;
	const uint8_t *aki = x509_aki(e->eum, &len);

	verify->items = rsp_arena_alloc(a, (e->s.ci_count ? e->s.ci_count : 1) * sizeof(struct rsp_bytes));
	verify->count = 0;
	for (i = 0; verify->items && i < e->s.ci_count; i++) {
		const uint8_t *ski = x509_ski(e->ci[i], &len);

		if (ski)
			verify->items[verify->count++] = RSP_BYTES(ski, len);
	}
	sign->items = rsp_arena_alloc(a, sizeof(struct rsp_bytes));
	sign->count = 0;
	aki = x509_aki(e->eum, &len);
	if (sign->items && aki)
		sign->items[sign->count++] = RSP_BYTES(aki, len);
}

void es10_euicc_info1(struct euicc *e, struct rsp_arena *a, struct rsp_euicc_info1 *i)
{
	memset(i, 0, sizeof(*i));
	i->svn = RSP_STR("\x02\x05\x00");       /* SGP.22 v2.5, as SGP.32 v1.2 references */
	ci_lists(e, a, &i->euicc_ci_pkid_list_for_verification, &i->euicc_ci_pkid_list_for_signing);
}

/* ETSI TS 102 226 8.2.1.7.2: installed applications, free NVM, free RAM */
static size_t ext_card_resource(struct euicc *e, uint8_t out[16])
{
	size_t used = 0, i, free_nvm;

	for (i = 0; i < e->s.profile_count; i++)
		used += e->s.profiles[i].content.len + e->s.profiles[i].metadata.len;
	free_nvm = used < EUICC_NVM_BYTES ? EUICC_NVM_BYTES - used : 0;
	out[0] = 0x81;
	out[1] = 0x01;
	out[2] = (uint8_t)(e->s.profile_count > 255 ? 255 : e->s.profile_count);
	out[3] = 0x82;
	out[4] = 0x04;
	out[5] = (uint8_t)(free_nvm >> 24);
	out[6] = (uint8_t)(free_nvm >> 16);
	out[7] = (uint8_t)(free_nvm >> 8);
	out[8] = (uint8_t)free_nvm;
	out[9] = 0x83;
	out[10] = 0x02;
	out[11] = 0x40;                         /* 16 KB of RAM */
	out[12] = 0x00;
	return 13;
}

void es10_euicc_info2(struct euicc *e, struct rsp_arena *a, struct rsp_euicc_info2 *i)
{
	uint8_t *ecr = rsp_arena_alloc(a, 16);
	struct rsp_bytes *iot = rsp_arena_alloc(a, sizeof(*iot));

	memset(i, 0, sizeof(*i));
	i->profile_version = RSP_STR("\x02\x03\x01");   /* SAIP v2.3.1 */
	i->svn = RSP_STR("\x02\x05\x00");
	i->euicc_firmware_ver = RSP_STR("\x00\x01\x00");
	if (ecr)
		i->ext_card_resource = RSP_BYTES(ecr, ext_card_resource(e, ecr));
	/* PEDefinitions UICCCapability: usim, isim, milenage, tuak128, javacard, multiple usim */
	i->uicc_capability = (1u << 1) | (1u << 2) | (1u << 4) | (1u << 6) | (1u << 14) | (1u << 16);
	i->has_ts102241_version = true;
	i->ts102241_version = RSP_STR("\x09\x02\x00");
	i->has_globalplatform_version = true;
	i->globalplatform_version = RSP_STR("\x02\x03\x00");
	/* RspCapability: additionalProfile while there is room, testProfileSupport */
	i->rsp_capability = (e->s.profile_count < EUICC_MAX_PROFILES ? 1u << 0 : 0) | (1u << 3);
	ci_lists(e, a, &i->euicc_ci_pkid_list_for_verification, &i->euicc_ci_pkid_list_for_signing);
	i->has_euicc_category = true;
	i->euicc_category = 1;                  /* basicEuicc */
	i->pp_version = RSP_STR("\x00\x00\x00"); /* a simulator: no protection profile */
	i->sas_acreditation_number = RSP_STR("");
	/* SGP.32 5.9.x: ipaMode and iotSpecificInfo are mandatory */
	i->has_ipa_mode = true;
	i->ipa_mode = e->s.ipae_active ? RSP_IPA_MODE_IPAE : RSP_IPA_MODE_IPAD;
	i->has_iot_specific_info = true;
	if (iot) {
		*iot = RSP_STR("\x01\x02\x00");  /* SGP.32 v1.2 */
		i->iot_specific_info.iot_version.items = iot;
		i->iot_specific_info.iot_version.count = 1;
	}
	i->iot_specific_info.fallback_supported = true;
}

static iot_err get_info1(struct euicc *e, const uint8_t *req, size_t len, struct rsp_arena *a,
			 struct der_writer *out)
{
	struct rsp_empty q;
	struct rsp_euicc_info1 i;
	iot_err err = es10_decode(&rsp_t_get_euicc_info1_request, req, len, &q, a);

	if (err != IOT_OK)
		return err;
	es10_euicc_info1(e, a, &i);
	return es10_reply(&rsp_t_euicc_info1, &i, out);
}

static iot_err get_info2(struct euicc *e, const uint8_t *req, size_t len, struct rsp_arena *a,
			 struct der_writer *out)
{
	struct rsp_empty q;
	struct rsp_euicc_info2 i;
	iot_err err = es10_decode(&rsp_t_get_euicc_info2_request, req, len, &q, a);

	if (err != IOT_OK)
		return err;
	es10_euicc_info2(e, a, &i);
	return es10_reply(&rsp_t_euicc_info2, &i, out);
}

/* SGP.32 5.9.x ES10b.GetCerts */
static iot_err get_certs(struct euicc *e, const uint8_t *req, size_t len, struct rsp_arena *a,
			 struct der_writer *out)
{
	struct rsp_get_certs_request q;
	struct rsp_get_certs_response r = { 0 };
	size_t aki_len;
	const uint8_t *aki = x509_aki(e->eum, &aki_len);
	iot_err err = es10_decode(&rsp_t_get_certs_request, req, len, &q, a);

	if (err != IOT_OK)
		return err;
	/* SGP.32: only the chain of the CI asked for, which must be ours */
	if (q.has_euicc_ci_pkid && (!aki || q.euicc_ci_pkid.len > aki_len || !q.euicc_ci_pkid.len ||
				    memcmp(q.euicc_ci_pkid.ptr, aki, q.euicc_ci_pkid.len) != 0)) {
		r.choice = RSP_GET_CERTS_ERROR;
		r.u.error = 1;                  /* invalidCiPKId */
		return es10_reply(&rsp_t_get_certs_response, &r, out);
	}
	r.choice = RSP_GET_CERTS_OK;
	r.u.certs.eum_certificate = RSP_BYTES(e->s.eum_cert.ptr, e->s.eum_cert.len);
	r.u.certs.euicc_certificate = RSP_BYTES(e->s.cert.ptr, e->s.cert.len);
	return es10_reply(&rsp_t_get_certs_response, &r, out);
}

/* ES10a.GetEuiccConfiguredAddresses (SGP.22 5.7.3) */
static iot_err get_addresses(struct euicc *e, const uint8_t *req, size_t len, struct rsp_arena *a,
			     struct der_writer *out)
{
	struct rsp_empty q;
	struct rsp_euicc_configured_addresses_response r = { 0 };
	iot_err err = es10_decode(&rsp_t_euicc_configured_addresses_request, req, len, &q, a);

	if (err != IOT_OK)
		return err;
	r.has_default_dp_address = e->s.default_dp.len > 0;
	r.default_dp_address = RSP_BYTES(e->s.default_dp.ptr, e->s.default_dp.len);
	r.root_ds_address = RSP_BYTES(e->s.root_ds.ptr, e->s.root_ds.len);
	return es10_reply(&rsp_t_euicc_configured_addresses_response, &r, out);
}

iot_err es10_set_default_dp(struct euicc *e, const struct rsp_bytes *address)
{
	struct euicc_blob old = e->s.default_dp, copy = { 0 };
	iot_err err = euicc_blob_set(&copy, address->ptr, address->len);

	if (err != IOT_OK)
		return err;
	e->s.default_dp = copy;
	if ((err = euicc_state_save(e)) != IOT_OK) {
		e->s.default_dp = old;          /* nothing changes unless saved */
		euicc_blob_free(&copy);
		return err;
	}
	euicc_blob_free(&old);
	return IOT_OK;
}

/* ES10a.SetDefaultDpAddress (SGP.22 5.7.4) and the SGP.32 'BF65' form */
static iot_err set_default_dp(struct euicc *e, const struct rsp_type *q_type, const struct rsp_type *r_type,
			      const uint8_t *req, size_t len, struct rsp_arena *a, struct der_writer *out)
{
	struct rsp_address q;
	struct rsp_result r = { 0 };
	iot_err err = es10_decode(q_type, req, len, &q, a);

	if (err != IOT_OK)
		return err;
	if (es10_set_default_dp(e, &q.address) != IOT_OK)
		r.result = 127;                 /* undefinedError */
	return es10_reply(r_type, &r, out);
}

static iot_err set_default_dp22(struct euicc *e, const uint8_t *req, size_t len, struct rsp_arena *a,
				struct der_writer *out)
{
	return set_default_dp(e, &rsp_t_set_default_dp_address_request, &rsp_t_set_default_dp_address_response,
			      req, len, a, out);
}

static iot_err set_default_dp32(struct euicc *e, const uint8_t *req, size_t len, struct rsp_arena *a,
				struct der_writer *out)
{
	return set_default_dp(e, &rsp_t_sgp32_set_default_dp_address_request,
			      &rsp_t_sgp32_set_default_dp_address_response, req, len, a, out);
}

/* ES10b.GetRAT (SGP.22 5.7.17): no PPR is authorised on this eUICC */
static iot_err get_rat(struct euicc *e, const uint8_t *req, size_t len, struct rsp_arena *a,
		       struct der_writer *out)
{
	struct rsp_empty q;
	struct rsp_get_rat_response r = { 0 };
	iot_err err = es10_decode(&rsp_t_get_rat_request, req, len, &q, a);

	(void)e;
	if (err != IOT_OK)
		return err;
	return es10_reply(&rsp_t_get_rat_response, &r, out);
}

/* ES10b.GetEUICCChallenge (SGP.22 5.7.7): a fresh challenge per session */
static iot_err get_challenge(struct euicc *e, const uint8_t *req, size_t len, struct rsp_arena *a,
			     struct der_writer *out)
{
	struct rsp_empty q;
	struct rsp_get_euicc_challenge_response r;
	iot_err err = es10_decode(&rsp_t_get_euicc_challenge_request, req, len, &q, a);

	if (err != IOT_OK)
		return err;
	if ((err = crypto_random(e->challenge, sizeof(e->challenge))) != IOT_OK)
		return err;
	e->has_challenge = true;
	r.euicc_challenge = RSP_BYTES(e->challenge, 16);
	return es10_reply(&rsp_t_get_euicc_challenge_response, &r, out);
}

typedef iot_err (*es10_fn)(struct euicc *e, const uint8_t *req, size_t len, struct rsp_arena *a,
			   struct der_writer *out);

static const struct {
	uint32_t tag;
	es10_fn fn;
} functions[] = {
	{ 0xBF3E, get_eid },
	{ 0xBF20, get_info1 },
	{ 0xBF22, get_info2 },
	{ 0xBF56, get_certs },
	{ 0xBF3C, get_addresses },
	{ 0xBF3F, set_default_dp22 },
	{ 0xBF65, set_default_dp32 },
	{ 0xBF43, get_rat },
	{ 0xBF2E, get_challenge },
	{ 0xBF2D, es10c_get_profiles_info },
	{ 0xBF31, es10c_enable_profile },
	{ 0xBF32, es10c_disable_profile },
	{ 0xBF33, es10c_delete_profile },
	{ 0xBF29, es10c_set_nickname },
	{ 0xBF64, es10c_memory_reset },
	{ 0xBF34, es10c_memory_reset22 },
	{ 0xBF28, es10b_list_notification },
	{ 0xBF2B, es10b_retrieve_notifications_list },
	{ 0xBF30, es10b_remove_notification },
	{ 0xBF57, es10b_add_initial_eim },
	{ 0xBF55, es10b_get_eim_configuration_data },
	{ 0xBF51, es10b_load_euicc_package },
	{ 0xBF38, es10b_authenticate_server },
	{ 0xBF21, es10b_prepare_download },
	{ 0xBF41, es10b_cancel_session },
	{ 0xBF59, es10b_configure_immediate_enable },
	{ 0xBF5A, es10b_immediate_enable },
	{ 0xBF58, es10b_profile_rollback },
	{ 0xBF5D, es10b_execute_fallback },
	{ 0xBF5E, es10b_return_from_fallback },
	{ 0xBF5B, es10b_enable_emergency_profile },
	{ 0xBF5C, es10b_disable_emergency_profile },
	{ 0xBF5F, es10b_get_connectivity_parameters },
	{ 0xBF42, es10b_ipae_activation },
};

iot_err euicc_es10(struct euicc *e, const uint8_t *req, size_t len, struct der_writer *out)
{
	struct der_tlv t;
	struct rsp_arena arena;
	size_t i;
	iot_err err;

	/* SGP.22 5.7.6: the BPP arrives as a stream of STORE DATA sequences,
	 * none of them a whole request; CancelSession may interrupt it */
	if (len >= 2 && req[0] == 0xBF && req[1] == 0x36 && !euicc_loading(e))
		return euicc_load_bpp(e, req, len, out);
	if (euicc_loading(e) && !(len >= 2 && req[0] == 0xBF && req[1] == 0x41))
		return euicc_load_bpp(e, req, len, out);
	if ((err = der_parse_one(req, len, &t)) != IOT_OK)
		return err;
	for (i = 0; i < sizeof(functions) / sizeof(functions[0]); i++) {
		if (functions[i].tag != t.tag)
			continue;
		rsp_arena_dynamic(&arena);
		err = functions[i].fn(e, req, len, &arena, out);
		rsp_arena_free(&arena);
		return err;
	}
	return IOT_E_ASN1_CHOICE;
}
