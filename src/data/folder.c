/* folder.c -- image folders as data sets. */
#include "data/folder.h"

#include "core/error.h"

int rmn_folder_load(const char *dir, const rmn_dataset_options *o, rmn_dataset *out) {
    (void)o;
    (void)out;
    return RMN_ERROR(RMN_EINVAL, "%s: not yet", dir);
}
