/* batch.c -- filling (n, C, S, S) float batches from a split (see batch.h). */
#include "data/batch.h"

#include "core/error.h"

#include <string.h>

size_t rmn_batch_scratch_floats(const rmn_batch_spec *spec) {
    size_t s = (size_t)spec->size;
    return RMN_FER_PIXELS + s * s; /* the 48x48 float image, then the resized one */
}

void rmn_batch_image(float *out, float *scratch, const uint8_t *pixels, const rmn_batch_spec *spec,
                     rmn_rng *rng) {
    const int s = spec->size;
    const size_t plane = (size_t)s * s;
    float *g = scratch, *r = scratch + RMN_FER_PIXELS;
    for (int i = 0; i < RMN_FER_PIXELS; ++i)
        g[i] = (float)pixels[i] * (1.0f / 255.0f);
    const float *img = g;
    if (s != RMN_FER_SIDE) {
        rmn_image_resize(r, s, s, g, RMN_FER_SIDE, RMN_FER_SIDE);
        img = r;
    }
    if (spec->augment) {
        rmn_augment(out, img, s, s, spec->augment, rng);
    } else {
        memcpy(out, img, plane * sizeof *out);
    }
    for (int c = 1; c < spec->channels; ++c)
        memcpy(out + (size_t)c * plane, out, plane * sizeof *out);
}

int rmn_batch_fill(float *x, int32_t *labels, float *scratch, const rmn_split_data *split,
                   const int32_t *idx, int n, const rmn_batch_spec *spec, rmn_rng *rng) {
    if (spec->size < 1 || spec->channels < 1 || n < 0)
        return RMN_ERROR(RMN_EINVAL, "bad batch spec: size %d, channels %d, n %d", spec->size,
                         spec->channels, n);
    if (spec->augment && !rng)
        return RMN_ERROR(RMN_EINVAL, "augmented batch without an rng");
    for (int i = 0; i < n; ++i)
        if (idx[i] < 0 || idx[i] >= split->n)
            return RMN_ERROR(RMN_EINVAL, "batch index %d is %d, split has %d images", i, (int)idx[i],
                             (int)split->n);
    const size_t per = (size_t)spec->channels * spec->size * spec->size;
    for (int i = 0; i < n; ++i) {
        rmn_batch_image(x + (size_t)i * per, scratch,
                        split->pixels + (size_t)idx[i] * RMN_FER_PIXELS, spec, rng);
        if (labels)
            labels[i] = split->labels[idx[i]];
    }
    return RMN_OK;
}
