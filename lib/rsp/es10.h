/* ES10a, ES10b and ES10c (SGP.22 5.7 with the SGP.32 5.9 variants): the
 * functions the IPA calls on the eUICC's ISD-R, as C structs.
 *
 * Where SGP.32 redefines a message (SGP32-...), rsp_t_<name> is the SGP.32
 * form and rsp_t_sgp22_<name> the SGP.22 one; both share the C struct. */
#ifndef IOT_RSP_ES10_H
#define IOT_RSP_ES10_H

#include "rsp/common.h"

struct rsp_euicc_package_result;    /* rsp/package.h */

/* Small shapes several messages share. */
struct rsp_result {                 /* SEQUENCE { result INTEGER } */
	int64_t result;
};
struct rsp_refresh_flag {           /* SEQUENCE { refreshFlag BOOLEAN } */
	bool refresh_flag;
};
struct rsp_seq_number {             /* SEQUENCE { seqNumber [0] INTEGER } */
	int64_t seq_number;
};
struct rsp_address {                /* SEQUENCE { defaultDpAddress UTF8String } */
	rsp_bytes address;
};

/* ---- ES10b: common mutual authentication ---- */

struct rsp_server_signed1 {
	rsp_bytes der;                  /* as decoded: the signed bytes */
	rsp_bytes transaction_id;
	rsp_bytes euicc_challenge;
	rsp_bytes server_address;
	rsp_bytes server_challenge;
};

struct rsp_ctx_params_for_common_authentication {
	RSP_OPT(rsp_bytes, matching_id);
	struct rsp_device_info device_info;
};

enum { RSP_CTX_PARAMS_FOR_COMMON_AUTHENTICATION = 1 };
struct rsp_ctx_params1 {
	int choice;
	union {
		struct rsp_ctx_params_for_common_authentication common;
	} u;
};

struct rsp_authenticate_server_request {
	struct rsp_server_signed1 server_signed1;
	rsp_bytes server_signature1;
	rsp_bytes euicc_ci_pkid_to_be_used;
	rsp_bytes server_certificate;
	struct rsp_ctx_params1 ctx_params1;
};

struct rsp_euicc_signed1 {
	rsp_bytes der;
	rsp_bytes transaction_id;
	rsp_bytes server_address;
	rsp_bytes server_challenge;
	struct rsp_euicc_info2 euicc_info2;
	struct rsp_ctx_params1 ctx_params1;
};

struct rsp_authenticate_response_ok {
	struct rsp_euicc_signed1 euicc_signed1;
	rsp_bytes euicc_signature1;
	rsp_bytes euicc_certificate;
	rsp_bytes eum_certificate;
};

struct rsp_authenticate_response_error {
	rsp_bytes transaction_id;
	int64_t authenticate_error_code;
};

enum {
	RSP_AUTH_ERR_INVALID_CERTIFICATE = 1, RSP_AUTH_ERR_INVALID_SIGNATURE = 2,
	RSP_AUTH_ERR_UNSUPPORTED_CURVE = 3, RSP_AUTH_ERR_NO_SESSION_CONTEXT = 4,
	RSP_AUTH_ERR_INVALID_OID = 5, RSP_AUTH_ERR_EUICC_CHALLENGE_MISMATCH = 6,
	RSP_AUTH_ERR_CI_PK_UNKNOWN = 7, RSP_AUTH_ERR_UNDEFINED = 127,
};

struct rsp_compact_euicc_signed1 {
	rsp_bytes der;
	rsp_bytes ext_card_resource;
	RSP_OPT(struct rsp_ctx_params1, ctx_params1);
};

enum { RSP_SIGNED_DATA_EUICC_SIGNED1 = 1, RSP_SIGNED_DATA_COMPACT_EUICC_SIGNED1 };
struct rsp_compact_signed_data {
	int choice;
	union {
		struct rsp_euicc_signed1 euicc_signed1;
		struct rsp_compact_euicc_signed1 compact_euicc_signed1;
	} u;
};

struct rsp_compact_authenticate_response_ok {
	struct rsp_compact_signed_data signed_data;
	rsp_bytes euicc_signature1;
	RSP_OPT(rsp_bytes, euicc_certificate);
	RSP_OPT(rsp_bytes, eum_certificate);
};

enum { RSP_AUTH_RESP_OK = 1, RSP_AUTH_RESP_ERROR, RSP_AUTH_RESP_COMPACT_OK };
struct rsp_authenticate_server_response {
	int choice;
	union {
		struct rsp_authenticate_response_ok ok;
		struct rsp_authenticate_response_error error;
		struct rsp_compact_authenticate_response_ok compact_ok;
	} u;
};

/* ---- ES10b: PrepareDownload ---- */

struct rsp_smdp_signed2 {
	rsp_bytes der;
	rsp_bytes transaction_id;
	bool cc_required_flag;
	RSP_OPT(rsp_bytes, bpp_euicc_otpk);
};

struct rsp_prepare_download_request {
	struct rsp_smdp_signed2 smdp_signed2;
	rsp_bytes smdp_signature2;
	RSP_OPT(rsp_bytes, hash_cc);
	rsp_bytes smdp_certificate;
};

struct rsp_euicc_signed2 {
	rsp_bytes der;
	rsp_bytes transaction_id;
	rsp_bytes euicc_otpk;
	RSP_OPT(rsp_bytes, hash_cc);
};

struct rsp_prepare_download_response_ok {
	struct rsp_euicc_signed2 euicc_signed2;
	rsp_bytes euicc_signature2;
};

struct rsp_prepare_download_response_error {
	rsp_bytes transaction_id;
	int64_t download_error_code;
};

enum {
	RSP_DL_ERR_INVALID_CERTIFICATE = 1, RSP_DL_ERR_INVALID_SIGNATURE = 2,
	RSP_DL_ERR_UNSUPPORTED_CURVE = 3, RSP_DL_ERR_NO_SESSION_CONTEXT = 4,
	RSP_DL_ERR_INVALID_TRANSACTION_ID = 5, RSP_DL_ERR_UNDEFINED = 127,
};

struct rsp_compact_euicc_signed2 {
	rsp_bytes der;
	RSP_OPT(rsp_bytes, euicc_otpk);
	RSP_OPT(rsp_bytes, hash_cc);
};

struct rsp_compact_prepare_download_response_ok {
	struct rsp_compact_euicc_signed2 compact_euicc_signed2;
	rsp_bytes euicc_signature2;
};

enum { RSP_PREPARE_DL_OK = 1, RSP_PREPARE_DL_ERROR, RSP_PREPARE_DL_COMPACT_OK };
struct rsp_prepare_download_response {
	int choice;
	union {
		struct rsp_prepare_download_response_ok ok;
		struct rsp_prepare_download_response_error error;
		struct rsp_compact_prepare_download_response_ok compact_ok;
	} u;
};

/* ---- ES10b: the Bound Profile Package ---- */

struct rsp_control_ref_template {
	rsp_bytes key_type;             /* '88' = AES */
	rsp_bytes key_len;              /* '10' */
	rsp_bytes host_id;
};

struct rsp_initialise_secure_channel_request {
	rsp_bytes der;
	int64_t remote_op_id;           /* installBoundProfilePackage(1) */
	rsp_bytes transaction_id;
	struct rsp_control_ref_template control_ref_template;
	rsp_bytes smdp_otpk;
	rsp_bytes smdp_sign;
};

struct rsp_configure_isdp_request {
	RSP_OPT(struct rsp_dp_proprietary_data, dp_proprietary_data);
};

struct rsp_replace_session_keys_request {
	rsp_bytes initial_mac_chaining_value;
	rsp_bytes ppk_enc;
	rsp_bytes ppk_cmac;
};

struct rsp_bound_profile_package {
	struct rsp_initialise_secure_channel_request initialise_secure_channel_request;
	rsp_bytes_list first_sequence_of87;      /* ConfigureISDP, protected */
	rsp_bytes_list sequence_of88;            /* StoreMetadata, MACed */
	RSP_OPT(rsp_bytes_list, second_sequence_of87); /* ReplaceSessionKeys */
	rsp_bytes_list sequence_of86;            /* profile elements */
};

/* ---- ES10b: ProfileInstallationResult ---- */

struct rsp_success_result {
	rsp_bytes aid;
	rsp_bytes sima_response;
};

struct rsp_error_result {
	int64_t bpp_command_id;
	int64_t error_reason;
	RSP_OPT(rsp_bytes, sima_response);
};

enum {
	RSP_BPP_CMD_INITIALISE_SECURE_CHANNEL = 0, RSP_BPP_CMD_CONFIGURE_ISDP = 1,
	RSP_BPP_CMD_STORE_METADATA = 2, RSP_BPP_CMD_STORE_METADATA2 = 3,
	RSP_BPP_CMD_REPLACE_SESSION_KEYS = 4, RSP_BPP_CMD_LOAD_PROFILE_ELEMENTS = 5,
};
enum {
	RSP_PIR_INCORRECT_INPUT_VALUES = 1, RSP_PIR_INVALID_SIGNATURE = 2,
	RSP_PIR_INVALID_TRANSACTION_ID = 3, RSP_PIR_UNSUPPORTED_CRT_VALUES = 4,
	RSP_PIR_UNSUPPORTED_REMOTE_OPERATION_TYPE = 5, RSP_PIR_UNSUPPORTED_PROFILE_CLASS = 6,
	RSP_PIR_SCP03T_STRUCTURE_ERROR = 7, RSP_PIR_SCP03T_SECURITY_ERROR = 8,
	RSP_PIR_ICCID_ALREADY_EXISTS = 9, RSP_PIR_INSUFFICIENT_MEMORY = 10,
	RSP_PIR_INTERRUPTION = 11, RSP_PIR_PE_PROCESSING_ERROR = 12,
	RSP_PIR_DATA_MISMATCH = 13, RSP_PIR_INVALID_NAA_KEY = 14,
	RSP_PIR_PPR_NOT_ALLOWED = 15, RSP_PIR_UNKNOWN_ERROR = 127,
};

enum { RSP_FINAL_RESULT_SUCCESS = 1, RSP_FINAL_RESULT_ERROR };
struct rsp_final_result {
	int choice;
	union {
		struct rsp_success_result success;
		struct rsp_error_result error;
	} u;
};

struct rsp_profile_installation_result_data {
	rsp_bytes der;                  /* the bytes euiccSignPIR covers */
	rsp_bytes transaction_id;
	struct rsp_notification_metadata notification_metadata;
	rsp_bytes smdp_oid;
	struct rsp_final_result final_result;
};

struct rsp_profile_installation_result {
	struct rsp_profile_installation_result_data data;
	rsp_bytes euicc_sign_pir;
};

struct rsp_compact_success_result {
	rsp_bytes compact_aid;
	RSP_OPT(rsp_bytes, sima_response);
};

enum { RSP_COMPACT_FINAL_RESULT_SUCCESS = 1, RSP_COMPACT_FINAL_RESULT_ERROR };
struct rsp_compact_final_result {
	int choice;
	union {
		struct rsp_compact_success_result success;
		struct rsp_error_result error;
	} u;
};

struct rsp_compact_profile_installation_result_data {
	rsp_bytes der;
	rsp_bytes transaction_id;
	int64_t seq_number;
	bool iccid_present;             /* DEFAULT TRUE */
	struct rsp_compact_final_result compact_final_result;
};

struct rsp_compact_profile_installation_result {
	struct rsp_compact_profile_installation_result_data data;
	rsp_bytes euicc_sign_pir;
};

/* ---- ES10b: notifications ---- */

struct rsp_other_signed_notification {
	struct rsp_notification_metadata tbs_other_notification;
	rsp_bytes euicc_notification_signature;
	rsp_bytes euicc_certificate;
	rsp_bytes eum_certificate;
};

struct rsp_compact_other_signed_notification {
	RSP_OPT(rsp_bytes, eid_value);
	struct rsp_notification_metadata tbs_other_notification;
	rsp_bytes euicc_notification_signature;
};

enum {
	RSP_PENDING_PIR = 1, RSP_PENDING_OTHER, RSP_PENDING_COMPACT_PIR, RSP_PENDING_COMPACT_OTHER,
};
struct rsp_pending_notification {
	int choice;
	union {
		struct rsp_profile_installation_result pir;
		struct rsp_other_signed_notification other;
		struct rsp_compact_profile_installation_result compact_pir;
		struct rsp_compact_other_signed_notification compact_other;
	} u;
};
typedef RSP_LIST(struct rsp_pending_notification) rsp_pending_notification_list;
/* The sequence number of a pending notification, whichever its form. */
int64_t rsp_pending_notification_seq(const struct rsp_pending_notification *n);
/* Its metadata (address, operation, ICCID); NULL for a compact PIR, which carries none. */
const struct rsp_notification_metadata *rsp_pending_notification_metadata(const struct rsp_pending_notification *n);

struct rsp_list_notification_request {
	RSP_OPT(uint64_t, profile_management_operation);
};

typedef RSP_LIST(struct rsp_notification_metadata) rsp_notification_metadata_list;
enum { RSP_LIST_NOTIFICATION_OK = 1, RSP_LIST_NOTIFICATION_ERROR };
struct rsp_list_notification_response {
	int choice;
	union {
		rsp_notification_metadata_list list;
		int64_t error;
	} u;
};

enum { RSP_SEARCH_SEQ_NUMBER = 1, RSP_SEARCH_PROFILE_MANAGEMENT_OPERATION, RSP_SEARCH_EUICC_PACKAGE_RESULTS };
struct rsp_notification_search_criteria {
	int choice;
	union {
		int64_t seq_number;
		uint64_t profile_management_operation;
	} u;
};

struct rsp_retrieve_notifications_list_request {
	RSP_OPT(struct rsp_notification_search_criteria, search_criteria);
};

typedef RSP_LIST(struct rsp_euicc_package_result) rsp_euicc_package_result_list;
enum { RSP_RETRIEVE_NOTIF_LIST = 1, RSP_RETRIEVE_NOTIF_ERROR, RSP_RETRIEVE_NOTIF_EPR_LIST };
struct rsp_retrieve_notifications_list_response {
	int choice;
	union {
		rsp_pending_notification_list notification_list;
		int64_t error;
		rsp_euicc_package_result_list euicc_package_result_list;
	} u;
};

/* ---- ES10b: CancelSession ---- */

enum {
	RSP_CANCEL_END_USER_REJECTION = 0, RSP_CANCEL_POSTPONED = 1, RSP_CANCEL_TIMEOUT = 2,
	RSP_CANCEL_PPR_NOT_ALLOWED = 3, RSP_CANCEL_METADATA_MISMATCH = 4,
	RSP_CANCEL_LOAD_BPP_EXECUTION_ERROR = 5, RSP_CANCEL_UNDEFINED_REASON = 127,
};

struct rsp_cancel_session_request {
	rsp_bytes transaction_id;
	int64_t reason;
};

struct rsp_euicc_cancel_session_signed {
	rsp_bytes der;
	rsp_bytes transaction_id;
	rsp_bytes smdp_oid;
	int64_t reason;
};

struct rsp_cancel_session_response_ok {
	struct rsp_euicc_cancel_session_signed signed_data;
	rsp_bytes euicc_cancel_session_signature;
};

struct rsp_compact_euicc_cancel_session_signed {
	rsp_bytes der;
	RSP_OPT(int64_t, reason);
};

struct rsp_compact_cancel_session_response_ok {
	struct rsp_compact_euicc_cancel_session_signed signed_data;
	rsp_bytes euicc_cancel_session_signature;
};

enum { RSP_CANCEL_RESP_OK = 1, RSP_CANCEL_RESP_ERROR, RSP_CANCEL_RESP_COMPACT_OK };
struct rsp_cancel_session_response {
	int choice;
	union {
		struct rsp_cancel_session_response_ok ok;
		int64_t error;
		struct rsp_compact_cancel_session_response_ok compact_ok;
	} u;
};

/* ---- ES10b: other functions ---- */

struct rsp_get_euicc_challenge_response {
	rsp_bytes euicc_challenge;
};

struct rsp_get_rat_response {
	rsp_rat rat;
};

struct rsp_get_certs_request {
	RSP_OPT(rsp_bytes, euicc_ci_pkid);
};

struct rsp_certs {
	rsp_bytes eum_certificate;
	rsp_bytes euicc_certificate;
};

enum { RSP_GET_CERTS_OK = 1, RSP_GET_CERTS_ERROR };
struct rsp_get_certs_response {
	int choice;
	union {
		struct rsp_certs certs;
		int64_t error;
	} u;
};

struct rsp_eim_configuration_data;  /* rsp/package.h */
typedef RSP_LIST(struct rsp_eim_configuration_data) rsp_eim_configuration_data_list;

struct rsp_add_initial_eim_request {
	rsp_eim_configuration_data_list eim_configuration_data_list;
};

enum { RSP_ADD_INITIAL_EIM_ASSOCIATION_TOKEN = 1, RSP_ADD_INITIAL_EIM_ADD_OK };
struct rsp_add_initial_eim_item {
	int choice;
	union {
		int64_t association_token;
	} u;
};
typedef RSP_LIST(struct rsp_add_initial_eim_item) rsp_add_initial_eim_ok;

enum { RSP_ADD_INITIAL_EIM_OK = 1, RSP_ADD_INITIAL_EIM_ERROR };
struct rsp_add_initial_eim_response {
	int choice;
	union {
		rsp_add_initial_eim_ok ok;
		int64_t error;
	} u;
};

enum { RSP_EIM_SEARCH_EIM_ID = 1 };
struct rsp_eim_search_criteria {
	int choice;
	union {
		rsp_bytes eim_id;
	} u;
};

struct rsp_get_eim_configuration_data_request {
	RSP_OPT(struct rsp_eim_search_criteria, search_criteria);
};

struct rsp_get_eim_configuration_data_response {
	rsp_eim_configuration_data_list eim_configuration_data_list;
};

struct rsp_configure_immediate_profile_enabling_request {
	bool immediate_enable_flag;     /* NULL OPTIONAL */
	RSP_OPT(rsp_bytes, default_smdp_oid);
	RSP_OPT(rsp_bytes, default_smdp_address);
};

struct rsp_connectivity_parameters {
	RSP_OPT(rsp_bytes, http_params);
};

enum { RSP_CONNECTIVITY_PARAMETERS = 1, RSP_CONNECTIVITY_PARAMETERS_ERROR };
struct rsp_get_connectivity_parameters_response {
	int choice;
	union {
		struct rsp_connectivity_parameters params;
		int64_t error;
	} u;
};

struct rsp_euicc_memory_reset_response {    /* SGP32-EuiccMemoryResetResponse */
	int64_t reset_result;
	RSP_OPT(int64_t, reset_eim_result);
	RSP_OPT(int64_t, reset_immediate_enable_config_result);
};

struct rsp_bits_request {           /* SEQUENCE { [n] BIT STRING } */
	uint64_t bits;
};

struct rsp_euicc_configured_addresses_response {
	RSP_OPT(rsp_bytes, default_dp_address);
	rsp_bytes root_ds_address;
};

/* ---- ES10c ---- */

enum { RSP_PROFILE_ID_ISDP_AID = 1, RSP_PROFILE_ID_ICCID };
struct rsp_profile_identifier {
	int choice;
	union {
		rsp_bytes isdp_aid;
		rsp_bytes iccid;
	} u;
};

enum { RSP_PROFILE_SEARCH_ISDP_AID = 1, RSP_PROFILE_SEARCH_ICCID, RSP_PROFILE_SEARCH_CLASS };
struct rsp_profile_search_criteria {
	int choice;
	union {
		rsp_bytes isdp_aid;
		rsp_bytes iccid;
		int64_t profile_class;
	} u;
};

struct rsp_profile_info_list_request {
	RSP_OPT(struct rsp_profile_search_criteria, search_criteria);
	RSP_OPT(rsp_bytes, tag_list);
};

typedef RSP_LIST(struct rsp_profile_info) rsp_profile_info_list;
enum { RSP_PROFILE_INFO_LIST_OK = 1, RSP_PROFILE_INFO_LIST_ERROR };
struct rsp_profile_info_list_response {
	int choice;
	union {
		rsp_profile_info_list ok;
		int64_t error;
	} u;
};

struct rsp_profile_request {        /* Enable/DisableProfileRequest */
	struct rsp_profile_identifier profile_identifier;
	bool refresh_flag;
};

struct rsp_get_euicc_data_request {
	rsp_bytes tag_list;
};

struct rsp_get_euicc_data_response {
	rsp_bytes eid_value;
};

struct rsp_set_nickname_request {
	rsp_bytes iccid;
	rsp_bytes profile_nickname;
};

/* Type tables. */
extern const struct rsp_type
	/* ES10a */
	rsp_t_euicc_configured_addresses_request, rsp_t_euicc_configured_addresses_response,
	rsp_t_set_default_dp_address_request, rsp_t_set_default_dp_address_response,
	/* ES10b */
	rsp_t_get_euicc_challenge_request, rsp_t_get_euicc_challenge_response,
	rsp_t_get_euicc_info1_request, rsp_t_get_euicc_info2_request,
	rsp_t_server_signed1, rsp_t_ctx_params1, rsp_t_authenticate_server_request,
	rsp_t_euicc_signed1, rsp_t_sgp22_euicc_signed1,
	rsp_t_authenticate_server_response, rsp_t_sgp22_authenticate_server_response,
	rsp_t_smdp_signed2, rsp_t_prepare_download_request, rsp_t_euicc_signed2,
	rsp_t_prepare_download_response, rsp_t_sgp22_prepare_download_response,
	rsp_t_initialise_secure_channel_request, rsp_t_configure_isdp_request,
	rsp_t_replace_session_keys_request, rsp_t_bound_profile_package,
	rsp_t_profile_installation_result_data, rsp_t_profile_installation_result,
	rsp_t_sgp22_profile_installation_result, rsp_t_compact_profile_installation_result,
	rsp_t_other_signed_notification, rsp_t_compact_other_signed_notification,
	rsp_t_pending_notification, rsp_t_sgp22_pending_notification,
	rsp_t_pending_notification_list,
	rsp_t_list_notification_request, rsp_t_list_notification_response,
	rsp_t_retrieve_notifications_list_request, rsp_t_sgp22_retrieve_notifications_list_request,
	rsp_t_retrieve_notifications_list_response, rsp_t_sgp22_retrieve_notifications_list_response,
	rsp_t_notification_sent_request, rsp_t_notification_sent_response,
	rsp_t_cancel_session_request, rsp_t_euicc_cancel_session_signed,
	rsp_t_cancel_session_response, rsp_t_sgp22_cancel_session_response,
	rsp_t_get_rat_request, rsp_t_get_rat_response,
	rsp_t_get_certs_request, rsp_t_get_certs_response,
	rsp_t_add_initial_eim_request, rsp_t_add_initial_eim_response,
	rsp_t_get_eim_configuration_data_request, rsp_t_get_eim_configuration_data_response,
	rsp_t_immediate_enable_request, rsp_t_immediate_enable_response,
	rsp_t_profile_rollback_request,
	rsp_t_configure_immediate_profile_enabling_request,
	rsp_t_configure_immediate_profile_enabling_response,
	rsp_t_execute_fallback_mechanism_request, rsp_t_execute_fallback_mechanism_response,
	rsp_t_return_from_fallback_request, rsp_t_return_from_fallback_response,
	rsp_t_enable_emergency_profile_request, rsp_t_enable_emergency_profile_response,
	rsp_t_disable_emergency_profile_request, rsp_t_disable_emergency_profile_response,
	rsp_t_get_connectivity_parameters_request, rsp_t_get_connectivity_parameters_response,
	rsp_t_sgp32_set_default_dp_address_request, rsp_t_sgp32_set_default_dp_address_response,
	rsp_t_ipae_activation_request, rsp_t_ipae_activation_response,
	rsp_t_isdr_proprietary_application_template_iot,
	/* ES10c */
	rsp_t_profile_info_list_request, rsp_t_profile_info_list_response,
	rsp_t_sgp22_profile_info_list_response,
	rsp_t_enable_profile_request, rsp_t_enable_profile_response,
	rsp_t_disable_profile_request, rsp_t_disable_profile_response,
	rsp_t_delete_profile_request, rsp_t_delete_profile_response,
	rsp_t_euicc_memory_reset_request, rsp_t_euicc_memory_reset_response,
	rsp_t_sgp22_euicc_memory_reset_request, rsp_t_sgp22_euicc_memory_reset_response,
	rsp_t_get_euicc_data_request, rsp_t_get_euicc_data_response,
	rsp_t_set_nickname_request, rsp_t_set_nickname_response;

#endif
