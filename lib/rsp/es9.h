/* ES9+ in the ASN.1 binding (SGP.22 6.6): RemoteProfileProvisioningRequest
 * and -Response, which the eIM relays to the SM-DP+ in SGP.32 indirect
 * download, and the SGP.32 form of AuthenticateClientRequest. */
#ifndef IOT_RSP_ES9_H
#define IOT_RSP_ES9_H

#include "rsp/es10.h"

struct rsp_initiate_authentication_request {    /* 'BF39' */
	rsp_bytes euicc_challenge;
	rsp_bytes smdp_address;
	struct rsp_euicc_info1 euicc_info1;
};

struct rsp_initiate_authentication_ok_es9 {
	rsp_bytes transaction_id;
	struct rsp_server_signed1 server_signed1;
	rsp_bytes server_signature1;
	rsp_bytes euicc_ci_pkid_to_be_used;
	rsp_bytes server_certificate;
};

enum { RSP_ES9_OK = 1, RSP_ES9_ERROR };
struct rsp_initiate_authentication_response {   /* 'BF39' */
	int choice;
	union {
		struct rsp_initiate_authentication_ok_es9 ok;
		int64_t error;
	} u;
};

struct rsp_authenticate_client_request {        /* 'BF3B' */
	rsp_bytes transaction_id;
	struct rsp_authenticate_server_response authenticate_server_response;
};

struct rsp_authenticate_client_ok {
	rsp_bytes transaction_id;
	struct rsp_store_metadata_request profile_metadata;
	struct rsp_smdp_signed2 smdp_signed2;
	rsp_bytes smdp_signature2;
	rsp_bytes smdp_certificate;
};

struct rsp_authenticate_client_response_es9 {   /* 'BF3B' */
	int choice;
	union {
		struct rsp_authenticate_client_ok ok;
		int64_t error;
	} u;
};

struct rsp_get_bound_profile_package_request {  /* 'BF3A' */
	rsp_bytes transaction_id;
	struct rsp_prepare_download_response prepare_download_response;
};

struct rsp_get_bound_profile_package_ok {
	rsp_bytes transaction_id;
	struct rsp_bound_profile_package bound_profile_package;
};

struct rsp_get_bound_profile_package_response { /* 'BF3A' */
	int choice;
	union {
		struct rsp_get_bound_profile_package_ok ok;
		int64_t error;
	} u;
};

struct rsp_handle_notification {                /* 'BF3D' */
	struct rsp_pending_notification pending_notification;
};

struct rsp_cancel_session_request_es9 {         /* 'BF41' */
	rsp_bytes transaction_id;
	struct rsp_cancel_session_response cancel_session_response;
};

struct rsp_cancel_session_response_es9 {        /* 'BF41' */
	int choice;
	union {
		struct rsp_empty ok;
		int64_t error;
	} u;
};

struct rsp_event_entry {
	rsp_bytes event_id;
	rsp_bytes rsp_server_address;
};
typedef RSP_LIST(struct rsp_event_entry) rsp_event_entries;

struct rsp_authenticate_client_ok_es11 {
	rsp_bytes transaction_id;
	rsp_event_entries event_entries;
};

struct rsp_authenticate_client_response_es11 {  /* 'BF40' */
	int choice;
	union {
		struct rsp_authenticate_client_ok_es11 ok;
		int64_t error;
	} u;
};

enum { RSP_ES9_REQ_INITIATE_AUTHENTICATION = 1, RSP_ES9_REQ_AUTHENTICATE_CLIENT,
       RSP_ES9_REQ_GET_BPP, RSP_ES9_REQ_CANCEL_SESSION, RSP_ES9_REQ_HANDLE_NOTIFICATION };
struct rsp_remote_profile_provisioning_request {    /* 'A2' */
	int choice;
	union {
		struct rsp_initiate_authentication_request initiate_authentication;
		struct rsp_authenticate_client_request authenticate_client;
		struct rsp_get_bound_profile_package_request get_bpp;
		struct rsp_cancel_session_request_es9 cancel_session;
		struct rsp_handle_notification handle_notification;
	} u;
};

enum { RSP_ES9_RESP_INITIATE_AUTHENTICATION = 1, RSP_ES9_RESP_AUTHENTICATE_CLIENT,
       RSP_ES9_RESP_GET_BPP, RSP_ES9_RESP_CANCEL_SESSION, RSP_ES9_RESP_AUTHENTICATE_CLIENT_ES11 };
struct rsp_remote_profile_provisioning_response {   /* 'A2' */
	int choice;
	union {
		struct rsp_initiate_authentication_response initiate_authentication;
		struct rsp_authenticate_client_response_es9 authenticate_client;
		struct rsp_get_bound_profile_package_response get_bpp;
		struct rsp_cancel_session_response_es9 cancel_session;
		struct rsp_authenticate_client_response_es11 authenticate_client_es11;
	} u;
};

extern const struct rsp_type rsp_t_remote_profile_provisioning_request,
	rsp_t_remote_profile_provisioning_response,
	rsp_t_initiate_authentication_request, rsp_t_initiate_authentication_response,
	rsp_t_authenticate_client_request, rsp_t_sgp32_authenticate_client_request,
	rsp_t_authenticate_client_response_es9,
	rsp_t_get_bound_profile_package_request, rsp_t_get_bound_profile_package_response,
	rsp_t_handle_notification, rsp_t_cancel_session_request_es9,
	rsp_t_cancel_session_response_es9, rsp_t_authenticate_client_response_es11;

#endif
