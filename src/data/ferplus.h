/* ferplus.h -- FERPlus relabelling of FER2013. */
#ifndef RMN_DATA_FERPLUS_H
#define RMN_DATA_FERPLUS_H

#include "data/dataset.h"

int rmn_ferplus_apply(rmn_dataset *ds, const char *votes_path);

#endif
