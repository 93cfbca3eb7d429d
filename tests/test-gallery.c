/* test-gallery.c -- the report's run figures (report/run_figures.h): the galleries' picks equal
 * what an SQL query over the stored predictions gives (ordered by the probability of the
 * predicted class, read from the probs blob by an SQL function defined here), the script
 * carries them, and the feature projection (GSL principal axes) behaves. */
#include "core/error.h"
#include "report/figures.h"
#include "report/run_figures.h"
#include "store/store.h"
#include "tap.h"
#include "store-util.h"
#include "report-fixture.h"

#include <math.h>
#include <sqlite3.h>
#include <string.h>

/* prob_at(probs, i): element i of a blob of little-endian float64 */
static void prob_at(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    const unsigned char *blob = sqlite3_value_blob(argv[0]);
    const int n = sqlite3_value_bytes(argv[0]) / 8, i = sqlite3_value_int(argv[1]);
    if (!blob || i < 0 || i >= n) {
        sqlite3_result_null(ctx);
        return;
    }
    uint64_t bits = 0;
    for (int b = 7; b >= 0; --b)
        bits = bits << 8 | blob[8 * i + b];
    double v;
    memcpy(&v, &bits, sizeof v);
    sqlite3_result_double(ctx, v);
}

/* the SQL answer: up to 4 rows of the class, right (pred = k) or wrong */
static int sql_picks(sqlite3 *db, int64_t eval_id, int k, int wrong, rmn_gallery_pick *out) {
    sqlite3_stmt *st = NULL;
    const char *sql = wrong ? "SELECT sample_idx, label, pred, prob_at(probs, pred) AS p FROM predictions "
                              "WHERE eval_id = ?1 AND label = ?2 AND pred <> ?2 ORDER BY p DESC, sample_idx LIMIT 4"
                            : "SELECT sample_idx, label, pred, prob_at(probs, pred) AS p FROM predictions "
                              "WHERE eval_id = ?1 AND label = ?2 AND pred = ?2 ORDER BY p DESC, sample_idx LIMIT 4";
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, eval_id);
    sqlite3_bind_int(st, 2, k);
    int n = 0;
    while (sqlite3_step(st) == SQLITE_ROW && n < 4) {
        out[n].sample_idx = sqlite3_column_int(st, 0);
        out[n].label = sqlite3_column_int(st, 1);
        out[n].pred = sqlite3_column_int(st, 2);
        out[n].prob = sqlite3_column_double(st, 3);
        ++n;
    }
    sqlite3_finalize(st);
    return n;
}

static int same(const rmn_gallery_pick *a, const rmn_gallery_pick *b, int n) {
    for (int i = 0; i < n; ++i)
        if (a[i].sample_idx != b[i].sample_idx || a[i].label != b[i].label || a[i].pred != b[i].pred ||
            a[i].prob != b[i].prob)
            return 0;
    return 1;
}

static void test_picks(rmn_store *s, const char *path) {
    sqlite3 *db = tu_raw(path);
    sqlite3_create_function(db, "prob_at", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, prob_at, NULL, NULL);
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(db, "SELECT e.eval_id FROM evals e JOIN runs r USING (run_id) WHERE e.split = 'test' "
                           "AND e.tta_n = 0 AND r.kind = 'train' ORDER BY e.eval_id", -1, &st, NULL);
    int evals = 0, classes = 0, bad = 0, rows = 0, wrongs = 0;
    char script_ok = 1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const int64_t eval_id = sqlite3_column_int64(st, 0);
        rmn_eval_data ev;
        if (rmn_store_eval_load(s, eval_id, &ev) != RMN_OK) {
            ++bad;
            continue;
        }
        ++evals;
        for (int k = 0; k < 7; ++k, ++classes) {
            rmn_gallery_pick right[4], wrong[4], want_r[4], want_w[4];
            int nr, nw;
            rmn_gallery_select(&ev, k, 4, right, &nr, wrong, &nw);
            const int sr = sql_picks(db, eval_id, k, 0, want_r), sw = sql_picks(db, eval_id, k, 1, want_w);
            if (nr != sr || nw != sw || !same(right, want_r, nr) || !same(wrong, want_w, nw))
                ++bad;
            rows += nr + nw;
            wrongs += nw;
            if (evals == 1) { /* the script carries the picks: "row rank sample_idx label pred prob" */
                static uint8_t tiles[8 * 48 * 48 * 3];
                char *script = NULL;
                if (rmn_fig_gallery_script(right, nr, wrong, nw, tiles, NULL, "t", "g", RMN_FIG_DUMB, &script) != RMN_OK) {
                    script_ok = 0;
                    continue;
                }
                const char *p = strstr(script, "# row rank sample_idx label pred prob\n");
                p = p ? strchr(p, '\n') + 1 : NULL;
                for (int j = 0; p && j < nr + nw; ++j) {
                    const rmn_gallery_pick *g = j < nr ? &right[j] : &wrong[j - nr];
                    char row[8];
                    int rank, idx, label, pred;
                    double prob;
                    if (sscanf(p, "%7s %d %d %d %d %lf", row, &rank, &idx, &label, &pred, &prob) != 6 ||
                        strcmp(row, j < nr ? "right" : "wrong") != 0 || idx != g->sample_idx ||
                        label != g->label || pred != g->pred || fabs(prob - g->prob) > 5e-7)
                        script_ok = 0;
                    p = strchr(p, '\n');
                    p = p ? p + 1 : NULL;
                }
                if (!p || strncmp(p, "EOD", 3) != 0)
                    script_ok = 0;
                free(script);
            }
        }
        rmn_eval_data_free(&ev);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    TAP_OK(evals >= 7 && bad == 0 && rows > 0 && wrongs > 0,
           "the picks of %d classes of %d test evals equal SQL's ORDER BY prob DESC, sample_idx LIMIT 4 "
           "(%d images, %d wrong; %d mismatches)", classes, evals, rows, wrongs, bad);
    TAP_OK(script_ok, "the gallery script's $picks lists them in order, with their probabilities");
}

static void test_pca(void) {
    /* points on the line t * (1, 2, 2)/3 + (5, -1, 0.5) plus a small second direction */
    enum { N = 40, D = 3 };
    float x[N * D], c[2 * D] = {5, -1, 0.5f, 8, 5, 6.5f}, x2[N * 2], c2[4];
    for (int i = 0; i < N; ++i) {
        const double t = (i - 19.5) * 0.37, u = ((i % 5) - 2) * 0.01;
        x[i * D + 0] = (float)(5 + t / 3 + u * 2 / 3.0);
        x[i * D + 1] = (float)(-1 + t * 2 / 3 + u * 1 / 3.0);
        x[i * D + 2] = (float)(0.5 + t * 2 / 3 - u * 2 / 3.0);
    }
    TAP_OK(rmn_features_pca2(x, N, D, c, 2, x2, c2) == RMN_OK, "a 3-d projection");
    double worst = 0;
    for (int i = 0; i < N; ++i)
        worst = fmax(worst, fabs(fabs(x2[2 * i]) - fabs((i - 19.5) * 0.37)));
    TAP_OK(worst < 1e-4, "the first axis is the line's direction (positions off by %.2g)", worst);
    /* centers: (5,-1,0.5) is the line's origin = mean (projects to 0); the second, 9 along it */
    TAP_OK(fabs(c2[0]) < 1e-4 && fabs(c2[1]) < 1e-4 && fabs(c2[2] - 9) < 1e-4,
           "centers are projected the same way; the sign makes the largest component positive (%g %g %g)",
           c2[0], c2[1], c2[2]);
    float y[4] = {1, 2, 3, 4}, y2[4], cc[2] = {7, 8}, cc2[2];
    TAP_OK(rmn_features_pca2(y, 2, 2, cc, 1, y2, cc2) == RMN_OK && y2[3] == 4 && cc2[1] == 8,
           "2-d features are drawn as they are");
    TAP_OK(rmn_features_pca2(x, 1, D, c, 2, x2, c2) == RMN_EINVAL, "one point cannot be projected: %s",
           rmn_error_message());
}

int main(void) {
    const char *dir = tu_tmpdir();
    char path[700];
    snprintf(path, sizeof path, "%s/gallery.db", dir);
    rmn_store *s = NULL;
    RMN_ASSERT(rmn_store_open(path, &s) == RMN_OK);
    pf_ids ids;
    report_fixture_paper(s, &ids);
    test_picks(s, path);
    test_pca();
    rmn_store_close(s);
    tu_rmrf(dir);
    return tap_done();
}
