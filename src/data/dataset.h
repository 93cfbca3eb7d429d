/* dataset.h -- a labelled image data set in memory, split into train / val / test: what training,
 * evaluation and the tools read, whatever the source (docs/DATA.md):
 *   - FER2013 (data/fer2013.h): 48x48 gray images in one Kaggle CSV (plain, .xz, .gz, the Kaggle
 *     tar.gz) or a directory of train/val/test CSVs; 7 classes; decoded into a uint8 cache;
 *   - FERPlus (data/ferplus.h): FER2013's images relabelled by crowd votes (fer2013new.csv):
 *     8 classes, majority labels, the vote distribution of each training image as a soft target;
 *   - an image folder (data/folder.h): a tree of class folders of JPEG/PNG files (ImageNet's
 *     train/val layout, CK+ or AffectNet-style exports), RGB, decoded and resized once into a
 *     cache file that is mapped, not read.
 * Images are uint8, interleaved (h, w, channels). Fixed geometry (FER2013): every image is side x
 * side; variable (folders): each its own size, found through offsets.
 *
 * Ownership: rmn_dataset_load fills a caller-owned struct whose buffers are released by
 * rmn_dataset_free; every other function borrows its arguments. */
#ifndef RMN_DATA_DATASET_H
#define RMN_DATA_DATASET_H

#include <stddef.h>
#include <stdint.h>

#define RMN_DATA_MAX_CLASSES 1000 /* as the store's evals.n_classes */

enum rmn_split { RMN_SPLIT_TRAIN = 0, RMN_SPLIT_VAL = 1, RMN_SPLIT_TEST = 2, RMN_SPLIT_COUNT = 3 };

typedef struct {
    int32_t   n;          /* images in this split */
    int       channels;   /* 1 (gray) or 3 (RGB), as the data set's */
    int       side;       /* > 0: every image is side x side, image i at pixels + i*side*side*channels;
                             0: image i at pixels + offsets[i], heights[i] x widths[i] */
    uint8_t  *pixels;
    uint64_t *offsets;    /* (n) with side 0, else NULL */
    uint16_t *heights, *widths;
    int32_t  *labels;     /* (n) class in [0, n_classes) */
    int32_t  *source_row; /* (n) FER2013: 0-based data row of the source file; folders: the
                             image's index in the data set's file list (files) */
    float    *soft;       /* (n, n_classes) target distribution per image, or NULL (FERPlus
                             train split: the crowd's votes) */
    int       max_h, max_w; /* the largest image */
} rmn_split_data;

typedef struct {
    rmn_split_data split[RMN_SPLIT_COUNT];
    int      n_classes;
    char   **class_names;   /* (n_classes) */
    int64_t  class_count[RMN_SPLIT_COUNT][RMN_DATA_MAX_CLASSES];
    char     kind[16];      /* "fer2013", "ferplus", "folder" */
    char     name[64];      /* for captions: "FER2013", "FERPlus", the folder's name */
    int      test_is_val;   /* the test split holds the val split's images (a folder without
                               test/, as ImageNet: its "test" numbers are val numbers) */
    char     sha256[65];    /* of the source's bytes (FERPlus: both files; folders: every file) */
    char    *path;          /* as given */
    const char **files;     /* folders: relative path of each image (source_row indexes it),
                               inside the map */
    int32_t  n_files;
    void    *map;           /* folders: the mapped cache file */
    size_t   map_bytes;
} rmn_dataset;

typedef struct {
    const char *ferplus; /* FERPlus votes (fer2013new.csv) relabelling a FER2013 path; NULL: none */
    int         side;    /* image folders: the cache's shorter side, > 0 (0: 256) */
    int         quiet;   /* no progress lines while a folder's cache is built */
} rmn_dataset_options;

/* Loads PATH: a FER2013 CSV or CSV directory (data/fer2013.h), relabelled by o->ferplus when
 * given (data/ferplus.h), or an image folder (data/folder.h). o may be NULL. Validates the whole
 * source before returning; RMN_OK, or an error naming the file and line (RMN_EFORMAT bad
 * content, RMN_EIO unreadable/truncated); *out zeroed on error. */
int  rmn_dataset_load(const char *path, rmn_dataset *out);
int  rmn_dataset_load_opts(const char *path, const rmn_dataset_options *o, rmn_dataset *out);
void rmn_dataset_free(rmn_dataset *ds);

/* Image i of the split: interleaved (h, w, channels) uint8. */
const uint8_t *rmn_split_image(const rmn_split_data *sp, int32_t i, int *h, int *w);

const char *rmn_split_name(int split);  /* "train", "val", "test" */
const char *rmn_split_usage(int split); /* "Training", "PublicTest", "PrivateTest" */
/* Class k's name in ds ("?" outside [0, n_classes)). */
const char *rmn_dataset_class_name(const rmn_dataset *ds, int k);
/* The class names as a JSON array text ("[\"Angry\",...]"), malloc'd (what runs record as the
 * param "classes"); NULL when out of memory. */
char *rmn_dataset_classes_json(const rmn_dataset *ds);

/* Internal to data/: sets ds's class names to a copy of names[0..n); RMN_ENOMEM. */
int  rmn_dataset_set_classes(rmn_dataset *ds, const char *const *names, int n);
/* Internal to data/: recounts class_count from the splits' labels; RMN_EFORMAT for a label
 * outside [0, n_classes). */
int  rmn_dataset_count_classes(rmn_dataset *ds);

#endif
