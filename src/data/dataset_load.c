/* dataset_load.c -- loading a data set by its kind of source (dataset.h): an image folder
 * (folder.c), else a FER2013 CSV or pre-split folder (fer2013.c), relabelled by FERPlus's votes
 * when asked (ferplus.c). It sits above the loaders, which call only dataset.c below them. */
#include "data/dataset.h"

#include "core/error.h"
#include "data/fer2013.h"
#include "data/ferplus.h"
#include "data/folder.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

int rmn_dataset_load(const char *path, rmn_dataset *out) { return rmn_dataset_load_opts(path, NULL, out); }

int rmn_dataset_load_opts(const char *path, const rmn_dataset_options *o, rmn_dataset *out) {
    memset(out, 0, sizeof *out);
    if (!path || !*path)
        return RMN_ERROR(RMN_EINVAL, "no data set path given");
    struct stat st;
    if (stat(path, &st) != 0)
        return RMN_ERROR(RMN_EIO, "%s: %s", path, strerror(errno));
    const char *ferplus = o ? o->ferplus : NULL;
    if (S_ISDIR(st.st_mode) && !rmn_fer2013_is_dir(path)) {
        if (ferplus)
            return RMN_ERROR(RMN_EINVAL, "%s: FERPlus labels relabel a FER2013 CSV, not an image folder", path);
        return rmn_folder_load(path, o, out);
    }
    RMN_TRY(rmn_fer2013_load(path, out));
    int rc = ferplus ? rmn_ferplus_apply(out, ferplus) : RMN_OK;
    if (rc != RMN_OK)
        rmn_dataset_free(out);
    return rc;
}
