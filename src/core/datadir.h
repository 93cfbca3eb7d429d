/* datadir.h -- where the files rmn ships are found: experiments, the default emotion model,
 * the bundled sample. Two places hold them: the installed data folder (RMN_DATADIR, make
 * install's pkgdatadir) and the source tree the program was built from (RMN_SRCDIR).
 * An installed program looks in the installed folder first: the one beside its executable
 * when it was moved with its tree (DESTDIR, a copied prefix: BIN/../share/rmn for the
 * configured BIN and DATADIR), then RMN_DATADIR, then the source tree. A program run from the
 * build tree (RMN_BUILDDIR) looks in the source tree first, then in the installed folder. */
#ifndef RMN_CORE_DATADIR_H
#define RMN_CORE_DATADIR_H

#include <stddef.h>

#define RMN_DATA_MAX_DIRS 3

/* rmn's cache folder (decoded data sets, tuned conv algorithms): $RMN_CACHE_DIR, else
 * $XDG_CACHE_HOME/rmn, else $HOME/.cache/rmn. RMN_ENOTFOUND when RMN_CACHE_DIR is "off" or
 * none is set; RMN_EINVAL when the name does not fit in cap. */
int rmn_cache_dir(char *buf, size_t cap);

/* The folders in the order to search: each entry is "DIR" plus whether it is a source tree
 * (where the layout differs: data/fer2013-sample.csv.xz). Returns how many (1..3). */
typedef struct {
    char path[4096];
    int  source_tree;
} rmn_data_dir;
int rmn_data_dirs(rmn_data_dir dirs[RMN_DATA_MAX_DIRS]);

/* The first of DIR/installed_rel (installed folders) or DIR/source_rel (source trees) that is
 * a readable file, in buf; NULL when none (buf then holds the last tried). */
const char *rmn_data_find(const char *installed_rel, const char *source_rel, char *buf, size_t cap);

#endif
