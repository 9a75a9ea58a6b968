/* Everything of lib/rsp: the codec and every SGP.22 / SGP.32 message. */
#ifndef IOT_RSP_H
#define IOT_RSP_H

#include "rsp/codec.h"
#include "rsp/common.h"
#include "rsp/es10.h"
#include "rsp/es9.h"
#include "rsp/esipa.h"
#include "rsp/package.h"

/* Every exported type, NULL-terminated, and a lookup by ASN.1 name. */
extern const struct rsp_type *const rsp_all_types[];
const struct rsp_type *rsp_type_by_name(const char *name);

#endif
