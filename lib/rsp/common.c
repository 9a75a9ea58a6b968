/* Tables for the shared data types of common.h, written from RSPDefinitions
 * (SGP.22 v2.5) and SGP32Definitions (v1.2). Under AUTOMATIC TAGS a
 * SEQUENCE whose members carry no tag gets [0], [1], ... in order. */
#include "rsp/common.h"

#include <stddef.h>
#include <string.h>

RSP_SIZED(octet1, "Octet1", RSP_OCTETS, 0x04, 1, 1);
RSP_SIZED(octet2, "Octet2", RSP_OCTETS, 0x04, 2, 2);
RSP_SIZED(octet3, "OCTET STRING (SIZE(3))", RSP_OCTETS, 0x04, 3, 3);
RSP_SIZED(octet4, "Octet4", RSP_OCTETS, 0x04, 4, 4);
RSP_SIZED(octet8, "Octet8", RSP_OCTETS, 0x04, 8, 8);
RSP_SIZED(octet16, "Octet16", RSP_OCTETS, 0x04, 16, 16);
RSP_SIZED(octet32, "Octet32", RSP_OCTETS, 0x04, 32, 32);
RSP_SIZED(octet_to16, "OctetTo16", RSP_OCTETS, 0x04, 1, 16);
RSP_SIZED(version, "VersionType", RSP_OCTETS, 0x04, 3, 3);
RSP_SIZED(iccid, "Iccid", RSP_OCTETS, 0x5A, 10, 10);
RSP_SIZED(transaction_id, "TransactionId", RSP_OCTETS, 0x04, 1, 16);
RSP_SIZED(eim_id, "UTF8String (SIZE(1..128))", RSP_UTF8, 0x0C, 1, 128);
RSP_SIZED(utf8_64, "UTF8String (SIZE(0..64))", RSP_UTF8, 0x0C, 0, 64);
RSP_SIZED(utf8_32, "UTF8String (SIZE(0..32))", RSP_UTF8, 0x0C, 0, 32);
RSP_SIZED(utf8_255, "UTF8String (SIZE(0..255))", RSP_UTF8, 0x0C, 0, 255);
RSP_SIZED(icon, "OCTET STRING (SIZE(0..1024))", RSP_OCTETS, 0x04, 0, 1024);
RSP_SIZED(isdp_aid, "OCTET STRING (SIZE(5..16))", RSP_OCTETS, 0x04, 5, 16);
RSP_SIZED(compact_aid, "OCTET STRING (SIZE(2))", RSP_OCTETS, 0x04, 2, 2);
RSP_SIZED(octets_0_32, "OCTET STRING (SIZE(0..32))", RSP_OCTETS, 0x04, 0, 32);

RSP_SEQUENCE_OF(octets_list, "SEQUENCE OF SubjectKeyIdentifier", 0x30, rsp_t_octets, 0);
RSP_SEQUENCE_OF(version_list, "SEQUENCE OF VersionType", 0x30, rsp_t_version, 0);
RSP_SEQUENCE_OF(integer_list, "SEQUENCE OF INTEGER", 0x30, rsp_t_integer, 0);

#define S struct rsp_device_additional_feature_support
static const struct rsp_field device_additional_feature_support_f[] = {
	RSP_O(nai_support, 0x80, rsp_t_version),
};
static RSP_SEQUENCE(device_additional_feature_support, "DeviceAdditionalFeatureSupport", 0x30,
		    device_additional_feature_support_f);
#undef S

#define S struct rsp_device_capabilities
static const struct rsp_field device_capabilities_f[] = {
	RSP_O(gsm_supported_release, 0x80, rsp_t_version),
	RSP_O(utran_supported_release, 0x81, rsp_t_version),
	RSP_O(cdma2000onex_supported_release, 0x82, rsp_t_version),
	RSP_O(cdma2000hrpd_supported_release, 0x83, rsp_t_version),
	RSP_O(cdma2000ehrpd_supported_release, 0x84, rsp_t_version),
	RSP_O(eutran_epc_supported_release, 0x85, rsp_t_version),
	RSP_O(contactless_supported_release, 0x86, rsp_t_version),
	RSP_O(rsp_crl_supported_version, 0x87, rsp_t_version),
	RSP_O(nr_epc_supported_release, 0x88, rsp_t_version),
	RSP_O(nr5gc_supported_release, 0x89, rsp_t_version),
	RSP_O(eutran5gc_supported_release, 0x8A, rsp_t_version),
	RSP_O(lpa_svn, 0x8B, rsp_t_version),
	RSP_O(cat_supported_classes, 0x8C, rsp_t_bits),
	RSP_O(euicc_form_factor_type, 0x8D, rsp_t_integer),
	RSP_O(device_additional_feature_support, 0xAE, rsp_t_device_additional_feature_support),
};
RSP_SEQUENCE(device_capabilities, "DeviceCapabilities", 0x30, device_capabilities_f);
#undef S

#define S struct rsp_device_info
static const struct rsp_field device_info_f[] = {
	RSP_F(tac, 0x80, rsp_t_octet4),
	RSP_F(device_capabilities, 0xA1, rsp_t_device_capabilities),
	RSP_O(imei, 0x82, rsp_t_octet8),
};
RSP_SEQUENCE(device_info, "DeviceInfo", 0x30, device_info_f);
#undef S

#define S struct rsp_euicc_info1
static const struct rsp_field euicc_info1_f[] = {
	RSP_F(svn, 0x82, rsp_t_version),
	RSP_F(euicc_ci_pkid_list_for_verification, 0xA9, rsp_t_octets_list),
	RSP_F(euicc_ci_pkid_list_for_signing, 0xAA, rsp_t_octets_list),
};
RSP_SEQUENCE(euicc_info1, "EUICCInfo1", 0xBF20, euicc_info1_f);
#undef S

#define S struct rsp_certification_data_object
static const struct rsp_field certification_data_object_f[] = {
	RSP_F(platform_label, 0x80, rsp_t_utf8),
	RSP_F(discovery_base_url, 0x81, rsp_t_utf8),
};
RSP_SEQUENCE(certification_data_object, "CertificationDataObject", 0x30,
	     certification_data_object_f);
#undef S

#define S struct rsp_iot_specific_info
static const struct rsp_field iot_specific_info_f[] = {
	RSP_F(iot_version, 0xA0, rsp_t_version_list),
	RSP_N(ecall_supported, 0x81),
	RSP_N(fallback_supported, 0x82),
};
RSP_SEQUENCE(iot_specific_info, "IoTSpecificInfo", 0x30, iot_specific_info_f);
#undef S

#define S struct rsp_euicc_info2
#define EUICC_INFO2_SGP22_FIELDS \
	RSP_F(profile_version, 0x81, rsp_t_version), \
	RSP_F(svn, 0x82, rsp_t_version), \
	RSP_F(euicc_firmware_ver, 0x83, rsp_t_version), \
	RSP_F(ext_card_resource, 0x84, rsp_t_octets), \
	RSP_F(uicc_capability, 0x85, rsp_t_bits), \
	RSP_O(ts102241_version, 0x86, rsp_t_version), \
	RSP_O(globalplatform_version, 0x87, rsp_t_version), \
	RSP_F(rsp_capability, 0x88, rsp_t_bits), \
	RSP_F(euicc_ci_pkid_list_for_verification, 0xA9, rsp_t_octets_list), \
	RSP_F(euicc_ci_pkid_list_for_signing, 0xAA, rsp_t_octets_list), \
	RSP_O(euicc_category, 0x8B, rsp_t_integer), \
	RSP_O(forbidden_profile_policy_rules, 0x99, rsp_t_bits), \
	RSP_F(pp_version, 0x04, rsp_t_version), \
	RSP_F(sas_acreditation_number, 0x0C, rsp_t_utf8_64), \
	RSP_O(certification_data_object, 0xAC, rsp_t_certification_data_object), \
	RSP_O(tre_properties, 0x8D, rsp_t_bits), \
	RSP_O(tre_product_reference, 0x8E, rsp_t_utf8), \
	RSP_O(additional_euicc_profile_package_versions, 0xAF, rsp_t_version_list)
static const struct rsp_field sgp22_euicc_info2_f[] = {
	EUICC_INFO2_SGP22_FIELDS,
};
static const struct rsp_field euicc_info2_f[] = {
	EUICC_INFO2_SGP22_FIELDS,
	RSP_O(ipa_mode, 0x90, rsp_t_integer),
	RSP_O(euicc_ci_pkid_list_for_signing_v3, 0xB1, rsp_t_octets_list),
	RSP_O(additional_euicc_info, 0x92, rsp_t_octets_0_32),
	RSP_O(highest_svn, 0x93, rsp_t_version),
	RSP_O(iot_specific_info, 0xB4, rsp_t_iot_specific_info),
};
RSP_SEQUENCE(sgp22_euicc_info2, "EUICCInfo2", 0xBF22, sgp22_euicc_info2_f);
RSP_SEQUENCE(euicc_info2, "SGP32-EUICCInfo2", 0xBF22, euicc_info2_f);
#undef S

#define S struct rsp_operator_id
static const struct rsp_field operator_id_f[] = {
	RSP_F(mcc_mnc, 0x80, rsp_t_octet3),
	RSP_O(gid1, 0x81, rsp_t_octets),
	RSP_O(gid2, 0x82, rsp_t_octets),
};
RSP_SEQUENCE(operator_id, "OperatorId", 0x30, operator_id_f);
#undef S

#define S struct rsp_notification_configuration_information
static const struct rsp_field notification_configuration_information_f[] = {
	RSP_F(profile_management_operation, 0x80, rsp_t_bits),
	RSP_F(notification_address, 0x81, rsp_t_utf8),
};
RSP_SEQUENCE(notification_configuration_information, "NotificationConfigurationInformation",
	     0x30, notification_configuration_information_f);
#undef S
static RSP_SEQUENCE_OF(notification_config_list, "SEQUENCE OF NotificationConfigurationInformation",
		       0x30, rsp_t_notification_configuration_information, 0);

#define S struct rsp_vendor_specific_item
static const struct rsp_field vendor_specific_item_f[] = {
	RSP_F(vendor_oid, 0x80, rsp_t_oid),
	RSP_F(vendor_specific_data, 0xA1, rsp_t_any),   /* open type: explicit */
};
static RSP_SEQUENCE(vendor_specific_item, "VendorSpecificExtension item", 0x30,
		    vendor_specific_item_f);
#undef S
RSP_SEQUENCE_OF(vendor_specific_extension, "VendorSpecificExtension", 0x30,
		rsp_t_vendor_specific_item, 0);

#define S struct rsp_dp_proprietary_data
static const struct rsp_field dp_proprietary_data_f[] = {
	RSP_F(dp_oid, 0x80, rsp_t_oid),
};
RSP_SEQUENCE(dp_proprietary_data, "DpProprietaryData", 0x30, dp_proprietary_data_f);
#undef S

#define S struct rsp_profile_info
#define PROFILE_INFO_SGP22_FIELDS \
	RSP_O(iccid, 0x5A, rsp_t_iccid), \
	RSP_O(isdp_aid, 0x4F, rsp_t_octet_to16), \
	RSP_O(profile_state, 0x9F70, rsp_t_integer), \
	RSP_O(profile_nickname, 0x90, rsp_t_utf8_64), \
	RSP_O(service_provider_name, 0x91, rsp_t_utf8_32), \
	RSP_O(profile_name, 0x92, rsp_t_utf8_64), \
	RSP_O(icon_type, 0x93, rsp_t_integer), \
	RSP_O(icon, 0x94, rsp_t_icon), \
	RSP_O(profile_class, 0x95, rsp_t_integer), \
	RSP_O(notification_configuration_info, 0xB6, rsp_t_notification_config_list), \
	RSP_O(profile_owner, 0xB7, rsp_t_operator_id), \
	RSP_O(dp_proprietary_data, 0xB8, rsp_t_dp_proprietary_data), \
	RSP_O(profile_policy_rules, 0x99, rsp_t_bits), \
	RSP_O(service_specific_data_stored_in_euicc, 0xBF22, rsp_t_vendor_specific_extension)
static const struct rsp_field sgp22_profile_info_f[] = {
	PROFILE_INFO_SGP22_FIELDS,
};
static const struct rsp_field profile_info_f[] = {
	PROFILE_INFO_SGP22_FIELDS,
	RSP_O(ecall_indication, 0x9F7B, rsp_t_boolean),
	RSP_D(fallback_attribute, 0x9F26, rsp_t_boolean, 0),
	RSP_O(fallback_allowed, 0x9F67, rsp_t_boolean),
};
RSP_SEQUENCE(sgp22_profile_info, "ProfileInfo", 0xE3, sgp22_profile_info_f);
RSP_SEQUENCE(profile_info, "SGP32-ProfileInfo", 0xE3, profile_info_f);
#undef S

#define S struct rsp_store_metadata_request
#define STORE_METADATA_SGP22_FIELDS \
	RSP_F(iccid, 0x5A, rsp_t_iccid), \
	RSP_F(service_provider_name, 0x91, rsp_t_utf8_32), \
	RSP_F(profile_name, 0x92, rsp_t_utf8_64), \
	RSP_O(icon_type, 0x93, rsp_t_integer), \
	RSP_O(icon, 0x94, rsp_t_icon), \
	RSP_D(profile_class, 0x95, rsp_t_integer, RSP_CLASS_OPERATIONAL), \
	RSP_O(notification_configuration_info, 0xB6, rsp_t_notification_config_list), \
	RSP_O(profile_owner, 0xB7, rsp_t_operator_id), \
	RSP_O(profile_policy_rules, 0x99, rsp_t_bits), \
	RSP_O(service_specific_data_stored_in_euicc, 0xBF22, rsp_t_vendor_specific_extension), \
	RSP_O(service_specific_data_not_stored_in_euicc, 0xBF23, rsp_t_vendor_specific_extension)
static const struct rsp_field sgp22_store_metadata_request_f[] = {
	STORE_METADATA_SGP22_FIELDS,
};
static const struct rsp_field store_metadata_request_f[] = {
	STORE_METADATA_SGP22_FIELDS,
	RSP_O(ecall_indication, 0x9F7B, rsp_t_boolean),
	RSP_O(fallback_allowed, 0x9F67, rsp_t_boolean),
};
RSP_SEQUENCE(sgp22_store_metadata_request, "StoreMetadataRequest", 0xBF25,
	     sgp22_store_metadata_request_f);
RSP_SEQUENCE(store_metadata_request, "SGP32-StoreMetadataRequest", 0xBF25,
	     store_metadata_request_f);
#undef S

#define S struct rsp_notification_metadata
static const struct rsp_field notification_metadata_f[] = {
	RSP_F(seq_number, 0x80, rsp_t_integer),
	RSP_F(profile_management_operation, 0x81, rsp_t_bits),
	RSP_F(notification_address, 0x0C, rsp_t_utf8),
	RSP_O(iccid, 0x5A, rsp_t_iccid),
};
RSP_SEQUENCE_DER(notification_metadata, "NotificationMetadata", 0xBF2F, notification_metadata_f);
#undef S

static RSP_SEQUENCE_OF(operator_id_list, "SEQUENCE OF OperatorId", 0x30, rsp_t_operator_id, 0);

#define S struct rsp_ppar
static const struct rsp_field ppar_f[] = {
	RSP_F(ppr_ids, 0x80, rsp_t_bits),
	RSP_F(allowed_operators, 0xA1, rsp_t_operator_id_list),
	RSP_F(ppr_flags, 0x82, rsp_t_bits),
};
static RSP_SEQUENCE(ppar, "ProfilePolicyAuthorisationRule", 0x30, ppar_f);
#undef S
RSP_SEQUENCE_OF(rat, "RulesAuthorisationTable", 0x30, rsp_t_ppar, 0);

iot_err rsp_iccid_from_digits(const char *digits, uint8_t out[10])
{
	size_t n = strlen(digits);
	uint8_t nib[20];

	/* ITU-T E.118: 19 or 20 digits */
	if (n != 19 && n != 20)
		return IOT_E_ARG;
	for (size_t i = 0; i < 20; i++) {
		if (i == n) {
			nib[i] = 0xF;
			continue;
		}
		if (digits[i] < '0' || digits[i] > '9')
			return IOT_E_ARG;
		nib[i] = (uint8_t)(digits[i] - '0');
	}
	for (size_t i = 0; i < 10; i++)
		out[i] = (uint8_t)(nib[2 * i + 1] << 4 | nib[2 * i]);
	return IOT_OK;
}

void rsp_iccid_to_digits(const uint8_t iccid[10], char out[21])
{
	static const char digits[] = "0123456789ABCDEF";
	size_t o = 0;

	for (size_t i = 0; i < 10; i++) {
		uint8_t lo = iccid[i] & 15, hi = iccid[i] >> 4;

		if (lo != 0xF)
			out[o++] = digits[lo];
		if (hi != 0xF)
			out[o++] = digits[hi];
	}
	out[o] = 0;
}

const uint8_t rsp_isdp_aid_head[13] = { 0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00 };
const uint8_t rsp_sima_response_ok[9] = { 0x30, 0x07, 0xA0, 0x05, 0x30, 0x03, 0x80, 0x01, 0x00 };
