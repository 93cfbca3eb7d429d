/* test-ferplus.c -- FERPlus's relabelling of FER2013 (src/data/ferplus.c) against FERPlus's own
 * processing (tools/golden/make_ferplus_golden.py ran it on an excerpt of fer2013new.csv that
 * covers every kind of row: tests/data/ferplus/): the majority and crossentropy labels and target
 * distributions row by row; a FER2013 csv relabelled line by line (the images kept, their labels,
 * the train split's distributions, 8 classes, the digest of both files); bad vote files and files
 * that do not correspond, refused naming file and line; the soft-target cross-entropy against
 * PyTorch's. */
#include "core/error.h"
#include "core/safetensors.h"
#include "data/dataset.h"
#include "data/fer2013.h"
#include "data/ferplus.h"
#include "tensor/ops.h"
#include "tap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { MAX_ROWS = 512 };
static char tmp[256];
static int n_rows;
static int usage_of[MAX_ROWS];
static double votes[MAX_ROWS][RMN_FERPLUS_VOTES];
static int want_major[MAX_ROWS], want_dist[MAX_ROWS];
static double want_p[MAX_ROWS][RMN_FERPLUS_CLASSES];

static const char *data_file(const char *name) {
    static char p[2][1024];
    static int k;
    k ^= 1;
    snprintf(p[k], sizeof p[k], "%s/tests/data/ferplus/%s", getenv("RMN_SRCDIR") ? getenv("RMN_SRCDIR") : ".", name);
    return p[k];
}

static const char *tmp_file(const char *name) {
    static char p[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", tmp, name);
    return p[k];
}

static int read_golden(void) {
    FILE *v = fopen(data_file("votes.csv"), "r"), *e = fopen(data_file("expected.csv"), "r");
    if (!v || !e)
        return 0;
    char line[512];
    fgets(line, sizeof line, v);
    fgets(line, sizeof line, e);
    while (n_rows < MAX_ROWS && fgets(line, sizeof line, v)) {
        char *p = strchr(line, ',');
        *p = '\0';
        usage_of[n_rows] = strcmp(line, "Training") == 0 ? 0 : strcmp(line, "PublicTest") == 0 ? 1 : 2;
        p = strchr(p + 1, ',') + 1;
        for (int i = 0; i < RMN_FERPLUS_VOTES; ++i)
            votes[n_rows][i] = strtod(p, &p), ++p;
        if (!fgets(line, sizeof line, e))
            break;
        p = strchr(line, ',') + 1;
        want_major[n_rows] = (int)strtol(p, &p, 10);
        want_dist[n_rows] = (int)strtol(p + 1, &p, 10);
        for (int i = 0; i < RMN_FERPLUS_CLASSES; ++i)
            want_p[n_rows][i] = strtod(p + 1, &p);
        ++n_rows;
    }
    fclose(v);
    fclose(e);
    return n_rows > 0;
}

/* The loss against PyTorch's cross_entropy with probability targets (tools/golden/
 * make_data_golden.py), with and without class weights. */
static void test_soft_loss(void) {
    rmn_st_file *f;
    if (!TAP_OK(rmn_st_open(data_file("xent_soft.safetensors"), &f) == RMN_OK, "golden xent_soft opens"))
        return;
    float logits[40], targets[40], weights[8], d[40];
    double want_d[40], want_loss[1], loss;
    rmn_st_copy_f32(rmn_st_find(f, "logits"), logits, 40);
    rmn_st_copy_f32(rmn_st_find(f, "targets"), targets, 40);
    rmn_st_copy_f32(rmn_st_find(f, "weights"), weights, 8);
    for (int weighted = 0; weighted < 2; ++weighted) {
        rmn_st_copy_f64(rmn_st_find(f, weighted ? "loss_weighted" : "loss"), want_loss, 1);
        rmn_st_copy_f64(rmn_st_find(f, weighted ? "dlogits_weighted" : "dlogits"), want_d, 40);
        int correct = -1;
        int rc = rmn_softmax_xent_soft(&loss, d, &correct, logits, targets, NULL, weighted ? weights : NULL, 5, 8);
        double worst = 0;
        for (int i = 0; i < 40; ++i)
            worst = fmax(worst, fabs(d[i] - want_d[i]));
        TAP_OK(rc == RMN_OK && fabs(loss - want_loss[0]) < 1e-5 * fmax(1, fabs(want_loss[0])) && worst < 1e-6,
               "soft cross-entropy%s as PyTorch's: loss %.6f (torch %.6f), gradient worst %.1e",
               weighted ? " with class weights" : "", loss, want_loss[0], worst);
    }
    targets[3] = -0.5f;
    TAP_OK(rmn_softmax_xent_soft(&loss, d, NULL, logits, targets, NULL, NULL, 5, 8) == RMN_EINVAL,
           "a negative target is refused");
    rmn_st_close(f);
}

static void test_rows(void) {
    int major_ok = 1, dist_ok = 1, kinds[2][2] = {{0}};
    double worst = 0;
    for (int r = 0; r < n_rows; ++r) {
        float p[RMN_FERPLUS_CLASSES];
        int m = rmn_ferplus_majority(votes[r], p);
        major_ok &= m == want_major[r];
        int d = rmn_ferplus_distribution(votes[r], p);
        dist_ok &= d == want_dist[r];
        kinds[0][m >= 0]++;
        kinds[1][d >= 0]++;
        for (int i = 0; d >= 0 && i < RMN_FERPLUS_CLASSES; ++i)
            worst = fmax(worst, fabs(p[i] - want_p[r][i]));
    }
    TAP_OK(major_ok, "majority labels as FERPlus's (%d rows: %d kept, %d dropped)", n_rows, kinds[0][1], kinds[0][0]);
    TAP_OK(dist_ok, "crossentropy labels as FERPlus's (%d kept, %d dropped)", kinds[1][1], kinds[1][0]);
    TAP_OK(worst < 1e-6, "target distributions as FERPlus's (worst %.2e)", worst);
    TAP_OK(kinds[0][0] > 0 && kinds[0][1] > 0 && kinds[1][0] > 0, "the excerpt keeps and drops rows in both modes");
    const double single[RMN_FERPLUS_VOTES] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    float p[RMN_FERPLUS_CLASSES];
    TAP_OK(rmn_ferplus_majority(single, p) < 0 && rmn_ferplus_distribution(single, p) < 0,
           "ten single votes are all outliers: dropped in both modes");
    const double nf[RMN_FERPLUS_VOTES] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 10};
    TAP_OK(rmn_ferplus_majority(nf, p) < 0 && rmn_ferplus_distribution(nf, p) < 0, "not a face: dropped");
    const double tie[RMN_FERPLUS_VOTES] = {0, 4, 0, 0, 0, 0, 0, 4, 2, 0};
    TAP_OK(rmn_ferplus_distribution(tie, p) == 1 && fabsf(p[1] - 0.5f) < 1e-6f && fabsf(p[7] - 0.5f) < 1e-6f,
           "a tie: both emotions share the target, the first is the label");
}

/* A FER2013 csv whose rows carry the excerpt's Usage, one per votes row; the label column holds
 * row % 7 (FERPlus replaces it). */
static void write_fer(const char *path, int rows) {
    static const char *const usage[3] = {"Training", "PublicTest", "PrivateTest"};
    FILE *f = fopen(path, "w");
    fputs("emotion,pixels,Usage\n", f);
    for (int r = 0; r < rows; ++r) {
        fprintf(f, "%d,", r % 7);
        for (int j = 0; j < 2304; ++j)
            fprintf(f, "%s%d", j ? " " : "", (r * 31 + j) % 256);
        fprintf(f, ",%s\n", usage[usage_of[r]]);
    }
    fclose(f);
}

static void test_apply(void) {
    const char *fer = tmp_file("fer.csv");
    write_fer(fer, n_rows);
    rmn_dataset plain, ds;
    TAP_OK(rmn_dataset_load(fer, &plain) == RMN_OK, "the matching FER2013 csv loads (%s)", rmn_error_message());
    rmn_dataset_options o = {.ferplus = data_file("votes.csv")};
    if (!TAP_OK(rmn_dataset_load_opts(fer, &o, &ds) == RMN_OK, "relabelled by the votes (%s)", rmn_error_message()))
        return;
    TAP_OK(ds.n_classes == 8 && strcmp(ds.class_names[0], "Neutral") == 0 && strcmp(ds.class_names[7], "Contempt") == 0,
           "8 classes, Neutral .. Contempt");
    TAP_OK(strcmp(ds.kind, "ferplus") == 0 && strcmp(ds.name, "FERPlus") == 0 && strcmp(ds.sha256, plain.sha256) != 0,
           "kind ferplus; its digest is not the images' alone");
    int want_n[3] = {0}, ok = 1, in_order = 1;
    for (int r = 0; r < n_rows; ++r)
        want_n[usage_of[r]] += (usage_of[r] == 0 ? want_dist[r] : want_major[r]) >= 0;
    TAP_OK(ds.split[0].n == want_n[0] && ds.split[1].n == want_n[1] && ds.split[2].n == want_n[2],
           "kept: train by crossentropy, val and test by majority (%d %d %d)", ds.split[0].n, ds.split[1].n,
           ds.split[2].n);
    double worst = 0;
    for (int k = 0; k < 3; ++k)
        for (int32_t i = 0; i < ds.split[k].n; ++i) {
            const int r = ds.split[k].source_row[i];
            ok &= ds.split[k].labels[i] == (k == 0 ? want_dist[r] : want_major[r]);
            in_order &= i == 0 || r > ds.split[k].source_row[i - 1];
            int h, w;
            const uint8_t *px = rmn_split_image(&ds.split[k], i, &h, &w);
            ok &= px[5] == (r * 31 + 5) % 256;
            for (int c = 0; k == 0 && c < 8; ++c)
                worst = fmax(worst, fabs(ds.split[0].soft[(size_t)i * 8 + c] - want_p[r][c]));
        }
    TAP_OK(ok && in_order, "every kept image keeps its pixels and row and gets FERPlus's label");
    TAP_OK(ds.split[0].soft && !ds.split[1].soft && worst < 1e-6, "train images carry the distributions (worst %.2e)",
           worst);
    int64_t counted = 0;
    for (int c = 0; c < 8; ++c)
        counted += ds.class_count[1][c];
    TAP_OK(counted == ds.split[1].n, "class counts over the 8 classes");
    char *json = rmn_dataset_classes_json(&ds);
    TAP_OK(json && strcmp(json, "[\"Neutral\",\"Happiness\",\"Surprise\",\"Sadness\",\"Anger\",\"Disgust\",\"Fear\","
                                "\"Contempt\"]") == 0,
           "the class names as JSON: %s", json ? json : "(null)");
    free(json);
    rmn_dataset_free(&ds);
    rmn_dataset_free(&plain);
}

/* Writes the excerpt with line `line` (1-based, 0: none) replaced by `text` (NULL: removed). */
static void write_votes(const char *path, int line, const char *text) {
    FILE *in = fopen(data_file("votes.csv"), "r"), *out = fopen(path, "w");
    char buf[512];
    for (int l = 1; fgets(buf, sizeof buf, in); ++l) {
        if (l != line)
            fputs(buf, out);
        else if (text)
            fputs(text, out);
    }
    fclose(in);
    fclose(out);
}

static void expect_bad(const char *votes_file, const char *want, const char *what) {
    rmn_dataset ds;
    memset(&ds, 0x5a, sizeof ds);
    rmn_dataset_options o = {.ferplus = votes_file};
    int rc = rmn_dataset_load_opts(tmp_file("fer.csv"), &o, &ds);
    const char *m = rmn_error_message();
    rmn_dataset zero;
    memset(&zero, 0, sizeof zero);
    TAP_OK(rc != RMN_OK && strstr(m, want) && memcmp(&ds, &zero, sizeof ds) == 0, "%s: %s [%s]", what, want, m);
}

static void test_bad(void) {
    write_votes(tmp_file("hdr.csv"), 1, "Usage,Image name,neutral,happy,surprise,sadness,anger,disgust,fear,contempt,unknown,NF\n");
    expect_bad(tmp_file("hdr.csv"), "hdr.csv:1: column 4 is 'happy', expected 'happiness'", "a wrong header");
    write_votes(tmp_file("vote.csv"), 5, "Training,fer0000009.png,4,0,x,1,3,2,0,0,0,0\n");
    expect_bad(tmp_file("vote.csv"), "vote.csv:5: a vote count must be an integer 0..1000, not x", "a bad vote");
    write_votes(tmp_file("short.csv"), 6, "Training,fer0000010.png,4,0,1,3,2,0,0,0,0\n");
    expect_bad(tmp_file("short.csv"), "short.csv:6: 11 fields, expected 12", "a short row");
    write_votes(tmp_file("fewer.csv"), n_rows + 1, NULL);
    char want[128];
    snprintf(want, sizeof want, "has %d images, %s %d rows of votes", n_rows, tmp_file("fewer.csv"), n_rows - 1);
    expect_bad(tmp_file("fewer.csv"), want, "a row fewer than the images");
    int r = 0;
    while (r < n_rows && usage_of[r] != 1)
        ++r;
    char line[128];
    snprintf(line, sizeof line, "PrivateTest,x.png,10,0,0,0,0,0,0,0,0,0\n");
    write_votes(tmp_file("usage.csv"), r + 2, line);
    snprintf(want, sizeof want, "usage.csv:%d: Usage PrivateTest, but data row %d", r + 2, r + 1);
    expect_bad(tmp_file("usage.csv"), want, "a Usage that disagrees with the image's");
    expect_bad(tmp_file("missing.csv"), "missing.csv", "a missing votes file");
}

int main(void) {
    snprintf(tmp, sizeof tmp, "/tmp/rmn-ferplus-XXXXXX");
    if (!mkdtemp(tmp))
        return 1;
    setenv("RMN_CACHE_DIR", tmp_file("cache"), 1);
    const int golden = read_golden();
    if (TAP_OK(golden, "the golden excerpt reads (%d rows)", n_rows)) {
        test_rows();
        test_soft_loss();
        test_apply();
        test_bad();
    }
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        TAP_OK(0, "scratch removed");
    return tap_done();
}
