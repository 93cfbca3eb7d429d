/* test-fer2013.c -- the FER2013 reader: every container (csv, .xz, .gz, Kaggle tar.gz, pre-split
 * directory) loads to the same data; every malformed input fails naming file, line and problem;
 * the decode cache is written, used, and never trusted when corrupt; sampling and CSV output. */
#include "core/error.h"
#include "core/rng.h"
#include "data/fer2013.h"
#include "data/fer_cache.h"
#include "data/sample.h"
#include "tap.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmp[256];

enum { NROWS = 6 };
static const int LABELS[NROWS] = {3, 0, 6, 2, 5, 1};
static const char *const USAGES[NROWS] = {"Training", "Training", "Training", "PublicTest", "PublicTest", "PrivateTest"};

static int pixel(int row, int j) { return (row * 7919 + j * 31 + (j * j) % 97) % 256; }

/* One row: LABEL_TEXT,pixels,USAGE with npix pixels; token `bad` replaces pixel 5 when given. */
static void put_row(FILE *f, const char *label, int row, int npix, const char *bad, const char *usage,
                    const char *eol) {
    fprintf(f, "%s,", label);
    for (int j = 0; j < npix; ++j) {
        if (j == 4 && bad)
            fprintf(f, "%s%s", j ? " " : "", bad);
        else
            fprintf(f, "%s%d", j ? " " : "", pixel(row, j));
    }
    if (usage)
        fprintf(f, ",%s", usage);
    fputs(eol, f);
}

typedef struct {
    int bad_row;       /* data row (0-based) that is broken, -1 none */
    int npix;          /* pixels on the bad row */
    const char *token; /* bad pixel token */
    const char *label; /* bad label text */
    const char *usage; /* bad usage text */
    const char *header;
    const char *eol;
    int no_usage_field;
} spec;

static char *make_csv(size_t *len, spec s) {
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    const char *eol = s.eol ? s.eol : "\n";
    fprintf(f, "%s%s", s.header ? s.header : "emotion,pixels,Usage", eol);
    for (int r = 0; r < NROWS; ++r) {
        char lab[8];
        snprintf(lab, sizeof lab, "%d", LABELS[r]);
        int bad = r == s.bad_row;
        put_row(f, bad && s.label ? s.label : lab, r, bad && s.npix ? s.npix : 2304, bad ? s.token : NULL,
                bad && s.no_usage_field ? NULL : bad && s.usage ? s.usage : USAGES[r], eol);
    }
    fclose(f);
    return buf;
}

static void write_bytes(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    fwrite(data, 1, n, f);
    fclose(f);
}

static char *path_of(const char *name) {
    static char p[8][512];
    static int k = 0;
    k = (k + 1) % 8;
    snprintf(p[k], sizeof p[k], "%s/%s", tmp, name);
    return p[k];
}

/* Writes data as a raw stream through one libarchive filter, or as a tar.gz member. */
static int write_archive(const char *path, const void *data, size_t n, const char *filter, const char *member) {
    struct archive *a = archive_write_new();
    if (strcmp(filter, "xz") == 0)
        archive_write_add_filter_xz(a);
    else
        archive_write_add_filter_gzip(a);
    if (member)
        archive_write_set_format_pax_restricted(a);
    else
        archive_write_set_format_raw(a);
    if (archive_write_open_filename(a, path) != ARCHIVE_OK)
        return -1;
    struct archive_entry *e = archive_entry_new();
    if (member) { /* a decoy member first */
        const char *readme = "not the csv\n";
        archive_entry_set_pathname(e, "fer2013/README");
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)strlen(readme));
        archive_write_header(a, e);
        archive_write_data(a, readme, strlen(readme));
        archive_entry_clear(e);
        archive_entry_set_pathname(e, member);
    } else {
        archive_entry_set_pathname(e, "data");
    }
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, (la_int64_t)n);
    archive_write_header(a, e);
    archive_write_data(a, data, n);
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);
    return 0;
}

static long file_size(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 ? (long)st.st_size : -1;
}

static void truncate_copy(const char *from, const char *to, long keep) {
    FILE *f = fopen(from, "rb");
    char *b = malloc((size_t)keep);
    size_t got = fread(b, 1, (size_t)keep, f);
    fclose(f);
    write_bytes(to, b, got);
    free(b);
}

static int same_split(const rmn_split_data *a, const rmn_split_data *b, int rows) {
    if (a->n != b->n)
        return 0;
    if (a->n == 0)
        return 1;
    return memcmp(a->pixels, b->pixels, (size_t)a->n * 2304) == 0 && memcmp(a->labels, b->labels, (size_t)a->n * sizeof *a->labels) == 0 &&
           (!rows || memcmp(a->source_row, b->source_row, (size_t)a->n * sizeof(int32_t)) == 0);
}

static int same_data(const rmn_dataset *a, const rmn_dataset *b, int rows) {
    for (int k = 0; k < RMN_SPLIT_COUNT; ++k)
        if (!same_split(&a->split[k], &b->split[k], rows) ||
            memcmp(a->class_count[k], b->class_count[k], sizeof a->class_count[k]) != 0)
            return 0;
    return 1;
}

/* Loads a file expected to fail; checks the code and that the message holds `want`. */
static void expect_error(const char *name, int code, const char *want, const char *what) {
    rmn_dataset ds;
    memset(&ds, 0x5a, sizeof ds);
    int rc = rmn_dataset_load(path_of(name), &ds);
    const char *m = rmn_error_message();
    rmn_dataset zero;
    memset(&zero, 0, sizeof zero);
    TAP_OK(rc == code && strstr(m, want) != NULL && memcmp(&ds, &zero, sizeof ds) == 0,
           "%s: %s [%s]", what, want, m);
}

static void write_bad(const char *name, spec s) {
    size_t n;
    char *t = make_csv(&n, s);
    write_bytes(path_of(name), t, n);
    free(t);
}

static void test_good(rmn_dataset *ref) {
    size_t n;
    char *csv = make_csv(&n, (spec){.bad_row = -1});
    write_bytes(path_of("fer2013.csv"), csv, n);
    TAP_OK(rmn_dataset_load(path_of("fer2013.csv"), ref) == RMN_OK, "good csv loads: %s", rmn_error_message());
    TAP_OK(ref->split[0].n == 3 && ref->split[1].n == 2 && ref->split[2].n == 1, "split sizes 3/2/1");
    TAP_OK(ref->split[0].labels[0] == 3 && ref->split[1].labels[1] == 5 && ref->split[2].labels[0] == 1,
           "labels by split");
    TAP_OK(ref->split[1].source_row[0] == 3 && ref->split[2].source_row[0] == 5, "source rows are data-row indices");
    TAP_OK(ref->split[0].pixels[2304 + 100] == pixel(1, 100) && ref->split[2].pixels[2303] == pixel(5, 2303),
           "pixels decoded row-major");
    TAP_OK(ref->class_count[0][3] == 1 && ref->class_count[0][0] == 1 && ref->class_count[1][2] == 1 &&
               ref->class_count[2][1] == 1,
           "class counts");
    TAP_OK(strcmp(ref->path, path_of("fer2013.csv")) == 0 && strlen(ref->sha256) == 64, "path and sha256 recorded");

    /* the same data in every container */
    write_archive(path_of("fer2013.csv.xz"), csv, n, "xz", NULL);
    write_archive(path_of("fer2013.csv.gz"), csv, n, "gz", NULL);
    write_archive(path_of("fer2013.tar.gz"), csv, n, "gz", "fer2013/fer2013.csv");
    const char *names[] = {"fer2013.csv.xz", "fer2013.csv.gz", "fer2013.tar.gz"};
    for (int i = 0; i < 3; ++i) {
        rmn_dataset d;
        int rc = rmn_dataset_load(path_of(names[i]), &d);
        TAP_OK(rc == RMN_OK && same_data(ref, &d, 1), "%s loads to identical data %s", names[i],
               rc ? rmn_error_message() : "");
        TAP_OK(strcmp(d.sha256, ref->sha256) != 0, "%s: sha256 is of the bytes as given", names[i]);
        rmn_dataset_free(&d);
    }
    /* CRLF and no final newline */
    char *crlf = make_csv(&n, (spec){.bad_row = -1, .eol = "\r\n"});
    write_bytes(path_of("crlf.csv"), crlf, n);
    write_bytes(path_of("nofinal.csv"), csv, strlen(csv) - 1);
    free(crlf);
    FILE *bf = fopen(path_of("bom.csv"), "wb");
    fputs("\xEF\xBB\xBF", bf);
    fwrite(csv, 1, strlen(csv), bf);
    fclose(bf);
    rmn_dataset d;
    TAP_OK(rmn_dataset_load(path_of("bom.csv"), &d) == RMN_OK && same_data(ref, &d, 1),
           "file with a UTF-8 byte-order mark loads alike");
    rmn_dataset_free(&d);
    TAP_OK(rmn_dataset_load(path_of("crlf.csv"), &d) == RMN_OK && same_data(ref, &d, 1), "CRLF file loads alike");
    rmn_dataset_free(&d);
    TAP_OK(rmn_dataset_load(path_of("nofinal.csv"), &d) == RMN_OK && same_data(ref, &d, 1),
           "file without a final newline loads alike");
    rmn_dataset_free(&d);

    /* pre-split directory: train.csv, val.csv.xz, test.csv.gz with header emotion,pixels */
    mkdir(path_of("split"), 0755);
    const int from[4] = {0, 3, 5, 6};
    const char *files[3] = {"split/train.csv", "split/val.csv.xz", "split/test.csv.gz"};
    for (int k = 0; k < 3; ++k) {
        char *b = NULL;
        size_t bl;
        FILE *f = open_memstream(&b, &bl);
        fputs("emotion,pixels\n", f);
        for (int r = from[k]; r < from[k + 1]; ++r) {
            char lab[8];
            snprintf(lab, sizeof lab, "%d", LABELS[r]);
            put_row(f, lab, r, 2304, NULL, NULL, "\n");
        }
        fclose(f);
        if (k == 0)
            write_bytes(path_of(files[k]), b, bl);
        else
            write_archive(path_of(files[k]), b, bl, k == 1 ? "xz" : "gz", NULL);
        free(b);
    }
    int rc = rmn_dataset_load(path_of("split"), &d);
    TAP_OK(rc == RMN_OK && same_data(ref, &d, 0), "pre-split directory loads to identical data %s",
           rc ? rmn_error_message() : "");
    TAP_OK(rc == RMN_OK && d.split[1].source_row[1] == 1, "pre-split source rows count within each file");
    rmn_dataset_free(&d);
    unlink(path_of("split/test.csv.gz"));
    expect_error("split", RMN_EIO, "has no test.csv", "directory without test.csv");
    free(csv);
}

static void test_errors(void) {
    write_bad("bad-2303.csv", (spec){.bad_row = 2, .npix = 2303});
    expect_error("bad-2303.csv", RMN_EFORMAT, "bad-2303.csv:4: row has 2303 pixels, expected 2304", "short row");
    write_bad("bad-2305.csv", (spec){.bad_row = 0, .npix = 2305});
    expect_error("bad-2305.csv", RMN_EFORMAT, "bad-2305.csv:2: row has 2305 pixels, expected 2304", "long row");
    write_bad("bad-256.csv", (spec){.bad_row = 4, .token = "256"});
    expect_error("bad-256.csv", RMN_EFORMAT, "bad-256.csv:6: pixel 5 is '256', expected an integer 0..255", "pixel 256");
    write_bad("bad-neg.csv", (spec){.bad_row = 1, .token = "-1"});
    expect_error("bad-neg.csv", RMN_EFORMAT, "bad-neg.csv:3: pixel 5 is '-1'", "pixel -1");
    write_bad("bad-12x.csv", (spec){.bad_row = 5, .token = "12x"});
    expect_error("bad-12x.csv", RMN_EFORMAT, "bad-12x.csv:7: pixel 5 is '12x'", "pixel 12x");
    write_bad("bad-label7.csv", (spec){.bad_row = 3, .label = "7"});
    expect_error("bad-label7.csv", RMN_EFORMAT, "bad-label7.csv:5: emotion label '7' is not an integer 0..6", "label 7");
    write_bad("bad-label-empty.csv", (spec){.bad_row = 0, .label = ""});
    expect_error("bad-label-empty.csv", RMN_EFORMAT, "bad-label-empty.csv:2: empty emotion label", "empty label");
    write_bad("bad-usage.csv", (spec){.bad_row = 2, .usage = "Validation"});
    expect_error("bad-usage.csv", RMN_EFORMAT, "bad-usage.csv:4: unknown Usage 'Validation'", "unknown Usage");
    write_bad("bad-fields.csv", (spec){.bad_row = 1, .no_usage_field = 1});
    expect_error("bad-fields.csv", RMN_EFORMAT, "bad-fields.csv:3: row has 2 fields, expected 3", "missing field");
    write_bad("bad-header.csv", (spec){.bad_row = -1, .header = "emotion,pixel,Usage"});
    expect_error("bad-header.csv", RMN_EFORMAT, "bad-header.csv:1: header has no 'pixels' column", "missing column");
    write_bad("bad-nousage.csv", (spec){.bad_row = -1, .header = "emotion,pixels"});
    expect_error("bad-nousage.csv", RMN_EFORMAT, "bad-nousage.csv:1: header has no 'Usage' column", "missing Usage column");
    write_bad("bad-crlf.csv", (spec){.bad_row = 3, .npix = 2303, .eol = "\r\n"});
    expect_error("bad-crlf.csv", RMN_EFORMAT, "bad-crlf.csv:5: row has 2303 pixels", "CRLF file: line numbers");
    write_bytes(path_of("empty.csv"), "", 0);
    expect_error("empty.csv", RMN_EFORMAT, "empty.csv: empty file", "empty file");
    write_bytes(path_of("header-only.csv"), "emotion,pixels,Usage\n", 21);
    expect_error("header-only.csv", RMN_EFORMAT, "header-only.csv: no data rows", "header only");
    expect_error("missing.csv", RMN_EIO, "missing.csv: No such file or directory", "missing file");

    /* truncated compressed streams: libarchive's message with the file name */
    long xz = file_size(path_of("fer2013.csv.xz")), gz = file_size(path_of("fer2013.csv.gz"));
    truncate_copy(path_of("fer2013.csv.xz"), path_of("cut.csv.xz"), xz / 2);
    truncate_copy(path_of("fer2013.csv.gz"), path_of("cut.csv.gz"), gz / 2);
    truncate_copy(path_of("fer2013.csv.gz"), path_of("cut-trailer.csv.gz"), gz - 4);
    truncate_copy(path_of("fer2013.tar.gz"), path_of("cut.tar.gz"), file_size(path_of("fer2013.tar.gz")) / 2);
    expect_error("cut.csv.xz", RMN_EIO, "cut.csv.xz: truncated or corrupt data", "truncated .xz");
    expect_error("cut.csv.gz", RMN_EIO, "cut.csv.gz: truncated or corrupt data", "truncated .gz");
    expect_error("cut-trailer.csv.gz", RMN_EIO, "cut-trailer.csv.gz: truncated or corrupt data", ".gz without its trailer");
    expect_error("cut.tar.gz", RMN_EIO, "cut.tar.gz: truncated or corrupt data", "truncated tar.gz");
    size_t n;
    char *csv = make_csv(&n, (spec){.bad_row = -1});
    write_archive(path_of("other.tar.gz"), csv, n, "gz", "fer2013/other.csv");
    free(csv);
    expect_error("other.tar.gz", RMN_EFORMAT, "other.tar.gz: archive has no member named fer2013.csv", "tar without fer2013.csv");
}

static int read_all(const char *p, unsigned char **b, long *n) {
    *n = file_size(p);
    if (*n < 0)
        return -1;
    *b = malloc((size_t)*n);
    FILE *f = fopen(p, "rb");
    size_t got = fread(*b, 1, (size_t)*n, f);
    fclose(f);
    return got == (size_t)*n ? 0 : -1;
}

static void test_cache(const rmn_dataset *ref) {
    char cache[4200];
    TAP_OK(rmn_fer_cache_file(ref->sha256, cache, sizeof cache) == RMN_OK && strstr(cache, tmp) == cache,
           "cache file lives under RMN_CACHE_DIR");
    TAP_OK(file_size(cache) > 3 * 2304, "first load wrote the cache (%ld bytes)", file_size(cache));
    unsigned char *orig;
    long on;
    read_all(cache, &orig, &on);

    /* a valid cache holding different data proves the second load reads it */
    rmn_dataset alt, d;
    rmn_dataset_load(path_of("fer2013.csv"), &alt);
    alt.split[0].labels[0] = 4;
    alt.class_count[0][3]--, alt.class_count[0][4]++;
    TAP_OK(rmn_fer_cache_write(cache, &alt) == RMN_OK, "cache written by hand");
    TAP_OK(rmn_dataset_load(path_of("fer2013.csv"), &d) == RMN_OK && d.split[0].labels[0] == 4 &&
               d.class_count[0][4] == 1 && d.class_count[0][3] == 0,
           "second load uses the cache");
    rmn_dataset_free(&d);
    rmn_dataset_free(&alt);

    /* corrupt one pixel byte: detected, ignored, rewritten */
    unsigned char *b = malloc((size_t)on);
    memcpy(b, orig, (size_t)on);
    b[on / 2] ^= 0x40;
    write_bytes(cache, b, (size_t)on);
    TAP_OK(rmn_dataset_load(path_of("fer2013.csv"), &d) == RMN_OK && same_data(ref, &d, 1),
           "a corrupted cache is not trusted");
    rmn_dataset_free(&d);
    unsigned char *now;
    long nn;
    read_all(cache, &now, &nn);
    TAP_OK(nn == on && memcmp(now, orig, (size_t)on) == 0, "the corrupted cache was rewritten");
    free(now);
    /* truncated cache */
    write_bytes(cache, orig, (size_t)on - 100);
    TAP_OK(rmn_dataset_load(path_of("fer2013.csv"), &d) == RMN_OK && same_data(ref, &d, 1),
           "a truncated cache is not trusted");
    rmn_dataset_free(&d);
    TAP_OK(file_size(cache) == on, "the truncated cache was rewritten");
    /* checksum recomputed but the source digest differs */
    memset(&d, 0, sizeof d);
    memcpy(d.sha256, ref->sha256, 65);
    d.sha256[0] = d.sha256[0] == 'a' ? 'b' : 'a';
    int rc = rmn_fer_cache_read(cache, &d);
    TAP_OK(rc == RMN_EFORMAT && strstr(rmn_error_message(), "another source"), "a cache for another source is refused: %s",
           rmn_error_message());
    b[on / 2] ^= 0x40;
    b[8] = 9; /* version */
    write_bytes(cache, b, (size_t)on);
    memcpy(d.sha256, ref->sha256, 65);
    TAP_OK(rmn_fer_cache_read(cache, &d) == RMN_EFORMAT && d.split[0].pixels == NULL, "a cache of another version is refused");
    free(b);
    free(orig);

    /* RMN_CACHE_DIR=off writes nothing; an unwritable directory is only a warning */
    unlink(cache);
    setenv("RMN_CACHE_DIR", "off", 1);
    TAP_OK(rmn_dataset_load(path_of("fer2013.csv"), &d) == RMN_OK && file_size(cache) < 0,
           "RMN_CACHE_DIR=off: loads and writes no cache");
    rmn_dataset_free(&d);
    setenv("RMN_CACHE_DIR", path_of("fer2013.csv/sub"), 1); /* below a regular file */
    TAP_OK(rmn_dataset_load(path_of("fer2013.csv"), &d) == RMN_OK && same_data(ref, &d, 1),
           "unwritable cache directory: load still succeeds");
    rmn_dataset_free(&d);
    setenv("RMN_CACHE_DIR", path_of("cache"), 1);
}

static void test_sample(void) {
    enum { N = 3000 };
    rmn_dataset big;
    memset(&big, 0, sizeof big);
    TAP_OK(rmn_fer2013_init(&big) == RMN_OK, "FER2013's geometry and classes");
    rmn_rng r;
    rmn_rng_init(&r, 3, RMN_STREAM_SAMPLE);
    for (int k = 0; k < 3; ++k) {
        int n = k == 0 ? N : 400;
        big.split[k].n = n;
        big.split[k].pixels = malloc((size_t)n * 2304);
        big.split[k].labels = malloc((size_t)n * sizeof *big.split[k].labels);
        big.split[k].source_row = malloc((size_t)n * sizeof(int32_t));
        for (int i = 0; i < n; ++i) {
            double u = rmn_rng_uniform(&r); /* class 1 rare (~1.5%) */
            int c = u < 0.015 ? 1 : 2 + (int)rmn_rng_below(&r, 5) - (rmn_rng_below(&r, 6) == 0 ? 2 : 0);
            big.split[k].labels[i] = c;
            big.class_count[k][c]++;
            big.split[k].source_row[i] = (k == 0 ? 0 : k == 1 ? N : N + 400) + i;
            for (int j = 0; j < 2304; ++j)
                big.split[k].pixels[(size_t)i * 2304 + j] = (uint8_t)rmn_rng_below(&r, 256);
        }
    }
    big.path = strdup("synthetic");
    int32_t want[3] = {600, 60, 60};
    rmn_dataset s1, s2, s3;
    TAP_OK(rmn_dataset_sample(&big, want, 1, &s1) == RMN_OK && s1.split[0].n == 600 && s1.split[1].n == 60 &&
               s1.split[2].n == 60,
           "sample has the asked sizes");
    rmn_dataset_sample(&big, want, 1, &s2);
    rmn_dataset_sample(&big, want, 2, &s3);
    TAP_OK(same_data(&s1, &s2, 1), "same seed, same sample");
    TAP_OK(!same_data(&s1, &s3, 1), "another seed, another sample");
    int ordered = 1, every = 1;
    for (int k = 0; k < 3; ++k) {
        for (int i = 1; i < s1.split[k].n; ++i)
            ordered &= s1.split[k].source_row[i] > s1.split[k].source_row[i - 1];
        for (int c = 0; c < 7; ++c)
            every &= s1.class_count[k][c] >= (big.class_count[k][c] < 5 ? big.class_count[k][c] : 5);
    }
    TAP_OK(ordered, "sampled rows keep the source order");
    TAP_OK(every, "every class has at least min(5, its count)");
    TAP_OK(llabs(s1.class_count[0][2] - big.class_count[0][2] * 600 / N) <= 2, "train classes proportional (%lld vs %lld)",
           (long long)s1.class_count[0][2], (long long)(big.class_count[0][2] * 600 / N));

    int64_t fer_train[7] = {3995, 436, 4097, 7215, 4830, 3171, 4965}, fer_val[7] = {467, 56, 496, 895, 653, 415, 607};
    int64_t q[7], sum = 0;
    rmn_sample_quota(fer_val, 300, q);
    for (int c = 0; c < 7; ++c)
        sum += q[c];
    TAP_OK(sum == 300 && q[1] == 5 && q[3] == 75, "FER val quota: 300 in all, Disgust 5, Happy 75");
    rmn_sample_quota(fer_train, 2000, q);
    TAP_OK(q[0] + q[1] + q[2] + q[3] + q[4] + q[5] + q[6] == 2000 && q[1] == 30, "FER train quota: Disgust 30");
    rmn_sample_quota(fer_val, 5000, q);
    TAP_OK(memcmp(q, fer_val, sizeof q) == 0, "asking for more than there is takes all");

    /* CSV round trip */
    FILE *f = fopen(path_of("sample.csv"), "w");
    TAP_OK(rmn_dataset_write_csv(&s1, f, "sample.csv") == RMN_OK, "sample written as CSV");
    fclose(f);
    rmn_dataset back;
    TAP_OK(rmn_dataset_load(path_of("sample.csv"), &back) == RMN_OK && same_data(&s1, &back, 0),
           "written CSV reloads to the same images and labels");
    rmn_dataset_free(&back);
    rmn_dataset_free(&s1);
    rmn_dataset_free(&s2);
    rmn_dataset_free(&s3);
    rmn_dataset_free(&big);
}

static void test_names(void) {
    TAP_OK(strcmp(rmn_split_name(1), "val") == 0 && strcmp(rmn_split_usage(2), "PrivateTest") == 0 &&
               strcmp(rmn_class_name(0), "Angry") == 0 && strcmp(rmn_class_name(6), "Neutral") == 0,
           "split and class names");
    char p[4096];
    setenv("RMN_SAMPLE", "/some/where.csv", 1);
    TAP_OK(rmn_dataset_default_path(p, sizeof p) == RMN_OK && strcmp(p, "/some/where.csv") == 0,
           "default path honours RMN_SAMPLE");
    unsetenv("RMN_SAMPLE");
    TAP_OK(rmn_dataset_default_path(p, sizeof p) == RMN_OK && strstr(p, "fer2013-sample.csv.xz"),
           "default path without RMN_SAMPLE: %s", p);
    TAP_OK(rmn_dataset_default_path(p, 4) == RMN_EINVAL, "small buffer is EINVAL");
}

int main(void) {
    snprintf(tmp, sizeof tmp, "%s/rmn-fer-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmp))
        return 1;
    setenv("RMN_CACHE_DIR", path_of("cache"), 1);
    rmn_dataset ref;
    test_good(&ref);
    test_errors();
    test_cache(&ref);
    test_sample();
    test_names();
    rmn_dataset_free(&ref);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmp);
    return tap_done();
}
