/* SGP.32 eUICC Packages and what travels with them: the eIM configuration
 * data, PSMOs and eCOs, the signed EuiccPackageRequest, EuiccPackageResult,
 * IPA eUICC Data Requests, Profile Download Triggers, acknowledgements and
 * IPA capabilities (SGP.32 2.11, 5.9, 6.3). */
#ifndef IOT_RSP_PACKAGE_H
#define IOT_RSP_PACKAGE_H

#include "rsp/es10.h"

/* EimSupportedProtocol / ipaSupportedProtocols bits */
enum {
	RSP_PROTO_RETRIEVE_HTTPS = 1 << 0, RSP_PROTO_RETRIEVE_COAPS = 1 << 1,
	RSP_PROTO_INJECT_HTTPS = 1 << 2, RSP_PROTO_INJECT_COAPS = 1 << 3,
	RSP_PROTO_PROPRIETARY = 1 << 4,
};
/* ipaFeatures bits */
enum {
	RSP_IPA_DIRECT_RSP_SERVER_COMMUNICATION = 1 << 0,
	RSP_IPA_INDIRECT_RSP_SERVER_COMMUNICATION = 1 << 1,
	RSP_IPA_EIM_DOWNLOAD_DATA_HANDLING = 1 << 2,
	RSP_IPA_EIM_CTX_PARAMS1_GENERATION = 1 << 3,
	RSP_IPA_EIM_PROFILE_METADATA_VERIFICATION = 1 << 4,
	RSP_IPA_MINIMIZE_ESIPA_BYTES = 1 << 5,
};
enum { RSP_EIM_ID_TYPE_OID = 1, RSP_EIM_ID_TYPE_FQDN = 2, RSP_EIM_ID_TYPE_PROPRIETARY = 3 };

enum { RSP_KEY_DATA_PUBLIC_KEY = 1, RSP_KEY_DATA_CERTIFICATE };
struct rsp_eim_key_data {           /* CHOICE { SubjectPublicKeyInfo, Certificate } */
	int choice;
	union {
		rsp_bytes public_key;   /* whole SubjectPublicKeyInfo TLV */
		rsp_bytes certificate;  /* whole Certificate TLV */
	} u;
};

struct rsp_eim_configuration_data {
	rsp_bytes eim_id;
	RSP_OPT(rsp_bytes, eim_fqdn);
	RSP_OPT(int64_t, eim_id_type);
	RSP_OPT(int64_t, counter_value);
	RSP_OPT(int64_t, association_token);
	RSP_OPT(struct rsp_eim_key_data, eim_public_key_data);
	RSP_OPT(struct rsp_eim_key_data, trusted_public_key_data_tls);
	RSP_OPT(uint64_t, eim_supported_protocol);
	RSP_OPT(rsp_bytes, euicc_ci_pkid);
	bool indirect_profile_download;         /* NULL OPTIONAL */
};

/* PSMOs */
struct rsp_psmo_enable {
	rsp_bytes iccid;
	bool rollback_flag;                     /* NULL OPTIONAL */
};
struct rsp_psmo_iccid {                     /* disable, delete, setFallbackAttribute */
	rsp_bytes iccid;
};

enum {
	RSP_PSMO_ENABLE = 1, RSP_PSMO_DISABLE, RSP_PSMO_DELETE, RSP_PSMO_LIST_PROFILE_INFO,
	RSP_PSMO_GET_RAT, RSP_PSMO_CONFIGURE_IMMEDIATE_ENABLE, RSP_PSMO_SET_FALLBACK_ATTRIBUTE,
	RSP_PSMO_UNSET_FALLBACK_ATTRIBUTE, RSP_PSMO_SET_DEFAULT_DP_ADDRESS,
};
struct rsp_psmo {
	int choice;
	union {
		struct rsp_psmo_enable enable;
		struct rsp_psmo_iccid disable;
		struct rsp_psmo_iccid delete_;
		struct rsp_profile_info_list_request list_profile_info;
		struct rsp_configure_immediate_profile_enabling_request configure_immediate_enable;
		struct rsp_psmo_iccid set_fallback_attribute;
		struct rsp_address set_default_dp_address;
		struct rsp_empty empty;         /* getRAT, unsetFallbackAttribute */
	} u;
};

/* eCOs */
struct rsp_eco_delete_eim {
	rsp_bytes eim_id;
};
enum { RSP_ECO_ADD_EIM = 1, RSP_ECO_DELETE_EIM, RSP_ECO_UPDATE_EIM, RSP_ECO_LIST_EIM };
struct rsp_eco {
	int choice;
	union {
		struct rsp_eim_configuration_data add_eim;
		struct rsp_eco_delete_eim delete_eim;
		struct rsp_eim_configuration_data update_eim;
		struct rsp_empty empty;         /* listEim */
	} u;
};

typedef RSP_LIST(struct rsp_psmo) rsp_psmo_list;
typedef RSP_LIST(struct rsp_eco) rsp_eco_list;
enum { RSP_PACKAGE_PSMO_LIST = 1, RSP_PACKAGE_ECO_LIST };
struct rsp_euicc_package {
	int choice;
	union {
		rsp_psmo_list psmo_list;
		rsp_eco_list eco_list;
	} u;
};

struct rsp_euicc_package_signed {
	rsp_bytes der;                          /* the bytes eimSignature covers */
	rsp_bytes eim_id;
	rsp_bytes eid_value;
	int64_t counter_value;
	RSP_OPT(rsp_bytes, eim_transaction_id);
	struct rsp_euicc_package euicc_package;
};

struct rsp_euicc_package_request {          /* 'BF51' */
	struct rsp_euicc_package_signed signed_data;
	rsp_bytes eim_signature;
};

/* Results */
enum { RSP_ADD_EIM_ASSOCIATION_TOKEN = 1, RSP_ADD_EIM_RESULT_CODE };
struct rsp_add_eim_result {
	int choice;
	union {
		int64_t association_token;
		int64_t result_code;
	} u;
};

struct rsp_eim_id_info {
	rsp_bytes eim_id;
	RSP_OPT(int64_t, eim_id_type);
};
typedef RSP_LIST(struct rsp_eim_id_info) rsp_eim_id_list;

enum { RSP_LIST_EIM_ID_LIST = 1, RSP_LIST_EIM_ERROR };
struct rsp_list_eim_result {
	int choice;
	union {
		rsp_eim_id_list eim_id_list;
		int64_t error;
	} u;
};

enum {
	RSP_RESULT_ENABLE = 1, RSP_RESULT_DISABLE, RSP_RESULT_DELETE, RSP_RESULT_LIST_PROFILE_INFO,
	RSP_RESULT_GET_RAT, RSP_RESULT_CONFIGURE_IMMEDIATE_ENABLE, RSP_RESULT_ADD_EIM,
	RSP_RESULT_DELETE_EIM, RSP_RESULT_UPDATE_EIM, RSP_RESULT_LIST_EIM, RSP_RESULT_ROLLBACK,
	RSP_RESULT_SET_FALLBACK_ATTRIBUTE, RSP_RESULT_UNSET_FALLBACK_ATTRIBUTE,
	RSP_RESULT_PROCESSING_TERMINATED, RSP_RESULT_SET_DEFAULT_DP_ADDRESS,
};
/* EuiccResultData: the INTEGER results share 'code'. */
struct rsp_euicc_result_data {
	int choice;
	union {
		int64_t code;
		struct rsp_profile_info_list_response list_profile_info;
		rsp_rat get_rat;
		struct rsp_add_eim_result add_eim;
		struct rsp_list_eim_result list_eim;
		struct rsp_result set_default_dp_address;
	} u;
};
typedef RSP_LIST(struct rsp_euicc_result_data) rsp_euicc_result_list;

enum { RSP_PROCESSING_RESULT_SIZE_OVERFLOW = 1, RSP_PROCESSING_UNKNOWN_OR_DAMAGED_COMMAND = 2,
       RSP_PROCESSING_INTERRUPTION = 3, RSP_PROCESSING_UNDEFINED_ERROR = 127 };

struct rsp_euicc_package_result_data_signed {
	rsp_bytes der;                          /* the bytes euiccSignEPR covers */
	rsp_bytes eim_id;
	int64_t counter_value;
	RSP_OPT(rsp_bytes, eim_transaction_id);
	int64_t seq_number;
	rsp_euicc_result_list euicc_result;
};

struct rsp_euicc_package_result_signed {
	struct rsp_euicc_package_result_data_signed data;
	rsp_bytes euicc_sign_epr;
};

enum { RSP_EPE_INVALID_EID = 3, RSP_EPE_REPLAY_ERROR = 4, RSP_EPE_COUNTER_VALUE_OUT_OF_RANGE = 6,
       RSP_EPE_SIZE_OVERFLOW = 15, RSP_EPE_ECALL_ACTIVE = 104, RSP_EPE_UNDEFINED_ERROR = 127 };

struct rsp_euicc_package_error_data_signed {
	rsp_bytes der;                          /* the bytes euiccSignEPE covers */
	rsp_bytes eim_id;
	int64_t counter_value;
	RSP_OPT(rsp_bytes, eim_transaction_id);
	int64_t euicc_package_error_code;
};

struct rsp_euicc_package_error_signed {
	struct rsp_euicc_package_error_data_signed data;
	rsp_bytes euicc_sign_epe;
};

struct rsp_euicc_package_error_unsigned {
	rsp_bytes eim_id;
	RSP_OPT(rsp_bytes, eim_transaction_id);
	RSP_OPT(int64_t, association_token);
};

enum { RSP_EPR_RESULT_SIGNED = 1, RSP_EPR_ERROR_SIGNED, RSP_EPR_ERROR_UNSIGNED };
struct rsp_euicc_package_result {           /* 'BF51' */
	int choice;
	union {
		struct rsp_euicc_package_result_signed result_signed;
		struct rsp_euicc_package_error_signed error_signed;
		struct rsp_euicc_package_error_unsigned error_unsigned;
	} u;
};

struct rsp_profile_rollback_response {      /* 'BF58' */
	int64_t cmd_result;
	RSP_OPT(struct rsp_euicc_package_result, euicc_package_result);
};

/* IPA eUICC Data */
struct rsp_ipa_capabilities {
	uint64_t ipa_features;
	RSP_OPT(uint64_t, ipa_supported_protocols);
};

enum { RSP_EPR_SEARCH_SEQ_NUMBER = 1 };
struct rsp_epr_search_criteria {
	int choice;
	union {
		int64_t seq_number;
	} u;
};

struct rsp_ipa_euicc_data_request {         /* 'BF52' */
	rsp_bytes tag_list;
	RSP_OPT(rsp_bytes, euicc_ci_pkid_to_be_used);
	RSP_OPT(struct rsp_notification_search_criteria, search_criteria_notification);
	RSP_OPT(struct rsp_epr_search_criteria, search_criteria_euicc_package_result);
	RSP_OPT(rsp_bytes, eim_transaction_id);
};

struct rsp_ipa_euicc_data {
	RSP_OPT(rsp_pending_notification_list, notifications_list);
	RSP_OPT(rsp_bytes, default_smdp_address);
	RSP_OPT(rsp_euicc_package_result_list, euicc_package_result_list);
	RSP_OPT(struct rsp_euicc_info1, euicc_info1);
	RSP_OPT(struct rsp_euicc_info2, euicc_info2);
	RSP_OPT(rsp_bytes, root_smds_address);
	RSP_OPT(int64_t, association_token);
	RSP_OPT(rsp_bytes, eum_certificate);
	RSP_OPT(rsp_bytes, euicc_certificate);
	RSP_OPT(rsp_bytes, eim_transaction_id);
	RSP_OPT(struct rsp_ipa_capabilities, ipa_capabilities);
	RSP_OPT(struct rsp_device_info, device_info);
};

enum { RSP_IPA_DATA_ERR_INCORRECT_TAG_LIST = 1, RSP_IPA_DATA_ERR_CI_PKID_NOT_FOUND = 5,
       RSP_IPA_DATA_ERR_ECALL_ACTIVE = 104, RSP_IPA_DATA_ERR_UNDEFINED = 127 };

struct rsp_transaction_error {              /* IpaEuiccDataResponseError, EimPackageResultResponseError */
	RSP_OPT(rsp_bytes, eim_transaction_id);
	int64_t error_code;
};

enum { RSP_IPA_EUICC_DATA = 1, RSP_IPA_EUICC_DATA_ERROR };
struct rsp_ipa_euicc_data_response {        /* 'BF52' */
	int choice;
	union {
		struct rsp_ipa_euicc_data data;
		struct rsp_transaction_error error;
	} u;
};

/* Profile Download Trigger */
struct rsp_contact_smds {
	RSP_OPT(rsp_bytes, smds_address);
};
enum { RSP_PDD_ACTIVATION_CODE = 1, RSP_PDD_CONTACT_DEFAULT_SMDP, RSP_PDD_CONTACT_SMDS };
struct rsp_profile_download_data {
	int choice;
	union {
		rsp_bytes activation_code;
		struct rsp_contact_smds contact_smds;
	} u;
};

struct rsp_profile_download_trigger_request {   /* 'BF54' */
	RSP_OPT(struct rsp_profile_download_data, profile_download_data);
	RSP_OPT(rsp_bytes, eim_transaction_id);
};

struct rsp_profile_download_error {
	int64_t reason;                     /* ecallActive(104), undefinedError(127) */
	RSP_OPT(rsp_bytes, error_response);
};
enum { RSP_PDT_RESULT_PIR = 1, RSP_PDT_RESULT_ERROR };
struct rsp_pdt_result_data {
	int choice;
	union {
		struct rsp_profile_installation_result pir;
		struct rsp_profile_download_error error;
	} u;
};
struct rsp_profile_download_trigger_result {    /* 'BF54' */
	RSP_OPT(rsp_bytes, eim_transaction_id);
	struct rsp_pdt_result_data result_data;
};

typedef rsp_int_list rsp_eim_acknowledgements;  /* 'BF53' */

extern const struct rsp_type rsp_t_eim_configuration_data, rsp_t_eim_configuration_data_list,
	rsp_t_psmo, rsp_t_eco, rsp_t_euicc_package, rsp_t_euicc_package_signed,
	rsp_t_euicc_package_request, rsp_t_euicc_result_data,
	rsp_t_euicc_package_result_data_signed, rsp_t_euicc_package_error_data_signed,
	rsp_t_euicc_package_result, rsp_t_euicc_package_result_list,
	rsp_t_profile_rollback_response, rsp_t_ipa_capabilities,
	rsp_t_ipa_euicc_data_request, rsp_t_ipa_euicc_data, rsp_t_ipa_euicc_data_response,
	rsp_t_transaction_error, rsp_t_profile_download_trigger_request,
	rsp_t_profile_download_trigger_result, rsp_t_eim_acknowledgements;

#endif
