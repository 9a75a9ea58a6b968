/* Tables for es9.h, from RSPDefinitions (SGP.22 ES9+ ASN.1 binding) and
 * SGP32-AuthenticateClientRequest. */
#include "rsp/es9.h"

#include <stddef.h>

#define S struct rsp_initiate_authentication_request
static const struct rsp_field initiate_authentication_request_f[] = {
	RSP_F(euicc_challenge, 0x81, rsp_t_octet16),
	RSP_F(smdp_address, 0x83, rsp_t_utf8),
	RSP_F(euicc_info1, 0xBF20, rsp_t_euicc_info1),
};
RSP_SEQUENCE(initiate_authentication_request, "InitiateAuthenticationRequest", 0xBF39,
	     initiate_authentication_request_f);
#undef S

#define S struct rsp_initiate_authentication_ok_es9
static const struct rsp_field initiate_authentication_ok_es9_f[] = {
	RSP_F(transaction_id, 0x80, rsp_t_transaction_id),
	RSP_F(server_signed1, 0, rsp_t_server_signed1),
	RSP_F(server_signature1, 0x5F37, rsp_t_octets),
	RSP_F(euicc_ci_pkid_to_be_used, 0x04, rsp_t_octets),
	RSP_F(server_certificate, 0, rsp_t_certificate),
};
static RSP_SEQUENCE(initiate_authentication_ok_es9, "InitiateAuthenticationOkEs9", 0x30,
		    initiate_authentication_ok_es9_f);
#undef S
#define S struct rsp_initiate_authentication_response
static const struct rsp_field initiate_authentication_response_f[] = {
	RSP_A(ok, 0xA0, rsp_t_initiate_authentication_ok_es9),
	RSP_A(error, 0x81, rsp_t_integer),
};
RSP_CHOICE_TYPE(initiate_authentication_response, "InitiateAuthenticationResponse", 0xBF39,
		initiate_authentication_response_f);
#undef S

#define S struct rsp_authenticate_client_request
static const struct rsp_field authenticate_client_request_f[] = {
	RSP_F(transaction_id, 0x80, rsp_t_transaction_id),
	RSP_F(authenticate_server_response, 0xBF38, rsp_t_sgp22_authenticate_server_response),
};
static const struct rsp_field sgp32_authenticate_client_request_f[] = {
	RSP_F(transaction_id, 0x80, rsp_t_transaction_id),
	RSP_F(authenticate_server_response, 0xBF38, rsp_t_authenticate_server_response),
};
RSP_SEQUENCE(authenticate_client_request, "AuthenticateClientRequest", 0xBF3B,
	     authenticate_client_request_f);
RSP_SEQUENCE(sgp32_authenticate_client_request, "SGP32-AuthenticateClientRequest", 0xBF3B,
	     sgp32_authenticate_client_request_f);
#undef S

#define S struct rsp_authenticate_client_ok
static const struct rsp_field authenticate_client_ok_f[] = {
	RSP_F(transaction_id, 0x80, rsp_t_transaction_id),
	RSP_F(profile_metadata, 0xBF25, rsp_t_sgp22_store_metadata_request),
	RSP_F(smdp_signed2, 0, rsp_t_smdp_signed2),
	RSP_F(smdp_signature2, 0x5F37, rsp_t_octets),
	RSP_F(smdp_certificate, 0, rsp_t_certificate),
};
static RSP_SEQUENCE(authenticate_client_ok, "AuthenticateClientOk", 0x30, authenticate_client_ok_f);
#undef S
#define S struct rsp_authenticate_client_response_es9
static const struct rsp_field authenticate_client_response_es9_f[] = {
	RSP_A(ok, 0xA0, rsp_t_authenticate_client_ok),
	RSP_A(error, 0x81, rsp_t_integer),
};
RSP_CHOICE_TYPE(authenticate_client_response_es9, "AuthenticateClientResponseEs9", 0xBF3B,
		authenticate_client_response_es9_f);
#undef S

#define S struct rsp_get_bound_profile_package_request
static const struct rsp_field get_bpp_request_f[] = {
	RSP_F(transaction_id, 0x80, rsp_t_transaction_id),
	RSP_F(prepare_download_response, 0xBF21, rsp_t_sgp22_prepare_download_response),
};
RSP_SEQUENCE(get_bound_profile_package_request, "GetBoundProfilePackageRequest", 0xBF3A,
	     get_bpp_request_f);
#undef S
#define S struct rsp_get_bound_profile_package_ok
static const struct rsp_field get_bpp_ok_f[] = {
	RSP_F(transaction_id, 0x80, rsp_t_transaction_id),
	RSP_F(bound_profile_package, 0xBF36, rsp_t_bound_profile_package),
};
static RSP_SEQUENCE(get_bpp_ok, "GetBoundProfilePackageOk", 0x30, get_bpp_ok_f);
#undef S
#define S struct rsp_get_bound_profile_package_response
static const struct rsp_field get_bpp_response_f[] = {
	RSP_A(ok, 0xA0, rsp_t_get_bpp_ok),
	RSP_A(error, 0x81, rsp_t_integer),
};
RSP_CHOICE_TYPE(get_bound_profile_package_response, "GetBoundProfilePackageResponse", 0xBF3A,
		get_bpp_response_f);
#undef S

/* AUTOMATIC TAGS: the untagged CHOICE member becomes [0], explicit */
#define S struct rsp_handle_notification
static const struct rsp_field handle_notification_f[] = {
	RSP_F(pending_notification, 0xA0, rsp_t_sgp22_pending_notification),
};
RSP_SEQUENCE(handle_notification, "HandleNotification", 0xBF3D, handle_notification_f);
#undef S

#define S struct rsp_cancel_session_request_es9
static const struct rsp_field cancel_session_request_es9_f[] = {
	RSP_F(transaction_id, 0x80, rsp_t_transaction_id),
	RSP_F(cancel_session_response, 0xA1, rsp_t_sgp22_cancel_session_response),
};
RSP_SEQUENCE(cancel_session_request_es9, "CancelSessionRequestEs9", 0xBF41,
	     cancel_session_request_es9_f);
#undef S
#define S struct rsp_cancel_session_response_es9
static const struct rsp_field cancel_session_response_es9_f[] = {
	RSP_A(ok, 0xA0, rsp_t_empty),
	RSP_A(error, 0x81, rsp_t_integer),
};
RSP_CHOICE_TYPE(cancel_session_response_es9, "CancelSessionResponseEs9", 0xBF41,
		cancel_session_response_es9_f);
#undef S

#define S struct rsp_event_entry
static const struct rsp_field event_entry_f[] = {
	RSP_F(event_id, 0x80, rsp_t_utf8),
	RSP_F(rsp_server_address, 0x81, rsp_t_utf8),
};
static RSP_SEQUENCE(event_entry, "EventEntries", 0x30, event_entry_f);
#undef S
static RSP_SEQUENCE_OF(event_entries, "SEQUENCE OF EventEntries", 0x30, rsp_t_event_entry, 0);
#define S struct rsp_authenticate_client_ok_es11
static const struct rsp_field authenticate_client_ok_es11_f[] = {
	RSP_F(transaction_id, 0x80, rsp_t_transaction_id),
	RSP_F(event_entries, 0xA1, rsp_t_event_entries),
};
static RSP_SEQUENCE(authenticate_client_ok_es11, "AuthenticateClientOkEs11", 0x30,
		    authenticate_client_ok_es11_f);
#undef S
#define S struct rsp_authenticate_client_response_es11
static const struct rsp_field authenticate_client_response_es11_f[] = {
	RSP_A(ok, 0xA0, rsp_t_authenticate_client_ok_es11),
	RSP_A(error, 0x81, rsp_t_integer),
};
RSP_CHOICE_TYPE(authenticate_client_response_es11, "AuthenticateClientResponseEs11", 0xBF40,
		authenticate_client_response_es11_f);
#undef S

#define S struct rsp_remote_profile_provisioning_request
static const struct rsp_field rpp_request_f[] = {
	RSP_A(initiate_authentication, 0xBF39, rsp_t_initiate_authentication_request),
	RSP_A(authenticate_client, 0xBF3B, rsp_t_authenticate_client_request),
	RSP_A(get_bpp, 0xBF3A, rsp_t_get_bound_profile_package_request),
	RSP_A(cancel_session, 0xBF41, rsp_t_cancel_session_request_es9),
	RSP_A(handle_notification, 0xBF3D, rsp_t_handle_notification),
};
RSP_CHOICE_TYPE(remote_profile_provisioning_request, "RemoteProfileProvisioningRequest", 0xA2,
		rpp_request_f);
#undef S
#define S struct rsp_remote_profile_provisioning_response
static const struct rsp_field rpp_response_f[] = {
	RSP_A(initiate_authentication, 0xBF39, rsp_t_initiate_authentication_response),
	RSP_A(authenticate_client, 0xBF3B, rsp_t_authenticate_client_response_es9),
	RSP_A(get_bpp, 0xBF3A, rsp_t_get_bound_profile_package_response),
	RSP_A(cancel_session, 0xBF41, rsp_t_cancel_session_response_es9),
	RSP_A(authenticate_client_es11, 0xBF40, rsp_t_authenticate_client_response_es11),
};
RSP_CHOICE_TYPE(remote_profile_provisioning_response, "RemoteProfileProvisioningResponse", 0xA2,
		rpp_response_f);
#undef S
