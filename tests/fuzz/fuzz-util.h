/* fuzz-util.h -- what the libFuzzer targets share: the input written to a scratch file for the
 * parsers that read a path. One file per process (name with the pid and a suffix the parser may
 * look at), rewritten for each input and removed at exit. Header-only; every target includes it
 * once. */
#ifndef RMN_FUZZ_UTIL_H
#define RMN_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_path_[4096];

static inline void fuzz_remove_(void) {
    if (fuzz_path_[0])
        unlink(fuzz_path_);
}

/* Writes data to the scratch file (suffix such as ".json") and returns its path; aborts when
 * the scratch file cannot be written (a harness failure, not a finding). */
static inline const char *fuzz_file(const uint8_t *data, size_t size, const char *suffix) {
    if (!fuzz_path_[0]) {
        const char *dir = getenv("TMPDIR");
        snprintf(fuzz_path_, sizeof fuzz_path_, "%s/rmn-fuzz-%ld%s", dir && *dir ? dir : "/tmp",
                 (long)getpid(), suffix);
        atexit(fuzz_remove_);
    }
    FILE *f = fopen(fuzz_path_, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f)) {
        perror(fuzz_path_);
        abort();
    }
    return fuzz_path_;
}

/* A NUL-terminated copy of the input (caller frees). */
static inline char *fuzz_text(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    if (!s)
        abort();
    memcpy(s, data, size);
    s[size] = 0;
    return s;
}

/* Keeps a value computed from decoded bytes, so that reading every byte is not optimised out. */
static inline void fuzz_keep(double v) {
    __asm__ __volatile__("" : : "g"(v) : "memory");
}

#endif
