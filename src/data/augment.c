/* augment.c -- resize, flip, rotation and the random training augmentation (see augment.h). */
#include "data/augment.h"

#include "core/error.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static float clampf(float v, float lo, float hi) { return v < lo ? lo : v > hi ? hi : v; }

void rmn_image_resize(float *dst, int dh, int dw, const float *src, int sh, int sw) {
    const float sy = (float)sh / (float)dh, sx = (float)sw / (float)dw;
    for (int y = 0; y < dh; ++y) {
        float fy = clampf(((float)y + 0.5f) * sy - 0.5f, 0.0f, (float)(sh - 1));
        int y0 = (int)fy, y1 = y0 + 1 < sh ? y0 + 1 : sh - 1;
        float wy = fy - (float)y0;
        const float *r0 = src + (size_t)y0 * sw, *r1 = src + (size_t)y1 * sw;
        for (int x = 0; x < dw; ++x) {
            float fx = clampf(((float)x + 0.5f) * sx - 0.5f, 0.0f, (float)(sw - 1));
            int x0 = (int)fx, x1 = x0 + 1 < sw ? x0 + 1 : sw - 1;
            float wx = fx - (float)x0;
            float top = r0[x0] + wx * (r0[x1] - r0[x0]);
            float bot = r1[x0] + wx * (r1[x1] - r1[x0]);
            dst[(size_t)y * dw + x] = top + wy * (bot - top);
        }
    }
}

void rmn_image_hflip(float *dst, const float *src, int h, int w) {
    for (int y = 0; y < h; ++y) {
        const float *s = src + (size_t)y * w;
        float *d = dst + (size_t)y * w;
        for (int x = 0; x < (w + 1) / 2; ++x) { /* swap pairs: works in place */
            float a = s[x], b = s[w - 1 - x];
            d[x] = b;
            d[w - 1 - x] = a;
        }
    }
}

static float pixel_or_zero(const float *src, int h, int w, int y, int x) {
    return (y < 0 || y >= h || x < 0 || x >= w) ? 0.0f : src[(size_t)y * w + x];
}

/* dst(p) = src(mirror(R^-1 (p - t - c)) + c): rotation about c after an optional flip, then a
 * translation by t = (tx, ty). */
static void warp(float *dst, const float *src, int h, int w, double deg, int flip, double tx, double ty,
                 int interp) {
    const double th = deg * M_PI / 180.0, cs = cos(th), sn = sin(th);
    const double cx = 0.5 * (w - 1), cy = 0.5 * (h - 1);
    for (int y = 0; y < h; ++y) {
        double dy = y - ty - cy;
        for (int x = 0; x < w; ++x) {
            double dx = x - tx - cx;
            double sx = cx + cs * dx + sn * dy, sy = cy - sn * dx + cs * dy;
            if (flip)
                sx = (w - 1) - sx;
            if (interp == RMN_INTERP_NEAREST) {
                dst[(size_t)y * w + x] = pixel_or_zero(src, h, w, (int)floor(sy + 0.5), (int)floor(sx + 0.5));
                continue;
            }
            double fx = floor(sx), fy = floor(sy);
            int x0 = (int)fx, y0 = (int)fy;
            float wx = (float)(sx - fx), wy = (float)(sy - fy);
            float v;
            if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) {
                const float *r = src + (size_t)y0 * w + x0;
                float top = r[0] + wx * (r[1] - r[0]);
                float bot = r[w] + wx * (r[w + 1] - r[w]);
                v = top + wy * (bot - top);
            } else if (x0 < -1 || y0 < -1 || x0 >= w || y0 >= h) {
                v = 0.0f;
            } else {
                float a = pixel_or_zero(src, h, w, y0, x0), b = pixel_or_zero(src, h, w, y0, x0 + 1);
                float c = pixel_or_zero(src, h, w, y0 + 1, x0), d = pixel_or_zero(src, h, w, y0 + 1, x0 + 1);
                float top = a + wx * (b - a), bot = c + wx * (d - c);
                v = top + wy * (bot - top);
            }
            dst[(size_t)y * w + x] = v;
        }
    }
}

void rmn_image_rotate(float *dst, const float *src, int h, int w, double deg) {
    warp(dst, src, h, w, deg, 0, 0.0, 0.0, RMN_INTERP_BILINEAR);
}

rmn_augment_draw rmn_augment_sample(const rmn_augment_params *p, rmn_rng *rng) {
    rmn_augment_draw d;
    double u_flip = rmn_rng_uniform(rng), u_angle = rmn_rng_uniform(rng);
    d.flip = u_flip < p->flip_p;
    d.angle_deg = (2.0 * u_angle - 1.0) * p->max_rotation_deg;
    d.shift_x = d.shift_y = 0.0;
    if (p->max_shift_px > 0) {
        double u_x = rmn_rng_uniform(rng), u_y = rmn_rng_uniform(rng);
        d.shift_x = (2.0 * u_x - 1.0) * p->max_shift_px;
        d.shift_y = (2.0 * u_y - 1.0) * p->max_shift_px;
    }
    return d;
}

void rmn_augment_apply(float *dst, const float *src, int h, int w, const rmn_augment_draw *d, int interp) {
    warp(dst, src, h, w, d->angle_deg, d->flip, d->shift_x, d->shift_y, interp);
}

void rmn_augment(float *dst, const float *src, int h, int w, const rmn_augment_params *p,
                 rmn_rng *rng) {
    rmn_augment_draw d = rmn_augment_sample(p, rng);
    rmn_augment_apply(dst, src, h, w, &d, p->interp);
}

/* one "key=value" item of rmn_augment_parse; seen: bit per key */
static int parse_item(const char *item, size_t len, rmn_augment_params *out, unsigned *seen) {
    static const struct {
        const char *key;
        double      max;
    } keys[] = {{"flip", 1.0}, {"rotation", 180.0}, {"shift", 64.0}, {"interp", 0}};
    const char *eq = memchr(item, '=', len);
    for (int k = 0; eq && k < 4; ++k) {
        if ((size_t)(eq - item) != strlen(keys[k].key) || strncmp(item, keys[k].key, (size_t)(eq - item)) != 0)
            continue;
        if (*seen & (1u << k))
            return RMN_ERROR(RMN_EINVAL, "augmentation \"%.*s\": %s given twice", (int)len, item, keys[k].key);
        *seen |= 1u << k;
        char val[32];
        size_t vlen = len - (size_t)(eq + 1 - item);
        if (vlen == 0 || vlen >= sizeof val)
            return RMN_ERROR(RMN_EINVAL, "augmentation \"%.*s\": no value", (int)len, item);
        memcpy(val, eq + 1, vlen);
        val[vlen] = '\0';
        if (k == 3) {
            if (strcmp(val, "bilinear") != 0 && strcmp(val, "nearest") != 0)
                return RMN_ERROR(RMN_EINVAL, "augmentation \"%s\": interp is bilinear or nearest", val);
            out->interp = strcmp(val, "nearest") == 0 ? RMN_INTERP_NEAREST : RMN_INTERP_BILINEAR;
            return RMN_OK;
        }
        char *end;
        double v = strtod(val, &end);
        if (*end || !(v >= 0 && v <= keys[k].max))
            return RMN_ERROR(RMN_EINVAL, "augmentation \"%.*s\": %s needs a number in [0, %g]", (int)len, item,
                             keys[k].key, keys[k].max);
        *(k == 0 ? &out->flip_p : k == 1 ? &out->max_rotation_deg : &out->max_shift_px) = v;
        return RMN_OK;
    }
    return RMN_ERROR(RMN_EINVAL, "augmentation \"%.*s\": expected flip=, rotation=, shift= or interp=", (int)len,
                     item);
}

int rmn_augment_parse(const char *spec, rmn_augment_params *out) {
    rmn_augment_params p = {0};
    unsigned seen = 0;
    for (const char *s = spec; *s;) {
        size_t len = strcspn(s, ",");
        RMN_TRY(parse_item(s, len, &p, &seen));
        s += len;
        if (*s == ',' && *++s == '\0')
            return RMN_ERROR(RMN_EINVAL, "augmentation \"%s\": ends with a comma", spec);
    }
    *out = p;
    return RMN_OK;
}

void rmn_random_resized_crop(rmn_rng *rng, int h, int w, int *top, int *left, int *ch, int *cw) {
    const double area = (double)h * w, lo = log(3.0 / 4.0), hi = log(4.0 / 3.0);
    for (int attempt = 0; attempt < 10; ++attempt) {
        const double target = area * (0.08 + (1.0 - 0.08) * rmn_rng_uniform(rng));
        const double ratio = exp(lo + (hi - lo) * rmn_rng_uniform(rng));
        const int bw = (int)rint(sqrt(target * ratio)), bh = (int)rint(sqrt(target / ratio));
        if (bw > 0 && bw <= w && bh > 0 && bh <= h) {
            *top = (int)rmn_rng_below(rng, (uint64_t)(h - bh + 1));
            *left = (int)rmn_rng_below(rng, (uint64_t)(w - bw + 1));
            *ch = bh;
            *cw = bw;
            return;
        }
    }
    const double in_ratio = (double)w / h; /* the fallback: a centred crop */
    *cw = w;
    *ch = h;
    if (in_ratio < 3.0 / 4.0)
        *ch = (int)rint(w / (3.0 / 4.0));
    else if (in_ratio > 4.0 / 3.0)
        *cw = (int)rint(h * (4.0 / 3.0));
    *top = (h - *ch) / 2;
    *left = (w - *cw) / 2;
}
