/* info.h -- a data set's summary (file, sha256, images per split and class) as a text table or
 * JSON; behind `rmn-data info`. */
#ifndef RMN_DATA_INFO_H
#define RMN_DATA_INFO_H

#include "data/fer2013.h"

#include <stdio.h>

/* Text: "file", "kind", "sha256" lines, then one row per split and a total row, one column per
 * class (more than 12 classes: the smallest and largest class) plus "total". JSON: {"file",
 * "kind","sha256","classes":[...],"splits":{"train":{"total":N,"per_class":[...]},...},
 * "total":{"total":N,"per_class":[...]}}. An image folder's report adds the files left out (not
 * JPEG/PNG) and, when unreadable is not NULL, its "PATH: why" lines (JSON: "unreadable": [...]).
 * RMN_EIO on a write error. */
typedef struct {
    int32_t     ignored;    /* files that are not .jpg/.jpeg/.png */
    const char *unreadable; /* "PATH: why\n" lines, or NULL */
} rmn_folder_notes;
int rmn_dataset_print_info(const rmn_dataset *ds, const rmn_folder_notes *notes, FILE *f, int json);

#endif
