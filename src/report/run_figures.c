/* run_figures.c -- a training run's galleries and feature figure (run_figures.h): finds its
 * test predictions, its recorded data file and its best checkpoint, computes the Grad-CAM
 * tiles and the features, and hands the scripts to the report's drawer. */
#include "report/run_figures.h"

#include "core/error.h"
#include "data/fer2013.h"
#include "explain/cam.h"
#include "explain/figure.h"
#include "explain/render.h"
#include "image/image.h"
#include "nn/net.h"
#include "report/figures.h"
#include "report/paper.h"
#include "report/set.h"
#include "train/checkpoint.h"
#include "train/train_config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    const rmn_report_run *r;
    const char           *stem_run, *dir;
    int                   terms;
    FILE                 *log;
    rmn_fig_draw_fn       draw;
    rmn_dataset           ds;
    int                   have_ds;
    rmn_net              *net;    /* the best checkpoint's, or NULL */
    rmn_train_config      cfg;
    char                  ckpt[4200];
    float                *x;      /* one input (C, S, S) */
    uint8_t              *face;   /* (S, S) */
} run_ctx;

static void note(const run_ctx *c, const char *what) {
    if (c->log)
        fprintf(c->log, "rmn-report: %s: %s\n", c->r->name, what);
}

/* The run's newest test eval without TTA (0 when none). */
static int test_eval(rmn_store *s, int64_t run_id, int64_t *eval_id) {
    rmn_eval_summary *ev;
    int n;
    RMN_TRY(rmn_store_run_evals(s, run_id, &ev, &n));
    *eval_id = 0;
    for (int i = 0; i < n; ++i)
        if (strcmp(ev[i].split, "test") == 0 && ev[i].tta_n == 0)
            *eval_id = ev[i].eval_id;
    rmn_store_evals_free(ev);
    return RMN_OK;
}

/* The recorded data file (with the recorded sha256) and the best checkpoint, where they are. */
static int open_inputs(rmn_store *s, run_ctx *c) {
    rmn_run_detail d;
    rmn_kv *params = NULL, *tags = NULL;
    int np = 0, nt = 0;
    memset(&d, 0, sizeof d);
    int rc = rmn_store_run_detail(s, c->r->run_id, &d);
    if (rc == RMN_OK)
        rc = rmn_store_run_kv(s, c->r->run_id, "params", &params, &np);
    if (rc == RMN_OK)
        rc = rmn_store_run_kv(s, c->r->run_id, "tags", &tags, &nt);
    const char *data = NULL, *ckdir = NULL, *ferplus = NULL;
    for (int i = 0; i < np; ++i) {
        if (strcmp(params[i].key, "data") == 0)
            data = params[i].value;
        if (strcmp(params[i].key, "ferplus") == 0)
            ferplus = params[i].value;
    }
    for (int i = 0; i < nt; ++i)
        if (strcmp(tags[i].key, "checkpoint_dir") == 0)
            ckdir = tags[i].value;
    char msg[4400];
    const char *kind = c->r->dataset ? c->r->dataset : "FER2013";
    if (rc == RMN_OK && strcmp(kind, "FER2013") != 0 && strcmp(kind, "FERPlus") != 0) {
        snprintf(msg, sizeof msg, "galleries are drawn of FER2013's 48x48 faces, not of %s images", kind);
        note(c, msg);
    } else if (rc == RMN_OK && !data) {
        note(c, "records no data file: no gallery");
    } else if (rc == RMN_OK && access(data, R_OK) != 0) {
        snprintf(msg, sizeof msg, "its data file %s is not here: no gallery", data);
        note(c, msg);
    } else if (rc == RMN_OK) {
        rmn_dataset_options dopt = {.ferplus = ferplus};
        if (rmn_dataset_load_opts(data, &dopt, &c->ds) != RMN_OK) {
            snprintf(msg, sizeof msg, "its data file cannot be read (%s): no gallery", rmn_error_message());
            rmn_error_clear();
            note(c, msg);
        } else if (d.dataset_sha256 && strcmp(d.dataset_sha256, c->ds.sha256) != 0) {
            snprintf(msg, sizeof msg, "%s is not the data it was trained on (sha256 %s, recorded %s): "
                     "no gallery", data, c->ds.sha256, d.dataset_sha256);
            note(c, msg);
            rmn_dataset_free(&c->ds);
        } else {
            c->have_ds = 1;
        }
    }
    if (rc == RMN_OK && c->have_ds && ckdir) {
        snprintf(c->ckpt, sizeof c->ckpt, "%s/best.safetensors", ckdir);
        if (access(c->ckpt, R_OK) != 0 || rmn_checkpoint_open_model(c->ckpt, &c->net, &c->cfg) != RMN_OK) {
            snprintf(msg, sizeof msg, "best checkpoint %s unavailable (%s): galleries without Grad-CAM",
                     c->ckpt, access(c->ckpt, R_OK) != 0 ? "absent" : rmn_error_message());
            rmn_error_clear();
            note(c, msg);
            c->net = NULL;
        }
    } else if (rc == RMN_OK && c->have_ds) {
        note(c, "records no checkpoint directory: galleries without Grad-CAM");
    }
    if (rc == RMN_OK && c->net) {
        int ch, h, w;
        rmn_net_input_shape(c->net, &ch, &h, &w);
        c->x = malloc((size_t)ch * h * w * sizeof *c->x);
        c->face = malloc((size_t)h * w);
        if (!c->x || !c->face)
            rc = RMN_ERROR(RMN_ENOMEM, "out of memory");
    }
    rmn_kv_free(params, np);
    rmn_kv_free(tags, nt);
    rmn_run_detail_free(&d);
    return rc;
}

/* tile:(48, 48, 3) of test image idx: the face, with its Grad-CAM blended over it when there
 * is a net (jet, alpha 0.5, scaled to the map's maximum). */
static int make_tile(run_ctx *c, int idx, uint8_t *tile) {
    const rmn_split_data *sp = &c->ds.split[RMN_SPLIT_TEST];
    const uint8_t *px = sp->pixels + (size_t)idx * RMN_FER_PIXELS;
    for (int p = 0; p < RMN_FER_PIXELS; ++p)
        tile[3 * p] = tile[3 * p + 1] = tile[3 * p + 2] = px[p];
    if (!c->net)
        return RMN_OK;
    int ch, s, w;
    rmn_net_input_shape(c->net, &ch, &s, &w);
    rmn_image_resize_u8(px, RMN_FER_SIDE, RMN_FER_SIDE, RMN_FER_SIDE, c->face, s, s);
    rmn_explain_input(c->face, s, ch, c->x);
    rmn_explanation e;
    RMN_TRY(rmn_explain(c->net, c->x, -1, -1, RMN_CAM_GRADCAM, 0, &e));
    float mx = 0;
    for (int p = 0; p < s * s; ++p)
        mx = fmaxf(mx, e.cam_up[p]);
    for (int y = 0; y < 48; ++y)
        for (int x = 0; x < 48; ++x) { /* the map's pixel under this one's centre */
            const int sy = (int)((y + 0.5) * s / 48), sx = (int)((x + 0.5) * s / 48);
            const double v = mx > 0 ? e.cam_up[sy * s + sx] / mx : 0;
            const rmn_rgb j = rmn_colormap_jet(v);
            uint8_t *t = tile + 3 * (y * 48 + x);
            t[0] = (uint8_t)lround(0.5 * t[0] + 0.5 * j.r);
            t[1] = (uint8_t)lround(0.5 * t[1] + 0.5 * j.g);
            t[2] = (uint8_t)lround(0.5 * t[2] + 0.5 * j.b);
        }
    rmn_explanation_free(&e);
    return RMN_OK;
}

static int galleries(rmn_store *s, run_ctx *c, int64_t eval_id) {
    rmn_eval_data ev;
    RMN_TRY(rmn_store_eval_load(s, eval_id, &ev));
    int rc = RMN_OK;
    const int nc = ev.n_classes;
    if (nc > RMN_REPORT_MAX_CLASSES || nc != c->ds.n_classes)
        rc = RMN_ERROR(RMN_EINVAL, "run %s: galleries of %d classes (the data has %d; at most %d drawn)",
                       c->r->name, nc, c->ds.n_classes, RMN_REPORT_MAX_CLASSES);
    char bufs[RMN_REPORT_MAX_CLASSES][32];
    const char *names[RMN_REPORT_MAX_CLASSES];
    for (int k = 0; rc == RMN_OK && k < nc; ++k)
        names[k] = rmn_report_class_name(c->r, nc, k, bufs[k], sizeof bufs[k]);
    uint8_t *tiles = malloc((size_t)2 * RMN_GALLERY_N * 48 * 48 * 3);
    if (rc == RMN_OK && !tiles)
        rc = RMN_ERROR(RMN_ENOMEM, "out of memory for a gallery");
    for (int k = 0; k < nc && rc == RMN_OK; ++k) {
        rmn_gallery_pick right[RMN_GALLERY_N], wrong[RMN_GALLERY_N];
        int nr, nw;
        rmn_gallery_select(&ev, k, RMN_GALLERY_N, right, &nr, wrong, &nw);
        for (int t = 0; t < nr + nw && rc == RMN_OK; ++t) {
            const int idx = t < nr ? right[t].sample_idx : wrong[t - nr].sample_idx;
            if (idx < 0 || idx >= c->ds.split[RMN_SPLIT_TEST].n)
                rc = RMN_ERROR(RMN_EINVAL, "run %s: test sample %d outside the data's test split "
                               "of %d", c->r->name, idx, c->ds.split[RMN_SPLIT_TEST].n);
            else
                rc = make_tile(c, idx, tiles + (size_t)t * 48 * 48 * 3);
        }
        char stem[400], title[600], *script = NULL;
        char safe[64];
        rmn_fig_safe_name(safe, sizeof safe, names[k]);
        snprintf(stem, sizeof stem, "gallery-%s-%s", c->stem_run, safe);
        snprintf(title, sizeof title, "%s, test, true %s: most confidently right (top), wrong (bottom)%s",
                 c->r->name, names[k],
                 c->net ? "; Grad-CAM of the predicted class" : "; no checkpoint: no Grad-CAM");
        if (rc == RMN_OK)
            rc = rmn_fig_gallery_script(right, nr, wrong, nw, tiles, names, title, stem, c->terms, &script);
        if (rc == RMN_OK)
            rc = c->draw(c->dir, stem, script, c->log);
        free(script);
    }
    free(tiles);
    rmn_eval_data_free(&ev);
    return rc;
}

/* feat:(n, d) of what the classifier reads for split's images, eval mode. */
static int split_features(run_ctx *c, int split, int fv, int d, float *feat) {
    const rmn_split_data *sp = &c->ds.split[split];
    int ch, s, w;
    rmn_net_input_shape(c->net, &ch, &s, &w);
    enum { B = 32 };
    const size_t per = (size_t)ch * s * s;
    float *x = malloc(B * per * sizeof *x);
    if (!x)
        return RMN_ERROR(RMN_ENOMEM, "out of memory");
    int rc = rmn_net_plan(c->net, B);
    for (int start = 0; start < sp->n && rc == RMN_OK; start += B) {
        const int b = sp->n - start < B ? sp->n - start : B;
        for (int i = 0; i < b; ++i) {
            rmn_image_resize_u8(sp->pixels + (size_t)(start + i) * RMN_FER_PIXELS, RMN_FER_SIDE,
                                RMN_FER_SIDE, RMN_FER_SIDE, c->face, s, s);
            rmn_explain_input(c->face, s, ch, x + (size_t)i * per);
        }
        rc = rmn_net_forward(c->net, x, b, 0, NULL);
        for (int i = 0; i < b && rc == RMN_OK; ++i)
            rc = rmn_net_value_read(c->net, fv, i, feat + (size_t)(start + i) * d, NULL);
    }
    free(x);
    return rc;
}

static int features(run_ctx *c) {
    float *centers = NULL;
    int k, d;
    if (rmn_checkpoint_read_centers(c->ckpt, &centers, &k, &d) != RMN_OK) {
        char msg[600];
        snprintf(msg, sizeof msg, "no centers in its best checkpoint (%s): no feature figure",
                 rmn_error_message());
        rmn_error_clear();
        note(c, msg);
        return RMN_OK;
    }
    const int fv = rmn_net_value_classifier_input(c->net);
    int fc = 0, fh = 0, fw = 0;
    if (fv >= 0)
        rmn_net_value_shape(c->net, fv, &fc, &fh, &fw);
    const int nv = c->ds.split[RMN_SPLIT_VAL].n, nt = c->ds.split[RMN_SPLIT_TEST].n;
    if (fv < 0 || fc * fh * fw != d || k != c->ds.n_classes || k > 10 || nv + nt < 2) {
        free(centers);
        return RMN_ERROR(RMN_EFORMAT, "%s: centers (%d, %d) do not fit the net's features (%d) or "
                         "the data", c->ckpt, k, d, fc * fh * fw);
    }
    float *feat = malloc((size_t)(nv + nt) * d * sizeof *feat);
    float *p2 = malloc((size_t)(nv + nt) * 2 * sizeof *p2), c2[2 * 10];
    int32_t *labels = malloc((size_t)(nv + nt) * sizeof *labels);
    int rc = feat && p2 && labels ? RMN_OK : RMN_ERROR(RMN_ENOMEM, "out of memory for features");
    if (rc == RMN_OK)
        rc = split_features(c, RMN_SPLIT_VAL, fv, d, feat);
    if (rc == RMN_OK)
        rc = split_features(c, RMN_SPLIT_TEST, fv, d, feat + (size_t)nv * d);
    if (rc == RMN_OK)
        rc = rmn_features_pca2(feat, nv + nt, d, centers, k, p2, c2);
    for (int i = 0; rc == RMN_OK && i < nv + nt; ++i)
        labels[i] = i < nv ? c->ds.split[RMN_SPLIT_VAL].labels[i]
                           : c->ds.split[RMN_SPLIT_TEST].labels[i - nv];
    char stem[400], title[600], *script = NULL;
    snprintf(stem, sizeof stem, "features-%s", c->stem_run);
    snprintf(title, sizeof title, "%s: %s features (%d-d%s), center loss lambda %g, alpha %g", c->r->name,
             c->cfg.arch, d, d == 2 ? "" : ", first two principal axes", c->cfg.center_loss_weight,
             c->cfg.center_lr);
    if (rc == RMN_OK)
        rc = rmn_fig_features_script(p2, labels, nv, p2 + (size_t)nv * 2, labels + nv, nt, c2, k,
                                     (const char *const *)c->ds.class_names, d == 2 ? "f" : "p", title, stem,
                                     c->terms, &script);
    if (rc == RMN_OK)
        rc = c->draw(c->dir, stem, script, c->log);
    free(script);
    free(feat);
    free(p2);
    free(labels);
    free(centers);
    return rc;
}

int rmn_report_run_figures(rmn_store *s, const rmn_report_set *set, int i, const char *stem_run,
                           const char *dir, int terms, FILE *log, rmn_fig_draw_fn draw) {
    const rmn_report_run *r = &set->runs[i];
    if (r->ensemble)
        return RMN_OK;
    int64_t eval_id;
    RMN_TRY(test_eval(s, r->run_id, &eval_id));
    if (!eval_id)
        return RMN_OK; /* no stored test evaluation: nothing to show */
    run_ctx c;
    memset(&c, 0, sizeof c);
    c.r = r;
    c.stem_run = stem_run;
    c.dir = dir;
    c.terms = terms;
    c.log = log;
    c.draw = draw;
    int rc = open_inputs(s, &c);
    if (rc == RMN_OK && c.have_ds)
        rc = galleries(s, &c, eval_id);
    if (rc == RMN_OK && c.net && c.cfg.center_loss_weight > 0)
        rc = features(&c);
    rmn_net_free(c.net);
    free(c.x);
    free(c.face);
    if (c.have_ds)
        rmn_dataset_free(&c.ds);
    return rc;
}
