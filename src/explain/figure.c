/* figure.c -- faces in, figures out (see figure.h). */
#include "explain/figure.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
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

void rmn_explain_overlay(rmn_image *rgb, rmn_box b, const float *map, int s) {
    float mx = 0;
    for (size_t i = 0; i < (size_t)s * s; ++i)
        mx = map[i] > mx ? map[i] : mx;
    const int bw = b.xmax - b.xmin, bh = b.ymax - b.ymin;
    for (int y = 0; y < bh; ++y) {
        const double sy = fmin(fmax((y + 0.5) * s / bh - 0.5, 0), s - 1);
        const int y0 = (int)sy, y1 = y0 + 1 < s ? y0 + 1 : y0;
        for (int x = 0; x < bw; ++x) {
            const double sx = fmin(fmax((x + 0.5) * s / bw - 0.5, 0), s - 1);
            const int x0 = (int)sx, x1 = x0 + 1 < s ? x0 + 1 : x0;
            const double fy = sy - y0, fx = sx - x0,
                         v = (1 - fy) * ((1 - fx) * map[y0 * s + x0] + fx * map[y0 * s + x1]) +
                             fy * ((1 - fx) * map[y1 * s + x0] + fx * map[y1 * s + x1]);
            const rmn_rgb k = rmn_colormap_jet(mx > 0 ? v / mx : 0);
            uint8_t *p = rgb->data + ((size_t)(b.ymin + y) * rgb->w + (b.xmin + x)) * 3;
            p[0] = (uint8_t)lround(0.5 * p[0] + 0.5 * k.r);
            p[1] = (uint8_t)lround(0.5 * p[1] + 0.5 * k.g);
            p[2] = (uint8_t)lround(0.5 * p[2] + 0.5 * k.b);
        }
    }
}

int rmn_explain_faces(rmn_detect_model *m, const rmn_image *img, const rmn_face *faces, int n,
                      rmn_cam_method method, rmn_image *rgb) {
    rmn_net *net = rmn_detect_model_net(m);
    int ch, s, w;
    rmn_net_input_shape(net, &ch, &s, &w);
    rmn_image gray = {0};
    RMN_TRY(rmn_image_to_gray(img, &gray));
    uint8_t *face = malloc((size_t)s * s);
    float *x = malloc((size_t)ch * s * s * sizeof *x);
    int rc = face && x ? RMN_OK : RMN_ERROR(RMN_ENOMEM, "out of memory");
    for (int i = 0; rc == RMN_OK && i < n; ++i) {
        rmn_face_crop(&gray, faces[i].box, s, face);
        rmn_explain_input(face, s, ch, x);
        rmn_explanation e;
        rc = rmn_explain(net, x, -1, -1, method, 0, &e);
        if (rc == RMN_OK) {
            rmn_explain_overlay(rgb, faces[i].box, e.cam_up, s);
            rmn_explanation_free(&e);
        }
    }
    free(face);
    free(x);
    rmn_image_free(&gray);
    return rc;
}
