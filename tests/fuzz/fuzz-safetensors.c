/* fuzz-safetensors.c -- libFuzzer target: safetensors files (8-byte header length, JSON header,
 * data section) as rmn_st_open validates them. An accepted file is then walked the way
 * checkpoint loading does: every tensor found by name, its bytes read and converted, and
 * every metadata pair read. */
#include "fuzz-util.h"

#include "core/error.h"
#include "core/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_file(data, size, ".safetensors");
    rmn_st_file *f = NULL;
    rmn_error_clear();
    if (rmn_st_open(path, &f) != RMN_OK) {
        if (f || !rmn_error_message()[0])
            abort();
        return 0;
    }
    for (int i = 0; i < rmn_st_count(f); ++i) {
        const rmn_st_tensor *t = rmn_st_at(f, i);
        if (rmn_st_find(f, t->name) != t || t->numel < 0)
            abort();
        if (t->numel > (1 << 20))
            continue;
        size_t n = (size_t)t->numel;
        double *d = malloc((n ? n : 1) * sizeof *d);
        int64_t *k = malloc((n ? n : 1) * sizeof *k);
        if (!d || !k)
            abort();
        (void)rmn_st_copy_f64(t, d, n);
        (void)rmn_st_copy_i64(t, k, n);
        (void)rmn_st_copy_f32(t, (float *)d, n);
        const uint8_t *b = t->data;
        uint8_t sum = 0;
        for (size_t j = 0; j < t->nbytes; ++j)
            sum += b[j];
        fuzz_keep(sum);
        free(d);
        free(k);
        const rmn_st_tensor *e;
        (void)rmn_st_expect(f, t->name, t->dtype, t->ndim, t->shape, &e);
    }
    for (int i = 0; i < rmn_st_meta_count(f); ++i) {
        const char *key, *value;
        rmn_st_meta_at(f, i, &key, &value);
        if (rmn_st_meta(f, key) != value)
            abort();
    }
    rmn_st_close(f);
    return 0;
}
