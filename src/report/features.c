/* features.c -- the center-loss feature figure (run_figures.h): a projection on the first two
 * principal axes (GSL) and its gnuplot script, val and test side by side, centers marked. */
#include "report/run_figures.h"

#include "core/error.h"
#include "report/figures.h"
#include "report/fig_util.h"
#include "report/format.h"
#include "report/paper.h"

#include <gsl/gsl_eigen.h>
#include <gsl/gsl_matrix.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int rmn_features_pca2(const float *x, int n, int d, const float *c, int k, float *x2, float *c2) {
    if (d == 2) {
        memcpy(x2, x, (size_t)n * 2 * sizeof *x2);
        memcpy(c2, c, (size_t)k * 2 * sizeof *c2);
        return RMN_OK;
    }
    if (n < 2 || d < 2)
        return RMN_ERROR(RMN_EINVAL, "a projection needs 2 or more points of 2 or more dimensions "
                         "(%d of %d)", n, d);
    double *mean = calloc((size_t)d, sizeof *mean);
    gsl_matrix *cov = gsl_matrix_calloc((size_t)d, (size_t)d), *vec = gsl_matrix_alloc((size_t)d, (size_t)d);
    gsl_vector *val = gsl_vector_alloc((size_t)d);
    gsl_eigen_symmv_workspace *ws = gsl_eigen_symmv_alloc((size_t)d);
    int rc = RMN_OK;
    if (!mean || !cov || !vec || !val || !ws) {
        rc = RMN_ERROR(RMN_ENOMEM, "out of memory for a %d-d projection", d);
        goto done;
    }
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < d; ++j)
            mean[j] += x[(size_t)i * d + j] / (double)n;
    for (int i = 0; i < n; ++i) { /* the upper triangle of sum (x - mean)(x - mean)^T */
        const float *xi = x + (size_t)i * d;
        for (int a = 0; a < d; ++a) {
            const double da = xi[a] - mean[a];
            double *row = gsl_matrix_ptr(cov, (size_t)a, 0);
            for (int b2 = a; b2 < d; ++b2)
                row[b2] += da * (xi[b2] - mean[b2]);
        }
    }
    for (int a = 0; a < d; ++a)
        for (int b2 = 0; b2 < a; ++b2)
            gsl_matrix_set(cov, (size_t)a, (size_t)b2, gsl_matrix_get(cov, (size_t)b2, (size_t)a));
    gsl_eigen_symmv(cov, val, vec, ws);
    gsl_eigen_symmv_sort(val, vec, GSL_EIGEN_SORT_VAL_DESC);
    double axis[2][4096 + 1];
    if (d > 4096) {
        rc = RMN_ERROR(RMN_EINVAL, "features of %d dimensions (at most 4096 projected)", d);
        goto done;
    }
    for (int p = 0; p < 2; ++p) {
        int big = 0;
        for (int j = 0; j < d; ++j) {
            axis[p][j] = gsl_matrix_get(vec, (size_t)j, (size_t)p);
            if (fabs(axis[p][j]) > fabs(axis[p][big]))
                big = j;
        }
        if (axis[p][big] < 0) /* a fixed sign: the same figure from the same features */
            for (int j = 0; j < d; ++j)
                axis[p][j] = -axis[p][j];
    }
    for (int which = 0; which < 2; ++which) {
        const float *src = which ? c : x;
        float *dst = which ? c2 : x2;
        const int m = which ? k : n;
        for (int i = 0; i < m; ++i)
            for (int p = 0; p < 2; ++p) {
                double s = 0;
                for (int j = 0; j < d; ++j)
                    s += (src[(size_t)i * d + j] - mean[j]) * axis[p][j];
                dst[(size_t)i * 2 + p] = (float)s;
            }
    }
done:
    free(mean);
    gsl_matrix_free(cov);
    gsl_matrix_free(vec);
    gsl_vector_free(val);
    gsl_eigen_symmv_free(ws);
    return rc;
}

static const char *const CLASS_COLOURS[10] = {"#d62728", "#8c564b", "#9467bd", "#2ca02c", "#1f77b4",
                                              "#ff7f0e", "#7f7f7f", "#e377c2", "#bcbd22", "#17becf"};

static void points(rmn_sbuf *b, const char *name, const float *p, const int32_t *labels, int n) {
    rmn_sbuf_printf(b, "$%s << EOD\n# x y label\n", name);
    for (int i = 0; i < n; ++i) {
        char x[40], y[40];
        rmn_sbuf_printf(b, "%s %s %d\n", rmn_fmt_fixed(x, sizeof x, p[2 * i], 5, "0"),
                        rmn_fmt_fixed(y, sizeof y, p[2 * i + 1], 5, "0"), (int)labels[i]);
    }
    rmn_sbuf_puts(b, "EOD\n");
}

int rmn_fig_features_script(const float *val, const int32_t *val_labels, int n_val,
                            const float *test, const int32_t *test_labels, int n_test,
                            const float *centers, int k, const char *const *class_names,
                            const char *axes, const char *title, const char *stem, int terms,
                            char **script) {
    *script = NULL;
    RMN_TRY(rmn_fig_check_stem(stem));
    if (k < 1 || k > 10 || (!class_names && k > 7))
        return RMN_ERROR(RMN_EINVAL, "a feature figure of %d classes (1..10 drawn)", k);
    if (!class_names)
        class_names = rmn_fer_classes;
    rmn_sbuf b = {0};
    rmn_fig_header(&b, stem, "center-loss features of val and test per class, centers marked");
    points(&b, "val", val, val_labels, n_val);
    points(&b, "test", test, test_labels, n_test);
    rmn_sbuf_puts(&b, "$centers << EOD\n# x y class\n");
    for (int j = 0; j < k; ++j) {
        char x[40], y[40];
        rmn_sbuf_printf(&b, "%s %s %d\n", rmn_fmt_fixed(x, sizeof x, centers[2 * j], 5, "0"),
                        rmn_fmt_fixed(y, sizeof y, centers[2 * j + 1], 5, "0"), j);
    }
    rmn_sbuf_puts(&b, "EOD\n");
    for (int t = 0; t < 4; ++t) {
        int term = rmn_fig_term_bits[t];
        if (!(terms & term))
            continue;
        int latex = term == RMN_FIG_LATEX;
        rmn_sbuf_puts(&b, "\nreset\n");
        rmn_fig_term_begin(&b, term, stem, 26.0, 12.0);
        rmn_sbuf_puts(&b, "set multiplot layout 1,2 title ");
        rmn_fig_gp_str(&b, title, latex);
        rmn_sbuf_puts(&b, "\nset key outside right top font ',8'\nset grid\nset size ratio -1\n");
        rmn_sbuf_puts(&b, "set xlabel ");
        rmn_fig_gp_str(&b, axes[0] == 'p' ? "principal axis 1" : "feature 1", latex);
        rmn_sbuf_puts(&b, "\nset ylabel ");
        rmn_fig_gp_str(&b, axes[0] == 'p' ? "principal axis 2" : "feature 2", latex);
        rmn_sbuf_puts(&b, "\n");
        for (int panel = 0; panel < 2; ++panel) {
            const char *name = panel ? "test" : "val";
            rmn_sbuf_puts(&b, "set title ");
            rmn_fig_gp_str(&b, panel ? "test" : "validation", latex);
            rmn_sbuf_puts(&b, "\nplot ");
            for (int j = 0; j < k; ++j) {
                rmn_sbuf_printf(&b, "$%s using ($3 == %d ? $1 : NaN):2 with points pt 7 ps 0.5 "
                                    "lc rgb '%s' title ", name, j, CLASS_COLOURS[j]);
                rmn_fig_gp_str(&b, class_names[j], latex);
                rmn_sbuf_puts(&b, ", \\\n     ");
            }
            for (int j = 0; j < k; ++j) /* each center: its class's cross in a black ring */
                rmn_sbuf_printf(&b, "$centers using ($3 == %d ? $1 : NaN):2 with points pt 2 ps 1.8 "
                                    "lw 3 lc rgb '%s' notitle, \\\n     ", j, CLASS_COLOURS[j]);
            rmn_sbuf_puts(&b, "$centers using 1:2 with points pt 6 ps 2.6 lw 2 lc rgb 'black' "
                              "title 'centers'\n");
        }
        rmn_sbuf_puts(&b, "unset multiplot\nunset output\n");
    }
    return rmn_sbuf_take(&b, script);
}
