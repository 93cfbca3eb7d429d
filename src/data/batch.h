/* batch.h -- building float input batches (n, C, S, S) from a split, by one of two transforms:
 *  - thesis (FER2013, the thesis's loader: cv2.resize, imgaug, ToTensor): each image resized
 *    whole to S x S (bilinear, OpenCV's, no antialiasing), then in training the augmentation
 *    (flip, rotation, optional shift; one draw per image for all its channels), scaled by 1/255
 *    with no mean/std normalisation; gray copied into C channels, RGB made gray (OpenCV's
 *    weights) for C = 1;
 *  - imagenet (the original's ImageNet recipe, torchvision): in training RandomResizedCrop(S)
 *    and a horizontal flip with probability flip_p; in evaluation Resize(S*256/224) of the shorter
 *    side and CenterCrop(S); both antialiased (data/resample.h), then ToTensor and Normalize with
 *    ImageNet's mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225). C must be 3; gray data is
 *    copied into the three channels. */
#ifndef RMN_DATA_BATCH_H
#define RMN_DATA_BATCH_H

#include "core/rng.h"
#include "data/augment.h"
#include "data/dataset.h"

#include <stddef.h>
#include <stdint.h>

enum { RMN_TRANSFORM_THESIS = 0, RMN_TRANSFORM_IMAGENET = 1 };

typedef struct {
    int size;                          /* S: output side, e.g. 48 (native) or 224 (thesis) */
    int channels;                      /* C: 1 or 3 */
    const rmn_augment_params *augment; /* NULL: no augmentation (evaluation) */
    int transform;                     /* RMN_TRANSFORM_THESIS (0) or RMN_TRANSFORM_IMAGENET */
} rmn_batch_spec;

/* The shorter side the imagenet transform resizes to before its centre crop: S * 256 / 224,
 * rounded (256 for 224). */
int rmn_batch_resize_side(int size);

/* Floats of scratch space rmn_batch_fill and rmn_batch_image need for images of split (allocate
 * once, reuse). */
size_t rmn_batch_scratch_floats(const rmn_batch_spec *spec, const rmn_split_data *split);

/* x:(n, C, S, S) labels:(n) idx:(n) indices into split (0 <= idx[i] < split->n)
 * scratch: rmn_batch_scratch_floats(spec, split) floats. Image i is split image idx[i]; with
 * spec->augment, each image draws from rng in batch order (the same rng state gives the same
 * batch). labels may be NULL. RMN_EINVAL for a bad spec, index or a missing rng. */
int rmn_batch_fill(float *x, int32_t *labels, float *scratch, const rmn_split_data *split,
                   const int32_t *idx, int n, const rmn_batch_spec *spec, rmn_rng *rng);

/* One image: out:(C, S, S) from split image i; rng used only with spec->augment. */
void rmn_batch_image(float *out, float *scratch, const rmn_split_data *split, int32_t i,
                     const rmn_batch_spec *spec, rmn_rng *rng);

#endif
