/* test-explain.c -- explanations (src/explain/cam.h) and the engine API under them:
 *  - Grad-CAM, Grad-CAM++ and the mask maps of democnn (width 8), resnet18 (width 8) and
 *    resmasking_dropout1 (width 4) at the 48 profile against PyTorch
 *    (tools/golden/make_explain_golden.py, float64, tests/data/explain/): every map within
 *    1e-4 of the reference's largest value, the logits within 1e-4 relative;
 *  - finite differences: the gradient rmn_net_value_read returns for a blocked (nChw16c)
 *    value is the derivative of the class score (a net whose first conv copies the input, so
 *    a perturbed input coordinate is a perturbed activation coordinate);
 *  - value names (unique, stage and mask names), errors for unknown names, reads without a
 *    forward or backward, and the value reads of a training forward's fused intermediates.
 * Weights and input come from make_zoo_golden.py's formula (fill() as in test-zoo-golden). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "models/model.h"
#include "core/safetensors.h"
#include "explain/cam.h"
#include "nn/graph.h"
#include "tap.h"

static uint32_t fnv1a(const char *s) {
    uint32_t h = 2166136261u;
    for (; *s; ++s)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static double hashu(size_t i, uint32_t h) {
    return (double)(uint32_t)((uint64_t)i * 2654435761u + h) / 4294967296.0;
}

static void fill(const rmn_tensor_ref *t) {
    size_t n = 1;
    for (int d = 0; d < t->ndim; ++d)
        n *= (size_t)t->shape[d];
    const size_t nl = strlen(t->name);
    const int is_weight = nl >= 6 && strcmp(t->name + nl - 6, "weight") == 0;
    const uint32_t h = fnv1a(t->name);
    for (size_t i = 0; i < n; ++i) {
        const double v = 2.0 * hashu(i, h) - 1.0;
        t->data[i] = (float)(t->ndim >= 2 ? v * sqrt(6.0 / ((double)n / (double)t->shape[0]))
                                          : is_weight ? 1.0 + 0.2 * v : 0.1 * v);
    }
}

/* worst |a - ref| / max|ref| over n values; *ok &= worst <= tol */
static double compare(const char *what, const float *a, const rmn_st_file *f, const char *name,
                      size_t n, double tol, int *ok) {
    const rmn_st_tensor *t = rmn_st_find(f, name);
    double *ref = calloc(n, sizeof *ref);
    if (!t || !ref || (size_t)t->numel != n || rmn_st_copy_f64(t, ref, n) != RMN_OK) {
        tap_diag("%s: reference %s missing or of another size", what, name);
        free(ref);
        *ok = 0;
        return INFINITY;
    }
    double mx = 0, worst = 0;
    for (size_t i = 0; i < n; ++i)
        mx = fmax(mx, fabs(ref[i]));
    for (size_t i = 0; i < n; ++i)
        worst = fmax(worst, fabs(a[i] - ref[i]) / fmax(mx, 1e-30));
    if (!(worst <= tol)) {
        tap_diag("%s: %s off by %.3g of its max %.4g", what, name, worst, mx);
        *ok = 0;
    }
    free(ref);
    return worst;
}

static void golden_case(const char *dir, const char *name) {
    char path[2048];
    snprintf(path, sizeof path, "%s/%s.safetensors", dir, name);
    rmn_st_file *f = NULL;
    if (rmn_st_open(path, &f) != RMN_OK) {
        TAP_OK(0, "%s: %s", path, rmn_error_message());
        return;
    }
    const char *arch = rmn_st_meta(f, "arch"), *layer = rmn_st_meta(f, "layer"),
               *cls = rmn_st_meta(f, "class"), *method = rmn_st_meta(f, "method"),
               *masks = rmn_st_meta(f, "masks"), *width = rmn_st_meta(f, "width");
    rmn_model_config cfg = {.in_channels = 1, .image_size = 48, .num_classes = 7,
                            .width = width ? atoi(width) : 0};
    rmn_net *net = NULL;
    if (!arch || !layer || !cls || !method || !masks ||
        rmn_model_create(arch, &cfg, &net) != RMN_OK) {
        TAP_OK(0, "%s: metadata and model (%s)", name, rmn_error_message());
        rmn_st_close(f);
        return;
    }
    const rmn_tensor_ref *list;
    int nt;
    rmn_net_tensors(net, &list, &nt);
    const char *var = rmn_st_meta(f, "running_var");
    for (int i = 0; i < nt; ++i) {
        const size_t nl = strlen(list[i].name);
        if (list[i].trainable)
            fill(&list[i]);
        else if (var && nl > 11 && strcmp(list[i].name + nl - 11, "running_var") == 0)
            for (int64_t j = 0; j < list[i].shape[0]; ++j)
                list[i].data[j] = (float)atof(var);
    }
    static float x[48 * 48];
    for (int i = 0; i < 48 * 48; ++i)
        x[i] = (float)hashu((size_t)i, 12345);
    int v = -1;
    int rc = rmn_net_value_find(net, layer, &v);
    TAP_OK(rc == RMN_OK, "%s: layer '%s' found (%s)", name, layer, rc ? rmn_error_message() : "ok");
    if (strcmp(layer, "layer4.masked") == 0 || strcmp(layer, "bn4.relu") == 0 ||
        (strcmp(layer, "layer4") == 0 && strcmp(arch, "resnet18") == 0))
        TAP_OK(v == rmn_net_value_last_spatial(net), "%s: '%s' is the default layer", name,
               layer);
    rmn_explanation e;
    const int want_masks = atoi(masks);
    rc = rc ? rc
            : rmn_explain(net, x, v, atoi(cls),
                          strcmp(method, "gradcam++") == 0 ? RMN_CAM_GRADCAM_PP : RMN_CAM_GRADCAM,
                          want_masks, &e);
    TAP_OK(rc == RMN_OK, "%s: explains (%s)", name, rc ? rmn_error_message() : "ok");
    if (rc != RMN_OK) {
        rmn_net_free(net);
        rmn_st_close(f);
        return;
    }
    const rmn_st_tensor *tc = rmn_st_find(f, "class");
    int64_t want_cls = -1;
    double want_logits[7];
    int ok = tc && rmn_st_copy_i64(tc, &want_cls, 1) == RMN_OK && want_cls == e.cls;
    TAP_OK(ok, "%s: class %d (reference %lld)", name, e.cls, (long long)want_cls);
    ok = rmn_st_find(f, "logits") &&
         rmn_st_copy_f64(rmn_st_find(f, "logits"), want_logits, 7) == RMN_OK;
    double lw = 0;
    for (int k = 0; ok && k < 7; ++k)
        lw = fmax(lw, fabs(e.logits[k] - want_logits[k]) / fmax(fabs(want_logits[k]), 1e-2));
    TAP_OK(ok && lw <= 1e-4, "%s: logits match PyTorch (worst relative %.2e)", name, lw);
    ok = 1;
    const double w1 = compare(name, e.cam, f, "cam", (size_t)e.h * e.w, 1e-4, &ok);
    const double w2 = compare(name, e.cam_up, f, "cam_up", 48 * 48, 1e-4, &ok);
    TAP_OK(ok, "%s: %s at %s (%dx%d) matches PyTorch within 1e-4 of its max (%.1e; upsampled "
           "%.1e)", name, method, layer, e.h, e.w, w1, w2);
    if (want_masks) {
        ok = e.n_masks == 4;
        double worst = 0;
        for (int k = 0; ok && k < 4; ++k) {
            char a[16], b[16];
            snprintf(a, sizeof a, "mask%d", k + 1);
            snprintf(b, sizeof b, "mask%d_up", k + 1);
            worst = fmax(worst,
                         compare(name, e.mask[k], f, a, (size_t)e.mh[k] * e.mw[k], 1e-4, &ok));
            worst = fmax(worst, compare(name, e.mask_up[k], f, b, 48 * 48, 1e-4, &ok));
        }
        TAP_OK(ok, "%s: the four mask maps match PyTorch within 1e-4 of their max (%.1e)", name,
               worst);
    }
    rmn_explanation_free(&e);
    rmn_net_free(net);
    rmn_st_close(f);
}

/* input (16,8,8) -> conv1x1 "copy" (identity weights) -> A (blocked where the backend blocks)
 * -> conv3x3 "c2" + bn "b2" + relu -> maxpool 2 -> conv3x3 "c3" + relu -> gap -> fc (5) */
static void finite_differences(void) {
    rmn_net *net = NULL;
    int x = 0, a, t;
    int rc = rmn_net_alloc(&net, "fdnet", 16, 8, 8);
    rc = rc ? rc : rmn_net_add_conv2d(net, "copy", x, 16, 1, 1, 0, 0, &a);
    rc = rc ? rc : rmn_net_add_conv2d(net, "c2", a, 16, 3, 1, 1, 0, &t);
    rc = rc ? rc : rmn_net_add_bn2d(net, "b2", t, &t);
    rc = rc ? rc : rmn_net_add_relu(net, t, &t);
    rc = rc ? rc : rmn_net_add_maxpool2d(net, t, 2, 2, 0, &t);
    rc = rc ? rc : rmn_net_add_conv2d(net, "c3", t, 32, 3, 1, 1, 1, &t);
    rc = rc ? rc : rmn_net_add_relu(net, t, &t);
    rc = rc ? rc : rmn_net_add_gap(net, t, &t);
    rc = rc ? rc : rmn_net_add_linear(net, "fc", t, 5, 1, &t);
    rc = rc ? rc : rmn_net_finalize(net, t, 7);
    TAP_OK(rc == RMN_OK, "fd net builds (%s)", rc ? rmn_error_message() : "ok");
    if (rc != RMN_OK) {
        rmn_net_free(net);
        return;
    }
    const rmn_tensor_ref *list;
    int nt;
    rmn_net_tensors(net, &list, &nt);
    for (int i = 0; i < nt; ++i) {
        if (strcmp(list[i].name, "copy.weight") == 0) {
            memset(list[i].data, 0, 16 * 16 * sizeof(float));
            for (int c = 0; c < 16; ++c)
                list[i].data[c * 16 + c] = 1.0f;
        } else if (strcmp(list[i].name, "b2.running_var") == 0) {
            for (int c = 0; c < 16; ++c)
                list[i].data[c] = 0.5f + 0.1f * c;
        } else if (list[i].trainable) {
            fill(&list[i]);
        }
    }
    static float in[16 * 64], g[16 * 64], act[16 * 64];
    for (int i = 0; i < 16 * 64; ++i)
        in[i] = (float)(2 * hashu((size_t)i, 99) - 1);
    const int cls = 2;
    float onehot[5] = {0, 0, 1, 0, 0};
    rc = rmn_net_forward(net, in, 1, 0, NULL);
    rc = rc ? rc : rmn_net_backward_from(net, onehot);
    rc = rc ? rc : rmn_net_value_read(net, a, 0, act, g);
    TAP_OK(rc == RMN_OK, "fd net: forward, backward from a one-hot, read (%s)",
           rc ? rmn_error_message() : "ok");
    TAP_OK(net->values[a].blocked || !net->ops.blocked16 || getenv("RMN_DNNL_BLOCKED"),
           "value '%s' is %s", rmn_net_value_name(net, a),
           net->values[a].blocked ? "blocked (nChw16c)" : "plain (the backend does not block)");
    TAP_OK(memcmp(act, in, sizeof act) == 0, "the copied activation reads back in NCHW order");
    double worst = 0, gmax = 0;
    for (int i = 0; i < 16 * 64; ++i)
        gmax = fmax(gmax, fabs(g[i]));
    static const int coords[] = {0, 17, 64 + 9, 5 * 64 + 35, 11 * 64 + 63, 15 * 64 + 28};
    for (size_t j = 0; j < sizeof coords / sizeof coords[0]; ++j) {
        const int i = coords[j];
        const float h = 1e-2f, keep = in[i];
        double s[2];
        for (int side = 0; side < 2; ++side) {
            in[i] = keep + (side ? -h : h);
            rc |= rmn_net_forward(net, in, 1, 0, NULL);
            s[side] = rmn_net_logits(net)[cls];
        }
        in[i] = keep;
        const double fd = (s[0] - s[1]) / (2.0 * h);
        worst = fmax(worst, fabs(fd - g[i]) / gmax);
        tap_diag("d score / d A[%d]: %.6g, finite difference %.6g", i, g[i], fd);
    }
    TAP_OK(rc == RMN_OK && worst <= 2e-3 && gmax > 0,
           "fd net: the layer gradient is the class score's derivative (worst %.1e of max |g|)",
           worst);
    rmn_net_free(net);
}

static void names_and_errors(void) {
    rmn_model_config cfg = {.in_channels = 1, .image_size = 48, .num_classes = 7, .width = 4};
    rmn_net *net = NULL;
    int rc = rmn_model_create("resmasking_dropout1", &cfg, &net);
    TAP_OK(rc == RMN_OK, "resmasking_dropout1 builds");
    if (rc != RMN_OK)
        return;
    int dup = 0;
    const int n = rmn_net_value_count(net);
    for (int i = 0; i < n && !dup; ++i)
        for (int j = i + 1; j < n; ++j)
            dup |= strcmp(rmn_net_value_name(net, i), rmn_net_value_name(net, j)) == 0;
    TAP_OK(!dup, "%d values, all names unique", n);
    int v, ok = 1;
    const char *want[] = {"input", "layer1", "layer4", "mask1", "mask4", "layer4.masked", "fc",
                          "layer4.2.conv2", "mask4.final.bn2"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; ++i)
        ok &= rmn_net_value_find(net, want[i], &v) == RMN_OK;
    TAP_OK(ok, "stage, mask and layer names found");
    TAP_OK(rmn_explain_mask_count(net) == 4, "four masks");
    rc = rmn_net_value_find(net, "layer9", &v);
    TAP_OK(rc == RMN_ENOTFOUND && strstr(rmn_error_message(), "layer9"),
           "unknown name: %s", rmn_error_message());
    float buf[8];
    rc = rmn_net_value_read(net, 1, 0, buf, NULL);
    TAP_OK(rc == RMN_EINVAL, "read before a forward refused: %s", rmn_error_message());
    rmn_net_free(net);
    rc = rmn_model_create("resmasking_naive_dropout1", &cfg, &net);
    v = -2;
    rc = rc ? rc : rmn_net_value_find(net, "layer4", &v);
    TAP_OK(rc == RMN_OK && rmn_net_value_last_spatial(net) == v,
           "resmasking_naive_dropout1 (masks built, not applied): the default layer is layer4, "
           "not mask4");
    rmn_net_free(net);

    cfg.width = 8;
    rc = rmn_model_create("democnn", &cfg, &net);
    static float x[2 * 48 * 48], big[32 * 48 * 48];
    for (int i = 0; i < 2 * 48 * 48; ++i)
        x[i] = (float)hashu((size_t)i, 5);
    rmn_rng rng;
    rmn_rng_init(&rng, 1, 0);
    rc = rc ? rc : rmn_net_forward(net, x, 2, 1, &rng);
    int bn1 = -1, relu1 = -1;
    rc = rc ? rc : rmn_net_value_find(net, "bn1", &bn1);
    rc = rc ? rc : rmn_net_value_find(net, "bn1.relu", &relu1);
    TAP_OK(rc == RMN_OK, "democnn: training forward");
    TAP_OK(rmn_net_value_read(net, relu1, 1, big, NULL) == RMN_OK,
           "training forward: the fused ReLU's output reads");
    rc = rmn_net_value_read(net, bn1, 0, big, NULL);
    TAP_OK(rc == RMN_EINVAL || !net->nodes[0].fuse_next,
           "training forward: the fused-away batch norm output is refused (%s)",
           rc ? rmn_error_message() : "not fused on this backend");
    rc = rmn_net_value_read(net, relu1, 0, NULL, big);
    TAP_OK(rc == RMN_EINVAL, "gradient before a backward refused: %s", rmn_error_message());
    rc = rmn_net_value_read(net, relu1, 2, big, NULL);
    TAP_OK(rc == RMN_EINVAL, "sample outside the batch refused: %s", rmn_error_message());
    rmn_explanation e;
    rc = rmn_explain(net, x, -1, 7, RMN_CAM_GRADCAM, 0, &e);
    TAP_OK(rc == RMN_EINVAL && strstr(rmn_error_message(), "class 7"),
           "class out of range: %s", rmn_error_message());
    rc = rmn_explain(net, x, 0, -1, RMN_CAM_GRADCAM, 0, &e);
    TAP_OK(rc == RMN_EINVAL, "the input as layer: %s", rmn_error_message());
    rc = rmn_explain(net, x, -1, -1, RMN_CAM_GRADCAM, 1, &e);
    TAP_OK(rc == RMN_OK && e.n_masks == 0, "masks asked of a net without masks: none");
    if (rc == RMN_OK)
        rmn_explanation_free(&e);
    rmn_net_free(net);
}

int main(void) {
    const char *src = getenv("RMN_SRCDIR");
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/data/explain", src ? src : ".");
    static const char *const cases[] = {"explain-democnn",        "explain-democnn-pp",
                                        "explain-resnet18",       "explain-resnet18-layer3",
                                        "explain-resmasking",     "explain-resmasking-layer2"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i)
        golden_case(dir, cases[i]);
    finite_differences();
    names_and_errors();
    return tap_done();
}
