/* IPA eUICC Data Requests (SGP.32 3.5): what the eIM asks of the eUICC by
 * tag list, gathered by ES10 calls and answered as IpaEuiccData, by poll or
 * by push. */
#include "ipacore/internal.h"

#include <stdlib.h>
#include <string.h>

#include "base/log.h"

static iot_err data_item(struct ipa *ipa, uint32_t tag, const struct rsp_ipa_euicc_data_request *q,
			 struct rsp_ipa_euicc_data *d, struct rsp_arena *a)
{
	struct rsp_retrieve_notifications_list_request rq = { 0 };
	struct rsp_retrieve_notifications_list_response rr;
	struct rsp_euicc_configured_addresses_response addr;
	struct rsp_get_certs_request cq = { 0 };
	struct rsp_get_certs_response cr;
	iot_err err;

	switch (tag) {
	case 0xA0:              /* notificationsList, as the search criteria ask */
		if (q->has_search_criteria_notification) {
			rq.has_search_criteria = true;
			rq.search_criteria = q->search_criteria_notification;
		}
		if ((err = ipa_es10_struct(ipa, &rsp_t_retrieve_notifications_list_request, &rq,
					   &rsp_t_retrieve_notifications_list_response, &rr, a)) != IOT_OK)
			return err;
		d->has_notifications_list = true;
		if (rr.choice == RSP_RETRIEVE_NOTIF_LIST)
			d->notifications_list = rr.u.notification_list;
		return IOT_OK;
	case 0xA2:              /* euiccPackageResultList */
		if ((err = ipa_retrieve(ipa, true, &rr, a)) != IOT_OK)
			return err;
		d->has_euicc_package_result_list = true;
		if (rr.choice != RSP_RETRIEVE_NOTIF_EPR_LIST)
			return IOT_OK;
		d->euicc_package_result_list = rr.u.euicc_package_result_list;
		if (q->has_search_criteria_euicc_package_result) {
			size_t kept = 0;

			for (size_t i = 0; i < rr.u.euicc_package_result_list.count; i++) {
				const struct rsp_euicc_package_result *e = &rr.u.euicc_package_result_list.items[i];

				if (e->choice == RSP_EPR_RESULT_SIGNED &&
				    e->u.result_signed.data.seq_number == q->search_criteria_euicc_package_result.u.seq_number)
					d->euicc_package_result_list.items[kept++] = *e;
			}
			d->euicc_package_result_list.count = kept;
		}
		return IOT_OK;
	case 0x81:              /* defaultSmdpAddress */
	case 0x83:              /* rootSmdsAddress */
		if ((err = ipa_es10_struct(ipa, &rsp_t_euicc_configured_addresses_request, &(struct rsp_empty){ 0 },
					   &rsp_t_euicc_configured_addresses_response, &addr, a)) != IOT_OK)
			return err;
		if (tag == 0x81) {
			d->has_default_smdp_address = addr.has_default_dp_address;
			d->default_smdp_address = addr.default_dp_address;
		} else {
			d->has_root_smds_address = true;
			d->root_smds_address = addr.root_ds_address;
		}
		return IOT_OK;
	case 0xBF20:
		d->has_euicc_info1 = true;
		return ipa_es10_struct(ipa, &rsp_t_get_euicc_info1_request, &(struct rsp_empty){ 0 }, &rsp_t_euicc_info1,
				       &d->euicc_info1, a);
	case 0xBF22:
		d->has_euicc_info2 = true;
		return ipa_es10_struct(ipa, &rsp_t_get_euicc_info2_request, &(struct rsp_empty){ 0 }, &rsp_t_euicc_info2,
				       &d->euicc_info2, a);
	case 0x84: {            /* associationToken: from this eIM's configuration */
		struct rsp_get_eim_configuration_data_request eq = { .has_search_criteria = true };
		struct rsp_get_eim_configuration_data_response er;

		eq.search_criteria.choice = RSP_EIM_SEARCH_EIM_ID;
		eq.search_criteria.u.eim_id = RSP_BYTES(ipa->eim.id, strlen(ipa->eim.id));
		if ((err = ipa_es10_struct(ipa, &rsp_t_get_eim_configuration_data_request, &eq,
					   &rsp_t_get_eim_configuration_data_response, &er, a)) != IOT_OK)
			return err;
		if (er.eim_configuration_data_list.count && er.eim_configuration_data_list.items[0].has_association_token) {
			d->has_association_token = true;
			d->association_token = er.eim_configuration_data_list.items[0].association_token;
		}
		return IOT_OK;
	}
	case 0xA5:
	case 0xA6:              /* the certificates, for the CI the eIM names */
		cq.has_euicc_ci_pkid = q->has_euicc_ci_pkid_to_be_used;
		cq.euicc_ci_pkid = q->euicc_ci_pkid_to_be_used;
		if ((err = ipa_es10_struct(ipa, &rsp_t_get_certs_request, &cq, &rsp_t_get_certs_response, &cr, a)) != IOT_OK)
			return err;
		if (cr.choice != RSP_GET_CERTS_OK)
			return IOT_E_NOT_FOUND;
		if (tag == 0xA5) {
			d->has_eum_certificate = true;
			d->eum_certificate = cr.u.certs.eum_certificate;
		} else {
			d->has_euicc_certificate = true;
			d->euicc_certificate = cr.u.certs.euicc_certificate;
		}
		return IOT_OK;
	case 0xA8:
		d->has_ipa_capabilities = true;
		/* what this IPA does: indirect download, direct when it can reach SM-DP+s,
		 * triggers whose download data the eIM holds, compact messages when told */
		d->ipa_capabilities.ipa_features = RSP_IPA_INDIRECT_RSP_SERVER_COMMUNICATION |
						   RSP_IPA_EIM_DOWNLOAD_DATA_HANDLING |
						   (ipa->p.es9 ? RSP_IPA_DIRECT_RSP_SERVER_COMMUNICATION : 0) |
						   (ipa->cfg.minimize_esipa_bytes ? RSP_IPA_MINIMIZE_ESIPA_BYTES : 0);
		d->ipa_capabilities.has_ipa_supported_protocols = true;
		d->ipa_capabilities.ipa_supported_protocols = RSP_PROTO_RETRIEVE_HTTPS | RSP_PROTO_RETRIEVE_COAPS |
							      (ipa->cfg.inject_https ? RSP_PROTO_INJECT_HTTPS : 0) |
							      (ipa->cfg.inject_coaps ? RSP_PROTO_INJECT_COAPS : 0);
		return IOT_OK;
	case 0xA9:
		d->has_device_info = true;
		ipa_device_info(ipa, &d->device_info);
		return IOT_OK;
	default:
		return IOT_E_ASN1_TAG;
	}
}

iot_err ipa_collect_data(struct ipa *ipa, const struct rsp_ipa_euicc_data_request *q,
			 struct rsp_ipa_euicc_data_response *resp)
{
	struct rsp_ipa_euicc_data *d = &resp->u.data;
	struct der_reader r;
	iot_err err = IOT_OK;
	int64_t code = 0;

	ipa->stats.data_requests++;
	resp->choice = RSP_IPA_EUICC_DATA;
	/* SGP.32 5.x IpaEuiccDataRequest: tagList names the IpaEuiccData members wanted */
	der_reader_init(&r, q->tag_list.ptr, q->tag_list.len);
	while (!code && r.p < r.end) {
		uint32_t tag = *r.p++;

		if ((tag & 0x1F) == 0x1F) {     /* a multi-byte tag ('BF20', 'BF22') */
			if (r.p >= r.end) {
				code = RSP_IPA_DATA_ERR_INCORRECT_TAG_LIST;
				break;
			}
			tag = tag << 8 | *r.p++;
		}
		err = data_item(ipa, tag, q, d, &ipa->arena);
		if (err == IOT_E_ASN1_TAG)
			code = RSP_IPA_DATA_ERR_INCORRECT_TAG_LIST;
		else if (err == IOT_E_NOT_FOUND && (tag == 0xA5 || tag == 0xA6))
			code = RSP_IPA_DATA_ERR_CI_PKID_NOT_FOUND;
		else if (err != IOT_OK)
			return err;
	}
	if (q->has_eim_transaction_id) {
		d->has_eim_transaction_id = true;
		d->eim_transaction_id = q->eim_transaction_id;
	}
	if (code) {
		/* SGP.32: IpaEuiccDataResponseError */
		resp->choice = RSP_IPA_EUICC_DATA_ERROR;
		resp->u.error = (struct rsp_transaction_error){ .has_eim_transaction_id = q->has_eim_transaction_id,
								 .eim_transaction_id = q->eim_transaction_id,
								 .error_code = code };
	}
	return IOT_OK;
}

iot_err ipa_execute_data_request(struct ipa *ipa, const struct rsp_ipa_euicc_data_request *q)
{
	struct rsp_eim_package_result res = { .choice = RSP_EIM_RESULT_IPA_EUICC_DATA };
	iot_err err = ipa_collect_data(ipa, q, &res.u.ipa_euicc_data_response);

	return err == IOT_OK ? ipa_provide_result(ipa, &res) : err;
}

