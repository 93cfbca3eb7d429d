/* folder_cache.h -- the decode cache of image folders (folder.h says what it holds and when it is
 * used). Internal to the data module and its tests.
 *
 * File layout (native byte order, checked by a marker):
 *   header (256 bytes): magic "RMNIMGC\0", u32 version, endian marker 0x01020304, side, channels
 *     (3), n_classes, n_files, pooled, test_is_val; u64 offset and bytes of the pixels, names and
 *     index sections; the data set's SHA-256 (64 hex); the SHA-256 of the names and index sections
 *   pixels: every image, (h, w, 3) uint8, one after another
 *   names:  the class names, then the files' relative paths, each NUL-terminated (then NULs up to
 *           an 8-byte boundary)
 *   index:  per file {u64 offset in pixels, i64 size, i64 mtime_ns, i32 label, u16 h, u16 w,
 *           u8 split, 7 bytes 0}
 * The pixels are not checksummed (a file is renamed into place only when whole); the rest is. */
#ifndef RMN_DATA_FOLDER_CACHE_H
#define RMN_DATA_FOLDER_CACHE_H

#include "data/folder.h"

#define RMN_FOLDER_CACHE_VERSION 1

/* The cache file of DIR at a side; RMN_ENOTFOUND when caching is disabled (RMN_CACHE_DIR=off) or
 * no directory can be named. */
int rmn_folder_cache_file(const char *dir, int side, char *buf, size_t cap);

/* Fills out from the cache of DIR at side when it matches the listing l, else decodes every file
 * of l into a new cache first (progress on stderr unless quiet; unreadable files as
 * rmn_folder_load_report says). */
int rmn_folder_cache_load(const char *dir, const rmn_folder_list *l, int side, int quiet, FILE *report,
                          rmn_dataset *out);

#endif
