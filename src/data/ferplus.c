/* ferplus.c -- FERPlus. */
#include "data/ferplus.h"

#include "core/error.h"

int rmn_ferplus_apply(rmn_dataset *ds, const char *votes_path) {
    (void)ds;
    return RMN_ERROR(RMN_EINVAL, "%s: not yet", votes_path);
}
