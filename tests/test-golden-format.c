/* test-golden-format.c -- checks the PyTorch golden files in tests/data/golden/ (made by
 * tools/golden/make_golden.py): each opens with the C reader, holds exactly the tensors its
 * "tensors" metadata lists with the expected dtypes and shapes, and, for a few simple ops
 * recomputed here in plain C loops (relu, sigmoid, add/mul with broadcast, linear, softmax over
 * channels, cross entropy, SGD and the thesis's RAdam), the PyTorch output agrees within 1e-5
 * relative. The engine's own ops are checked against these files by the engine tests. */
#include "core/error.h"
#include "core/safetensors.h"
#include "tap.h"

#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#define TOL 1e-5
#define MIN_FILES 50 /* the set make_golden.py writes (49 cases + st_reference) */

// --- helpers -----------------------------------------------------------------------------

/* The tensor as a freshly allocated double array (numel in *n); NULL if absent. */
static double *load(const rmn_st_file *f, const char *name, size_t *n) {
    const rmn_st_tensor *t = rmn_st_find(f, name);
    if (!t)
        return NULL;
    double *a = malloc(((size_t)t->numel + 1) * sizeof *a);
    if (rmn_st_copy_f64(t, a, (size_t)t->numel) != RMN_OK) {
        free(a);
        return NULL;
    }
    if (n)
        *n = (size_t)t->numel;
    return a;
}

static double meta_num(const rmn_st_file *f, const char *key, double dflt) {
    const char *v = rmn_st_meta(f, key);
    return v ? strtod(v, NULL) : dflt;
}

/* Checks got[] against the file's tensor NAME: max over i of |got-want| / max(|want|, 1e-3 *
 * max|want|) must be <= TOL (relative, with a floor for elements near zero). */
static void check(const rmn_st_file *f, const char *name, const double *got, size_t n) {
    size_t  m = 0;
    double *want = load(f, name, &m);
    double  amax = 0, err = 0;
    size_t  worst = 0;
    for (size_t i = 0; want && i < m; ++i)
        amax = fmax(amax, fabs(want[i]));
    for (size_t i = 0; want && i < m && i < n; ++i) {
        double e = fabs(got[i] - want[i]) / fmax(fmax(fabs(want[i]), 1e-3 * amax), 1e-30);
        if (e > err) {
            err = e;
            worst = i;
        }
    }
    const char *base = strrchr(rmn_st_path(f), '/');
    TAP_OK(want && m == n && err <= TOL, "%s: %s (%zu values) matches C within %g (max rel err %.2e at %zu)",
           base ? base + 1 : rmn_st_path(f), name, n, TOL, err, worst);
    free(want);
}

static int64_t dim(const rmn_st_file *f, const char *name, int d) {
    const rmn_st_tensor *t = rmn_st_find(f, name);
    return t && d < t->ndim ? t->shape[d] : -1;
}

// --- structure of every file --------------------------------------------------------------

static int expected_dtype(const char *name) {
    if (strcmp(name, "target") == 0)
        return RMN_ST_I64;
    if (strcmp(name, "metrics") == 0 || strcmp(name, "lrs") == 0)
        return RMN_ST_F64;
    if (strcmp(name, "c_i32") == 0)
        return RMN_ST_I32;
    if (strcmp(name, "d_i64") == 0)
        return RMN_ST_I64;
    if (strcmp(name, "e_u8") == 0)
        return RMN_ST_U8;
    if (strcmp(name, "b_f64") == 0)
        return RMN_ST_F64;
    return RMN_ST_F32;
}

static int same_shape(const rmn_st_tensor *a, const rmn_st_tensor *b) {
    if (!a || !b || a->ndim != b->ndim)
        return 0;
    for (int d = 0; d < a->ndim; ++d)
        if (a->shape[d] != b->shape[d])
            return 0;
    return 1;
}

static void check_structure(const rmn_st_file *f, const char *file, const char *casename) {
    const char *op = rmn_st_meta(f, "op"), *list = rmn_st_meta(f, "tensors"), *c = rmn_st_meta(f, "case");
    TAP_OK(op && list && (strcmp(casename, "st_reference") == 0 || (c && strcmp(c, casename) == 0)),
           "%s: metadata has op (%s), tensors and case", file, op ? op : "-");
    if (!list)
        return;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", list);
    int nlisted = 0, present = 1, dtypes_ok = 1, grads_ok = 1;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        ++nlisted;
        const rmn_st_tensor *t = rmn_st_find(f, tok);
        if (!t) {
            present = 0;
            tap_diag("%s: missing tensor %s", file, tok);
            continue;
        }
        if (t->dtype != expected_dtype(tok)) {
            dtypes_ok = 0;
            tap_diag("%s: tensor %s has dtype %s", file, tok, rmn_st_dtype_name(t->dtype));
        }
        /* d<name> is the gradient of <name>: same shape; dy has y's shape */
        if (tok[0] == 'd' && tok[1] && rmn_st_find(f, tok + 1) && !same_shape(t, rmn_st_find(f, tok + 1))) {
            grads_ok = 0;
            tap_diag("%s: %s and %s differ in shape", file, tok, tok + 1);
        }
    }
    TAP_OK(present && nlisted == rmn_st_count(f), "%s: holds exactly the %d listed tensors (%d in file)", file,
           nlisted, rmn_st_count(f));
    TAP_OK(dtypes_ok && grads_ok, "%s: dtypes as expected, each gradient shaped like its tensor", file);
}

// --- ops recomputed in C --------------------------------------------------------------------

static void check_unary(const rmn_st_file *f, int sigmoid) {
    size_t  n = 0;
    double *x = load(f, "x", &n), *dy = load(f, "dy", NULL), *ty = load(f, "y", NULL);
    double *y = calloc(n, sizeof *y), *dx = calloc(n, sizeof *dx);
    for (size_t i = 0; x && dy && ty && i < n; ++i) {
        if (sigmoid) {
            y[i] = 1 / (1 + exp(-x[i]));
            /* the backward is a function of the forward output: use torch's float32 y, whose
             * last-bit rounding is amplified by 1 - y near saturation */
            dx[i] = dy[i] * ty[i] * (1 - ty[i]);
        } else {
            y[i] = x[i] > 0 ? x[i] : 0;
            dx[i] = x[i] > 0 ? dy[i] : 0;
        }
    }
    check(f, "y", y, n);
    check(f, "dx", dx, n);
    free(x), free(dy), free(ty), free(y), free(dx);
}

/* x:(N,C,H,W) x2:(N,C,1,1) or (N,1,H,W) y:(N,C,H,W); mul: y = x*x2, else y = x+x2. */
static void check_broadcast(const rmn_st_file *f, int mul) {
    int64_t N = dim(f, "x", 0), C = dim(f, "x", 1), H = dim(f, "x", 2), W = dim(f, "x", 3);
    int64_t C2 = dim(f, "x2", 1), H2 = dim(f, "x2", 2), W2 = dim(f, "x2", 3);
    size_t  n = 0, n2 = 0;
    double *x = load(f, "x", &n), *x2 = load(f, "x2", &n2), *dy = load(f, "dy", NULL);
    double *y = calloc(n, sizeof *y), *dx = calloc(n, sizeof *dx), *dx2 = calloc(n2, sizeof *dx2);
    for (int64_t a = 0; x && x2 && dy && a < N; ++a)
        for (int64_t c = 0; c < C; ++c)
            for (int64_t h = 0; h < H; ++h)
                for (int64_t w = 0; w < W; ++w) {
                    size_t i = (size_t)(((a * C + c) * H + h) * W + w);
                    size_t j = (size_t)(((a * C2 + (C2 == 1 ? 0 : c)) * H2 + (H2 == 1 ? 0 : h)) * W2 +
                                        (W2 == 1 ? 0 : w));
                    y[i] = mul ? x[i] * x2[j] : x[i] + x2[j];
                    dx[i] = mul ? dy[i] * x2[j] : dy[i];
                    dx2[j] += mul ? dy[i] * x[i] : dy[i];
                }
    check(f, "y", y, n);
    check(f, "dx", dx, n);
    check(f, "dx2", dx2, n2);
    free(x), free(x2), free(dy), free(y), free(dx), free(dx2);
}

/* x:(N,I) w:(O,I) b:(O) y:(N,O) */
static void check_linear(const rmn_st_file *f) {
    int64_t N = dim(f, "x", 0), I = dim(f, "x", 1), O = dim(f, "w", 0);
    double *x = load(f, "x", NULL), *w = load(f, "w", NULL), *b = load(f, "b", NULL), *dy = load(f, "dy", NULL);
    double *y = calloc((size_t)(N * O), sizeof *y), *dx = calloc((size_t)(N * I), sizeof *dx);
    double *dw = calloc((size_t)(O * I), sizeof *dw), *db = calloc((size_t)O, sizeof *db);
    for (int64_t n = 0; x && w && b && dy && n < N; ++n)
        for (int64_t o = 0; o < O; ++o) {
            double s = b[o], g = dy[n * O + o];
            for (int64_t i = 0; i < I; ++i) {
                s += x[n * I + i] * w[o * I + i];
                dx[n * I + i] += g * w[o * I + i];
                dw[o * I + i] += g * x[n * I + i];
            }
            y[n * O + o] = s;
            db[o] += g;
        }
    check(f, "y", y, (size_t)(N * O));
    check(f, "dx", dx, (size_t)(N * I));
    check(f, "dw", dw, (size_t)(O * I));
    check(f, "db", db, (size_t)O);
    free(x), free(w), free(b), free(dy), free(y), free(dx), free(dw), free(db);
}

/* x:(N,C,H,W) y:(N,C,H,W), softmax over C */
static void check_softmax(const rmn_st_file *f) {
    int64_t N = dim(f, "x", 0), C = dim(f, "x", 1), S = dim(f, "x", 2) * dim(f, "x", 3);
    size_t  n = 0;
    double *x = load(f, "x", &n), *dy = load(f, "dy", NULL), *ty = load(f, "y", NULL);
    double *y = calloc(n, sizeof *y), *dx = calloc(n, sizeof *dx);
    for (int64_t a = 0; x && dy && ty && a < N; ++a)
        for (int64_t s = 0; s < S; ++s) {
            double mx = -INFINITY, z = 0, dot = 0;
            for (int64_t c = 0; c < C; ++c)
                mx = fmax(mx, x[(a * C + c) * S + s]);
            for (int64_t c = 0; c < C; ++c)
                z += exp(x[(a * C + c) * S + s] - mx);
            for (int64_t c = 0; c < C; ++c) {
                size_t i = (size_t)((a * C + c) * S + s);
                y[i] = exp(x[i] - mx) / z;
                dot += ty[i] * dy[i]; /* the backward uses the forward output (torch's float32 y) */
            }
            for (int64_t c = 0; c < C; ++c) {
                size_t i = (size_t)((a * C + c) * S + s);
                dx[i] = ty[i] * (dy[i] - dot);
            }
        }
    check(f, "y", y, n);
    check(f, "dx", dx, n);
    free(x), free(dy), free(ty), free(y), free(dx);
}

/* x:(N,K) logits, target:(N) I64, w:(K) optional; y: mean (weighted) NLL, dx: dy * dy/dx */
static void check_cross_entropy(const rmn_st_file *f) {
    int64_t N = dim(f, "x", 0), K = dim(f, "x", 1);
    double *x = load(f, "x", NULL), *w = load(f, "w", NULL), *dy = load(f, "dy", NULL);
    int64_t *t = calloc((size_t)N, sizeof *t);
    const rmn_st_tensor *tt = rmn_st_find(f, "target");
    double  *p = calloc((size_t)(N * K), sizeof *p), *dx = calloc((size_t)(N * K), sizeof *dx);
    double   loss = 0, wsum = 0;
    if (x && dy && tt && rmn_st_copy_i64(tt, t, (size_t)N) == RMN_OK) {
        for (int64_t n = 0; n < N; ++n) {
            double mx = -INFINITY, z = 0, wn = w ? w[t[n]] : 1;
            for (int64_t k = 0; k < K; ++k)
                mx = fmax(mx, x[n * K + k]);
            for (int64_t k = 0; k < K; ++k)
                z += exp(x[n * K + k] - mx);
            for (int64_t k = 0; k < K; ++k)
                p[n * K + k] = exp(x[n * K + k] - mx) / z;
            loss += -wn * log(p[n * K + t[n]]);
            wsum += wn;
        }
        loss /= wsum;
        for (int64_t n = 0; n < N; ++n)
            for (int64_t k = 0; k < K; ++k)
                dx[n * K + k] = dy[0] * (w ? w[t[n]] : 1) * (p[n * K + k] - (k == t[n])) / wsum;
    }
    check(f, "y", &loss, 1);
    check(f, "dx", dx, (size_t)(N * K));
    free(x), free(w), free(dy), free(t), free(p), free(dx);
}

/* p0:(P) grads:(T,P) params:(T,P); torch.optim.SGD semantics (dampening 0), in float32 as
 * torch computes it (parameters pass near zero, where double would differ by float rounding). */
static void check_sgd(const rmn_st_file *f) {
    int64_t T = dim(f, "grads", 0), P = dim(f, "grads", 1);
    float   lr = (float)meta_num(f, "lr", NAN), mom = (float)meta_num(f, "momentum", NAN);
    float   wd = (float)meta_num(f, "weight_decay", NAN);
    int     nesterov = (int)meta_num(f, "nesterov", 0);
    double *p0 = load(f, "p0", NULL), *g = load(f, "grads", NULL);
    double *out = calloc((size_t)(T * P), sizeof *out);
    for (int64_t i = 0; p0 && g && i < P; ++i) {
        float p = (float)p0[i], buf = 0;
        for (int64_t t = 0; t < T; ++t) {
            float d = (float)g[t * P + i] + wd * p;
            if (mom != 0) {
                buf = t == 0 ? d : mom * buf + d;
                d = nesterov ? d + mom * buf : buf;
            }
            p -= lr * d;
            out[t * P + i] = p;
        }
    }
    check(f, "params", out, (size_t)(T * P));
    free(p0), free(g), free(out);
}

/* RAdam from thesis.md 4.2: decoupled weight decay before the update; rectified step when
 * rho_t >= 5, otherwise p -= lr / (1 - beta1^t) * m. */
static void check_radam(const rmn_st_file *f) {
    int64_t T = dim(f, "grads", 0), P = dim(f, "grads", 1);
    double  lr = meta_num(f, "lr", NAN), b1 = meta_num(f, "beta1", NAN), b2 = meta_num(f, "beta2", NAN);
    double  eps = meta_num(f, "eps", NAN), wd = meta_num(f, "weight_decay", NAN);
    double *p = load(f, "p0", NULL), *g = load(f, "grads", NULL);
    double *out = calloc((size_t)(T * P), sizeof *out), *m = calloc((size_t)P, sizeof *m),
           *v = calloc((size_t)P, sizeof *v);
    double rho_inf = 2 / (1 - b2) - 1;
    int    rectified = 0;
    for (int64_t t = 1; p && g && t <= T; ++t) {
        double b2t = pow(b2, (double)t), b1t = pow(b1, (double)t);
        double rho = rho_inf - 2 * (double)t * b2t / (1 - b2t);
        rectified += rho >= 5;
        for (int64_t i = 0; i < P; ++i) {
            double gi = g[(t - 1) * P + i];
            m[i] = b1 * m[i] + (1 - b1) * gi;
            v[i] = b2 * v[i] + (1 - b2) * gi * gi;
            p[i] -= wd * lr * p[i];
            if (rho >= 5) {
                double step = lr * sqrt((1 - b2t) * (rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho)) /
                              (1 - b1t);
                p[i] -= step * m[i] / (sqrt(v[i]) + eps);
            } else {
                p[i] -= lr / (1 - b1t) * m[i];
            }
            out[(t - 1) * P + i] = p[i];
        }
    }
    TAP_OK(rectified == 5 && T == 10, "radam_thesis: steps 1-5 un-adapted, 6-10 rectified (%d rectified)", rectified);
    check(f, "params", out, (size_t)(T * P));
    free(p), free(g), free(out), free(m), free(v);
}

static void check_reference(const rmn_st_file *f) {
    const double a[6] = {0.5, -1.25, 3.0, 2.375, -0.0625, 100.0};
    check(f, "a_f32", a, 6);
    int64_t d = 0;
    TAP_OK(rmn_st_copy_i64(rmn_st_find(f, "d_i64"), &d, 1) == RMN_OK && d == -9007199254740993LL,
           "st_reference: I64 scalar exact");
}

// --- main -----------------------------------------------------------------------------------

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(void) {
    const char *src = getenv("RMN_SRCDIR");
    char        dir[1024];
    snprintf(dir, sizeof dir, "%s/tests/data/golden", src ? src : ".");
    DIR  *d = opendir(dir);
    char *names[512];
    int   n = 0;
    for (struct dirent *e; d && (e = readdir(d)) && n < 512;) {
        size_t len = strlen(e->d_name);
        /* the op and optimizer cases of make_golden.py; the zoo-* networks of
         * make_zoo_golden.py have their own format, checked by test-zoo-golden */
        if (len > 12 && strcmp(e->d_name + len - 12, ".safetensors") == 0 && strncmp(e->d_name, "zoo-", 4) != 0)
            names[n++] = strdup(e->d_name);
    }
    if (d)
        closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_names);
    TAP_OK(n >= MIN_FILES, "%d golden files in %s (at least %d expected)", n, dir, MIN_FILES);

    int computed = 0;
    for (int i = 0; i < n; ++i) {
        char path[1600], casename[256];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        snprintf(casename, sizeof casename, "%.*s", (int)(strlen(names[i]) - 12), names[i]);
        rmn_st_file *f = NULL;
        int          rc = rmn_st_open(path, &f);
        TAP_OK(rc == RMN_OK, "%s opens: %s", names[i], rc ? rmn_error_message() : "ok");
        if (rc != RMN_OK)
            continue;
        check_structure(f, names[i], casename);
        const char *op = rmn_st_meta(f, "op");
        op = op ? op : "";
        int before = computed++;
        if (strcmp(op, "relu") == 0)
            check_unary(f, 0);
        else if (strcmp(op, "sigmoid") == 0)
            check_unary(f, 1);
        else if (strcmp(op, "add") == 0 || strcmp(op, "mul") == 0)
            check_broadcast(f, op[0] == 'm');
        else if (strcmp(op, "linear") == 0)
            check_linear(f);
        else if (strcmp(op, "softmax") == 0)
            check_softmax(f);
        else if (strcmp(op, "cross_entropy") == 0)
            check_cross_entropy(f);
        else if (strcmp(op, "sgd") == 0)
            check_sgd(f);
        else if (strcmp(op, "radam") == 0)
            check_radam(f);
        else if (strcmp(op, "st_reference") == 0)
            check_reference(f);
        else
            computed = before;
        rmn_st_close(f);
        free(names[i]);
    }
    /* relu sigmoid softmax linear, 2 add + 2 mul, 2 cross entropy, 4 sgd, radam, st_reference */
    TAP_OK(computed == 16, "%d files recomputed in C (16 expected)", computed);
    return tap_done();
}
