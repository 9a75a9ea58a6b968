/* Data types shared by many RSP messages (SGP.22 RSPDefinitions and the
 * SGP.32 variants): sized strings, versions, device and eUICC information,
 * profile metadata, notification metadata. */
#ifndef IOT_RSP_COMMON_H
#define IOT_RSP_COMMON_H

#include "rsp/codec.h"

/* An OPTIONAL member: its presence flag and its value. */
#define RSP_OPT(T, m) bool has_##m; T m

typedef struct rsp_bytes rsp_bytes;

/* Sized basic types (SGP.22 2.x: Octet1 ... Octet32, VersionType, Iccid, ...). */
extern const struct rsp_type rsp_t_octet1, rsp_t_octet2, rsp_t_octet3, rsp_t_octet4,
	rsp_t_octet8, rsp_t_octet16, rsp_t_octet32, rsp_t_octet_to16, rsp_t_version,
	rsp_t_iccid, rsp_t_transaction_id, rsp_t_eim_id, rsp_t_utf8_64, rsp_t_utf8_32,
	rsp_t_utf8_255, rsp_t_icon, rsp_t_isdp_aid, rsp_t_compact_aid, rsp_t_octets_0_32;

/* SEQUENCE OF SubjectKeyIdentifier / VersionType / INTEGER */
typedef RSP_LIST(struct rsp_bytes) rsp_bytes_list;
typedef RSP_LIST(int64_t) rsp_int_list;
extern const struct rsp_type rsp_t_octets_list, rsp_t_version_list, rsp_t_integer_list;

/* NotificationEvent ::= BIT STRING */
enum {
	RSP_NOTIFY_INSTALL = 1 << 0,
	RSP_NOTIFY_ENABLE = 1 << 1,
	RSP_NOTIFY_DISABLE = 1 << 2,
	RSP_NOTIFY_DELETE = 1 << 3,
};

/* RspCapability, PprIds, ipaMode and other enumerations are used as plain
 * integers / bit masks with these names. */
enum { RSP_PPR_UPDATE_CONTROL = 1 << 0, RSP_PPR1 = 1 << 1, RSP_PPR2 = 1 << 2 };
enum { RSP_PROFILE_DISABLED = 0, RSP_PROFILE_ENABLED = 1 };
enum { RSP_CLASS_TEST = 0, RSP_CLASS_PROVISIONING = 1, RSP_CLASS_OPERATIONAL = 2 };
enum { RSP_ICON_JPG = 0, RSP_ICON_PNG = 1 };

struct rsp_device_additional_feature_support {
	RSP_OPT(rsp_bytes, nai_support);
};

struct rsp_device_capabilities {
	RSP_OPT(rsp_bytes, gsm_supported_release);
	RSP_OPT(rsp_bytes, utran_supported_release);
	RSP_OPT(rsp_bytes, cdma2000onex_supported_release);
	RSP_OPT(rsp_bytes, cdma2000hrpd_supported_release);
	RSP_OPT(rsp_bytes, cdma2000ehrpd_supported_release);
	RSP_OPT(rsp_bytes, eutran_epc_supported_release);
	RSP_OPT(rsp_bytes, contactless_supported_release);
	RSP_OPT(rsp_bytes, rsp_crl_supported_version);
	RSP_OPT(rsp_bytes, nr_epc_supported_release);
	RSP_OPT(rsp_bytes, nr5gc_supported_release);
	RSP_OPT(rsp_bytes, eutran5gc_supported_release);
	RSP_OPT(rsp_bytes, lpa_svn);
	RSP_OPT(uint64_t, cat_supported_classes);
	RSP_OPT(int64_t, euicc_form_factor_type);
	RSP_OPT(struct rsp_device_additional_feature_support, device_additional_feature_support);
};

struct rsp_device_info {
	rsp_bytes tac;                          /* Octet4 */
	struct rsp_device_capabilities device_capabilities;
	RSP_OPT(rsp_bytes, imei);               /* Octet8 */
};

/* EUICCInfo1 ('BF20') */
struct rsp_euicc_info1 {
	rsp_bytes svn;
	rsp_bytes_list euicc_ci_pkid_list_for_verification;
	rsp_bytes_list euicc_ci_pkid_list_for_signing;
};

struct rsp_certification_data_object {
	rsp_bytes platform_label;
	rsp_bytes discovery_base_url;
};

/* SGP.32 IoTSpecificInfo */
struct rsp_iot_specific_info {
	rsp_bytes_list iot_version;
	bool ecall_supported;                   /* NULL OPTIONAL */
	bool fallback_supported;                /* NULL OPTIONAL */
};

/* EUICCInfo2 ('BF22'): the SGP.32 form (SGP32-EUICCInfo2); the SGP.22 form
 * is the same struct with the SGP.32 members absent. */
struct rsp_euicc_info2 {
	rsp_bytes profile_version;
	rsp_bytes svn;
	rsp_bytes euicc_firmware_ver;
	rsp_bytes ext_card_resource;
	uint64_t uicc_capability;
	RSP_OPT(rsp_bytes, ts102241_version);
	RSP_OPT(rsp_bytes, globalplatform_version);
	uint64_t rsp_capability;
	rsp_bytes_list euicc_ci_pkid_list_for_verification;
	rsp_bytes_list euicc_ci_pkid_list_for_signing;
	RSP_OPT(int64_t, euicc_category);
	RSP_OPT(uint64_t, forbidden_profile_policy_rules);
	rsp_bytes pp_version;
	rsp_bytes sas_acreditation_number;
	RSP_OPT(struct rsp_certification_data_object, certification_data_object);
	RSP_OPT(uint64_t, tre_properties);
	RSP_OPT(rsp_bytes, tre_product_reference);
	RSP_OPT(rsp_bytes_list, additional_euicc_profile_package_versions);
	/* SGP.32 additions */
	RSP_OPT(int64_t, ipa_mode);
	RSP_OPT(rsp_bytes_list, euicc_ci_pkid_list_for_signing_v3);
	RSP_OPT(rsp_bytes, additional_euicc_info);
	RSP_OPT(rsp_bytes, highest_svn);
	RSP_OPT(struct rsp_iot_specific_info, iot_specific_info);
};

enum { RSP_IPA_MODE_IPAD = 0, RSP_IPA_MODE_IPAE = 1 };

struct rsp_operator_id {
	rsp_bytes mcc_mnc;                      /* OCTET STRING (SIZE(3)) */
	RSP_OPT(rsp_bytes, gid1);
	RSP_OPT(rsp_bytes, gid2);
};

struct rsp_notification_configuration_information {
	uint64_t profile_management_operation;  /* NotificationEvent */
	rsp_bytes notification_address;
};

struct rsp_vendor_specific_item {
	rsp_bytes vendor_oid;
	rsp_bytes vendor_specific_data;         /* open type, whole TLV */
};
typedef RSP_LIST(struct rsp_vendor_specific_item) rsp_vendor_specific_extension;

struct rsp_dp_proprietary_data {
	rsp_bytes dp_oid;
};

typedef RSP_LIST(struct rsp_notification_configuration_information) rsp_notification_config_list;
typedef RSP_LIST(struct rsp_operator_id) rsp_operator_id_list;

/* ProfileInfo ('E3'): the SGP.32 form; the SGP.22 form lacks the last three. */
struct rsp_profile_info {
	RSP_OPT(rsp_bytes, iccid);
	RSP_OPT(rsp_bytes, isdp_aid);
	RSP_OPT(int64_t, profile_state);
	RSP_OPT(rsp_bytes, profile_nickname);
	RSP_OPT(rsp_bytes, service_provider_name);
	RSP_OPT(rsp_bytes, profile_name);
	RSP_OPT(int64_t, icon_type);
	RSP_OPT(rsp_bytes, icon);
	RSP_OPT(int64_t, profile_class);
	RSP_OPT(rsp_notification_config_list, notification_configuration_info);
	RSP_OPT(struct rsp_operator_id, profile_owner);
	RSP_OPT(struct rsp_dp_proprietary_data, dp_proprietary_data);
	RSP_OPT(uint64_t, profile_policy_rules);
	RSP_OPT(rsp_vendor_specific_extension, service_specific_data_stored_in_euicc);
	RSP_OPT(bool, ecall_indication);
	bool fallback_attribute;                /* DEFAULT FALSE */
	RSP_OPT(bool, fallback_allowed);
};

/* StoreMetadataRequest ('BF25'): the SGP.32 form (SGP32-StoreMetadataRequest);
 * the SGP.22 form lacks ecallIndication and fallbackAllowed. */
struct rsp_store_metadata_request {
	rsp_bytes iccid;
	rsp_bytes service_provider_name;
	rsp_bytes profile_name;
	RSP_OPT(int64_t, icon_type);
	RSP_OPT(rsp_bytes, icon);
	int64_t profile_class;                  /* DEFAULT operational */
	RSP_OPT(rsp_notification_config_list, notification_configuration_info);
	RSP_OPT(struct rsp_operator_id, profile_owner);
	RSP_OPT(uint64_t, profile_policy_rules);
	RSP_OPT(rsp_vendor_specific_extension, service_specific_data_stored_in_euicc);
	RSP_OPT(rsp_vendor_specific_extension, service_specific_data_not_stored_in_euicc);
	RSP_OPT(bool, ecall_indication);
	RSP_OPT(bool, fallback_allowed);
};

/* NotificationMetadata ('BF2F') */
struct rsp_notification_metadata {
	rsp_bytes der;                          /* as decoded: the signed bytes */
	int64_t seq_number;
	uint64_t profile_management_operation;
	rsp_bytes notification_address;
	RSP_OPT(rsp_bytes, iccid);
};

/* RulesAuthorisationTable */
struct rsp_ppar {
	uint64_t ppr_ids;
	rsp_operator_id_list allowed_operators;
	uint64_t ppr_flags;
};
typedef RSP_LIST(struct rsp_ppar) rsp_rat;

extern const struct rsp_type rsp_t_device_info, rsp_t_device_capabilities,
	rsp_t_euicc_info1, rsp_t_euicc_info2, rsp_t_sgp22_euicc_info2,
	rsp_t_iot_specific_info, rsp_t_operator_id, rsp_t_notification_configuration_information,
	rsp_t_vendor_specific_extension, rsp_t_dp_proprietary_data, rsp_t_profile_info,
	rsp_t_sgp22_profile_info, rsp_t_store_metadata_request, rsp_t_sgp22_store_metadata_request,
	rsp_t_notification_metadata, rsp_t_rat, rsp_t_certification_data_object;

/* ICCIDs as printed (19 or 20 digits, ES2+) and as coded in Iccid / EF.ICCID
 * (10 bytes, digits in swapped nibbles, 'F' padding). IOT_E_ARG for
 * anything else. */
iot_err rsp_iccid_from_digits(const char *digits, uint8_t out[10]);
void rsp_iccid_to_digits(const uint8_t iccid[10], char out[21]);

/* SGP.22 ISD-P AIDs are A0000005591010FFFFFFFF8900 xx xx 00: these first 13
 * bytes, and byte 16 zero (SGP.32 compactAid carries bytes 14 and 15). */
extern const uint8_t rsp_isdp_aid_head[13];
/* The simaResponse of an installation where every profile element was
 * processed: EUICCResponse { peStatus { status ok } } (SGP.32
 * CompactSuccessResult leaves out exactly this value). */
extern const uint8_t rsp_sima_response_ok[9];

#endif
