/* ESipa (SGP.32 6.3): the messages between the IPA and the eIM, and the two
 * top-level CHOICEs every ESipa transport carries. */
#ifndef IOT_RSP_ESIPA_H
#define IOT_RSP_ESIPA_H

#include "rsp/package.h"

struct rsp_initiate_authentication_request_esipa {     /* 'BF39' */
	rsp_bytes euicc_challenge;
	RSP_OPT(rsp_bytes, smdp_address);
	RSP_OPT(struct rsp_euicc_info1, euicc_info1);
	RSP_OPT(rsp_bytes, eim_transaction_id);
};

struct rsp_initiate_authentication_ok_esipa {
	RSP_OPT(rsp_bytes, transaction_id);
	struct rsp_server_signed1 server_signed1;
	rsp_bytes server_signature1;
	rsp_bytes euicc_ci_pkid_to_be_used;
	rsp_bytes server_certificate;
	RSP_OPT(rsp_bytes, matching_id);
	RSP_OPT(struct rsp_ctx_params1, ctx_params1);
};

enum { RSP_ESIPA_OK = 1, RSP_ESIPA_ERROR };     /* two-way CHOICEs below */
struct rsp_initiate_authentication_response_esipa {    /* 'BF39' */
	int choice;
	union {
		struct rsp_initiate_authentication_ok_esipa ok;
		int64_t error;
	} u;
};

struct rsp_authenticate_client_request_esipa {  /* 'BF3B' */
	rsp_bytes transaction_id;
	struct rsp_authenticate_server_response authenticate_server_response;
};

struct rsp_authenticate_client_ok_dp_esipa {
	RSP_OPT(rsp_bytes, transaction_id);
	RSP_OPT(struct rsp_store_metadata_request, profile_metadata);
	struct rsp_smdp_signed2 smdp_signed2;
	rsp_bytes smdp_signature2;
	rsp_bytes smdp_certificate;
	RSP_OPT(rsp_bytes, hash_cc);
};

struct rsp_authenticate_client_ok_ds_esipa {
	rsp_bytes transaction_id;
	RSP_OPT(struct rsp_profile_download_trigger_request, profile_download_trigger);
};

enum { RSP_AUTH_CLIENT_OK_DP = 1, RSP_AUTH_CLIENT_OK_DS, RSP_AUTH_CLIENT_ERROR };
struct rsp_authenticate_client_response_esipa { /* 'BF3B' */
	int choice;
	union {
		struct rsp_authenticate_client_ok_dp_esipa ok_dp;
		struct rsp_authenticate_client_ok_ds_esipa ok_ds;
		int64_t error;
	} u;
};

struct rsp_get_bound_profile_package_request_esipa {   /* 'BF3A' */
	rsp_bytes transaction_id;
	struct rsp_prepare_download_response prepare_download_response;
};

struct rsp_get_bound_profile_package_ok_esipa {
	RSP_OPT(rsp_bytes, transaction_id);
	struct rsp_bound_profile_package bound_profile_package;
};

struct rsp_get_bound_profile_package_response_esipa {  /* 'BF3A' */
	int choice;
	union {
		struct rsp_get_bound_profile_package_ok_esipa ok;
		int64_t error;
	} u;
};

struct rsp_cancel_session_request_esipa {       /* 'BF41' */
	rsp_bytes transaction_id;
	struct rsp_cancel_session_response cancel_session_response;
};

struct rsp_cancel_session_response_esipa {      /* 'BF41' */
	int choice;                             /* RSP_ESIPA_OK has no data */
	union {
		struct rsp_empty ok;
		int64_t error;
	} u;
};

enum { RSP_STATE_CHANGE_OTHER_EIM = 0, RSP_STATE_CHANGE_FALLBACK = 1,
       RSP_STATE_CHANGE_EMERGENCY_PROFILE = 2, RSP_STATE_CHANGE_LOCAL = 3,
       RSP_STATE_CHANGE_RESET = 4, RSP_STATE_CHANGE_IMMEDIATE_ENABLE_PROFILE = 5,
       RSP_STATE_CHANGE_DEVICE_CHANGE = 6, RSP_STATE_CHANGE_UNDEFINED = 127 };

struct rsp_get_eim_package_request {            /* 'BF4F' */
	rsp_bytes eid_value;
	bool notify_state_change;               /* NULL OPTIONAL */
	RSP_OPT(int64_t, state_change_cause);
	RSP_OPT(rsp_bytes, rplmn);
};

enum { RSP_EIM_PKG_NO_PACKAGE = 1, RSP_EIM_PKG_EID_NOT_FOUND = 2, RSP_EIM_PKG_INVALID_EID = 3,
       RSP_EIM_PKG_MISSING_EID = 4, RSP_EIM_PKG_UNDEFINED_ERROR = 127 };
enum { RSP_GET_EIM_PKG_EUICC_PACKAGE = 1, RSP_GET_EIM_PKG_IPA_EUICC_DATA_REQUEST,
       RSP_GET_EIM_PKG_PDT_REQUEST, RSP_GET_EIM_PKG_ERROR };
struct rsp_get_eim_package_response {           /* 'BF4F' */
	int choice;
	union {
		struct rsp_euicc_package_request euicc_package_request;
		struct rsp_ipa_euicc_data_request ipa_euicc_data_request;
		struct rsp_profile_download_trigger_request pdt_request;
		int64_t error;
	} u;
};

struct rsp_epr_and_notifications {
	struct rsp_euicc_package_result euicc_package_result;
	rsp_pending_notification_list notification_list;
};

enum { RSP_EIM_RESULT_EPR = 1, RSP_EIM_RESULT_EPR_AND_NOTIFICATIONS, RSP_EIM_RESULT_IPA_EUICC_DATA,
       RSP_EIM_RESULT_PDT_RESULT, RSP_EIM_RESULT_ERROR };
struct rsp_eim_package_result {
	int choice;
	union {
		struct rsp_euicc_package_result epr;
		struct rsp_epr_and_notifications epr_and_notifications;
		struct rsp_ipa_euicc_data_response ipa_euicc_data_response;
		struct rsp_profile_download_trigger_result pdt_result;
		struct rsp_transaction_error error;
	} u;
};

struct rsp_provide_eim_package_result {         /* 'BF50' */
	RSP_OPT(rsp_bytes, eid_value);
	struct rsp_eim_package_result eim_package_result;
};

enum { RSP_PROVIDE_RESULT_ACKS = 1, RSP_PROVIDE_RESULT_EMPTY, RSP_PROVIDE_RESULT_ERROR };
struct rsp_provide_eim_package_result_response {    /* 'BF50' */
	int choice;
	union {
		rsp_eim_acknowledgements acks;
		struct rsp_empty empty;
		int64_t error;
	} u;
};

enum { RSP_HANDLE_NOTIFICATION_PENDING = 1, RSP_HANDLE_NOTIFICATION_EIM_RESULT };
struct rsp_handle_notification_esipa {          /* 'BF3D' */
	int choice;
	union {
		struct rsp_pending_notification pending;
		struct rsp_provide_eim_package_result provide_eim_package_result;
	} u;
};

enum { RSP_TRANSFER_EUICC_PACKAGE = 1, RSP_TRANSFER_IPA_EUICC_DATA_REQUEST,
       RSP_TRANSFER_EIM_ACKNOWLEDGEMENTS, RSP_TRANSFER_PDT_REQUEST };
struct rsp_transfer_eim_package_request {       /* 'BF4E' */
	int choice;
	union {
		struct rsp_euicc_package_request euicc_package_request;
		struct rsp_ipa_euicc_data_request ipa_euicc_data_request;
		rsp_eim_acknowledgements acks;
		struct rsp_profile_download_trigger_request pdt_request;
	} u;
};

enum { RSP_TRANSFER_RESP_EPR = 1, RSP_TRANSFER_RESP_EPR_AND_NOTIFICATIONS,
       RSP_TRANSFER_RESP_IPA_EUICC_DATA, RSP_TRANSFER_RESP_RECEIVED, RSP_TRANSFER_RESP_ERROR };
struct rsp_transfer_eim_package_response {      /* 'BF4E' */
	int choice;
	union {
		struct rsp_euicc_package_result epr;
		struct rsp_epr_and_notifications epr_and_notifications;
		struct rsp_ipa_euicc_data_response ipa_euicc_data_response;
		int64_t error;
	} u;
};

enum { RSP_IPA_TO_EIM_INITIATE_AUTHENTICATION = 1, RSP_IPA_TO_EIM_AUTHENTICATE_CLIENT,
       RSP_IPA_TO_EIM_GET_BPP, RSP_IPA_TO_EIM_CANCEL_SESSION, RSP_IPA_TO_EIM_HANDLE_NOTIFICATION,
       RSP_IPA_TO_EIM_TRANSFER_EIM_PACKAGE_RESPONSE, RSP_IPA_TO_EIM_GET_EIM_PACKAGE,
       RSP_IPA_TO_EIM_PROVIDE_EIM_PACKAGE_RESULT };
struct rsp_esipa_message_from_ipa {
	int choice;
	union {
		struct rsp_initiate_authentication_request_esipa initiate_authentication;
		struct rsp_authenticate_client_request_esipa authenticate_client;
		struct rsp_get_bound_profile_package_request_esipa get_bpp;
		struct rsp_cancel_session_request_esipa cancel_session;
		struct rsp_handle_notification_esipa handle_notification;
		struct rsp_transfer_eim_package_response transfer_eim_package_response;
		struct rsp_get_eim_package_request get_eim_package;
		struct rsp_provide_eim_package_result provide_eim_package_result;
	} u;
};

enum { RSP_EIM_TO_IPA_INITIATE_AUTHENTICATION = 1, RSP_EIM_TO_IPA_AUTHENTICATE_CLIENT,
       RSP_EIM_TO_IPA_GET_BPP, RSP_EIM_TO_IPA_CANCEL_SESSION,
       RSP_EIM_TO_IPA_TRANSFER_EIM_PACKAGE_REQUEST, RSP_EIM_TO_IPA_GET_EIM_PACKAGE,
       RSP_EIM_TO_IPA_PROVIDE_EIM_PACKAGE_RESULT };
struct rsp_esipa_message_from_eim {
	int choice;
	union {
		struct rsp_initiate_authentication_response_esipa initiate_authentication;
		struct rsp_authenticate_client_response_esipa authenticate_client;
		struct rsp_get_bound_profile_package_response_esipa get_bpp;
		struct rsp_cancel_session_response_esipa cancel_session;
		struct rsp_transfer_eim_package_request transfer_eim_package_request;
		struct rsp_get_eim_package_response get_eim_package;
		struct rsp_provide_eim_package_result_response provide_eim_package_result;
	} u;
};

extern const struct rsp_type rsp_t_esipa_message_from_ipa, rsp_t_esipa_message_from_eim,
	rsp_t_initiate_authentication_request_esipa, rsp_t_initiate_authentication_response_esipa,
	rsp_t_authenticate_client_request_esipa, rsp_t_authenticate_client_response_esipa,
	rsp_t_get_bound_profile_package_request_esipa, rsp_t_get_bound_profile_package_response_esipa,
	rsp_t_cancel_session_request_esipa, rsp_t_cancel_session_response_esipa,
	rsp_t_handle_notification_esipa, rsp_t_get_eim_package_request,
	rsp_t_get_eim_package_response, rsp_t_eim_package_result,
	rsp_t_provide_eim_package_result, rsp_t_provide_eim_package_result_response,
	rsp_t_transfer_eim_package_request, rsp_t_transfer_eim_package_response;

#endif
