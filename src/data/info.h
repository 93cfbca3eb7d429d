/* info.h -- a data set's summary (file, sha256, images per split and class) as a text table or
 * JSON; behind `rmn-data info`. */
#ifndef RMN_DATA_INFO_H
#define RMN_DATA_INFO_H

#include "data/fer2013.h"

#include <stdio.h>

/* Text: "file", "sha256" lines, then one row per split and a total row, one column per class
 * plus "total". JSON: {"file","sha256","classes":[...],"splits":{"train":{"total":N,
 * "per_class":[...]},...},"total":{"total":N,"per_class":[...]}}. RMN_EIO on a write error. */
int rmn_dataset_print_info(const rmn_dataset *ds, FILE *f, int json);

#endif
