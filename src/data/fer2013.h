/* fer2013.h -- the FER2013 data set in memory: reading the Kaggle CSV (plain, .xz, .gz, the
 * Kaggle fer2013.tar.gz, or a directory of pre-split train/val/test CSVs), split by Usage, with a
 * uint8 decode cache keyed by the source's sha256.
 *
 * Ownership: rmn_dataset_load fills a caller-owned struct whose buffers are released by
 * rmn_dataset_free; every other function borrows its arguments. */
#ifndef RMN_DATA_FER2013_H
#define RMN_DATA_FER2013_H

#include <stddef.h>
#include <stdint.h>

#define RMN_FER_SIDE 48
#define RMN_FER_PIXELS 2304
#define RMN_FER_CLASSES 7

enum rmn_split { RMN_SPLIT_TRAIN = 0, RMN_SPLIT_VAL = 1, RMN_SPLIT_TEST = 2, RMN_SPLIT_COUNT = 3 };

typedef struct {
    int32_t  n;          /* images in this split */
    uint8_t *pixels;     /* (n, 48, 48) row-major gray */
    uint8_t *labels;     /* (n) 0..6: Angry Disgust Fear Happy Sad Surprise Neutral */
    int32_t *source_row; /* (n) 0-based data-row index in the source file */
} rmn_split_data;

typedef struct {
    rmn_split_data split[RMN_SPLIT_COUNT];
    int64_t class_count[RMN_SPLIT_COUNT][RMN_FER_CLASSES];
    char     sha256[65]; /* of the source file's bytes as given (hex) */
    char    *path;       /* as given */
} rmn_dataset;

/* Loads PATH: a Kaggle-format CSV (emotion,pixels,Usage), compressed with any filter libarchive
 * reads (.xz, .gz, ...), the Kaggle tar.gz (member fer2013.csv), or a directory holding
 * train.csv, val.csv, test.csv (each possibly .xz/.gz; header emotion,pixels). For a directory,
 * sha256 is the digest of the text "train <hex>\nval <hex>\ntest <hex>\n" of its three files.
 * Uses and refreshes the decode cache (see data/fer_cache.h). RMN_OK, or an error naming the
 * file and line (RMN_EFORMAT bad content, RMN_EIO unreadable/truncated); *out zeroed on error. */
int  rmn_dataset_load(const char *path, rmn_dataset *out);
void rmn_dataset_free(rmn_dataset *ds);

const char *rmn_split_name(int split);  /* "train", "val", "test" */
const char *rmn_split_usage(int split); /* "Training", "PublicTest", "PrivateTest" */
const char *rmn_class_name(int label);  /* "Angry", ... "Neutral" */

/* The bundled sample: $RMN_SAMPLE if set, else fer2013-sample.csv.xz in the installed data
 * folder or data/fer2013-sample.csv.xz in the source tree, whichever core/datadir.h finds
 * first (the last one tried when neither exists, for the error message).
 * RMN_EINVAL when cap is too small. */
int rmn_dataset_default_path(char *buf, size_t cap);

#endif
