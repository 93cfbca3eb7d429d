/* fer_parse.h -- internal: decode one FER2013 CSV (any container libarchive reads) into a
 * dataset, streaming the bytes through libcsv. Used by fer2013.c; not part of the public API. */
#ifndef RMN_DATA_FER_PARSE_H
#define RMN_DATA_FER_PARSE_H

#include "data/fer2013.h"

/* Appends the rows of PATH to ds's splits (and class counts). fixed_split < 0: the file must
 * have a Usage column that names each row's split; otherwise every row goes to fixed_split and
 * a Usage column, if any, is ignored. On error the rows appended so far stay in ds (the caller
 * frees it) and the message names PATH and the 1-based line. */
int rmn_fer_parse_file(const char *path, int fixed_split, rmn_dataset *ds);

#endif
