/* test-ui-api.c -- rmn-ui's JSON views (ui/api.h) against the store they read: experiments and
 * run counts, the runs with params and latest metrics, one run's curves, evals and confusion
 * counts, an ensemble's members, several runs' curves, rmn-report's tables as HTML with every
 * number Markdown prints, new epochs seen by the open read-only store, 400 and 404 answers, and
 * the store file unchanged by all of it. No HTTP here (tests/cli-ui.sh, tests/ui-browser.sh). */
#include "core/error.h"
#include "core/sha256.h"
#include "report/paper.h"
#include "report/table.h"
#include "ui/api.h"
#include "tap.h"
#include "store-util.h"
#include "ui-fixture.h"

#include <jansson.h>

/* query arguments: NULL-terminated key, value pairs */
static const char *arg_of(void *ctx, const char *key) {
    for (const char **kv = ctx; kv[0]; kv += 2)
        if (strcmp(kv[0], key) == 0)
            return kv[1];
    return NULL;
}

/* GET path?args: the parsed body (caller decrefs) and *status */
static json_t *get(rmn_store *s, const char *path, const char **args, int *status) {
    static const char *none[] = {NULL};
    rmn_ui_reply r;
    rmn_ui_api(s, path, arg_of, (void *)(args ? args : none), &r);
    *status = r.status;
    json_error_t err;
    json_t *j = r.body ? json_loadb(r.body, r.len, 0, &err) : NULL;
    if (r.body && !j)
        tap_diag("%s: not JSON: %s", path, err.text);
    if (r.type && !strstr(r.type, "application/json"))
        tap_diag("%s: type %s", path, r.type);
    free(r.body);
    return j;
}

static int same(double a, double b) { return (isnan(a) && isnan(b)) || a == b; }
static double jnum(json_t *v) { return json_is_number(v) ? json_number_value(v) : NAN; }

static json_t *run_named(json_t *runs, const char *name) {
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r) if (strcmp(json_string_value(json_object_get(r, "name")), name) == 0) return r;
    return NULL;
}

static void test_lists(rmn_store *s, int64_t live) {
    int st;
    json_t *v = get(s, "/api/version", NULL, &st);
    TAP_OK(st == 200 && json_integer_value(json_object_get(v, "schema")) == RMN_STORE_SCHEMA_VERSION &&
               json_is_string(json_object_get(v, "store")),
           "/api/version: the schema version and the store");
    json_decref(v);

    json_t *e = get(s, "/api/experiments", NULL, &st), *p = json_array_get(e, 0);
    TAP_OK(st == 200 && json_array_size(e) == 1 &&
               strcmp(json_string_value(json_object_get(p, "name")), "paper") == 0 &&
               json_integer_value(json_object_get(p, "runs")) == 12 &&
               json_integer_value(json_object_get(p, "running")) == 1 &&
               json_integer_value(json_object_get(p, "finished")) == 11,
           "/api/experiments: paper with 12 runs, 1 running, 11 finished");
    json_decref(e);

    rmn_run_summary *sum = NULL;
    int n = 0;
    rmn_store_runs(s, NULL, &sum, &n);
    json_t *runs = get(s, "/api/runs", NULL, &st);
    int ok = st == 200 && (int)json_array_size(runs) == n;
    for (int i = 0; ok && i < n; ++i) {
        json_t *r = json_array_get(runs, (size_t)i); /* the same order: newest first */
        ok &= json_integer_value(json_object_get(r, "run_id")) == sum[i].run_id &&
              strcmp(json_string_value(json_object_get(r, "status")), sum[i].status) == 0 &&
              json_integer_value(json_object_get(r, "epochs")) == sum[i].n_epochs &&
              same(jnum(json_object_get(r, "best_val_acc_frac")), sum[i].best_val_acc) &&
              same(jnum(json_object_get(r, "test_acc_frac")), sum[i].test_acc) &&
              same(jnum(json_object_get(r, "test_acc_tta_frac")), sum[i].test_acc_tta);
    }
    TAP_OK(ok, "/api/runs: %d runs in the store's order, status, epochs and accuracies exact", n);
    rmn_store_runs_free(sum, n);
    json_t *lr = run_named(runs, "live-s1"), *vgg = run_named(runs, "vgg19-s2");
    TAP_OK(lr && json_integer_value(json_object_get(lr, "run_id")) == live &&
               strcmp(json_string_value(json_object_get(json_object_get(lr, "params"), "optimizer")), "sgd") == 0,
           "the running run with its params");
    TAP_OK(lr && json_number_value(json_object_get(json_object_get(lr, "metrics"), "val_loss")) ==
                     1.875 / UI_LIVE_EPOCHS + 0.375 &&
               vgg && strcmp(json_string_value(json_object_get(json_object_get(vgg, "params"), "lr")), "0.01") == 0,
           "latest metrics are the last epoch's; every run's params");
    json_decref(runs);

    const char *bad[] = {"experiment", "nope", NULL};
    json_t *err = get(s, "/api/runs", bad, &st);
    TAP_OK(st == 404 && strstr(json_string_value(json_object_get(err, "error")), "nope"),
           "an unknown experiment: 404 naming it");
    json_decref(err);
    err = get(s, "/api/nothing", NULL, &st);
    TAP_OK(st == 404 && json_is_string(json_object_get(err, "error")), "an unknown endpoint: 404");
    json_decref(err);
}

static void test_run(rmn_store *s, const pf_ids *ids) {
    int st;
    json_t *d = get(s, "/api/run/resmasking-s1", NULL, &st);
    json_t *run = json_object_get(d, "run");
    TAP_OK(st == 200 && json_integer_value(json_object_get(run, "run_id")) == ids->run[0] &&
               json_is_string(json_object_get(run, "config_sha256")),
           "/api/run/NAME resolves the name; the run and its provenance");
    rmn_metric_table m;
    rmn_store_run_metrics(s, ids->run[0], &m);
    json_t *mj = json_object_get(d, "metrics"), *vals = json_object_get(mj, "values");
    int ok = (int)json_array_size(json_object_get(mj, "epochs")) == m.n_epochs && m.n_epochs == 6;
    for (int k = 0; ok && k < m.n_keys; ++k)
        for (int e = 0; e < m.n_epochs; ++e)
            ok &= same(jnum(json_array_get(json_object_get(vals, m.keys[k]), (size_t)e)),
                       m.values[(size_t)e * (size_t)m.n_keys + (size_t)k]);
    TAP_OK(ok, "its curves: every metric of every epoch exact");
    rmn_metric_table_free(&m);

    rmn_eval_summary *ev = NULL;
    int n = 0;
    rmn_store_run_evals(s, ids->run[0], &ev, &n);
    json_t *evals = json_object_get(d, "evals");
    ok = (int)json_array_size(evals) == n && n == 4;
    for (int i = 0; ok && i < n; ++i) {
        json_t *e = json_array_get(evals, (size_t)i), *cm = json_object_get(e, "confusion");
        int64_t want[49];
        rmn_store_confusion(s, ev[i].eval_id, 7, want);
        ok &= json_integer_value(json_object_get(e, "eval_id")) == ev[i].eval_id &&
              json_integer_value(json_object_get(e, "n_correct")) == ev[i].n_correct &&
              strcmp(json_string_value(json_array_get(json_object_get(e, "classes"), 1)), "Disgust") == 0;
        for (int r = 0; ok && r < 7; ++r)
            for (int c = 0; c < 7; ++c)
                ok &= json_integer_value(json_array_get(json_array_get(cm, (size_t)r), (size_t)c)) == want[r * 7 + c];
    }
    TAP_OK(ok, "its %d evals with their confusion counts as stored", n);
    rmn_store_evals_free(ev);
    TAP_OK(json_array_size(json_object_get(d, "members")) == 0 && json_is_array(json_object_get(d, "artifacts")),
           "no members for a training run");
    json_decref(d);

    char path[64];
    snprintf(path, sizeof path, "/api/run/%lld", (long long)ids->ens[0]);
    d = get(s, path, NULL, &st);
    json_t *mem = json_object_get(d, "members");
    ok = st == 200 && json_array_size(mem) == 6;
    size_t i;
    json_t *x;
    json_array_foreach(mem, i, x) {
        int64_t nc = json_integer_value(json_object_get(x, "n_correct"));
        ok &= json_integer_value(json_object_get(x, "n_samples")) == PF_N_TEST &&
              jnum(json_object_get(x, "accuracy_frac")) == (double)nc / PF_N_TEST &&
              json_integer_value(json_object_get(x, "tta_n")) == 8;
    }
    TAP_OK(ok && strcmp(json_string_value(json_object_get(json_object_get(d, "tags"), "selection")), "fixed") == 0,
           "an ensemble: its 6 members with their TTA-8 test accuracies, its selection tag");
    json_decref(d);

    d = get(s, "/api/run/99999", NULL, &st);
    TAP_OK(st == 404 && strstr(json_string_value(json_object_get(d, "error")), "99999"), "an unknown run: 404 naming it");
    json_decref(d);
    rmn_error_show_places(1); /* as under RMN_DEBUG=1: answers still carry no source place */
    d = get(s, "/api/run/99999", NULL, &st);
    const char *msg = json_string_value(json_object_get(d, "error"));
    TAP_OK(st == 404 && msg && strstr(msg, "99999") && !strstr(msg, "(src/") &&
               strstr(rmn_error_message(), "(src/"),
           "with source places shown, the JSON error has none (%s); the error kept has it (%s)",
           msg ? msg : "null", rmn_error_message());
    rmn_error_show_places(0);
    json_decref(d);
}

static void test_metrics_live(rmn_store *s, const char *db, int64_t live) {
    char runs[64];
    snprintf(runs, sizeof runs, "resmasking-s1,%lld", (long long)live);
    const char *args[] = {"runs", runs, NULL};
    int st;
    json_t *d = get(s, "/api/metrics", args, &st), *a = json_object_get(d, "runs");
    json_t *l = json_array_get(a, 1);
    TAP_OK(st == 200 && json_array_size(a) == 2 &&
               json_array_size(json_object_get(json_object_get(json_array_get(a, 0), "metrics"), "epochs")) == 6 &&
               strcmp(json_string_value(json_object_get(l, "status")), "RUNNING") == 0 &&
               json_integer_value(json_object_get(l, "epochs")) == UI_LIVE_EPOCHS,
           "/api/metrics?runs=NAME,ID: both runs' curves, in the order asked");
    json_decref(d);

    rmn_store *w = NULL; /* a trainer's connection adds an epoch */
    rmn_store_open(db, &w);
    TAP_OK(ui_fixture_epoch(w, live, UI_LIVE_EPOCHS + 1) == RMN_OK, "a writer adds an epoch");
    rmn_store_close(w);
    d = get(s, "/api/metrics", args, &st);
    l = json_array_get(json_object_get(d, "runs"), 1);
    json_t *va = json_object_get(json_object_get(json_object_get(l, "metrics"), "values"), "val_acc");
    TAP_OK(json_array_size(va) == UI_LIVE_EPOCHS + 1 &&
               jnum(json_array_get(va, UI_LIVE_EPOCHS)) == 0.3125 + 0.03125 * (UI_LIVE_EPOCHS + 1),
           "the open read-only store sees the new epoch at the next request");
    json_decref(d);

    const char *none[] = {NULL}, *unknown[] = {"runs", "1,no-such-run", NULL};
    d = get(s, "/api/metrics", none, &st);
    TAP_OK(st == 400, "/api/metrics without runs: 400");
    json_decref(d);
    d = get(s, "/api/metrics", unknown, &st);
    TAP_OK(st == 404 && strstr(json_string_value(json_object_get(d, "error")), "no-such-run"),
           "an unknown run among them: 404 naming it");
    json_decref(d);
}

/* every cell Markdown prints for the tables appears, as a cell, in the HTML */
static int cells_in_html(const char *md, const char *html, char *missing, size_t cap) {
    for (const char *line = md; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (line[0] != '|' || strncmp(line, "|:", 2) == 0 || strncmp(line, "|--", 3) == 0)
            continue;
        const char *end = strchr(line, '\n');
        for (const char *c = line + 1; c < end;) {
            const char *bar = c;
            while (bar < end && !(*bar == '|' && bar[-1] != '\\'))
                ++bar;
            char cell[256], want[300];
            size_t k = 0;
            for (const char *p = c; p < bar && k + 1 < sizeof cell; ++p) {
                if (*p == '\\' || *p == '*')
                    continue; /* Markdown's escapes and bold */
                cell[k++] = *p;
            }
            cell[k] = '\0';
            char *t = cell;
            while (*t == ' ')
                ++t;
            for (size_t z = strlen(t); z && t[z - 1] == ' '; --z)
                t[z - 1] = '\0';
            snprintf(want, sizeof want, ">%s<", strcmp(t, "<0.0001") == 0 ? "&lt;0.0001" : t);
            if (*t && !strstr(html, want)) {
                snprintf(missing, cap, "%s", t);
                return 0;
            }
            c = bar + 1;
        }
    }
    return 1;
}

static void test_report(rmn_store *s) {
    const char *args[] = {"experiment", "paper", NULL};
    int st;
    json_t *d = get(s, "/api/report", args, &st), *t = json_object_get(d, "tables");
    TAP_OK(st == 200 && json_array_size(t) == 4 &&
               strcmp(json_string_value(json_object_get(json_array_get(t, 0), "name")), "zoo") == 0 &&
               strcmp(json_string_value(json_object_get(d, "split")), "test") == 0,
           "/api/report: the zoo, ensemble, perclass and stats tables of the test split");
    /* rmn-report --markdown's cells (same options: 10000 resamples, seed 1234) */
    rmn_report_query q = {.experiment = "paper"};
    rmn_report_set set;
    rmn_table *tabs = NULL;
    int n = 0, ok = 1;
    rmn_paper_options po = {0};
    rmn_report_set_load(s, &q, &set);
    rmn_paper_tables(s, &set, &po, NULL, &tabs, &n);
    rmn_report_set_free(&set);
    char missing[256] = "";
    for (int i = 0; i < n && ok; ++i) {
        char *md = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&md, &len);
        rmn_table_write_markdown(&tabs[i], f);
        fclose(f);
        const char *html = json_string_value(json_object_get(json_array_get(t, (size_t)i), "html"));
        ok = html && cells_in_html(md, html, missing, sizeof missing);
        free(md);
    }
    rmn_paper_tables_free(tabs, n);
    TAP_OK(ok && n == 4, "every cell rmn-report's Markdown prints is a cell of the HTML tables%s%s",
           *missing ? ": missing " : "", missing);
    const char *html = json_string_value(json_object_get(json_array_get(t, 0), "html"));
    TAP_OK(html && strstr(html, "<table class=\"rmn-table\" id=\"tab-zoo\">") && strstr(html, "<strong>") &&
               strstr(html, " ± ") && strstr(html, "<caption>Accuracy (%)"),
           "HTML: the table, bold best values, mean ± sd, the caption");
    json_decref(d);
    const char *val[] = {"split", "val", NULL}, *train[] = {"split", "train", NULL},
               *nope[] = {"experiment", "nope", NULL};
    d = get(s, "/api/report", val, &st);
    TAP_OK(st == 200 && strcmp(json_string_value(json_object_get(d, "split")), "val") == 0, "split=val");
    json_decref(d);
    d = get(s, "/api/report", train, &st);
    TAP_OK(st == 400, "split=train: 400");
    json_decref(d);
    d = get(s, "/api/report", nope, &st);
    TAP_OK(st == 404 && strstr(json_string_value(json_object_get(d, "error")), "nope"), "an unknown experiment: 404");
    json_decref(d);
}

int main(void) {
    const char *dir = tu_tmpdir();
    char db[700];
    snprintf(db, sizeof db, "%s/ui.db", dir);
    rmn_store *w = NULL;
    RMN_ASSERT(rmn_store_open(db, &w) == RMN_OK);
    pf_ids ids;
    int64_t live = 0;
    ui_fixture_build(w, &ids, &live);
    rmn_store_close(w); /* checkpoints the WAL into the file */
    char before[RMN_SHA256_HEX], after[RMN_SHA256_HEX];
    rmn_sha256_file(db, before);

    rmn_store *s = NULL;
    rmn_store_options ro = {.mode = RMN_STORE_READ};
    TAP_OK(rmn_store_open_opts(db, &ro, &s) == RMN_OK, "the store opened read-only");
    test_lists(s, live);
    test_run(s, &ids);
    test_report(s);
    rmn_store_close(s);
    rmn_sha256_file(db, after);
    TAP_OK(strcmp(before, after) == 0, "the store file is unchanged by every view");

    RMN_ASSERT(rmn_store_open_opts(db, &ro, &s) == RMN_OK);
    test_metrics_live(s, db, live);
    rmn_store_close(s);
    tu_rmrf(dir);
    return tap_done();
}
