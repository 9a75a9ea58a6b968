/* The ES10 functions of the software eUICC, one per request tag; each takes
 * the whole request and appends its response. Shared by euicc/es10*.c. */
#ifndef IOT_EUICC_ES10_H
#define IOT_EUICC_ES10_H

#include "euicc/internal.h"

#define EUICC_NVM_BYTES (2u * 1024 * 1024)     /* simulated profile memory */
#define EUICC_MAX_PROFILES 16

#define ES10_FN(name) iot_err name(struct euicc *e, const uint8_t *req, size_t len, \
				   struct rsp_arena *a, struct der_writer *out)

/* A copy of len bytes in the arena: results built now must not point into
 * state a later operation of the same package may change. */
const uint8_t *es10_dup(struct rsp_arena *a, const void *ptr, size_t len);
iot_err es10_decode(const struct rsp_type *t, const uint8_t *req, size_t len, void *out,
		    struct rsp_arena *arena);
iot_err es10_reply(const struct rsp_type *t, const void *resp, struct der_writer *out);
void es10_euicc_info1(struct euicc *e, struct rsp_arena *a, struct rsp_euicc_info1 *i);
void es10_euicc_info2(struct euicc *e, struct rsp_arena *a, struct rsp_euicc_info2 *i);
iot_err es10_set_default_dp(struct euicc *e, const struct rsp_bytes *address);

/* profiles.c: the state changes behind ES10c and the PSMOs; each returns the
 * spec's result code (0 ok) and leaves saving to the caller */
int euicc_enable(struct euicc *e, struct euicc_profile *p);
struct euicc_profile *euicc_enabled_profile(struct euicc *e);
iot_err euicc_switch_to(struct euicc *e, struct euicc_profile *p);
int euicc_disable(struct euicc *e, struct euicc_profile *p);
int euicc_delete(struct euicc *e, struct euicc_profile *p);
void euicc_list_profiles(struct euicc *e, const struct rsp_profile_info_list_request *q, struct rsp_arena *a,
			 struct rsp_profile_info_list_response *r);
iot_err euicc_profile_add(struct euicc *e, const uint8_t *metadata, size_t metadata_len,
			  const uint8_t *content, size_t content_len, struct euicc_profile **added);

/* notifications (notify.c) */
ES10_FN(es10b_list_notification);
ES10_FN(es10b_retrieve_notifications_list);
ES10_FN(es10b_remove_notification);

/* eIM configuration and eUICC Packages (eim.c) */
ES10_FN(es10b_add_initial_eim);
ES10_FN(es10b_get_eim_configuration_data);
ES10_FN(es10b_load_euicc_package);

/* download (download.c) */
ES10_FN(es10b_authenticate_server);
ES10_FN(es10b_prepare_download);
ES10_FN(es10b_cancel_session);
iot_err euicc_load_bpp(struct euicc *e, const uint8_t *data, size_t len, struct der_writer *out);
bool euicc_loading(const struct euicc *e);
void euicc_session_end(struct euicc *e);
iot_err euicc_report_interruption(struct euicc *e);

/* immediate enable, rollback, fallback (modes.c) */
ES10_FN(es10b_configure_immediate_enable);
ES10_FN(es10b_immediate_enable);
ES10_FN(es10b_profile_rollback);
ES10_FN(es10b_execute_fallback);
ES10_FN(es10b_return_from_fallback);
ES10_FN(es10b_enable_emergency_profile);
ES10_FN(es10b_disable_emergency_profile);
ES10_FN(es10b_get_connectivity_parameters);
ES10_FN(es10b_ipae_activation);
/* An emergency profile is enabled by the IPA (eCall): eUICC Packages wait. */
bool euicc_ecall_active(const struct euicc *e);
iot_err euicc_configure_immediate_enable(struct euicc *e,
					 const struct rsp_configure_immediate_profile_enabling_request *q);
iot_err euicc_package_result_rollback(struct euicc *e, struct rsp_arena *a, struct der_writer *out);

/* ES10c (profiles.c) */
ES10_FN(es10c_get_profiles_info);
ES10_FN(es10c_enable_profile);
ES10_FN(es10c_disable_profile);
ES10_FN(es10c_delete_profile);
ES10_FN(es10c_set_nickname);
ES10_FN(es10c_memory_reset);
ES10_FN(es10c_memory_reset22);

#endif
