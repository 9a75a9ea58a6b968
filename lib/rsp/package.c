/* Tables for package.h, from SGP32Definitions v1.2. */
#include "rsp/package.h"

#include <stddef.h>

/* EimConfigurationData (SGP.32 2.11.1) */
#define S struct rsp_eim_key_data
static const struct rsp_field eim_key_data_f[] = {
	RSP_A(public_key, 0xA0, rsp_t_spki),
	RSP_A(certificate, 0xA1, rsp_t_certificate),
};
static RSP_CHOICE_TYPE(eim_key_data, "EimConfigurationData.eimPublicKeyData", 0, eim_key_data_f);
#undef S

#define S struct rsp_eim_configuration_data
static const struct rsp_field eim_configuration_data_f[] = {
	RSP_F(eim_id, 0x80, rsp_t_eim_id),
	RSP_O(eim_fqdn, 0x81, rsp_t_utf8),
	RSP_O(eim_id_type, 0x82, rsp_t_integer),
	RSP_O(counter_value, 0x83, rsp_t_integer),
	RSP_O(association_token, 0x84, rsp_t_integer),
	RSP_O(eim_public_key_data, 0xA5, rsp_t_eim_key_data),
	RSP_O(trusted_public_key_data_tls, 0xA6, rsp_t_eim_key_data),
	RSP_O(eim_supported_protocol, 0x87, rsp_t_bits),
	RSP_O(euicc_ci_pkid, 0x88, rsp_t_octets),
	RSP_N(indirect_profile_download, 0x89),
};
RSP_SEQUENCE(eim_configuration_data, "EimConfigurationData", 0x30, eim_configuration_data_f);
#undef S
RSP_SEQUENCE_OF(eim_configuration_data_list, "SEQUENCE OF EimConfigurationData", 0x30,
		rsp_t_eim_configuration_data, 0);

/* PSMOs */
#define S struct rsp_psmo_enable
static const struct rsp_field psmo_enable_f[] = {
	RSP_F(iccid, 0x5A, rsp_t_iccid),
	RSP_N(rollback_flag, 0x05),
};
static RSP_SEQUENCE(psmo_enable, "Psmo.enable", 0xA3, psmo_enable_f);
#undef S
#define S struct rsp_psmo_iccid
static const struct rsp_field psmo_iccid_f[] = { RSP_F(iccid, 0x5A, rsp_t_iccid) };
static RSP_SEQUENCE(psmo_iccid, "SEQUENCE {iccid}", 0x30, psmo_iccid_f);
#undef S

#define S struct rsp_psmo
static const struct rsp_field psmo_f[] = {
	RSP_A(enable, 0xA3, rsp_t_psmo_enable),
	RSP_A(disable, 0xA4, rsp_t_psmo_iccid),
	RSP_A(delete_, 0xA5, rsp_t_psmo_iccid),
	RSP_A(list_profile_info, 0xBF2D, rsp_t_profile_info_list_request),
	RSP_AM("getRAT", empty, 0xA6, rsp_t_empty),
	RSP_A(configure_immediate_enable, 0xA7, rsp_t_configure_immediate_profile_enabling_request),
	RSP_A(set_fallback_attribute, 0xA8, rsp_t_psmo_iccid),
	RSP_AM("unsetFallbackAttribute", empty, 0xA9, rsp_t_empty),
	RSP_A(set_default_dp_address, 0xBF65, rsp_t_sgp32_set_default_dp_address_request),
};
RSP_CHOICE_TYPE(psmo, "Psmo", 0, psmo_f);
#undef S

/* eCOs */
#define S struct rsp_eco_delete_eim
static const struct rsp_field eco_delete_eim_f[] = { RSP_F(eim_id, 0x80, rsp_t_utf8) };
static RSP_SEQUENCE(eco_delete_eim, "Eco.deleteEim", 0xA9, eco_delete_eim_f);
#undef S
#define S struct rsp_eco
static const struct rsp_field eco_f[] = {
	RSP_A(add_eim, 0xA8, rsp_t_eim_configuration_data),
	RSP_A(delete_eim, 0xA9, rsp_t_eco_delete_eim),
	RSP_A(update_eim, 0xAA, rsp_t_eim_configuration_data),
	RSP_AM("listEim", empty, 0xAB, rsp_t_empty),
};
RSP_CHOICE_TYPE(eco, "Eco", 0, eco_f);
#undef S

static RSP_SEQUENCE_OF(psmo_list, "SEQUENCE OF Psmo", 0x30, rsp_t_psmo, 0);
static RSP_SEQUENCE_OF(eco_list, "SEQUENCE OF Eco", 0x30, rsp_t_eco, 0);
#define S struct rsp_euicc_package
static const struct rsp_field euicc_package_f[] = {
	RSP_A(psmo_list, 0xA0, rsp_t_psmo_list),
	RSP_A(eco_list, 0xA1, rsp_t_eco_list),
};
RSP_CHOICE_TYPE(euicc_package, "EuiccPackage", 0, euicc_package_f);
#undef S

#define S struct rsp_euicc_package_signed
static const struct rsp_field euicc_package_signed_f[] = {
	RSP_F(eim_id, 0x80, rsp_t_eim_id),
	RSP_F(eid_value, 0x5A, rsp_t_octet16),
	RSP_F(counter_value, 0x81, rsp_t_integer),
	RSP_O(eim_transaction_id, 0x82, rsp_t_transaction_id),
	RSP_F(euicc_package, 0, rsp_t_euicc_package),
};
RSP_SEQUENCE_DER(euicc_package_signed, "EuiccPackageSigned", 0x30, euicc_package_signed_f);
#undef S

#define S struct rsp_euicc_package_request
static const struct rsp_field euicc_package_request_f[] = {
	RSP_F(signed_data, 0, rsp_t_euicc_package_signed),
	RSP_F(eim_signature, 0x5F37, rsp_t_octets),
};
RSP_SEQUENCE(euicc_package_request, "EuiccPackageRequest", 0xBF51, euicc_package_request_f);
#undef S

/* EuiccResultData */
#define S struct rsp_add_eim_result
static const struct rsp_field add_eim_result_f[] = {
	RSP_A(association_token, 0x84, rsp_t_integer),
	RSP_A(result_code, 0x02, rsp_t_integer),
};
static RSP_CHOICE_TYPE(add_eim_result, "AddEimResult", 0, add_eim_result_f);
#undef S

#define S struct rsp_eim_id_info
static const struct rsp_field eim_id_info_f[] = {
	RSP_F(eim_id, 0x80, rsp_t_eim_id),
	RSP_O(eim_id_type, 0x82, rsp_t_integer),
};
static RSP_SEQUENCE(eim_id_info, "EimIdInfo", 0x30, eim_id_info_f);
#undef S
static RSP_SEQUENCE_OF(eim_id_list, "SEQUENCE OF EimIdInfo", 0x30, rsp_t_eim_id_info, 0);
#define S struct rsp_list_eim_result
static const struct rsp_field list_eim_result_f[] = {
	RSP_A(eim_id_list, 0xA0, rsp_t_eim_id_list),
	RSP_A(error, 0x81, rsp_t_integer),
};
static RSP_CHOICE_TYPE(list_eim_result, "ListEimResult", 0, list_eim_result_f);
#undef S

#define S struct rsp_euicc_result_data
static const struct rsp_field euicc_result_data_f[] = {
	RSP_AM("enableResult", code, 0x83, rsp_t_integer),
	RSP_AM("disableResult", code, 0x84, rsp_t_integer),
	RSP_AM("deleteResult", code, 0x85, rsp_t_integer),
	RSP_A(list_profile_info, 0xBF2D, rsp_t_profile_info_list_response),
	RSP_A(get_rat, 0xA6, rsp_t_rat),
	RSP_AM("configureImmediateEnableResult", code, 0x87, rsp_t_integer),
	RSP_A(add_eim, 0xA8, rsp_t_add_eim_result),
	RSP_AM("deleteEimResult", code, 0x89, rsp_t_integer),
	RSP_AM("updateEimResult", code, 0x8A, rsp_t_integer),
	RSP_A(list_eim, 0xAB, rsp_t_list_eim_result),
	RSP_AM("rollbackResult", code, 0x8C, rsp_t_integer),
	RSP_AM("setFallbackAttributeResult", code, 0x8D, rsp_t_integer),
	RSP_AM("unsetFallbackAttributeResult", code, 0x8E, rsp_t_integer),
	RSP_AM("processingTerminated", code, 0x02, rsp_t_integer),
	RSP_A(set_default_dp_address, 0xBF65, rsp_t_sgp32_set_default_dp_address_response),
};
RSP_CHOICE_TYPE(euicc_result_data, "EuiccResultData", 0, euicc_result_data_f);
#undef S
static RSP_SEQUENCE_OF(euicc_result_list, "SEQUENCE OF EuiccResultData", 0x30,
		       rsp_t_euicc_result_data, 0);

/* EuiccPackageResult */
#define S struct rsp_euicc_package_result_data_signed
static const struct rsp_field euicc_package_result_data_signed_f[] = {
	RSP_F(eim_id, 0x80, rsp_t_eim_id),
	RSP_F(counter_value, 0x81, rsp_t_integer),
	RSP_O(eim_transaction_id, 0x82, rsp_t_transaction_id),
	RSP_F(seq_number, 0x83, rsp_t_integer),
	RSP_F(euicc_result, 0x30, rsp_t_euicc_result_list),
};
RSP_SEQUENCE_DER(euicc_package_result_data_signed, "EuiccPackageResultDataSigned", 0x30,
		 euicc_package_result_data_signed_f);
#undef S
#define S struct rsp_euicc_package_result_signed
static const struct rsp_field euicc_package_result_signed_f[] = {
	RSP_F(data, 0, rsp_t_euicc_package_result_data_signed),
	RSP_F(euicc_sign_epr, 0x5F37, rsp_t_octets),
};
static RSP_SEQUENCE(euicc_package_result_signed, "EuiccPackageResultSigned", 0x30,
		    euicc_package_result_signed_f);
#undef S

#define S struct rsp_euicc_package_error_data_signed
static const struct rsp_field euicc_package_error_data_signed_f[] = {
	RSP_F(eim_id, 0x80, rsp_t_eim_id),
	RSP_F(counter_value, 0x81, rsp_t_integer),
	RSP_O(eim_transaction_id, 0x82, rsp_t_transaction_id),
	RSP_F(euicc_package_error_code, 0x02, rsp_t_integer),
};
RSP_SEQUENCE_DER(euicc_package_error_data_signed, "EuiccPackageErrorDataSigned", 0x30,
		 euicc_package_error_data_signed_f);
#undef S
#define S struct rsp_euicc_package_error_signed
static const struct rsp_field euicc_package_error_signed_f[] = {
	RSP_F(data, 0, rsp_t_euicc_package_error_data_signed),
	RSP_F(euicc_sign_epe, 0x5F37, rsp_t_octets),
};
static RSP_SEQUENCE(euicc_package_error_signed, "EuiccPackageErrorSigned", 0x30,
		    euicc_package_error_signed_f);
#undef S

#define S struct rsp_euicc_package_error_unsigned
static const struct rsp_field euicc_package_error_unsigned_f[] = {
	RSP_F(eim_id, 0x80, rsp_t_eim_id),
	RSP_O(eim_transaction_id, 0x82, rsp_t_transaction_id),
	RSP_O(association_token, 0x84, rsp_t_integer),
};
static RSP_SEQUENCE(euicc_package_error_unsigned, "EuiccPackageErrorUnsigned", 0x30,
		    euicc_package_error_unsigned_f);
#undef S

/* AUTOMATIC TAGS: none of the three alternatives is tagged, so they are
 * [0], [1], [2] (implicit on the SEQUENCEs): 'BF51' { 'A0' ... } */
#define S struct rsp_euicc_package_result
static const struct rsp_field euicc_package_result_f[] = {
	RSP_A(result_signed, 0xA0, rsp_t_euicc_package_result_signed),
	RSP_A(error_signed, 0xA1, rsp_t_euicc_package_error_signed),
	RSP_A(error_unsigned, 0xA2, rsp_t_euicc_package_error_unsigned),
};
RSP_CHOICE_TYPE(euicc_package_result, "EuiccPackageResult", 0xBF51, euicc_package_result_f);
#undef S
RSP_SEQUENCE_OF(euicc_package_result_list, "EuiccPackageResultList", 0x30, rsp_t_euicc_package_result, 0);

#define S struct rsp_profile_rollback_response
static const struct rsp_field profile_rollback_response_f[] = {
	RSP_F(cmd_result, 0x02, rsp_t_integer),
	RSP_O(euicc_package_result, 0xBF51, rsp_t_euicc_package_result),
};
RSP_SEQUENCE(profile_rollback_response, "ProfileRollbackResponse", 0xBF58, profile_rollback_response_f);
#undef S

/* IPA eUICC Data */
#define S struct rsp_ipa_capabilities
static const struct rsp_field ipa_capabilities_f[] = {
	RSP_F(ipa_features, 0x80, rsp_t_bits),
	RSP_O(ipa_supported_protocols, 0x81, rsp_t_bits),
};
RSP_SEQUENCE(ipa_capabilities, "IpaCapabilities", 0x30, ipa_capabilities_f);
#undef S

#define S struct rsp_notification_search_criteria
static const struct rsp_field notification_criteria_f[] = {
	RSP_A(seq_number, 0x80, rsp_t_integer),
	RSP_A(profile_management_operation, 0x81, rsp_t_bits),
};
static RSP_CHOICE_TYPE(notification_criteria, "IpaEuiccDataRequest.searchCriteriaNotification", 0,
		       notification_criteria_f);
#undef S
#define S struct rsp_epr_search_criteria
static const struct rsp_field epr_search_criteria_f[] = {
	RSP_A(seq_number, 0x80, rsp_t_integer),
};
static RSP_CHOICE_TYPE(epr_search_criteria, "IpaEuiccDataRequest.searchCriteriaEuiccPackageResult", 0,
		       epr_search_criteria_f);
#undef S

#define S struct rsp_ipa_euicc_data_request
static const struct rsp_field ipa_euicc_data_request_f[] = {
	RSP_F(tag_list, 0x5C, rsp_t_octets),
	RSP_O(euicc_ci_pkid_to_be_used, 0x04, rsp_t_octets),
	RSP_O(search_criteria_notification, 0xA1, rsp_t_notification_criteria),
	RSP_O(search_criteria_euicc_package_result, 0xA2, rsp_t_epr_search_criteria),
	RSP_O(eim_transaction_id, 0x83, rsp_t_transaction_id),
};
RSP_SEQUENCE(ipa_euicc_data_request, "IpaEuiccDataRequest", 0xBF52, ipa_euicc_data_request_f);
#undef S

#define S struct rsp_ipa_euicc_data
static const struct rsp_field ipa_euicc_data_f[] = {
	RSP_O(notifications_list, 0xA0, rsp_t_pending_notification_list),
	RSP_O(default_smdp_address, 0x81, rsp_t_utf8),
	RSP_O(euicc_package_result_list, 0xA2, rsp_t_euicc_package_result_list),
	RSP_O(euicc_info1, 0xBF20, rsp_t_euicc_info1),
	RSP_O(euicc_info2, 0xBF22, rsp_t_euicc_info2),
	RSP_O(root_smds_address, 0x83, rsp_t_utf8),
	RSP_O(association_token, 0x84, rsp_t_integer),
	RSP_O(eum_certificate, 0xA5, rsp_t_certificate),
	RSP_O(euicc_certificate, 0xA6, rsp_t_certificate),
	RSP_O(eim_transaction_id, 0x87, rsp_t_transaction_id),
	RSP_O(ipa_capabilities, 0xA8, rsp_t_ipa_capabilities),
	RSP_O(device_info, 0xA9, rsp_t_device_info),
};
RSP_SEQUENCE(ipa_euicc_data, "IpaEuiccData", 0x30, ipa_euicc_data_f);
#undef S

#define S struct rsp_transaction_error
static const struct rsp_field transaction_error_f[] = {
	RSP_O(eim_transaction_id, 0x80, rsp_t_transaction_id),
	RSP_F(error_code, 0x02, rsp_t_integer),
};
RSP_SEQUENCE(transaction_error, "IpaEuiccDataResponseError", 0x30, transaction_error_f);
#undef S

#define S struct rsp_ipa_euicc_data_response
static const struct rsp_field ipa_euicc_data_response_f[] = {
	RSP_A(data, 0xA0, rsp_t_ipa_euicc_data),
	RSP_A(error, 0xA1, rsp_t_transaction_error),
};
RSP_CHOICE_TYPE(ipa_euicc_data_response, "IpaEuiccDataResponse", 0xBF52, ipa_euicc_data_response_f);
#undef S

/* Profile Download Trigger */
#define S struct rsp_contact_smds
static const struct rsp_field contact_smds_f[] = { RSP_O(smds_address, 0x80, rsp_t_utf8) };
static RSP_SEQUENCE(contact_smds, "ProfileDownloadData.contactSmds", 0xA2, contact_smds_f);
#undef S
#define S struct rsp_profile_download_data
static const struct rsp_field profile_download_data_f[] = {
	RSP_A(activation_code, 0x80, rsp_t_utf8_255),
	RSP_AN(contact_default_smdp, 0x81),
	RSP_A(contact_smds, 0xA2, rsp_t_contact_smds),
};
static RSP_CHOICE_TYPE(profile_download_data, "ProfileDownloadData", 0, profile_download_data_f);
#undef S

#define S struct rsp_profile_download_trigger_request
static const struct rsp_field profile_download_trigger_request_f[] = {
	RSP_O(profile_download_data, 0xA0, rsp_t_profile_download_data),
	RSP_O(eim_transaction_id, 0x82, rsp_t_transaction_id),
};
RSP_SEQUENCE(profile_download_trigger_request, "ProfileDownloadTriggerRequest", 0xBF54,
	     profile_download_trigger_request_f);
#undef S

#define S struct rsp_profile_download_error
static const struct rsp_field profile_download_error_f[] = {
	RSP_F(reason, 0x80, rsp_t_integer),
	RSP_O(error_response, 0x04, rsp_t_octets),
};
static RSP_SEQUENCE(profile_download_error, "profileDownloadError", 0x30, profile_download_error_f);
#undef S
#define S struct rsp_pdt_result_data
static const struct rsp_field pdt_result_data_f[] = {
	RSP_A(pir, 0xBF37, rsp_t_profile_installation_result),
	RSP_A(error, 0, rsp_t_profile_download_error),
};
static RSP_CHOICE_TYPE(pdt_result_data, "profileDownloadTriggerResultData", 0, pdt_result_data_f);
#undef S
#define S struct rsp_profile_download_trigger_result
static const struct rsp_field profile_download_trigger_result_f[] = {
	RSP_O(eim_transaction_id, 0x82, rsp_t_transaction_id),
	RSP_F(result_data, 0, rsp_t_pdt_result_data),
};
RSP_SEQUENCE(profile_download_trigger_result, "ProfileDownloadTriggerResult", 0xBF54,
	     profile_download_trigger_result_f);
#undef S

/* EimAcknowledgements ::= [83] SEQUENCE OF SequenceNumber, SequenceNumber ::= [0] INTEGER */
RSP_SEQUENCE_OF(eim_acknowledgements, "EimAcknowledgements", 0xBF53, rsp_t_integer, 0x80);
