/* render.h -- pictures of explanations: maps over the face in a colour scale (jet: blue for
 * the map's low end, red for its high end), side by side, with titles and a colour bar.
 *
 * Ownership: rmn_explain_figure fills a caller-owned image (rmn_image_free). */
#ifndef RMN_EXPLAIN_RENDER_H
#define RMN_EXPLAIN_RENDER_H

#include <stdint.h>

#include "image/draw.h"
#include "image/image.h"

/* The colour of v in [0, 1] (clamped): MATLAB's jet, dark blue .. cyan .. yellow .. dark red. */
rmn_rgb rmn_colormap_jet(double v);

typedef struct {
    const float *map;  /* (S, S) */
    const char *title; /* first line of the tile's title */
    int minmax;        /* 0: scale 0..max (Grad-CAM), 1: min..max (mask maps) */
} rmn_figure_map;

/* img (allocated here, RGB) = one row of tiles of side T = S * max(1, 192 / S): the face,
 * then each map blended over it (alpha 0.5) on its own scale (the range printed under the
 * title), then a colour bar labelled "low", "high"; caption (may be NULL) under the row.
 * face:(S, S) gray. */
int rmn_explain_figure(rmn_image *img, const uint8_t *face, int s, const rmn_figure_map *maps,
                       int n, const char *face_title, const char *caption);

#endif
