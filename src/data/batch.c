/* batch.c -- filling (n, C, S, S) float batches from a split by the thesis's or the ImageNet
 * transform (see batch.h). */
#include "data/batch.h"

#include "core/error.h"
#include "data/resample.h"

#include <math.h>
#include <string.h>

static const float IMAGENET_MEAN[3] = {0.485f, 0.456f, 0.406f};
static const float IMAGENET_STD[3] = {0.229f, 0.224f, 0.225f};

int rmn_batch_resize_side(int size) { return (size * 256 + 112) / 224; }

/* The planes a transform reads from an image of dc channels for C output channels. */
static int n_planes(const rmn_batch_spec *spec, int dc) { return spec->channels < dc ? spec->channels : dc; }

size_t rmn_batch_scratch_floats(const rmn_batch_spec *spec, const rmn_split_data *split) {
    const size_t s = (size_t)spec->size, hw = (size_t)split->max_h * (size_t)split->max_w;
    const int mx = split->max_h > split->max_w ? split->max_h : split->max_w;
    size_t work = s * s; /* thesis: the resized plane */
    if (spec->transform == RMN_TRANSFORM_IMAGENET)
        work = rmn_resample_scratch_floats(split->max_h, mx, spec->size);
    return hw + work; /* one source plane as floats, then the transform's work space */
}

/* Plane p of the image as floats in [0, 1]: channel p, or the gray of RGB when C = 1 (OpenCV's
 * fixed-point weights, as data/image.h). */
static void source_plane(float *g, const uint8_t *px, int h, int w, int dc, int p, int gray) {
    const size_t n = (size_t)h * w;
    if (gray && dc == 3) {
        for (size_t i = 0; i < n; ++i)
            g[i] = (float)((4899 * px[3 * i] + 9617 * px[3 * i + 1] + 1868 * px[3 * i + 2] + 8192) >> 14) *
                   (1.0f / 255.0f);
    } else {
        for (size_t i = 0; i < n; ++i)
            g[i] = (float)px[i * dc + p] * (1.0f / 255.0f);
    }
}

static void thesis_image(float *out, float *scratch, const uint8_t *px, int h, int w, int dc,
                         const rmn_batch_spec *spec, rmn_rng *rng) {
    const int s = spec->size;
    const size_t plane = (size_t)s * s;
    float *g = scratch, *r = scratch + (size_t)h * w;
    const int np = n_planes(spec, dc);
    rmn_augment_draw d;
    if (spec->augment) /* one draw for every channel of the image */
        d = rmn_augment_sample(spec->augment, rng);
    for (int p = 0; p < np; ++p) {
        source_plane(g, px, h, w, dc, p, spec->channels == 1);
        const float *img = g;
        if (h != s || w != s) {
            rmn_image_resize(r, s, s, g, h, w);
            img = r;
        }
        if (spec->augment)
            rmn_augment_apply(out + (size_t)p * plane, img, s, s, &d, spec->augment->interp);
        else
            memcpy(out + (size_t)p * plane, img, plane * sizeof *out);
    }
    for (int c = np; c < spec->channels; ++c)
        memcpy(out + (size_t)c * plane, out, plane * sizeof *out);
}

/* Python's round() of x/2 for an integer x: half to even. */
static int half_round_even(int x) { return (int)rint(x / 2.0); }

static void imagenet_image(float *out, float *scratch, const uint8_t *px, int h, int w, int dc,
                           const rmn_batch_spec *spec, rmn_rng *rng) {
    const int s = spec->size;
    const size_t plane = (size_t)s * s;
    float *g = scratch, *work = scratch + (size_t)h * w;
    int y0 = 0, x0 = 0, rh = h, rw = w, vh = s, vw = s, oy = 0, ox = 0, flip = 0;
    if (spec->augment) { /* RandomResizedCrop(S), then RandomHorizontalFlip(flip_p) */
        rmn_random_resized_crop(rng, h, w, &y0, &x0, &rh, &rw);
        flip = rmn_rng_uniform(rng) < spec->augment->flip_p;
    } else { /* Resize(S * 256 / 224), then CenterCrop(S) */
        rmn_resize_shorter(h, w, rmn_batch_resize_side(s), &vh, &vw);
        oy = half_round_even(vh - s);
        ox = half_round_even(vw - s);
    }
    const int np = dc < 3 ? dc : 3;
    for (int p = 0; p < np; ++p) {
        source_plane(g, px, h, w, dc, p, 0);
        float *o = out + (size_t)p * plane;
        rmn_resample_aa(o, s, s, g + (size_t)y0 * w + x0, w, 0, 0, rh, rw, vh, vw, oy, ox, work);
        if (flip)
            rmn_image_hflip(o, o, s, s);
    }
    for (int c = np; c < 3; ++c) /* gray data: the same plane in every channel */
        memcpy(out + (size_t)c * plane, out, plane * sizeof *out);
    for (int c = 0; c < 3; ++c) {
        float *o = out + (size_t)c * plane;
        for (size_t i = 0; i < plane; ++i)
            o[i] = (o[i] - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
    }
}

void rmn_batch_image(float *out, float *scratch, const rmn_split_data *split, int32_t i,
                     const rmn_batch_spec *spec, rmn_rng *rng) {
    int h, w;
    const uint8_t *px = rmn_split_image(split, i, &h, &w);
    if (spec->transform == RMN_TRANSFORM_IMAGENET)
        imagenet_image(out, scratch, px, h, w, split->channels, spec, rng);
    else
        thesis_image(out, scratch, px, h, w, split->channels, spec, rng);
}

int rmn_batch_fill(float *x, int32_t *labels, float *scratch, const rmn_split_data *split,
                   const int32_t *idx, int n, const rmn_batch_spec *spec, rmn_rng *rng) {
    if (spec->size < 1 || spec->channels < 1 || n < 0)
        return RMN_ERROR(RMN_EINVAL, "bad batch spec: size %d, channels %d, n %d", spec->size,
                         spec->channels, n);
    if (spec->transform == RMN_TRANSFORM_IMAGENET && spec->channels != 3)
        return RMN_ERROR(RMN_EINVAL, "the imagenet transform makes 3 channels, not %d", spec->channels);
    if (spec->augment && !rng)
        return RMN_ERROR(RMN_EINVAL, "augmented batch without an rng");
    for (int i = 0; i < n; ++i)
        if (idx[i] < 0 || idx[i] >= split->n)
            return RMN_ERROR(RMN_EINVAL, "batch index %d is %d, split has %d images", i, (int)idx[i],
                             (int)split->n);
    const size_t per = (size_t)spec->channels * spec->size * spec->size;
    for (int i = 0; i < n; ++i) {
        rmn_batch_image(x + (size_t)i * per, scratch, split, idx[i], spec, rng);
        if (labels)
            labels[i] = split->labels[idx[i]];
    }
    return RMN_OK;
}
