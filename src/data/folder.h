/* folder.h -- image folders as data sets (docs/DATA.md). */
#ifndef RMN_DATA_FOLDER_H
#define RMN_DATA_FOLDER_H

#include "data/dataset.h"

int rmn_folder_load(const char *dir, const rmn_dataset_options *o, rmn_dataset *out);

#endif
