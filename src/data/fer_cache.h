/* fer_cache.h -- the decode cache of FER2013 data sets: a binary file of uint8 pixels, labels
 * and source rows, named by the source's sha256, so that a data set is parsed only once.
 *
 * Location: $RMN_CACHE_DIR, else $XDG_CACHE_HOME/rmn, else $HOME/.cache/rmn; RMN_CACHE_DIR=off
 * disables it. File "<sha256>.fercache", layout (native byte order, checked by a marker):
 *   magic "RMNFERC\0", u32 version, u32 endian marker 0x01020304, u32 pixels per image,
 *   i32 n[3], char source_sha256[64]                   (96 bytes)
 *   per split: labels u8[n], source rows i32[n], pixels u8[n*2304]
 *   sha256 hex (64 bytes) of everything before it.
 * Written to a temporary file in the same directory and renamed (atomic). A cache that fails any
 * check is never trusted. Internal to the data module and its tests. */
#ifndef RMN_DATA_FER_CACHE_H
#define RMN_DATA_FER_CACHE_H

#include "data/fer2013.h"

#define RMN_FER_CACHE_VERSION 1

/* The cache directory; RMN_ENOTFOUND when caching is disabled or no directory can be named,
 * RMN_EINVAL when cap is too small. */
int rmn_fer_cache_dir(char *buf, size_t cap);
/* Creates dir and its parents as needed (for every cache of the data module). */
int rmn_fer_cache_make_dir(const char *dir);
/* The cache file for a source digest (directory from rmn_fer_cache_dir). */
int rmn_fer_cache_file(const char *sha256, char *buf, size_t cap);
/* Reads FILE into ds's splits and class counts, checking every field, the size, the source
 * digest ds->sha256 and the checksum. RMN_ENOTFOUND: no such file; RMN_EFORMAT: invalid
 * (message says why); ds's splits are untouched on failure. */
int rmn_fer_cache_read(const char *file, rmn_dataset *ds);
/* Writes ds (its sha256 names the source) to FILE atomically (creating the directory). */
int rmn_fer_cache_write(const char *file, const rmn_dataset *ds);

#endif
