/* Field tables es10.c and es10_manage.c share (internal to lib/rsp). */
#ifndef IOT_RSP_ES10_FIELDS_H
#define IOT_RSP_ES10_FIELDS_H

#include "rsp/codec.h"

/* [0] result INTEGER; [0] refreshFlag BOOLEAN; [0] and [2] a BIT STRING */
extern const struct rsp_field es10_result_f[1], es10_refresh_flag_f[1], es10_bits80_f[1], es10_bits82_f[1];

#endif
