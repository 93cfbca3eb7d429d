/* detector.c -- the face detector chosen by name (see detector.h). */
#include "detect/detector.h"

#include "core/error.h"
#include "detect/align.h"
#include "detect/paths.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rmn_detector_parse(const char *name, rmn_detector_kind *kind, const char **cascade_name) {
    if (strcmp(name, "haar") == 0) {
        *kind = RMN_DETECTOR_CASCADE;
        *cascade_name = "haarcascade_frontalface_default.xml";
    } else if (strcmp(name, "lbp") == 0) {
        *kind = RMN_DETECTOR_CASCADE;
        *cascade_name = "lbpcascade_frontalface.xml";
    } else if (strcmp(name, "ssd") == 0)
        *kind = RMN_DETECTOR_SSD;
    else if (strcmp(name, "tiny") == 0)
        *kind = RMN_DETECTOR_TINY;
    else
        return RMN_ERROR(RMN_EINVAL, "unknown detector '%s' (ssd, tiny, haar or lbp)", name);
    return RMN_OK;
}

void rmn_detector_spec_default(rmn_detector_spec *s) {
    memset(s, 0, sizeof *s);
    s->align = 1;
    rmn_detect_params_default(&s->params);
}

/* A CNN detector (SSD or TINY, no alignment) from the weights in dir. */
static int detector_open(rmn_detector *d, rmn_detector_kind kind, const char *dir) {
    memset(d, 0, sizeof *d);
    d->kind = kind;
    d->threshold = 0.5f;
    d->input_size = RMN_TINY_INPUT_SIZE;
    d->name = kind == RMN_DETECTOR_SSD ? "ssd" : "tiny";
    if (kind != RMN_DETECTOR_SSD && kind != RMN_DETECTOR_TINY)
        return RMN_ERROR(RMN_EINVAL, "not a CNN detector");
    if (!(d->dir = strdup(dir)))
        return RMN_ERROR(RMN_ENOMEM, "out of memory");
    return kind == RMN_DETECTOR_SSD ? rmn_ssd_load(dir, &d->ssd) : rmn_tinyface_load(dir, &d->tiny);
}

void rmn_detector_cascade(rmn_detector *d, const rmn_cascade *c, const rmn_detect_params *p) {
    memset(d, 0, sizeof *d);
    d->kind = RMN_DETECTOR_CASCADE;
    d->name = "cascade";
    d->cascade = c;
    d->params = *p;
}

int rmn_detector_dup(const rmn_detector *src, rmn_detector *dst) {
    if (src->kind == RMN_DETECTOR_CASCADE) {
        rmn_detector_cascade(dst, src->cascade, &src->params);
        dst->name = src->name;
        return RMN_OK;
    }
    int rc = detector_open(dst, src->kind, src->dir);
    dst->input_size = src->input_size;
    dst->threshold = src->threshold;
    if (rc == RMN_OK && src->landmarks)
        rc = rmn_detector_align(dst, src->dir);
    if (rc != RMN_OK)
        rmn_detector_close(dst);
    return rc;
}

int rmn_detector_align(rmn_detector *d, const char *dir) {
    return rmn_facenet_load(dir, RMN_FACENET_LANDMARKS, &d->landmarks);
}

/* Faces of rects with each face aligned: landmarks on its square crop, the gray image rotated
 * about the crop's centre, the face taken from the rotated image. */
static int faces_aligned(const rmn_detector *d, const rmn_rect *r, int nr, const rmn_image *gray,
                         rmn_detect_model *model, const rmn_image *img, rmn_face **faces, int *n) {
    rmn_face *all = malloc((size_t)(nr ? nr : 1) * sizeof *all);
    /* the rotated plane: only each face's box is rotated into it and read from it */
    rmn_image rot = {gray->w, gray->h, 1, malloc((size_t)gray->w * gray->h)}, crop = {0};
    int rc = all && rot.data ? RMN_OK : RMN_ERROR(RMN_ENOMEM, "out of memory");
    int m = 0;
    for (int i = 0; rc == RMN_OK && i < nr; ++i) {
        rmn_box b = rmn_face_square(r[i].x, r[i].y, r[i].x + r[i].w, r[i].y + r[i].h);
        if (!rmn_face_clamp(&b, img->w, img->h))
            continue;
        rc = rmn_image_init(&crop, b.xmax - b.xmin, b.ymax - b.ymin, img->c);
        for (int y = b.ymin; rc == RMN_OK && y < b.ymax; ++y)
            memcpy(crop.data + (size_t)(y - b.ymin) * crop.w * img->c,
                   img->data + ((size_t)y * img->w + b.xmin) * img->c, (size_t)crop.w * img->c);
        float lm[136];
        if (rc == RMN_OK)
            rc = rmn_facenet_run(d->landmarks, &crop, lm);
        if (rc == RMN_OK) {
            double a = rmn_align_eye_angle(lm, crop.w, crop.h, NULL, NULL);
            rmn_align_rotate(gray->data, gray->w, gray->h, a, (b.xmin + b.xmax) / 2.0, (b.ymin + b.ymax) / 2.0,
                             rot.data, b.xmin, b.ymin, b.xmax, b.ymax);
            rmn_face *f = NULL;
            int k = 0;
            rc = rmn_detect_faces_in(&r[i], 1, &rot, model, img, &f, &k);
            if (rc == RMN_OK && k == 1)
                all[m++] = f[0];
            free(f);
        }
        rmn_image_free(&crop);
    }
    rmn_image_free(&rot);
    if (rc != RMN_OK || m == 0) {
        free(all);
        all = NULL;
        m = 0;
    }
    *faces = all;
    *n = m;
    return rc;
}

void rmn_detector_close(rmn_detector *d) {
    rmn_facenet_free(d->landmarks);
    rmn_ssd_free(d->ssd);
    rmn_tinyface_free(d->tiny);
    rmn_cascade_free(d->own_cascade);
    free(d->dir);
    memset(d, 0, sizeof *d);
}

int rmn_detector_boxes(const rmn_detector *d, const rmn_image *img, rmn_cnn_box **boxes, int *n) {
    *boxes = NULL;
    *n = 0;
    if (d->kind == RMN_DETECTOR_SSD)
        return rmn_ssd_detect(d->ssd, img, d->threshold, boxes, n);
    if (d->kind == RMN_DETECTOR_TINY)
        return rmn_tinyface_detect(d->tiny, img, d->input_size, d->threshold, boxes, n);
    rmn_image gray;
    RMN_TRY(rmn_image_to_gray(img, &gray));
    rmn_rect *r = NULL;
    int nr = 0, rc = rmn_cascade_scan(d->cascade, gray.data, gray.w, gray.h, &d->params, &r, &nr);
    if (rc == RMN_OK && nr > 0)
        rc = rmn_group_rects(r, &nr, d->params.min_neighbors, 0.2, NULL);
    rmn_image_free(&gray);
    if (rc == RMN_OK && nr > 0) {
        *boxes = malloc((size_t)nr * sizeof **boxes);
        if (!*boxes)
            rc = RMN_ERROR(RMN_ENOMEM, "out of memory");
        for (int i = 0; rc == RMN_OK && i < nr; ++i)
            (*boxes)[i] = (rmn_cnn_box){(float)r[i].x, (float)r[i].y, (float)(r[i].x + r[i].w),
                                        (float)(r[i].y + r[i].h), 1.f};
        if (rc == RMN_OK)
            *n = nr;
    }
    free(r);
    return rc;
}

int rmn_detector_faces(const rmn_detector *d, rmn_detect_model *model, const rmn_image *img, rmn_face **faces,
                       int *n) {
    if (d->kind == RMN_DETECTOR_CASCADE)
        return rmn_detect_faces(d->cascade, &d->params, model, img, faces, n);
    *faces = NULL;
    *n = 0;
    rmn_cnn_box *b = NULL;
    int nb = 0;
    RMN_TRY(rmn_detector_boxes(d, img, &b, &nb));
    if (nb == 0) { /* no face: nothing to crop from the gray image */
        free(b);
        return RMN_OK;
    }
    rmn_rect *r = malloc((size_t)nb * sizeof *r);
    rmn_image gray = {0};
    int rc = r ? rmn_image_to_gray(img, &gray) : RMN_ERROR(RMN_ENOMEM, "out of memory");
    for (int i = 0; rc == RMN_OK && i < nb; ++i) {
        int x0 = (int)lround(b[i].x0), y0 = (int)lround(b[i].y0);
        r[i] = (rmn_rect){x0, y0, (int)lround(b[i].x1) - x0, (int)lround(b[i].y1) - y0};
    }
    if (rc == RMN_OK)
        rc = d->landmarks && model ? faces_aligned(d, r, nb, &gray, model, img, faces, n)
                          : rmn_detect_faces_in(r, nb, &gray, model, img, faces, n);
    rmn_image_free(&gray);
    free(r);
    free(b);
    return rc;
}

/* The cascade detector of file name (a bare name looked up in opencv-data), owned. */
static int cascade_detector(rmn_detector *d, const char *name, const rmn_detect_params *p) {
    char buf[4096];
    rmn_cascade *c;
    RMN_TRY(rmn_cascade_load(rmn_detect_cascade_path(name, buf, sizeof buf), &c));
    rmn_detector_cascade(d, c, p);
    d->own_cascade = c;
    d->name = name;
    return RMN_OK;
}

int rmn_detector_make(const rmn_detector_spec *s, rmn_detector *d, char *note, size_t ncap) {
    memset(d, 0, sizeof *d);
    note[0] = 0;
    char dir[4096], looked[8192];
    const char *name = s->name && *s->name ? s->name : rmn_env_get("RMN_DETECTOR"), *cname = NULL;
    int named = name && *name;
    rmn_detector_kind kind = RMN_DETECTOR_SSD;
    if (named)
        RMN_TRY(rmn_detector_parse(name, &kind, &cname));
    else if (s->cascade)
        kind = RMN_DETECTOR_CASCADE; /* --cascade alone: that cascade */
    if (s->input_size && (s->input_size < 32 || s->input_size % 32 || s->input_size > 4096))
        return RMN_ERROR(RMN_EINVAL, "the tiny detector's input size must be a multiple of 32 in 32..4096, not %d",
                         s->input_size);
    const char *md = kind == RMN_DETECTOR_CASCADE ? NULL : rmn_face_models_dir(dir, sizeof dir, looked, sizeof looked);
    if (!named && kind == RMN_DETECTOR_SSD) { /* the default rule */
        if (md)
            snprintf(note, ncap, "detecting faces with face-api's SSD MobileNet v1 (--detector ssd, weights in %s)", md);
        else
            snprintf(note, ncap, "face-api's weights are not installed (looked in %s): detecting faces with the "
                                 "HAAR cascade (--detector haar)", looked);
        if (!md)
            kind = RMN_DETECTOR_CASCADE;
    }
    if (s->input_size && kind != RMN_DETECTOR_TINY)
        return RMN_ERROR(RMN_EINVAL, "--input-size is the tiny detector's (--detector tiny)");
    if (kind == RMN_DETECTOR_CASCADE)
        return cascade_detector(d, s->cascade ? s->cascade : cname ? cname : rmn_detect_cascade_default(), &s->params);
    if (!md)
        return RMN_ERROR(RMN_ENOTFOUND, "--detector %s needs face-api's weights, not found in %s (install them "
                         "with .ci/install-deps or point RMN_FACE_MODELS at face-api's model/ folder)", name, looked);
    int rc = detector_open(d, kind, md);
    if (rc == RMN_OK && s->input_size)
        d->input_size = s->input_size;
    if (rc == RMN_OK && s->align)
        rc = rmn_detector_align(d, md);
    if (rc != RMN_OK)
        rmn_detector_close(d);
    return rc;
}
