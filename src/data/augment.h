/* augment.h -- image geometry on float gray images (H,W) row-major: bilinear resize with
 * align_corners=False (OpenCV INTER_LINEAR / PyTorch) semantics, horizontal flip, rotation about
 * the centre with bilinear interpolation and black fill (imgaug Affine(rotate)), and the thesis's
 * training augmentation drawn from an rmn_rng.
 *
 * Conventions: pixel centres at integer coordinates; the rotation centre is ((W-1)/2, (H-1)/2)
 * (imgaug/skimage); a positive angle turns the image clockwise as displayed (y down), so +90
 * degrees on an n x n image gives dst[r][c] = src[n-1-c][r]. Outside the source, pixels are 0 and
 * bilinear weights blend towards 0 at the border (skimage order=1, mode=constant). An optional
 * translation (not in the thesis recipe) moves the content by (shift_x, shift_y) pixels after the
 * flip and rotation, positive towards the right and the bottom. Functions
 * never allocate; dst and src must not overlap unless stated. */
#ifndef RMN_DATA_AUGMENT_H
#define RMN_DATA_AUGMENT_H

#include "core/rng.h"

/* dst:(dh,dw) src:(sh,sw). src = (dst + 0.5) * (s/d) - 0.5, clamped to [0, s-1]. */
void rmn_image_resize(float *dst, int dh, int dw, const float *src, int sh, int sw);
/* dst:(h,w) src:(h,w); dst == src allowed (in place). */
void rmn_image_hflip(float *dst, const float *src, int h, int w);
/* dst:(h,w) src:(h,w): rotated by deg degrees (clockwise as displayed). */
void rmn_image_rotate(float *dst, const float *src, int h, int w, double deg);

/* How the rotation samples the source: bilinear is the thesis's (imgaug Affine order=1);
 * nearest is torchvision RandomRotation's default, kept for controlled comparisons (PARITY.md). */
enum { RMN_INTERP_BILINEAR = 0, RMN_INTERP_NEAREST = 1 };

typedef struct {
    double flip_p;           /* probability of a horizontal flip */
    double max_rotation_deg; /* angle uniform in [-max, max] degrees; 0 disables rotation */
    double max_shift_px;     /* each of shift_x, shift_y uniform in [-max, max] pixels; 0: none */
    int    interp;           /* RMN_INTERP_BILINEAR (0, default) or RMN_INTERP_NEAREST */
} rmn_augment_params;

/* The thesis's training augmentation: Fliplr(0.5) then Affine(rotate=(-30, 30)). */
#define RMN_AUGMENT_THESIS ((rmn_augment_params){.flip_p = 0.5, .max_rotation_deg = 30.0})

/* What rmn_augment drew for one image. */
typedef struct {
    int    flip;
    double angle_deg;
    double shift_x, shift_y;
} rmn_augment_draw;

/* Draws the parameters of one image: always two draws from rng (flip, then angle), so the
 * stream advances the same way whatever the outcome; then, only when max_shift_px > 0, two
 * more (shift_x, shift_y), so that the thesis recipe's streams are unchanged by the option. */
rmn_augment_draw rmn_augment_sample(const rmn_augment_params *p, rmn_rng *rng);
/* dst:(h,w) src:(h,w): flip (if drawn), rotation, then translation, in one pass sampled as
 * interp says (bilinear, or nearest: the source pixel whose centre is closest, 0 outside). */
void rmn_augment_apply(float *dst, const float *src, int h, int w, const rmn_augment_draw *d, int interp);
/* Parses "flip=P,rotation=DEG,shift=PX,interp=bilinear|nearest" (any subset, any order; the
 * keys not named are 0 / bilinear: no augmentation from "") into *out, e.g. for a TTA of
 * another augmentation than the training one (rmn-eval --tta-augment). RMN_EINVAL naming the
 * bad item: unknown key, repeated key, a value out of range (flip 0..1, rotation 0..180,
 * shift 0..64) or not a number. */
int rmn_augment_parse(const char *spec, rmn_augment_params *out);
/* torchvision's RandomResizedCrop(scale=(0.08, 1), ratio=(3/4, 4/3)) box on an h x w image, as
 * its get_params: up to 10 tries of an area fraction uniform in the scale range and a log-uniform
 * aspect ratio, the first box that fits placed uniformly; else the whole image cropped to the
 * nearest allowed ratio, centred. Rows [*top, *top + *ch), columns [*left, *left + *cw). Draws
 * 2 uniforms per try, then 2 integers when one fits (so the stream's use depends on the image). */
void rmn_random_resized_crop(rmn_rng *rng, int h, int w, int *top, int *left, int *ch, int *cw);

/* rmn_augment_sample then rmn_augment_apply. */
void rmn_augment(float *dst, const float *src, int h, int w, const rmn_augment_params *p,
                 rmn_rng *rng);

#endif
