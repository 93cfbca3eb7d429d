/* folder.h -- image folders as data sets (docs/DATA.md): a tree of class folders of JPEG/PNG
 * files, decoded once into a cache file of resized RGB images that later loads map.
 *
 * Layouts of DIR:
 *   DIR/train/CLASS/..., DIR/val/CLASS/... [, DIR/test/CLASS/...]   ImageNet's; without test/
 *       the val images stand in for the test split (ds->test_is_val)
 *   DIR/CLASS/...   CK+ or AffectNet-style exports: one pool, split by the SHA-256 of each file's
 *       path relative to DIR (its first 8 hex digits as a number, mod 10: 0-7 train, 8 val,
 *       9 test), so a file's split never changes when others are added
 * A class folder holds .jpg, .jpeg and .png files (any case; sub-folders are walked; names that
 * start with '.' and other files are left out). The classes are the class folders' names (of
 * train/ in the split layout) sorted bytewise, as torchvision's ImageFolder numbers them; files
 * are taken in the same order. Refused, naming the folder: an empty class folder, a class folder
 * of val/ or test/ that train/ lacks, a tree without classes.
 *
 * The data set's digest is the SHA-256 of the lines "RELATIVE_PATH FILE_SHA256\n" of its files in
 * order. The cache ($RMN_CACHE_DIR as data/fer_cache.h, "folder-<sha of DIR's real path>-<side>
 * .imgcache") holds every image as RGB resized so that its shorter side is `side` (torchvision's
 * Resize(side): the longer side int(side * long / short); antialiased, data/resample.h), the
 * class names, the file list with each file's size and modification time, and the digest. A load
 * lists the tree and uses the cache when every file's path, size and modification time match
 * (the digest is then the cached one: files are not read again); otherwise it decodes every
 * file (OpenMP threads), all of them before failing, and names the unreadable ones. Written to a
 * temporary file and renamed; a cache that fails a check is rebuilt. */
#ifndef RMN_DATA_FOLDER_H
#define RMN_DATA_FOLDER_H

#include "data/dataset.h"

#include <stdint.h>
#include <stdio.h>

#define RMN_FOLDER_DEFAULT_SIDE 256
#define RMN_FOLDER_MAX_REPORTED 20 /* unreadable files named in an error message */

/* A tree's files before decoding: what rmn_folder_list finds. */
typedef struct {
    int      n_classes;
    char   **classes;
    int32_t  n;         /* files */
    char   **path;      /* (n) relative to DIR */
    uint8_t *split;     /* (n) */
    int32_t *label;     /* (n) */
    int64_t *size, *mtime_ns;
    int      pooled;    /* DIR/CLASS layout, split by path digest */
    int      test_is_val;
    int32_t  ignored;   /* files that are not .jpg/.jpeg/.png */
} rmn_folder_list;

/* Lists DIR (layouts above). Structural problems are RMN_EFORMAT naming the folder. */
int  rmn_folder_list_files(const char *dir, rmn_folder_list *out);
void rmn_folder_list_free(rmn_folder_list *l);
/* A data set of the listing's counts only (classes, images per split and class; no images, no
 * digest): what rmn-data info shows of a folder with unreadable files. */
int  rmn_folder_list_counts(const char *dir, const rmn_folder_list *l, rmn_dataset *out);

/* Loads DIR as a data set, through the cache at o->side (RMN_FOLDER_DEFAULT_SIDE when 0).
 * Unreadable files: RMN_EFORMAT whose message names up to RMN_FOLDER_MAX_REPORTED of them and
 * counts the rest; with `report`, every one is also written there, one "PATH: why" a line. */
int rmn_folder_load_report(const char *dir, const rmn_dataset_options *o, FILE *report, rmn_dataset *out);
int rmn_folder_load(const char *dir, const rmn_dataset_options *o, rmn_dataset *out);

#endif
