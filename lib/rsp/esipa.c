/* Tables for esipa.h, from SGP32Definitions v1.2. */
#include "rsp/esipa.h"

#include <stddef.h>

#define S struct rsp_initiate_authentication_request_esipa
static const struct rsp_field initiate_authentication_request_esipa_f[] = {
	RSP_F(euicc_challenge, 0x81, rsp_t_octet16),
	RSP_O(smdp_address, 0x83, rsp_t_utf8),
	RSP_O(euicc_info1, 0xBF20, rsp_t_euicc_info1),
	RSP_O(eim_transaction_id, 0x82, rsp_t_transaction_id),
};
RSP_SEQUENCE(initiate_authentication_request_esipa, "InitiateAuthenticationRequestEsipa", 0xBF39,
	     initiate_authentication_request_esipa_f);
#undef S

#define S struct rsp_initiate_authentication_ok_esipa
static const struct rsp_field initiate_authentication_ok_esipa_f[] = {
	RSP_O(transaction_id, 0x80, rsp_t_transaction_id),
	RSP_F(server_signed1, 0, rsp_t_server_signed1),
	RSP_F(server_signature1, 0x5F37, rsp_t_octets),
	RSP_F(euicc_ci_pkid_to_be_used, 0x04, rsp_t_octets),
	RSP_F(server_certificate, 0, rsp_t_certificate),
	RSP_O(matching_id, 0x0C, rsp_t_utf8),
	RSP_O(ctx_params1, 0xA2, rsp_t_ctx_params1),
};
static RSP_SEQUENCE(initiate_authentication_ok_esipa, "InitiateAuthenticationOkEsipa", 0x30,
		    initiate_authentication_ok_esipa_f);
#undef S
#define S struct rsp_initiate_authentication_response_esipa
static const struct rsp_field initiate_authentication_response_esipa_f[] = {
	RSP_A(ok, 0xA0, rsp_t_initiate_authentication_ok_esipa),
	RSP_A(error, 0x81, rsp_t_integer),
};
RSP_CHOICE_TYPE(initiate_authentication_response_esipa, "InitiateAuthenticationResponseEsipa", 0xBF39,
		initiate_authentication_response_esipa_f);
#undef S

#define S struct rsp_authenticate_client_request_esipa
static const struct rsp_field authenticate_client_request_esipa_f[] = {
	RSP_F(transaction_id, 0x80, rsp_t_transaction_id),
	RSP_F(authenticate_server_response, 0xBF38, rsp_t_authenticate_server_response),
};
RSP_SEQUENCE(authenticate_client_request_esipa, "AuthenticateClientRequestEsipa", 0xBF3B,
	     authenticate_client_request_esipa_f);
#undef S

#define S struct rsp_authenticate_client_ok_dp_esipa
static const struct rsp_field authenticate_client_ok_dp_esipa_f[] = {
	RSP_O(transaction_id, 0x80, rsp_t_transaction_id),
	RSP_O(profile_metadata, 0xBF25, rsp_t_store_metadata_request),
	RSP_F(smdp_signed2, 0, rsp_t_smdp_signed2),
	RSP_F(smdp_signature2, 0x5F37, rsp_t_octets),
	RSP_F(smdp_certificate, 0, rsp_t_certificate),
	RSP_O(hash_cc, 0x04, rsp_t_octet32),
};
static RSP_SEQUENCE(authenticate_client_ok_dp_esipa, "AuthenticateClientOkDPEsipa", 0x30,
		    authenticate_client_ok_dp_esipa_f);
#undef S
#define S struct rsp_authenticate_client_ok_ds_esipa
static const struct rsp_field authenticate_client_ok_ds_esipa_f[] = {
	RSP_F(transaction_id, 0x80, rsp_t_transaction_id),
	RSP_O(profile_download_trigger, 0xBF54, rsp_t_profile_download_trigger_request),
};
static RSP_SEQUENCE(authenticate_client_ok_ds_esipa, "AuthenticateClientOkDSEsipa", 0x30,
		    authenticate_client_ok_ds_esipa_f);
#undef S
#define S struct rsp_authenticate_client_response_esipa
static const struct rsp_field authenticate_client_response_esipa_f[] = {
	RSP_A(ok_dp, 0xA0, rsp_t_authenticate_client_ok_dp_esipa),
	RSP_A(ok_ds, 0xA1, rsp_t_authenticate_client_ok_ds_esipa),
	RSP_A(error, 0x82, rsp_t_integer),
};
RSP_CHOICE_TYPE(authenticate_client_response_esipa, "AuthenticateClientResponseEsipa", 0xBF3B,
		authenticate_client_response_esipa_f);
#undef S

#define S struct rsp_get_bound_profile_package_request_esipa
static const struct rsp_field get_bpp_request_esipa_f[] = {
	RSP_F(transaction_id, 0x80, rsp_t_transaction_id),
	RSP_F(prepare_download_response, 0xBF21, rsp_t_prepare_download_response),
};
RSP_SEQUENCE(get_bound_profile_package_request_esipa, "GetBoundProfilePackageRequestEsipa", 0xBF3A,
	     get_bpp_request_esipa_f);
#undef S
#define S struct rsp_get_bound_profile_package_ok_esipa
static const struct rsp_field get_bpp_ok_esipa_f[] = {
	RSP_O(transaction_id, 0x80, rsp_t_transaction_id),
	RSP_F(bound_profile_package, 0xBF36, rsp_t_bound_profile_package),
};
static RSP_SEQUENCE(get_bpp_ok_esipa, "GetBoundProfilePackageOkEsipa", 0x30, get_bpp_ok_esipa_f);
#undef S
#define S struct rsp_get_bound_profile_package_response_esipa
static const struct rsp_field get_bpp_response_esipa_f[] = {
	RSP_A(ok, 0xA0, rsp_t_get_bpp_ok_esipa),
	RSP_A(error, 0x81, rsp_t_integer),
};
RSP_CHOICE_TYPE(get_bound_profile_package_response_esipa, "GetBoundProfilePackageResponseEsipa", 0xBF3A,
		get_bpp_response_esipa_f);
#undef S

/* AUTOMATIC TAGS: neither member is tagged, so [0] and [1]; [1] replaces
 * the 'BF41' of SGP32-CancelSessionResponse */
#define S struct rsp_cancel_session_request_esipa
static const struct rsp_field cancel_session_request_esipa_f[] = {
	RSP_F(transaction_id, 0x80, rsp_t_transaction_id),
	RSP_F(cancel_session_response, 0xA1, rsp_t_cancel_session_response),
};
RSP_SEQUENCE(cancel_session_request_esipa, "CancelSessionRequestEsipa", 0xBF41,
	     cancel_session_request_esipa_f);
#undef S
#define S struct rsp_cancel_session_response_esipa
static const struct rsp_field cancel_session_response_esipa_f[] = {
	RSP_A(ok, 0xA0, rsp_t_empty),
	RSP_A(error, 0x81, rsp_t_integer),
};
RSP_CHOICE_TYPE(cancel_session_response_esipa, "CancelSessionResponseEsipa", 0xBF41,
		cancel_session_response_esipa_f);
#undef S

#define S struct rsp_get_eim_package_request
static const struct rsp_field get_eim_package_request_f[] = {
	RSP_F(eid_value, 0x5A, rsp_t_octet16),
	RSP_N(notify_state_change, 0x80),
	RSP_O(state_change_cause, 0x81, rsp_t_integer),
	RSP_O(rplmn, 0x82, rsp_t_octet3),
};
RSP_SEQUENCE(get_eim_package_request, "GetEimPackageRequest", 0xBF4F, get_eim_package_request_f);
#undef S
#define S struct rsp_get_eim_package_response
static const struct rsp_field get_eim_package_response_f[] = {
	RSP_A(euicc_package_request, 0xBF51, rsp_t_euicc_package_request),
	RSP_A(ipa_euicc_data_request, 0xBF52, rsp_t_ipa_euicc_data_request),
	RSP_A(pdt_request, 0xBF54, rsp_t_profile_download_trigger_request),
	RSP_A(error, 0x02, rsp_t_integer),
};
RSP_CHOICE_TYPE(get_eim_package_response, "GetEimPackageResponse", 0xBF4F, get_eim_package_response_f);
#undef S

#define S struct rsp_epr_and_notifications
static const struct rsp_field epr_and_notifications_f[] = {
	RSP_F(euicc_package_result, 0xBF51, rsp_t_euicc_package_result),
	RSP_F(notification_list, 0xA0, rsp_t_pending_notification_list),
};
static RSP_SEQUENCE(epr_and_notifications, "ePRAndNotifications", 0x30, epr_and_notifications_f);
#undef S

#define S struct rsp_eim_package_result
static const struct rsp_field eim_package_result_f[] = {
	RSP_A(epr, 0xBF51, rsp_t_euicc_package_result),
	RSP_A(epr_and_notifications, 0, rsp_t_epr_and_notifications),
	RSP_A(ipa_euicc_data_response, 0xBF52, rsp_t_ipa_euicc_data_response),
	RSP_A(pdt_result, 0xBF54, rsp_t_profile_download_trigger_result),
	RSP_A(error, 0xA0, rsp_t_transaction_error),
};
RSP_CHOICE_TYPE(eim_package_result, "EimPackageResult", 0, eim_package_result_f);
#undef S

#define S struct rsp_provide_eim_package_result
static const struct rsp_field provide_eim_package_result_f[] = {
	RSP_O(eid_value, 0x5A, rsp_t_octet16),
	RSP_F(eim_package_result, 0, rsp_t_eim_package_result),
};
RSP_SEQUENCE(provide_eim_package_result, "ProvideEimPackageResult", 0xBF50,
	     provide_eim_package_result_f);
#undef S
#define S struct rsp_provide_eim_package_result_response
static const struct rsp_field provide_eim_package_result_response_f[] = {
	RSP_A(acks, 0xBF53, rsp_t_eim_acknowledgements),
	RSP_A(empty, 0x30, rsp_t_empty),
	RSP_A(error, 0x02, rsp_t_integer),
};
RSP_CHOICE_TYPE(provide_eim_package_result_response, "ProvideEimPackageResultResponse", 0xBF50,
		provide_eim_package_result_response_f);
#undef S

#define S struct rsp_handle_notification_esipa
static const struct rsp_field handle_notification_esipa_f[] = {
	RSP_A(pending, 0xA0, rsp_t_pending_notification),
	RSP_A(provide_eim_package_result, 0xBF50, rsp_t_provide_eim_package_result),
};
RSP_CHOICE_TYPE(handle_notification_esipa, "HandleNotificationEsipa", 0xBF3D,
		handle_notification_esipa_f);
#undef S

#define S struct rsp_transfer_eim_package_request
static const struct rsp_field transfer_eim_package_request_f[] = {
	RSP_A(euicc_package_request, 0xBF51, rsp_t_euicc_package_request),
	RSP_A(ipa_euicc_data_request, 0xBF52, rsp_t_ipa_euicc_data_request),
	RSP_A(acks, 0xBF53, rsp_t_eim_acknowledgements),
	RSP_A(pdt_request, 0xBF54, rsp_t_profile_download_trigger_request),
};
RSP_CHOICE_TYPE(transfer_eim_package_request, "TransferEimPackageRequest", 0xBF4E,
		transfer_eim_package_request_f);
#undef S
#define S struct rsp_transfer_eim_package_response
static const struct rsp_field transfer_eim_package_response_f[] = {
	RSP_A(epr, 0xBF51, rsp_t_euicc_package_result),
	RSP_A(epr_and_notifications, 0, rsp_t_epr_and_notifications),
	RSP_A(ipa_euicc_data_response, 0xBF52, rsp_t_ipa_euicc_data_response),
	RSP_AN(eim_package_received, 0x05),
	RSP_A(error, 0x02, rsp_t_integer),
};
RSP_CHOICE_TYPE(transfer_eim_package_response, "TransferEimPackageResponse", 0xBF4E,
		transfer_eim_package_response_f);
#undef S

#define S struct rsp_esipa_message_from_ipa
static const struct rsp_field esipa_message_from_ipa_f[] = {
	RSP_A(initiate_authentication, 0xBF39, rsp_t_initiate_authentication_request_esipa),
	RSP_A(authenticate_client, 0xBF3B, rsp_t_authenticate_client_request_esipa),
	RSP_A(get_bpp, 0xBF3A, rsp_t_get_bound_profile_package_request_esipa),
	RSP_A(cancel_session, 0xBF41, rsp_t_cancel_session_request_esipa),
	RSP_A(handle_notification, 0xBF3D, rsp_t_handle_notification_esipa),
	RSP_A(transfer_eim_package_response, 0xBF4E, rsp_t_transfer_eim_package_response),
	RSP_A(get_eim_package, 0xBF4F, rsp_t_get_eim_package_request),
	RSP_A(provide_eim_package_result, 0xBF50, rsp_t_provide_eim_package_result),
};
RSP_CHOICE_TYPE(esipa_message_from_ipa, "EsipaMessageFromIpaToEim", 0, esipa_message_from_ipa_f);
#undef S

#define S struct rsp_esipa_message_from_eim
static const struct rsp_field esipa_message_from_eim_f[] = {
	RSP_A(initiate_authentication, 0xBF39, rsp_t_initiate_authentication_response_esipa),
	RSP_A(authenticate_client, 0xBF3B, rsp_t_authenticate_client_response_esipa),
	RSP_A(get_bpp, 0xBF3A, rsp_t_get_bound_profile_package_response_esipa),
	RSP_A(cancel_session, 0xBF41, rsp_t_cancel_session_response_esipa),
	RSP_A(transfer_eim_package_request, 0xBF4E, rsp_t_transfer_eim_package_request),
	RSP_A(get_eim_package, 0xBF4F, rsp_t_get_eim_package_response),
	RSP_A(provide_eim_package_result, 0xBF50, rsp_t_provide_eim_package_result_response),
};
RSP_CHOICE_TYPE(esipa_message_from_eim, "EsipaMessageFromEimToIpa", 0, esipa_message_from_eim_f);
#undef S
