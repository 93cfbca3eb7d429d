/* figure.c -- faces in, figures out (see figure.h). */
#include "explain/figure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "detect/face.h"
#include "detect/faces.h"
#include "explain/render.h"

int rmn_explain_face(const rmn_image *img, const rmn_cascade *cascade,
                     const rmn_detect_params *p, int s, uint8_t *face) {
    rmn_image gray = {0};
    RMN_TRY(rmn_image_to_gray(img, &gray));
    const int side = img->w < img->h ? img->w : img->h;
    rmn_box box = {(img->w - side) / 2, (img->h - side) / 2, 0, 0};
    box.xmax = box.xmin + side;
    box.ymax = box.ymin + side;
    if (cascade) {
        rmn_face *faces = NULL;
        int n = 0, rc = rmn_detect_faces(cascade, p, NULL, img, &faces, &n);
        for (int i = 0; rc == RMN_OK && i < n; ++i) {
            const rmn_box b = faces[i].box;
            if (i == 0 || (b.xmax - b.xmin) * (b.ymax - b.ymin) >
                              (box.xmax - box.xmin) * (box.ymax - box.ymin))
                box = b;
        }
        free(faces);
        if (rc == RMN_OK && n == 0)
            rc = RMN_ERROR(RMN_ENOTFOUND, "no face found (without --detect the whole photo is "
                           "taken as the face)");
        if (rc != RMN_OK) {
            rmn_image_free(&gray);
            return rc;
        }
    }
    rmn_face_crop(&gray, box, s, face);
    rmn_image_free(&gray);
    return RMN_OK;
}

void rmn_explain_input(const uint8_t *face, int s, int channels, float *x) {
    const size_t plane = (size_t)s * s;
    for (size_t i = 0; i < plane; ++i)
        x[i] = (float)face[i] * (1.0f / 255.0f);
    for (int c = 1; c < channels; ++c)
        memcpy(x + c * plane, x, plane * sizeof *x);
}

int rmn_explain_draw(rmn_image *img, const uint8_t *face, const rmn_explanation *e,
                     const char *const *labels, const char *arch, const char *layer,
                     rmn_cam_method method, const char *face_title) {
    rmn_figure_map maps[1 + RMN_EXPLAIN_MAX_MASKS];
    char titles[1 + RMN_EXPLAIN_MAX_MASKS][64], caption[256];
    snprintf(titles[0], sizeof titles[0], "%s: %s",
             method == RMN_CAM_GRADCAM_PP ? "Grad-CAM++" : "Grad-CAM", labels[e->cls]);
    maps[0] = (rmn_figure_map){e->cam_up, titles[0], 0};
    for (int k = 0; k < e->n_masks; ++k) {
        snprintf(titles[k + 1], sizeof titles[k + 1], "mask%d (%dx%d)", k + 1, e->mh[k],
                 e->mw[k]);
        maps[k + 1] = (rmn_figure_map){e->mask_up[k], titles[k + 1], 1};
    }
    snprintf(caption, sizeof caption, "%s  predicted %s %.2f  explained %s  layer %s (%dx%d)",
             arch, labels[e->pred], e->probs[e->pred], labels[e->cls], layer, e->h, e->w);
    return rmn_explain_figure(img, face, e->size, maps, 1 + e->n_masks, face_title, caption);
}
