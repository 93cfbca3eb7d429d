/* precision.c -- precision names (precision.h). */
#include "core/precision.h"

#include "core/error.h"

#include <string.h>

int rmn_precision_parse(const char *s, const char *what, rmn_precision *p) {
    if (s && strcmp(s, "fp32") == 0)
        *p = RMN_PRECISION_FP32;
    else if (s && strcmp(s, "bf16") == 0)
        *p = RMN_PRECISION_BF16;
    else
        return RMN_ERROR(RMN_EINVAL, "%s must be \"fp32\" or \"bf16\", not \"%s\"", what, s ? s : "(null)");
    return RMN_OK;
}

const char *rmn_precision_name(rmn_precision p) { return p == RMN_PRECISION_BF16 ? "bf16" : "fp32"; }
