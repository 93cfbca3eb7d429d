/* gallery.c -- the most confidently right and wrong test images of a class (run_figures.h):
 * their choice from the stored predictions and their gnuplot script (one rgbimage per tile). */
#include "report/run_figures.h"

#include "core/error.h"
#include "report/figures.h"
#include "report/fig_util.h"
#include "report/format.h"
#include "report/paper.h"

#include <string.h>

/* a ranks before b: higher probability, then lower sample index */
static int before(const rmn_gallery_pick *a, const rmn_gallery_pick *b) {
    return a->prob > b->prob || (a->prob == b->prob && a->sample_idx < b->sample_idx);
}

/* keeps list:(n <= cap) sorted, best first, inserting p when it ranks in the top cap */
static void keep_top(rmn_gallery_pick *list, int *n, int cap, rmn_gallery_pick p) {
    if (cap < 1 || (*n == cap && !before(&p, &list[cap - 1])))
        return;
    int at = *n < cap ? (*n)++ : cap - 1;
    while (at > 0 && before(&p, &list[at - 1])) {
        list[at] = list[at - 1];
        --at;
    }
    list[at] = p;
}

void rmn_gallery_select(const rmn_eval_data *ev, int k, int n, rmn_gallery_pick *right,
                        int *n_right, rmn_gallery_pick *wrong, int *n_wrong) {
    *n_right = *n_wrong = 0;
    for (int i = 0; i < ev->n_samples; ++i) {
        if (ev->labels[i] != k || ev->preds[i] < 0 || ev->preds[i] >= ev->n_classes)
            continue;
        rmn_gallery_pick p = {.sample_idx = ev->sample_idx[i], .label = ev->labels[i],
                              .pred = ev->preds[i],
                              .prob = ev->probs[(size_t)i * ev->n_classes + ev->preds[i]]};
        if (p.pred == k)
            keep_top(right, n_right, n, p);
        else
            keep_top(wrong, n_wrong, n, p);
    }
}

int rmn_fig_gallery_script(const rmn_gallery_pick *right, int n_right,
                           const rmn_gallery_pick *wrong, int n_wrong, const uint8_t *tiles,
                           const char *const *class_names, const char *title, const char *stem,
                           int terms, char **script) {
    if (!class_names)
        class_names = rmn_fer_classes;
    *script = NULL;
    RMN_TRY(rmn_fig_check_stem(stem));
    rmn_sbuf b = {0};
    rmn_fig_header(&b, stem, "most confidently right (top) and wrong (bottom) test images of a class");
    rmn_sbuf_puts(&b, "$picks << EOD\n# row rank sample_idx label pred prob\n");
    for (int r = 0; r < 2; ++r)
        for (int j = 0; j < (r ? n_wrong : n_right); ++j) {
            const rmn_gallery_pick *p = r ? &wrong[j] : &right[j];
            char prob[32];
            rmn_sbuf_printf(&b, "%s %d %d %d %d %s\n", r ? "wrong" : "right", j + 1,
                            (int)p->sample_idx, p->label, p->pred,
                            rmn_fmt_fixed(prob, sizeof prob, p->prob, 6, "0"));
        }
    rmn_sbuf_puts(&b, "EOD\n");
    const int n = n_right + n_wrong;
    for (int t = 0; t < n; ++t) { /* tile t: x y r g b, row 0 at the top */
        rmn_sbuf_printf(&b, "$tile%d << EOD\n", t);
        const uint8_t *px = tiles + (size_t)t * 48 * 48 * 3;
        for (int y = 0; y < 48; ++y)
            for (int x = 0; x < 48; ++x) {
                const uint8_t *c = px + ((size_t)y * 48 + x) * 3;
                rmn_sbuf_printf(&b, "%d %d %d %d %d\n", x, 47 - y, c[0], c[1], c[2]);
            }
        rmn_sbuf_puts(&b, "EOD\n");
    }
    const int cols = RMN_GALLERY_N;
    for (int k = 0; k < 4; ++k) {
        int term = rmn_fig_term_bits[k];
        if (!(terms & term))
            continue;
        int latex = term == RMN_FIG_LATEX;
        rmn_sbuf_puts(&b, "\nreset\n");
        rmn_fig_term_begin(&b, term, stem, 4.0 * cols + 1, 10.0);
        rmn_sbuf_puts(&b, "set multiplot layout 2,");
        rmn_sbuf_printf(&b, "%d title ", cols);
        rmn_fig_gp_str(&b, title, latex);
        rmn_sbuf_puts(&b, "\nunset key\nunset tics\nunset border\nunset colorbox\n"
                          "set size ratio -1\nset xrange [-0.5:47.5]\nset yrange [-0.5:47.5]\n");
        for (int r = 0; r < 2; ++r)
            for (int j = 0; j < cols; ++j) {
                const int have = j < (r ? n_wrong : n_right);
                const rmn_gallery_pick *p = r ? &wrong[j] : &right[j];
                char t[160], prob[32];
                if (have) {
                    rmn_fmt_fixed(prob, sizeof prob, p->prob, 2, "0");
                    snprintf(t, sizeof t, "#%d %s: %s %s", (int)p->sample_idx,
                             r ? "wrong" : "right", class_names[p->pred], prob);
                } else {
                    snprintf(t, sizeof t, "%s", j == 0 ? (r ? "(none wrong)" : "(none right)") : "");
                }
                rmn_sbuf_puts(&b, "set title ");
                rmn_fig_gp_str(&b, t, latex);
                rmn_sbuf_puts(&b, " font ',8'\n");
                if (have)
                    rmn_sbuf_printf(&b, "plot $tile%d using 1:2:3:4:5 with rgbimage\n",
                                    r ? n_right + j : j);
                else /* an empty panel keeps the grid */
                    rmn_sbuf_puts(&b, "plot NaN notitle\n");
            }
        rmn_sbuf_puts(&b, "unset multiplot\nunset output\n");
    }
    return rmn_sbuf_take(&b, script);
}
