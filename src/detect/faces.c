/* faces.c -- detection, crops, classification, drawing and JSON for one image (faces.h). */
#include "detect/faces.h"

#include "core/error.h"
#include "image/draw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_face(const void *a, const void *b) {
    const rmn_face *x = a, *y = b;
    if (x->box.xmin != y->box.xmin)
        return x->box.xmin < y->box.xmin ? -1 : 1;
    return (x->box.ymin > y->box.ymin) - (x->box.ymin < y->box.ymin);
}

int rmn_detect_faces(const rmn_cascade *c, const rmn_detect_params *p, rmn_detect_model *model,
                     const rmn_image *img, rmn_face **faces, int *n) {
    *faces = NULL;
    *n = 0;
    rmn_image gray;
    RMN_TRY(rmn_image_to_gray(img, &gray));
    rmn_rect *rects = NULL;
    int nr = 0, rc = rmn_cascade_scan(c, gray.data, gray.w, gray.h, p, &rects, &nr);
    if (rc == RMN_OK && nr > 0)
        rc = rmn_group_rects(rects, &nr, p->min_neighbors, 0.2, NULL);
    if (rc == RMN_OK)
        rc = rmn_detect_faces_in(rects, nr, &gray, model, img, faces, n);
    free(rects);
    rmn_image_free(&gray);
    return rc;
}

int rmn_detect_faces_in(const rmn_rect *rects, int nr, const rmn_image *gray, rmn_detect_model *model,
                        const rmn_image *img, rmn_face **faces, int *n) {
    *faces = NULL;
    *n = 0;
    int rc = RMN_OK;
    rmn_face *out = NULL;
    uint8_t *crop = NULL;
    int nf = 0;
    if (rc == RMN_OK && nr > 0) {
        out = calloc((size_t)nr, sizeof *out);
        if (model) {
            int s = rmn_detect_model_input_size(model);
            crop = malloc((size_t)s * s);
        }
        if (!out || (model && !crop))
            rc = RMN_ERROR(RMN_ENOMEM, "out of memory for %d faces", nr);
    }
    for (int i = 0; rc == RMN_OK && i < nr; ++i) {
        rmn_face *f = &out[nf];
        f->detection = rects[i];
        f->box = rmn_face_square(rects[i].x, rects[i].y, rects[i].x + rects[i].w,
                                 rects[i].y + rects[i].h);
        if (!rmn_face_clamp(&f->box, img->w, img->h))
            continue;
        f->label = -1;
        if (model) {
            rmn_face_crop(gray, f->box, rmn_detect_model_input_size(model), crop);
            rc = rmn_detect_model_classify(model, crop, f->proba);
            int k = rmn_detect_model_num_classes(model);
            f->label = 0;
            for (int j = 1; j < k; ++j)
                if (f->proba[j] > f->proba[f->label])
                    f->label = j;
        }
        ++nf;
    }
    free(crop);
    if (rc != RMN_OK) {
        free(out);
        return rc;
    }
    if (nf > 1)
        qsort(out, (size_t)nf, sizeof *out, cmp_face);
    if (nf == 0) {
        free(out);
        out = NULL;
    }
    *faces = out;
    *n = nf;
    return RMN_OK;
}

void rmn_detect_draw(rmn_image *img, const rmn_face *faces, int n, const rmn_detect_model *model) {
    const rmn_rgb box_rgb = {179, 255, 179}, label_rgb = {255, 128, 223}, text_rgb = {0, 0, 0};
    int scale = img->w >= 480 || img->h >= 480 ? 2 : 1;
    for (int i = 0; i < n; ++i) {
        const rmn_face *f = &faces[i];
        rmn_draw_rect(img, f->box.xmin, f->box.ymin, f->box.xmax, f->box.ymax, box_rgb, 2);
    }
    if (!model)
        return;
    for (int i = 0; i < n; ++i) {
        const rmn_face *f = &faces[i];
        char text[48];
        snprintf(text, sizeof text, "%s %d", rmn_detect_model_label(model, f->label),
                 (int)(f->proba[f->label] * 100.0f));
        int pad = scale, tw = rmn_draw_text_width(text, scale) + 2 * pad;
        int th = rmn_draw_text_height(scale) + 2 * pad;
        int x = f->box.xmax, y = f->box.ymin + 1 - th;
        if (x + tw > img->w)
            x = img->w - tw;
        if (x < 0)
            x = 0;
        if (y < 0)
            y = 0;
        rmn_draw_fill(img, x, y, x + tw - 1, y + th - 1, label_rgb);
        rmn_draw_text(img, x + pad, y + pad, text, scale, text_rgb);
    }
}

static int set_new(json_t *obj, const char *key, json_t *v) {
    return v ? json_object_set_new(obj, key, v) : -1;
}

json_t *rmn_detect_json(const char *path, const rmn_image *img, const rmn_face *faces, int n,
                        const rmn_detect_model *model) {
    json_t *root = json_object(), *arr = json_array();
    int bad = !root || !arr;
    bad |= !bad && set_new(root, "image", json_string(path));
    bad |= !bad && set_new(root, "width", json_integer(img->w));
    bad |= !bad && set_new(root, "height", json_integer(img->h));
    for (int i = 0; !bad && i < n; ++i) {
        const rmn_face *f = &faces[i];
        json_t *o = json_object();
        bad |= !o || json_array_append_new(arr, o);
        bad |= !bad && set_new(o, "xmin", json_integer(f->box.xmin));
        bad |= !bad && set_new(o, "ymin", json_integer(f->box.ymin));
        bad |= !bad && set_new(o, "xmax", json_integer(f->box.xmax));
        bad |= !bad && set_new(o, "ymax", json_integer(f->box.ymax));
        if (bad || !model)
            continue;
        bad |= set_new(o, "emo_label", json_string(rmn_detect_model_label(model, f->label)));
        bad |= !bad && set_new(o, "emo_proba", json_real(f->proba[f->label]));
        json_t *pl = json_array();
        bad |= !bad && set_new(o, "proba_list", pl);
        for (int k = 0; !bad && k < rmn_detect_model_num_classes(model); ++k) {
            json_t *one = json_object();
            bad |= !one || json_array_append_new(pl, one);
            bad |= !bad && set_new(one, rmn_detect_model_label(model, k), json_real(f->proba[k]));
        }
    }
    if (!bad)
        bad |= set_new(root, "faces", arr);
    else
        json_decref(arr);
    if (bad) {
        json_decref(root);
        return NULL;
    }
    return root;
}
