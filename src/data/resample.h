/* resample.h -- antialiased resizing of float planes: the triangle (bilinear) filter widened by
 * the scale when shrinking, weights renormalised at the borders, the sample grid of
 * align_corners=False; PIL's Image.resize(BILINEAR) and torchvision's resize (antialias=True,
 * torch.nn.functional.interpolate(mode="bilinear", antialias=True)), which the ImageNet recipe's
 * Resize and RandomResizedCrop use. Checked against PyTorch 1.13 (tests/data/golden/resample.bin).
 * Unlike rmn_image_resize (data/augment.h: OpenCV's cv2.resize, no antialiasing, the thesis's
 * FER2013 pipeline). */
#ifndef RMN_DATA_RESAMPLE_H
#define RMN_DATA_RESAMPLE_H

#include <stddef.h>

/* The region rows [y0, y0+rh) x columns [x0, x0+rw) of src:(h, stride) resized to a virtual
 * (vh, vw) image, of which dst:(oh, ow) receives rows [oy, oy+oh) and columns [ox, ox+ow)
 * (a crop of the result, computed alone). Source pixels outside the region are never read (the
 * region is resized as an image of its own: PIL's crop then resize). scratch holds
 * rmn_resample_scratch_floats(rh, rw, ow) floats. */
void rmn_resample_aa(float *dst, int oh, int ow, const float *src, int stride, int y0, int x0, int rh,
                     int rw, int vh, int vw, int oy, int ox, float *scratch);
size_t rmn_resample_scratch_floats(int rh, int rw, int ow);

/* The size torchvision's Resize(side) gives an h x w image: the shorter side becomes side, the
 * longer int(side * long / short) (truncated, as torchvision 0.14). */
void rmn_resize_shorter(int h, int w, int side, int *oh, int *ow);

#endif
