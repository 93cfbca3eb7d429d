/* batch.h -- building input batches from a FER2013 split: uint8 48x48 -> float, bilinear resize
 * to S x S, optional training augmentation, gray copied into C channels, scaled by 1/255 (no
 * mean/std normalisation), as the thesis's loader (cv2.resize, imgaug, ToTensor).
 * Order per image: resize, then augment at S (flip, rotation), then copy into the channels. */
#ifndef RMN_DATA_BATCH_H
#define RMN_DATA_BATCH_H

#include "core/rng.h"
#include "data/augment.h"
#include "data/fer2013.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int size;                          /* S: output side, e.g. 48 (native) or 224 (thesis) */
    int channels;                      /* C: gray copied into C channels, e.g. 1 or 3 */
    const rmn_augment_params *augment; /* NULL: no augmentation (evaluation) */
} rmn_batch_spec;

/* Floats of scratch space rmn_batch_fill and rmn_batch_image need (allocate once, reuse). */
size_t rmn_batch_scratch_floats(const rmn_batch_spec *spec);

/* x:(n, C, S, S) labels:(n) idx:(n) indices into split (0 <= idx[i] < split->n)
 * scratch: rmn_batch_scratch_floats(spec) floats. Image i is split image idx[i]; with
 * spec->augment, each image draws its flip and angle from rng in batch order (the same rng
 * state gives the same batch). labels may be NULL. RMN_EINVAL for a bad spec, index or a
 * missing rng. */
int rmn_batch_fill(float *x, int32_t *labels, float *scratch, const rmn_split_data *split,
                   const int32_t *idx, int n, const rmn_batch_spec *spec, rmn_rng *rng);

/* One image: out:(C, S, S) from pixels:(48, 48) uint8; rng used only with spec->augment. */
void rmn_batch_image(float *out, float *scratch, const uint8_t *pixels, const rmn_batch_spec *spec,
                     rmn_rng *rng);

#endif
