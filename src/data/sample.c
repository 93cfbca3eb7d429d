/* sample.c -- stratified sampling of a FER2013 data set and CSV output (see sample.h). */
#include "data/sample.h"

#include "core/error.h"
#include "core/rng.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void rmn_sample_quota(const int64_t count[RMN_FER_CLASSES], int64_t want,
                      int64_t quota[RMN_FER_CLASSES]) {
    int64_t total = 0;
    for (int c = 0; c < RMN_FER_CLASSES; ++c)
        total += count[c];
    if (want >= total || total == 0) {
        for (int c = 0; c < RMN_FER_CLASSES; ++c)
            quota[c] = count[c];
        return;
    }
    if (want < 0)
        want = 0;
    /* largest remainders: floor shares, then +1 to the biggest remainders (ties: lower class) */
    int64_t given = 0, rem[RMN_FER_CLASSES];
    for (int c = 0; c < RMN_FER_CLASSES; ++c) {
        quota[c] = want * count[c] / total;
        rem[c] = want * count[c] % total;
        given += quota[c];
    }
    while (given < want) {
        int best = -1;
        for (int c = 0; c < RMN_FER_CLASSES; ++c)
            if (quota[c] < count[c] && (best < 0 || rem[c] > rem[best]))
                best = c;
        ++quota[best];
        rem[best] = -1;
        ++given;
    }
    /* minimum per class, taken from the largest quotas that stay above their own minimum */
    for (int c = 0; c < RMN_FER_CLASSES; ++c) {
        int64_t floor_c = count[c] < RMN_SAMPLE_MIN_PER_CLASS ? count[c] : RMN_SAMPLE_MIN_PER_CLASS;
        while (quota[c] < floor_c) {
            int big = -1;
            for (int d = 0; d < RMN_FER_CLASSES; ++d) {
                int64_t floor_d = count[d] < RMN_SAMPLE_MIN_PER_CLASS ? count[d] : RMN_SAMPLE_MIN_PER_CLASS;
                if (d != c && quota[d] > floor_d && (big < 0 || quota[d] > quota[big]))
                    big = d;
            }
            if (big < 0)
                break; /* want is below the sum of minimums: keep proportional */
            --quota[big];
            ++quota[c];
        }
    }
}

static int cmp_i32(const void *a, const void *b) {
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Chooses the indices of one split into sel (sorted); returns how many. */
static int32_t choose(const rmn_split_data *sp, const int64_t count[RMN_FER_CLASSES], int64_t want,
                      rmn_rng *rng, int32_t *pool, int32_t *sel) {
    int64_t quota[RMN_FER_CLASSES];
    rmn_sample_quota(count, want, quota);
    int32_t m = 0;
    for (int c = 0; c < RMN_FER_CLASSES; ++c) {
        int32_t np = 0;
        for (int32_t i = 0; i < sp->n; ++i)
            if (sp->labels[i] == c)
                pool[np++] = i;
        for (int32_t j = 0; j < quota[c]; ++j) { /* partial Fisher-Yates */
            int32_t r = j + (int32_t)rmn_rng_below(rng, (uint64_t)(np - j));
            int32_t t = pool[j];
            pool[j] = pool[r];
            pool[r] = t;
            sel[m++] = pool[j];
        }
    }
    qsort(sel, (size_t)m, sizeof *sel, cmp_i32);
    return m;
}

int rmn_dataset_sample(const rmn_dataset *in, const int32_t want[RMN_SPLIT_COUNT], uint64_t seed,
                       rmn_dataset *out) {
    memset(out, 0, sizeof *out);
    for (int k = 0; k < RMN_SPLIT_COUNT; ++k)
        if (want[k] < 0)
            return RMN_ERROR(RMN_EINVAL, "negative sample size %d for split %s", (int)want[k],
                             rmn_split_name(k));
    if (in->split[0].side != RMN_FER_SIDE || in->split[0].channels != 1 || in->n_classes != RMN_FER_CLASSES)
        return RMN_ERROR(RMN_EINVAL, "%s: sampling needs FER2013 data (48x48 gray, 7 classes)",
                         in->path ? in->path : "data");
    rmn_rng rng;
    rmn_rng_init(&rng, seed, RMN_STREAM_SAMPLE);
    RMN_TRY(rmn_fer2013_init(out));
    out->path = in->path ? strdup(in->path) : NULL;
    for (int k = 0; k < RMN_SPLIT_COUNT; ++k) {
        const rmn_split_data *sp = &in->split[k];
        size_t cap = sp->n ? (size_t)sp->n : 1;
        int32_t *pool = malloc(cap * sizeof *pool), *sel = malloc(cap * sizeof *sel);
        rmn_split_data *o = &out->split[k];
        if (!pool || !sel) {
            free(pool);
            free(sel);
            rmn_dataset_free(out);
            return RMN_ERROR(RMN_ENOMEM, "out of memory");
        }
        int32_t m = choose(sp, in->class_count[k], want[k], &rng, pool, sel);
        size_t mm = m ? (size_t)m : 1;
        o->pixels = malloc(mm * RMN_FER_PIXELS);
        o->labels = malloc(mm * sizeof *o->labels);
        o->source_row = malloc(mm * sizeof(int32_t));
        if (!o->pixels || !o->labels || !o->source_row) {
            free(pool);
            free(sel);
            rmn_dataset_free(out);
            return RMN_ERROR(RMN_ENOMEM, "out of memory");
        }
        for (int32_t j = 0; j < m; ++j) {
            int32_t i = sel[j];
            memcpy(o->pixels + (size_t)j * RMN_FER_PIXELS, sp->pixels + (size_t)i * RMN_FER_PIXELS,
                   RMN_FER_PIXELS);
            o->labels[j] = sp->labels[i];
            o->source_row[j] = sp->source_row[i];
            ++out->class_count[k][sp->labels[i]];
        }
        o->n = m;
        free(pool);
        free(sel);
    }
    return RMN_OK;
}

int rmn_dataset_write_csv(const rmn_dataset *ds, FILE *f, const char *name) {
    /* one line: label, 2304 pixels of at most 3 digits and a space, usage */
    char line[16 + 4 * RMN_FER_PIXELS + 32];
    if (fputs("emotion,pixels,Usage\n", f) == EOF)
        return RMN_ERROR(RMN_EIO, "%s: %s", name, strerror(errno));
    for (int k = 0; k < RMN_SPLIT_COUNT; ++k) {
        const rmn_split_data *sp = &ds->split[k];
        for (int32_t i = 0; i < sp->n; ++i) {
            const uint8_t *px = sp->pixels + (size_t)i * RMN_FER_PIXELS;
            char *p = line;
            *p++ = (char)('0' + sp->labels[i]);
            *p++ = ',';
            for (int j = 0; j < RMN_FER_PIXELS; ++j) {
                unsigned v = px[j];
                if (v >= 100)
                    *p++ = (char)('0' + v / 100);
                if (v >= 10)
                    *p++ = (char)('0' + v / 10 % 10);
                *p++ = (char)('0' + v % 10);
                *p++ = ' ';
            }
            p[-1] = ',';
            p += sprintf(p, "%s\n", rmn_split_usage(k));
            if (fwrite(line, 1, (size_t)(p - line), f) != (size_t)(p - line))
                return RMN_ERROR(RMN_EIO, "%s: %s", name, strerror(errno));
        }
    }
    if (fflush(f) != 0)
        return RMN_ERROR(RMN_EIO, "%s: %s", name, strerror(errno));
    return RMN_OK;
}
