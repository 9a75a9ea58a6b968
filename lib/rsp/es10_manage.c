/* ES10 tables, the rest of es10.c's: ES10b's RAT, certificates, eIM
 * configuration, immediate enable, rollback, fallback and emergency
 * (SGP.32 5.9), and ES10c. From RSPDefinitions (SGP.22) and
 * SGP32Definitions; AUTOMATIC TAGS as in es10.c. */
#include "rsp/es10.h"
#include "rsp/package.h"
#include "rsp/es10_fields.h"

#include <stddef.h>

/* ES10b: RAT, certificates */
RSP_EMPTY_SEQUENCE(get_rat_request, "GetRatRequest", 0xBF43);
#define S struct rsp_get_rat_response
static const struct rsp_field get_rat_response_f[] = { RSP_F(rat, 0xA0, rsp_t_rat) };
RSP_SEQUENCE(get_rat_response, "GetRatResponse", 0xBF43, get_rat_response_f);
#undef S

#define S struct rsp_get_certs_request
static const struct rsp_field get_certs_request_f[] = {
	RSP_O(euicc_ci_pkid, 0x80, rsp_t_octets),
};
RSP_SEQUENCE(get_certs_request, "GetCertsRequest", 0xBF56, get_certs_request_f);
#undef S
#define S struct rsp_certs
static const struct rsp_field certs_f[] = {
	RSP_F(eum_certificate, 0xA5, rsp_t_certificate),
	RSP_F(euicc_certificate, 0xA6, rsp_t_certificate),
};
static RSP_SEQUENCE(certs, "GetCertsResponse.certs", 0x30, certs_f);
#undef S
#define S struct rsp_get_certs_response
static const struct rsp_field get_certs_response_f[] = {
	RSP_A(certs, 0xA0, rsp_t_certs),
	RSP_A(error, 0x81, rsp_t_integer),
};
RSP_CHOICE_TYPE(get_certs_response, "GetCertsResponse", 0xBF56, get_certs_response_f);
#undef S

/* ES10b: eIM configuration (SGP.32 5.9.x) */
#define S struct rsp_add_initial_eim_request
static const struct rsp_field add_initial_eim_request_f[] = {
	RSP_F(eim_configuration_data_list, 0xA0, rsp_t_eim_configuration_data_list),
};
RSP_SEQUENCE(add_initial_eim_request, "AddInitialEimRequest", 0xBF57, add_initial_eim_request_f);
#undef S

#define S struct rsp_add_initial_eim_item
static const struct rsp_field add_initial_eim_item_f[] = {
	RSP_A(association_token, 0x84, rsp_t_integer),
	RSP_AN(add_ok, 0x05),
};
static RSP_CHOICE_TYPE(add_initial_eim_item, "AddInitialEimResponse.addInitialEimOk item", 0,
		       add_initial_eim_item_f);
#undef S
static RSP_SEQUENCE_OF(add_initial_eim_ok, "SEQUENCE OF CHOICE", 0x30, rsp_t_add_initial_eim_item, 0);
#define S struct rsp_add_initial_eim_response
static const struct rsp_field add_initial_eim_response_f[] = {
	RSP_A(ok, 0xA0, rsp_t_add_initial_eim_ok),
	RSP_A(error, 0x81, rsp_t_integer),
};
RSP_CHOICE_TYPE(add_initial_eim_response, "AddInitialEimResponse", 0xBF57, add_initial_eim_response_f);
#undef S

#define S struct rsp_eim_search_criteria
static const struct rsp_field eim_search_criteria_f[] = {
	RSP_A(eim_id, 0x80, rsp_t_eim_id),
};
static RSP_CHOICE_TYPE(eim_search_criteria, "GetEimConfigurationDataRequest.searchCriteria", 0,
		       eim_search_criteria_f);
#undef S
#define S struct rsp_get_eim_configuration_data_request
static const struct rsp_field get_eim_configuration_data_request_f[] = {
	RSP_O(search_criteria, 0xA0, rsp_t_eim_search_criteria),
};
RSP_SEQUENCE(get_eim_configuration_data_request, "GetEimConfigurationDataRequest", 0xBF55,
	     get_eim_configuration_data_request_f);
#undef S
#define S struct rsp_get_eim_configuration_data_response
static const struct rsp_field get_eim_configuration_data_response_f[] = {
	RSP_F(eim_configuration_data_list, 0xA0, rsp_t_eim_configuration_data_list),
};
RSP_SEQUENCE(get_eim_configuration_data_response, "GetEimConfigurationDataResponse", 0xBF55,
	     get_eim_configuration_data_response_f);
#undef S

/* ES10b: immediate enable, rollback, fallback, emergency (SGP.32 5.9.x) */
#define S struct rsp_refresh_flag
RSP_SEQUENCE(immediate_enable_request, "ImmediateEnableRequest", 0xBF5A, es10_refresh_flag_f);
RSP_SEQUENCE(profile_rollback_request, "ProfileRollbackRequest", 0xBF58, es10_refresh_flag_f);
RSP_SEQUENCE(execute_fallback_mechanism_request, "ExecuteFallbackMechanismRequest", 0xBF5D, es10_refresh_flag_f);
RSP_SEQUENCE(return_from_fallback_request, "ReturnFromFallbackRequest", 0xBF5E, es10_refresh_flag_f);
RSP_SEQUENCE(enable_emergency_profile_request, "EnableEmergencyProfileRequest", 0xBF5B, es10_refresh_flag_f);
RSP_SEQUENCE(disable_emergency_profile_request, "DisableEmergencyProfileRequest", 0xBF5C, es10_refresh_flag_f);
#undef S
#define S struct rsp_result
RSP_SEQUENCE(immediate_enable_response, "ImmediateEnableResponse", 0xBF5A, es10_result_f);
RSP_SEQUENCE(configure_immediate_profile_enabling_response, "ConfigureImmediateProfileEnablingResponse",
	     0xBF59, es10_result_f);
RSP_SEQUENCE(execute_fallback_mechanism_response, "ExecuteFallbackMechanismResponse", 0xBF5D, es10_result_f);
RSP_SEQUENCE(return_from_fallback_response, "ReturnFromFallbackResponse", 0xBF5E, es10_result_f);
RSP_SEQUENCE(enable_emergency_profile_response, "EnableEmergencyProfileResponse", 0xBF5B, es10_result_f);
RSP_SEQUENCE(disable_emergency_profile_response, "DisableEmergencyProfileResponse", 0xBF5C, es10_result_f);
RSP_SEQUENCE(ipae_activation_response, "IpaeActivationResponse", 0xBF42, es10_result_f);
#undef S

#define S struct rsp_configure_immediate_profile_enabling_request
static const struct rsp_field configure_immediate_profile_enabling_request_f[] = {
	RSP_N(immediate_enable_flag, 0x80),
	RSP_O(default_smdp_oid, 0x81, rsp_t_oid),
	RSP_O(default_smdp_address, 0x82, rsp_t_utf8),
};
RSP_SEQUENCE(configure_immediate_profile_enabling_request, "ConfigureImmediateProfileEnablingRequest",
	     0xBF59, configure_immediate_profile_enabling_request_f);
#undef S

RSP_EMPTY_SEQUENCE(get_connectivity_parameters_request, "GetConnectivityParametersRequest", 0xBF5F);
#define S struct rsp_connectivity_parameters
static const struct rsp_field connectivity_parameters_f[] = {
	RSP_O(http_params, 0x81, rsp_t_octets),
};
static RSP_SEQUENCE(connectivity_parameters, "ConnectivityParameters", 0x30, connectivity_parameters_f);
#undef S
#define S struct rsp_get_connectivity_parameters_response
static const struct rsp_field get_connectivity_parameters_response_f[] = {
	RSP_A(params, 0xA0, rsp_t_connectivity_parameters),
	RSP_A(error, 0x81, rsp_t_integer),
};
RSP_CHOICE_TYPE(get_connectivity_parameters_response, "GetConnectivityParametersResponse", 0xBF5F,
		get_connectivity_parameters_response_f);
#undef S

#define S struct rsp_bits_request
RSP_SEQUENCE(ipae_activation_request, "IpaeActivationRequest", 0xBF42, es10_bits80_f);
RSP_SEQUENCE(isdr_proprietary_application_template_iot, "ISDRProprietaryApplicationTemplateIoT", 0xE1,
	     es10_bits80_f);
RSP_SEQUENCE(sgp22_euicc_memory_reset_request, "EuiccMemoryResetRequest", 0xBF34, es10_bits82_f);
RSP_SEQUENCE(euicc_memory_reset_request, "SGP32-EuiccMemoryResetRequest", 0xBF64, es10_bits82_f);
#undef S

/* ES10c */
#define S struct rsp_profile_search_criteria
static const struct rsp_field profile_search_criteria_f[] = {
	RSP_A(isdp_aid, 0x4F, rsp_t_octet_to16),
	RSP_A(iccid, 0x5A, rsp_t_iccid),
	RSP_A(profile_class, 0x95, rsp_t_integer),
};
static RSP_CHOICE_TYPE(profile_search_criteria, "ProfileInfoListRequest.searchCriteria", 0,
		       profile_search_criteria_f);
#undef S
#define S struct rsp_profile_info_list_request
static const struct rsp_field profile_info_list_request_f[] = {
	RSP_O(search_criteria, 0xA0, rsp_t_profile_search_criteria),
	RSP_O(tag_list, 0x5C, rsp_t_octets),
};
RSP_SEQUENCE(profile_info_list_request, "ProfileInfoListRequest", 0xBF2D, profile_info_list_request_f);
#undef S

static RSP_SEQUENCE_OF(profile_info_list, "SEQUENCE OF SGP32-ProfileInfo", 0x30, rsp_t_profile_info, 0);
static RSP_SEQUENCE_OF(sgp22_profile_info_list, "SEQUENCE OF ProfileInfo", 0x30,
		       rsp_t_sgp22_profile_info, 0);
#define S struct rsp_profile_info_list_response
static const struct rsp_field profile_info_list_response_f[] = {
	RSP_A(ok, 0xA0, rsp_t_profile_info_list),
	RSP_A(error, 0x81, rsp_t_integer),
};
static const struct rsp_field sgp22_profile_info_list_response_f[] = {
	RSP_A(ok, 0xA0, rsp_t_sgp22_profile_info_list),
	RSP_A(error, 0x81, rsp_t_integer),
};
RSP_CHOICE_TYPE(profile_info_list_response, "SGP32-ProfileInfoListResponse", 0xBF2D,
		profile_info_list_response_f);
RSP_CHOICE_TYPE(sgp22_profile_info_list_response, "ProfileInfoListResponse", 0xBF2D,
		sgp22_profile_info_list_response_f);
#undef S

#define S struct rsp_profile_identifier
static const struct rsp_field profile_identifier_f[] = {
	RSP_A(isdp_aid, 0x4F, rsp_t_octet_to16),
	RSP_A(iccid, 0x5A, rsp_t_iccid),
};
static RSP_CHOICE_TYPE(profile_identifier, "profileIdentifier", 0, profile_identifier_f);
RSP_CHOICE_TYPE(delete_profile_request, "DeleteProfileRequest", 0xBF33, profile_identifier_f);
#undef S
#define S struct rsp_profile_request
static const struct rsp_field profile_request_f[] = {
	RSP_F(profile_identifier, 0xA0, rsp_t_profile_identifier),
	RSP_F(refresh_flag, 0x81, rsp_t_boolean),
};
RSP_SEQUENCE(enable_profile_request, "EnableProfileRequest", 0xBF31, profile_request_f);
RSP_SEQUENCE(disable_profile_request, "DisableProfileRequest", 0xBF32, profile_request_f);
#undef S
#define S struct rsp_result
RSP_SEQUENCE(enable_profile_response, "EnableProfileResponse", 0xBF31, es10_result_f);
RSP_SEQUENCE(disable_profile_response, "DisableProfileResponse", 0xBF32, es10_result_f);
RSP_SEQUENCE(delete_profile_response, "DeleteProfileResponse", 0xBF33, es10_result_f);
RSP_SEQUENCE(sgp22_euicc_memory_reset_response, "EuiccMemoryResetResponse", 0xBF34, es10_result_f);
RSP_SEQUENCE(set_nickname_response, "SetNicknameResponse", 0xBF29, es10_result_f);
#undef S

#define S struct rsp_euicc_memory_reset_response
static const struct rsp_field euicc_memory_reset_response_f[] = {
	RSP_F(reset_result, 0x80, rsp_t_integer),
	RSP_O(reset_eim_result, 0x81, rsp_t_integer),
	RSP_O(reset_immediate_enable_config_result, 0x82, rsp_t_integer),
};
RSP_SEQUENCE(euicc_memory_reset_response, "SGP32-EuiccMemoryResetResponse", 0xBF64,
	     euicc_memory_reset_response_f);
#undef S

#define S struct rsp_get_euicc_data_request
static const struct rsp_field get_euicc_data_request_f[] = { RSP_F(tag_list, 0x5C, rsp_t_octet1) };
RSP_SEQUENCE(get_euicc_data_request, "GetEuiccDataRequest", 0xBF3E, get_euicc_data_request_f);
#undef S
#define S struct rsp_get_euicc_data_response
static const struct rsp_field get_euicc_data_response_f[] = { RSP_F(eid_value, 0x5A, rsp_t_octet16) };
RSP_SEQUENCE(get_euicc_data_response, "GetEuiccDataResponse", 0xBF3E, get_euicc_data_response_f);
#undef S

#define S struct rsp_set_nickname_request
static const struct rsp_field set_nickname_request_f[] = {
	RSP_F(iccid, 0x5A, rsp_t_iccid),
	RSP_F(profile_nickname, 0x90, rsp_t_utf8_64),
};
RSP_SEQUENCE(set_nickname_request, "SetNicknameRequest", 0xBF29, set_nickname_request_f);
#undef S

int64_t rsp_pending_notification_seq(const struct rsp_pending_notification *n)
{
	switch (n->choice) {
	case RSP_PENDING_PIR:
		return n->u.pir.data.notification_metadata.seq_number;
	case RSP_PENDING_OTHER:
		return n->u.other.tbs_other_notification.seq_number;
	case RSP_PENDING_COMPACT_PIR:
		return n->u.compact_pir.data.seq_number;
	default:
		return n->u.compact_other.tbs_other_notification.seq_number;
	}
}

const struct rsp_notification_metadata *rsp_pending_notification_metadata(const struct rsp_pending_notification *n)
{
	switch (n->choice) {
	case RSP_PENDING_PIR:
		return &n->u.pir.data.notification_metadata;
	case RSP_PENDING_OTHER:
		return &n->u.other.tbs_other_notification;
	case RSP_PENDING_COMPACT_OTHER:
		return &n->u.compact_other.tbs_other_notification;
	default:
		return NULL;
	}
}
