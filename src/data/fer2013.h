/* fer2013.h -- the FER2013 data set (data/dataset.h holds the data set in memory): reading the
 * Kaggle CSV (plain, .xz, .gz, the Kaggle fer2013.tar.gz, or a directory of pre-split
 * train/val/test CSVs), split by Usage, with a uint8 decode cache keyed by the source's sha256.
 * Images are 48x48 gray (channels 1, side 48); 7 classes: Angry Disgust Fear Happy Sad Surprise
 * Neutral. */
#ifndef RMN_DATA_FER2013_H
#define RMN_DATA_FER2013_H

#include "data/dataset.h"

#include <stddef.h>
#include <stdint.h>

#define RMN_FER_SIDE 48
#define RMN_FER_PIXELS 2304
#define RMN_FER_CLASSES 7

/* Loads PATH: a Kaggle-format CSV (emotion,pixels,Usage), compressed with any filter libarchive
 * reads (.xz, .gz, ...), the Kaggle tar.gz (member fer2013.csv), or a directory holding
 * train.csv, val.csv, test.csv (each possibly .xz/.gz; header emotion,pixels). For a directory,
 * sha256 is the digest of the text "train <hex>\nval <hex>\ntest <hex>\n" of its three files.
 * Uses and refreshes the decode cache (see data/fer_cache.h). rmn_dataset_load calls it. */
int rmn_fer2013_load(const char *path, rmn_dataset *out);
/* 1 when the directory PATH holds FER2013's train.csv (or .csv.xz, .csv.gz). */
int rmn_fer2013_is_dir(const char *path);
/* FER2013 geometry and classes on a zeroed data set (channels, side, names, kind, name). */
int rmn_fer2013_init(rmn_dataset *ds);

const char *rmn_class_name(int label);  /* FER2013's: "Angry", ... "Neutral" */

/* The bundled sample: $RMN_SAMPLE if set, else fer2013-sample.csv.xz in the installed data
 * folder or data/fer2013-sample.csv.xz in the source tree, whichever core/datadir.h finds
 * first (the last one tried when neither exists, for the error message).
 * RMN_EINVAL when cap is too small. */
int rmn_dataset_default_path(char *buf, size_t cap);

#endif
