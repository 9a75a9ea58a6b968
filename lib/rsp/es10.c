/* Tables for es10.h, from RSPDefinitions (SGP.22) and SGP32Definitions:
 * ES10a and ES10b's download and notifications (es10_manage.c: the rest).
 * AUTOMATIC TAGS: members of a SEQUENCE or CHOICE without any written tag
 * are numbered [0], [1], ...; a tag on a CHOICE wraps it (explicit). */
#include "rsp/es10.h"
#include "rsp/package.h"
#include "rsp/es10_fields.h"

#include <stddef.h>

#define S struct rsp_result
const struct rsp_field es10_result_f[1] = { RSP_F(result, 0x80, rsp_t_integer) };
#undef S
#define S struct rsp_refresh_flag
const struct rsp_field es10_refresh_flag_f[1] = { RSP_F(refresh_flag, 0x80, rsp_t_boolean) };
#undef S
#define S struct rsp_address
static const struct rsp_field address_f[] = { RSP_F(address, 0x80, rsp_t_utf8) };
#undef S
#define S struct rsp_bits_request
const struct rsp_field es10_bits80_f[1] = { RSP_F(bits, 0x80, rsp_t_bits) };
const struct rsp_field es10_bits82_f[1] = { RSP_F(bits, 0x82, rsp_t_bits) };
#undef S

/* ES10a */
RSP_EMPTY_SEQUENCE(euicc_configured_addresses_request, "EuiccConfiguredAddressesRequest", 0xBF3C);
#define S struct rsp_euicc_configured_addresses_response
static const struct rsp_field euicc_configured_addresses_response_f[] = {
	RSP_O(default_dp_address, 0x80, rsp_t_utf8),
	RSP_F(root_ds_address, 0x81, rsp_t_utf8),
};
RSP_SEQUENCE(euicc_configured_addresses_response, "EuiccConfiguredAddressesResponse", 0xBF3C,
	     euicc_configured_addresses_response_f);
#undef S
#define S struct rsp_address
RSP_SEQUENCE(set_default_dp_address_request, "SetDefaultDpAddressRequest", 0xBF3F, address_f);
RSP_SEQUENCE(sgp32_set_default_dp_address_request, "SGP32-SetDefaultDpAddressRequest", 0xBF65, address_f);
#undef S
#define S struct rsp_result
RSP_SEQUENCE(set_default_dp_address_response, "SetDefaultDpAddressResponse", 0xBF3F, es10_result_f);
RSP_SEQUENCE(sgp32_set_default_dp_address_response, "SGP32-SetDefaultDpAddressResponse", 0xBF65, es10_result_f);
#undef S

/* ES10b: challenge and info */
RSP_EMPTY_SEQUENCE(get_euicc_challenge_request, "GetEuiccChallengeRequest", 0xBF2E);
#define S struct rsp_get_euicc_challenge_response
static const struct rsp_field get_euicc_challenge_response_f[] = {
	RSP_F(euicc_challenge, 0x80, rsp_t_octet16),
};
RSP_SEQUENCE(get_euicc_challenge_response, "GetEuiccChallengeResponse", 0xBF2E,
	     get_euicc_challenge_response_f);
#undef S
RSP_EMPTY_SEQUENCE(get_euicc_info1_request, "GetEuiccInfo1Request", 0xBF20);
RSP_EMPTY_SEQUENCE(get_euicc_info2_request, "GetEuiccInfo2Request", 0xBF22);

/* ES10b: AuthenticateServer */
#define S struct rsp_server_signed1
static const struct rsp_field server_signed1_f[] = {
	RSP_F(transaction_id, 0x80, rsp_t_transaction_id),
	RSP_F(euicc_challenge, 0x81, rsp_t_octet16),
	RSP_F(server_address, 0x83, rsp_t_utf8),
	RSP_F(server_challenge, 0x84, rsp_t_octet16),
};
RSP_SEQUENCE_DER(server_signed1, "ServerSigned1", 0x30, server_signed1_f);
#undef S

#define S struct rsp_ctx_params_for_common_authentication
static const struct rsp_field ctx_common_f[] = {
	RSP_O(matching_id, 0x80, rsp_t_utf8),
	RSP_F(device_info, 0xA1, rsp_t_device_info),
};
static RSP_SEQUENCE(ctx_common, "CtxParamsForCommonAuthentication", 0x30, ctx_common_f);
#undef S
#define S struct rsp_ctx_params1
static const struct rsp_field ctx_params1_f[] = {
	RSP_A(common, 0xA0, rsp_t_ctx_common),
};
RSP_CHOICE_TYPE(ctx_params1, "CtxParams1", 0, ctx_params1_f);
#undef S

#define S struct rsp_authenticate_server_request
static const struct rsp_field authenticate_server_request_f[] = {
	RSP_F(server_signed1, 0, rsp_t_server_signed1),
	RSP_F(server_signature1, 0x5F37, rsp_t_octets),
	RSP_F(euicc_ci_pkid_to_be_used, 0x04, rsp_t_octets),
	RSP_F(server_certificate, 0, rsp_t_certificate),
	RSP_F(ctx_params1, 0, rsp_t_ctx_params1),
};
RSP_SEQUENCE(authenticate_server_request, "AuthenticateServerRequest", 0xBF38,
	     authenticate_server_request_f);
#undef S

#define S struct rsp_euicc_signed1
static const struct rsp_field sgp22_euicc_signed1_f[] = {
	RSP_F(transaction_id, 0x80, rsp_t_transaction_id),
	RSP_F(server_address, 0x83, rsp_t_utf8),
	RSP_F(server_challenge, 0x84, rsp_t_octet16),
	RSP_F(euicc_info2, 0, rsp_t_sgp22_euicc_info2),
	RSP_F(ctx_params1, 0, rsp_t_ctx_params1),
};
static const struct rsp_field euicc_signed1_f[] = {
	RSP_F(transaction_id, 0x80, rsp_t_transaction_id),
	RSP_F(server_address, 0x83, rsp_t_utf8),
	RSP_F(server_challenge, 0x84, rsp_t_octet16),
	RSP_F(euicc_info2, 0, rsp_t_euicc_info2),
	RSP_F(ctx_params1, 0, rsp_t_ctx_params1),
};
RSP_SEQUENCE_DER(sgp22_euicc_signed1, "EuiccSigned1", 0x30, sgp22_euicc_signed1_f);
RSP_SEQUENCE_DER(euicc_signed1, "SGP32-EuiccSigned1", 0x30, euicc_signed1_f);
#undef S

#define S struct rsp_authenticate_response_ok
static const struct rsp_field sgp22_authenticate_response_ok_f[] = {
	RSP_F(euicc_signed1, 0, rsp_t_sgp22_euicc_signed1),
	RSP_F(euicc_signature1, 0x5F37, rsp_t_octets),
	RSP_F(euicc_certificate, 0, rsp_t_certificate),
	RSP_F(eum_certificate, 0, rsp_t_certificate),
};
static const struct rsp_field authenticate_response_ok_f[] = {
	RSP_F(euicc_signed1, 0, rsp_t_euicc_signed1),
	RSP_F(euicc_signature1, 0x5F37, rsp_t_octets),
	RSP_F(euicc_certificate, 0, rsp_t_certificate),
	RSP_F(eum_certificate, 0, rsp_t_certificate),
};
static RSP_SEQUENCE(sgp22_authenticate_response_ok, "AuthenticateResponseOk", 0x30,
		    sgp22_authenticate_response_ok_f);
static RSP_SEQUENCE(authenticate_response_ok, "SGP32-AuthenticateResponseOk", 0x30,
		    authenticate_response_ok_f);
#undef S

#define S struct rsp_authenticate_response_error
static const struct rsp_field authenticate_response_error_f[] = {
	RSP_F(transaction_id, 0x80, rsp_t_transaction_id),
	RSP_F(authenticate_error_code, 0x02, rsp_t_integer),
};
static RSP_SEQUENCE(authenticate_response_error, "AuthenticateResponseError", 0x30,
		    authenticate_response_error_f);
#undef S

#define S struct rsp_compact_euicc_signed1
static const struct rsp_field compact_euicc_signed1_f[] = {
	RSP_F(ext_card_resource, 0x84, rsp_t_octets),
	RSP_O(ctx_params1, 0xA2, rsp_t_ctx_params1),
};
static RSP_SEQUENCE_DER(compact_euicc_signed1, "CompactEuiccSigned1", 0x30, compact_euicc_signed1_f);
#undef S

#define S struct rsp_compact_signed_data
static const struct rsp_field compact_signed_data_f[] = {
	RSP_A(euicc_signed1, 0, rsp_t_euicc_signed1),
	RSP_A(compact_euicc_signed1, 0xA0, rsp_t_compact_euicc_signed1),
};
static RSP_CHOICE_TYPE(compact_signed_data, "CompactAuthenticateResponseOk.signedData", 0,
		       compact_signed_data_f);
#undef S

#define S struct rsp_compact_authenticate_response_ok
static const struct rsp_field compact_authenticate_response_ok_f[] = {
	RSP_F(signed_data, 0, rsp_t_compact_signed_data),
	RSP_F(euicc_signature1, 0x5F37, rsp_t_octets),
	RSP_O(euicc_certificate, 0xA1, rsp_t_certificate),
	RSP_O(eum_certificate, 0xA2, rsp_t_certificate),
};
static RSP_SEQUENCE(compact_authenticate_response_ok, "CompactAuthenticateResponseOk", 0x30,
		    compact_authenticate_response_ok_f);
#undef S

#define S struct rsp_authenticate_server_response
static const struct rsp_field sgp22_authenticate_server_response_f[] = {
	RSP_A(ok, 0xA0, rsp_t_sgp22_authenticate_response_ok),
	RSP_A(error, 0xA1, rsp_t_authenticate_response_error),
};
static const struct rsp_field authenticate_server_response_f[] = {
	RSP_A(ok, 0xA0, rsp_t_authenticate_response_ok),
	RSP_A(error, 0xA1, rsp_t_authenticate_response_error),
	RSP_A(compact_ok, 0xA2, rsp_t_compact_authenticate_response_ok),
};
RSP_CHOICE_TYPE(sgp22_authenticate_server_response, "AuthenticateServerResponse", 0xBF38,
		sgp22_authenticate_server_response_f);
RSP_CHOICE_TYPE(authenticate_server_response, "SGP32-AuthenticateServerResponse", 0xBF38,
		authenticate_server_response_f);
#undef S

/* ES10b: PrepareDownload */
#define S struct rsp_smdp_signed2
static const struct rsp_field smdp_signed2_f[] = {
	RSP_F(transaction_id, 0x80, rsp_t_transaction_id),
	RSP_F(cc_required_flag, 0x01, rsp_t_boolean),
	RSP_O(bpp_euicc_otpk, 0x5F49, rsp_t_octets),
};
RSP_SEQUENCE_DER(smdp_signed2, "SmdpSigned2", 0x30, smdp_signed2_f);
#undef S

#define S struct rsp_prepare_download_request
static const struct rsp_field prepare_download_request_f[] = {
	RSP_F(smdp_signed2, 0, rsp_t_smdp_signed2),
	RSP_F(smdp_signature2, 0x5F37, rsp_t_octets),
	RSP_O(hash_cc, 0x04, rsp_t_octet32),
	RSP_F(smdp_certificate, 0, rsp_t_certificate),
};
RSP_SEQUENCE(prepare_download_request, "PrepareDownloadRequest", 0xBF21, prepare_download_request_f);
#undef S

#define S struct rsp_euicc_signed2
static const struct rsp_field euicc_signed2_f[] = {
	RSP_F(transaction_id, 0x80, rsp_t_transaction_id),
	RSP_F(euicc_otpk, 0x5F49, rsp_t_octets),
	RSP_O(hash_cc, 0x04, rsp_t_octet32),
};
RSP_SEQUENCE_DER(euicc_signed2, "EUICCSigned2", 0x30, euicc_signed2_f);
#undef S

#define S struct rsp_prepare_download_response_ok
static const struct rsp_field prepare_download_response_ok_f[] = {
	RSP_F(euicc_signed2, 0, rsp_t_euicc_signed2),
	RSP_F(euicc_signature2, 0x5F37, rsp_t_octets),
};
static RSP_SEQUENCE(prepare_download_response_ok, "PrepareDownloadResponseOk", 0x30,
		    prepare_download_response_ok_f);
#undef S

#define S struct rsp_prepare_download_response_error
static const struct rsp_field prepare_download_response_error_f[] = {
	RSP_F(transaction_id, 0x80, rsp_t_transaction_id),
	RSP_F(download_error_code, 0x02, rsp_t_integer),
};
static RSP_SEQUENCE(prepare_download_response_error, "PrepareDownloadResponseError", 0x30,
		    prepare_download_response_error_f);
#undef S

#define S struct rsp_compact_euicc_signed2
static const struct rsp_field compact_euicc_signed2_f[] = {
	RSP_O(euicc_otpk, 0x5F49, rsp_t_octets),
	RSP_O(hash_cc, 0x04, rsp_t_octet32),
};
static RSP_SEQUENCE_DER(compact_euicc_signed2, "CompactEuiccSigned2", 0x30, compact_euicc_signed2_f);
#undef S

#define S struct rsp_compact_prepare_download_response_ok
static const struct rsp_field compact_prepare_download_response_ok_f[] = {
	RSP_F(compact_euicc_signed2, 0, rsp_t_compact_euicc_signed2),
	RSP_F(euicc_signature2, 0x5F37, rsp_t_octets),
};
static RSP_SEQUENCE(compact_prepare_download_response_ok, "CompactPrepareDownloadResponseOk", 0x30,
		    compact_prepare_download_response_ok_f);
#undef S

#define S struct rsp_prepare_download_response
static const struct rsp_field sgp22_prepare_download_response_f[] = {
	RSP_A(ok, 0xA0, rsp_t_prepare_download_response_ok),
	RSP_A(error, 0xA1, rsp_t_prepare_download_response_error),
};
static const struct rsp_field prepare_download_response_f[] = {
	RSP_A(ok, 0xA0, rsp_t_prepare_download_response_ok),
	RSP_A(error, 0xA1, rsp_t_prepare_download_response_error),
	RSP_A(compact_ok, 0xA2, rsp_t_compact_prepare_download_response_ok),
};
RSP_CHOICE_TYPE(sgp22_prepare_download_response, "PrepareDownloadResponse", 0xBF21,
		sgp22_prepare_download_response_f);
RSP_CHOICE_TYPE(prepare_download_response, "SGP32-PrepareDownloadResponse", 0xBF21,
		prepare_download_response_f);
#undef S

/* ES10b: Bound Profile Package */
#define S struct rsp_control_ref_template
static const struct rsp_field control_ref_template_f[] = {
	RSP_F(key_type, 0x80, rsp_t_octet1),
	RSP_F(key_len, 0x81, rsp_t_octet1),
	RSP_F(host_id, 0x84, rsp_t_octet_to16),
};
static RSP_SEQUENCE(control_ref_template, "ControlRefTemplate", 0x30, control_ref_template_f);
#undef S

#define S struct rsp_initialise_secure_channel_request
static const struct rsp_field initialise_secure_channel_request_f[] = {
	RSP_F(remote_op_id, 0x82, rsp_t_integer),
	RSP_F(transaction_id, 0x80, rsp_t_transaction_id),
	RSP_F(control_ref_template, 0xA6, rsp_t_control_ref_template),
	RSP_F(smdp_otpk, 0x5F49, rsp_t_octets),
	RSP_F(smdp_sign, 0x5F37, rsp_t_octets),
};
RSP_SEQUENCE_DER(initialise_secure_channel_request, "InitialiseSecureChannelRequest", 0xBF23,
		 initialise_secure_channel_request_f);
#undef S

#define S struct rsp_configure_isdp_request
static const struct rsp_field configure_isdp_request_f[] = {
	RSP_O(dp_proprietary_data, 0xB8, rsp_t_dp_proprietary_data),
};
RSP_SEQUENCE(configure_isdp_request, "ConfigureISDPRequest", 0xBF24, configure_isdp_request_f);
#undef S

#define S struct rsp_replace_session_keys_request
static const struct rsp_field replace_session_keys_request_f[] = {
	RSP_F(initial_mac_chaining_value, 0x80, rsp_t_octets),
	RSP_F(ppk_enc, 0x81, rsp_t_octets),
	RSP_F(ppk_cmac, 0x82, rsp_t_octets),
};
RSP_SEQUENCE(replace_session_keys_request, "ReplaceSessionKeysRequest", 0xBF26,
	     replace_session_keys_request_f);
#undef S

static RSP_SEQUENCE_OF(seq_of_87, "SEQUENCE OF [7] OCTET STRING", 0x30, rsp_t_octets, 0x87);
static RSP_SEQUENCE_OF(seq_of_88, "SEQUENCE OF [8] OCTET STRING", 0x30, rsp_t_octets, 0x88);
static RSP_SEQUENCE_OF(seq_of_86, "SEQUENCE OF [6] OCTET STRING", 0x30, rsp_t_octets, 0x86);

#define S struct rsp_bound_profile_package
static const struct rsp_field bound_profile_package_f[] = {
	RSP_F(initialise_secure_channel_request, 0xBF23, rsp_t_initialise_secure_channel_request),
	RSP_F(first_sequence_of87, 0xA0, rsp_t_seq_of_87),
	RSP_F(sequence_of88, 0xA1, rsp_t_seq_of_88),
	RSP_O(second_sequence_of87, 0xA2, rsp_t_seq_of_87),
	RSP_F(sequence_of86, 0xA3, rsp_t_seq_of_86),
};
RSP_SEQUENCE(bound_profile_package, "BoundProfilePackage", 0xBF36, bound_profile_package_f);
#undef S

/* ES10b: ProfileInstallationResult */
#define S struct rsp_success_result
static const struct rsp_field success_result_f[] = {
	RSP_F(aid, 0x4F, rsp_t_isdp_aid),
	RSP_F(sima_response, 0x04, rsp_t_octets),
};
static RSP_SEQUENCE(success_result, "SuccessResult", 0x30, success_result_f);
#undef S

#define S struct rsp_error_result
static const struct rsp_field error_result_f[] = {
	RSP_F(bpp_command_id, 0x80, rsp_t_integer),
	RSP_F(error_reason, 0x81, rsp_t_integer),
	RSP_O(sima_response, 0x82, rsp_t_octets),
};
static RSP_SEQUENCE(error_result, "ErrorResult", 0x30, error_result_f);
#undef S

#define S struct rsp_final_result
static const struct rsp_field final_result_f[] = {
	RSP_A(success, 0xA0, rsp_t_success_result),
	RSP_A(error, 0xA1, rsp_t_error_result),
};
static RSP_CHOICE_TYPE(final_result, "ProfileInstallationResultData.finalResult", 0, final_result_f);
#undef S

#define S struct rsp_profile_installation_result_data
static const struct rsp_field profile_installation_result_data_f[] = {
	RSP_F(transaction_id, 0x80, rsp_t_transaction_id),
	RSP_F(notification_metadata, 0xBF2F, rsp_t_notification_metadata),
	RSP_F(smdp_oid, 0x06, rsp_t_oid),
	RSP_F(final_result, 0xA2, rsp_t_final_result),
};
RSP_SEQUENCE_DER(profile_installation_result_data, "ProfileInstallationResultData", 0xBF27,
		 profile_installation_result_data_f);
#undef S

#define S struct rsp_profile_installation_result
static const struct rsp_field profile_installation_result_f[] = {
	RSP_F(data, 0xBF27, rsp_t_profile_installation_result_data),
	RSP_F(euicc_sign_pir, 0x5F37, rsp_t_octets),
};
RSP_SEQUENCE(sgp22_profile_installation_result, "ProfileInstallationResult", 0xBF37,
	     profile_installation_result_f);
RSP_SEQUENCE(profile_installation_result, "SGP32-ProfileInstallationResult", 0xBF37,
	     profile_installation_result_f);
#undef S

#define S struct rsp_compact_success_result
static const struct rsp_field compact_success_result_f[] = {
	RSP_F(compact_aid, 0x4F, rsp_t_compact_aid),
	RSP_O(sima_response, 0x04, rsp_t_octets),
};
static RSP_SEQUENCE(compact_success_result, "CompactSuccessResult", 0x30, compact_success_result_f);
#undef S

#define S struct rsp_compact_final_result
static const struct rsp_field compact_final_result_f[] = {
	RSP_A(success, 0xA0, rsp_t_compact_success_result),
	RSP_A(error, 0xA1, rsp_t_error_result),
};
static RSP_CHOICE_TYPE(compact_final_result, "CompactProfileInstallationResultData.compactFinalResult",
		       0, compact_final_result_f);
#undef S

#define S struct rsp_compact_profile_installation_result_data
static const struct rsp_field compact_pir_data_f[] = {
	RSP_F(transaction_id, 0x80, rsp_t_transaction_id),
	RSP_F(seq_number, 0x02, rsp_t_integer),
	RSP_D(iccid_present, 0x01, rsp_t_boolean, 1),
	RSP_F(compact_final_result, 0xA2, rsp_t_compact_final_result),
};
static RSP_SEQUENCE_DER(compact_pir_data, "CompactProfileInstallationResultData", 0x30,
			compact_pir_data_f);
#undef S

#define S struct rsp_compact_profile_installation_result
static const struct rsp_field compact_profile_installation_result_f[] = {
	RSP_F(data, 0xA0, rsp_t_compact_pir_data),
	RSP_F(euicc_sign_pir, 0x5F37, rsp_t_octets),
};
RSP_SEQUENCE(compact_profile_installation_result, "CompactProfileInstallationResult", 0x30,
	     compact_profile_installation_result_f);
#undef S

/* ES10b: notifications */
#define S struct rsp_other_signed_notification
static const struct rsp_field other_signed_notification_f[] = {
	RSP_F(tbs_other_notification, 0, rsp_t_notification_metadata),
	RSP_F(euicc_notification_signature, 0x5F37, rsp_t_octets),
	RSP_F(euicc_certificate, 0, rsp_t_certificate),
	RSP_F(eum_certificate, 0, rsp_t_certificate),
};
RSP_SEQUENCE(other_signed_notification, "OtherSignedNotification", 0x30, other_signed_notification_f);
#undef S

#define S struct rsp_compact_other_signed_notification
static const struct rsp_field compact_other_signed_notification_f[] = {
	RSP_O(eid_value, 0x5A, rsp_t_octet16),
	RSP_F(tbs_other_notification, 0, rsp_t_notification_metadata),
	RSP_F(euicc_notification_signature, 0x5F37, rsp_t_octets),
};
RSP_SEQUENCE(compact_other_signed_notification, "CompactOtherSignedNotification", 0x30,
	     compact_other_signed_notification_f);
#undef S

#define S struct rsp_pending_notification
static const struct rsp_field sgp22_pending_notification_f[] = {
	RSP_A(pir, 0xBF37, rsp_t_sgp22_profile_installation_result),
	RSP_A(other, 0, rsp_t_other_signed_notification),
};
static const struct rsp_field pending_notification_f[] = {
	RSP_A(pir, 0xBF37, rsp_t_profile_installation_result),
	RSP_A(other, 0, rsp_t_other_signed_notification),
	RSP_A(compact_pir, 0xA0, rsp_t_compact_profile_installation_result),
	RSP_A(compact_other, 0xA1, rsp_t_compact_other_signed_notification),
};
RSP_CHOICE_TYPE(sgp22_pending_notification, "PendingNotification", 0, sgp22_pending_notification_f);
RSP_CHOICE_TYPE(pending_notification, "SGP32-PendingNotification", 0, pending_notification_f);
#undef S
RSP_SEQUENCE_OF(pending_notification_list, "PendingNotificationList", 0x30,
		rsp_t_pending_notification, 0);
static RSP_SEQUENCE_OF(sgp22_pending_notification_list, "SEQUENCE OF PendingNotification", 0x30,
		       rsp_t_sgp22_pending_notification, 0);

#define S struct rsp_list_notification_request
static const struct rsp_field list_notification_request_f[] = {
	RSP_O(profile_management_operation, 0x81, rsp_t_bits),
};
RSP_SEQUENCE(list_notification_request, "ListNotificationRequest", 0xBF28,
	     list_notification_request_f);
#undef S

static RSP_SEQUENCE_OF(notification_metadata_list, "SEQUENCE OF NotificationMetadata", 0x30,
		       rsp_t_notification_metadata, 0);
#define S struct rsp_list_notification_response
static const struct rsp_field list_notification_response_f[] = {
	RSP_A(list, 0xA0, rsp_t_notification_metadata_list),
	RSP_A(error, 0x81, rsp_t_integer),
};
RSP_CHOICE_TYPE(list_notification_response, "ListNotificationResponse", 0xBF28,
		list_notification_response_f);
#undef S

#define S struct rsp_notification_search_criteria
static const struct rsp_field sgp22_notification_search_criteria_f[] = {
	RSP_A(seq_number, 0x80, rsp_t_integer),
	RSP_A(profile_management_operation, 0x81, rsp_t_bits),
};
static const struct rsp_field notification_search_criteria_f[] = {
	RSP_A(seq_number, 0x80, rsp_t_integer),
	RSP_A(profile_management_operation, 0x81, rsp_t_bits),
	RSP_AN(euicc_package_results, 0x82),
};
static RSP_CHOICE_TYPE(sgp22_notification_search_criteria, "RetrieveNotificationsListRequest.searchCriteria",
		       0, sgp22_notification_search_criteria_f);
static RSP_CHOICE_TYPE(notification_search_criteria, "SGP32-RetrieveNotificationsListRequest.searchCriteria",
		       0, notification_search_criteria_f);
#undef S

#define S struct rsp_retrieve_notifications_list_request
static const struct rsp_field sgp22_retrieve_notifications_list_request_f[] = {
	RSP_O(search_criteria, 0xA0, rsp_t_sgp22_notification_search_criteria),
};
static const struct rsp_field retrieve_notifications_list_request_f[] = {
	RSP_O(search_criteria, 0xA0, rsp_t_notification_search_criteria),
};
RSP_SEQUENCE(sgp22_retrieve_notifications_list_request, "RetrieveNotificationsListRequest", 0xBF2B,
	     sgp22_retrieve_notifications_list_request_f);
RSP_SEQUENCE(retrieve_notifications_list_request, "SGP32-RetrieveNotificationsListRequest", 0xBF2B,
	     retrieve_notifications_list_request_f);
#undef S

#define S struct rsp_retrieve_notifications_list_response
static const struct rsp_field sgp22_retrieve_notifications_list_response_f[] = {
	RSP_A(notification_list, 0xA0, rsp_t_sgp22_pending_notification_list),
	RSP_A(error, 0x81, rsp_t_integer),
};
static const struct rsp_field retrieve_notifications_list_response_f[] = {
	RSP_A(notification_list, 0xA0, rsp_t_pending_notification_list),
	RSP_A(error, 0x81, rsp_t_integer),
	RSP_A(euicc_package_result_list, 0xA2, rsp_t_euicc_package_result_list),
};
RSP_CHOICE_TYPE(sgp22_retrieve_notifications_list_response, "RetrieveNotificationsListResponse",
		0xBF2B, sgp22_retrieve_notifications_list_response_f);
RSP_CHOICE_TYPE(retrieve_notifications_list_response, "SGP32-RetrieveNotificationsListResponse",
		0xBF2B, retrieve_notifications_list_response_f);
#undef S

#define S struct rsp_seq_number
static const struct rsp_field seq_number_f[] = { RSP_F(seq_number, 0x80, rsp_t_integer) };
RSP_SEQUENCE(notification_sent_request, "NotificationSentRequest", 0xBF30, seq_number_f);
#undef S
#define S struct rsp_result
RSP_SEQUENCE(notification_sent_response, "NotificationSentResponse", 0xBF30, es10_result_f);
#undef S

/* ES10b: CancelSession */
#define S struct rsp_cancel_session_request
static const struct rsp_field cancel_session_request_f[] = {
	RSP_F(transaction_id, 0x80, rsp_t_transaction_id),
	RSP_F(reason, 0x81, rsp_t_integer),
};
RSP_SEQUENCE(cancel_session_request, "CancelSessionRequest", 0xBF41, cancel_session_request_f);
#undef S

#define S struct rsp_euicc_cancel_session_signed
static const struct rsp_field euicc_cancel_session_signed_f[] = {
	RSP_F(transaction_id, 0x80, rsp_t_transaction_id),
	RSP_F(smdp_oid, 0x81, rsp_t_oid),
	RSP_F(reason, 0x82, rsp_t_integer),
};
RSP_SEQUENCE_DER(euicc_cancel_session_signed, "EuiccCancelSessionSigned", 0x30,
		 euicc_cancel_session_signed_f);
#undef S

#define S struct rsp_cancel_session_response_ok
static const struct rsp_field cancel_session_response_ok_f[] = {
	RSP_F(signed_data, 0, rsp_t_euicc_cancel_session_signed),
	RSP_F(euicc_cancel_session_signature, 0x5F37, rsp_t_octets),
};
static RSP_SEQUENCE(cancel_session_response_ok, "CancelSessionResponseOk", 0x30,
		    cancel_session_response_ok_f);
#undef S

#define S struct rsp_compact_euicc_cancel_session_signed
static const struct rsp_field compact_euicc_cancel_session_signed_f[] = {
	RSP_O(reason, 0x80, rsp_t_integer),
};
static RSP_SEQUENCE_DER(compact_euicc_cancel_session_signed, "CompactEuiccCancelSessionSigned", 0x30,
			compact_euicc_cancel_session_signed_f);
#undef S

#define S struct rsp_compact_cancel_session_response_ok
static const struct rsp_field compact_cancel_session_response_ok_f[] = {
	RSP_F(signed_data, 0, rsp_t_compact_euicc_cancel_session_signed),
	RSP_F(euicc_cancel_session_signature, 0x5F37, rsp_t_octets),
};
static RSP_SEQUENCE(compact_cancel_session_response_ok, "CompactCancelSessionResponseOk", 0x30,
		    compact_cancel_session_response_ok_f);
#undef S

#define S struct rsp_cancel_session_response
static const struct rsp_field sgp22_cancel_session_response_f[] = {
	RSP_A(ok, 0xA0, rsp_t_cancel_session_response_ok),
	RSP_A(error, 0x81, rsp_t_integer),
};
static const struct rsp_field cancel_session_response_f[] = {
	RSP_A(ok, 0xA0, rsp_t_cancel_session_response_ok),
	RSP_A(error, 0x81, rsp_t_integer),
	RSP_A(compact_ok, 0xA2, rsp_t_compact_cancel_session_response_ok),
};
RSP_CHOICE_TYPE(sgp22_cancel_session_response, "CancelSessionResponse", 0xBF41,
		sgp22_cancel_session_response_f);
RSP_CHOICE_TYPE(cancel_session_response, "SGP32-CancelSessionResponse", 0xBF41,
		cancel_session_response_f);
#undef S
