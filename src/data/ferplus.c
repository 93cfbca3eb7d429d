/* ferplus.c -- FERPlus's crowd labels over FER2013 (see ferplus.h): reading fer2013new.csv
 * (libcsv, one line at a time so that errors name the line), the paper's two processings of a
 * row of votes, and the relabelling of a loaded FER2013 data set. */
#include "data/ferplus.h"

#include "core/error.h"
#include "core/sha256.h"
#include "data/fer2013.h"

#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const CLASS_NAMES[RMN_FERPLUS_CLASSES] = {"Neutral", "Happiness", "Surprise", "Sadness",
                                                             "Anger",   "Disgust",   "Fear",     "Contempt"};
static const char *const HEADER[2 + RMN_FERPLUS_VOTES] = {
    "Usage", "Image name", "neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear", "contempt",
    "unknown", "NF"};
#define N_COLS (2 + RMN_FERPLUS_VOTES)

// --- the processing of one row ------------------------------------------------------------------

/* Counts of one vote are outliers: dropped. Returns the remaining total. */
static double drop_single_votes(const double in[RMN_FERPLUS_VOTES], double v[RMN_FERPLUS_VOTES]) {
    double sum = 0;
    for (int i = 0; i < RMN_FERPLUS_VOTES; ++i)
        sum += v[i] = in[i] <= 1.0 ? 0.0 : in[i];
    return sum;
}

/* e (10 weights, unknown/not-a-face last) to a label and the distribution over the 8 emotions:
 * the argmax (first on ties); -1 when it is unknown or not a face, or e is all zero. */
static int finish(const double e[RMN_FERPLUS_VOTES], float out[RMN_FERPLUS_CLASSES]) {
    int arg = 0;
    for (int i = 1; i < RMN_FERPLUS_VOTES; ++i)
        arg = e[i] > e[arg] ? i : arg;
    if (arg >= RMN_FERPLUS_CLASSES || !(e[arg] > 0))
        return -1;
    double s = 0;
    for (int i = 0; i < RMN_FERPLUS_CLASSES; ++i)
        s += e[i];
    for (int i = 0; i < RMN_FERPLUS_CLASSES; ++i)
        out[i] = (float)(e[i] / s);
    return arg;
}

int rmn_ferplus_majority(const double votes[RMN_FERPLUS_VOTES], float out[RMN_FERPLUS_CLASSES]) {
    double v[RMN_FERPLUS_VOTES], e[RMN_FERPLUS_VOTES] = {0};
    const double sum = drop_single_votes(votes, v);
    int arg = 0;
    for (int i = 1; i < RMN_FERPLUS_VOTES; ++i)
        arg = v[i] > v[arg] ? i : arg;
    if (!(v[arg] > 0.5 * sum))
        return -1; /* no majority: unknown */
    e[arg] = v[arg];
    return finish(e, out);
}

int rmn_ferplus_distribution(const double votes[RMN_FERPLUS_VOTES], float out[RMN_FERPLUS_CLASSES]) {
    double v[RMN_FERPLUS_VOTES], e[RMN_FERPLUS_VOTES] = {0};
    const double sum = drop_single_votes(votes, v);
    double taken = 0; /* the votes of the emotions taken so far */
    int count = 0, valid = 1;
    /* passes: all the entries with the most remaining votes at once, until 75% of the votes are
     * in, three entries were taken, or unknown / not a face came up (it stays in only alone) */
    while (taken < 0.75 * sum && count < 3 && valid) {
        double mx = v[0];
        for (int i = 1; i < RMN_FERPLUS_VOTES; ++i)
            mx = v[i] > mx ? v[i] : mx;
        for (int i = 0; i < RMN_FERPLUS_VOTES; ++i) {
            if (v[i] != mx)
                continue;
            e[i] = mx;
            v[i] = 0;
            taken += mx;
            ++count;
            if (i >= RMN_FERPLUS_CLASSES) {
                valid = 0;
                double in = 0;
                for (int j = 0; j < RMN_FERPLUS_VOTES; ++j)
                    in += e[j];
                if (in > mx) { /* emotions came before it: it is left out */
                    e[i] = 0;
                    --count;
                }
                break;
            }
        }
    }
    double in = 0;
    for (int j = 0; j < RMN_FERPLUS_VOTES; ++j)
        in += e[j];
    if (in <= 0.5 * sum || count > 3)
        return -1; /* too few of the votes, or too many emotions: unknown */
    return finish(e, out);
}

// --- reading fer2013new.csv -------------------------------------------------------------------

typedef struct {
    uint8_t usage; /* split */
    double  votes[RMN_FERPLUS_VOTES];
} vote_row;

typedef struct {
    const char *path;
    int64_t     line;
    int         field, header_done, err;
    vote_row    cur;
    vote_row   *rows;
    int32_t     n, cap;
} votes_ctx;

static void fail_line(votes_ctx *c, int code, const char *fmt, const char *what) {
    if (!c->err)
        c->err = RMN_ERROR(code, "%s:%lld: %s%s", c->path, (long long)c->line, fmt, what);
}

static void on_field(void *s, size_t n, void *user) {
    votes_ctx *c = user;
    const char *t = s;
    int f = c->field++;
    if (c->err || f >= N_COLS)
        return;
    char text[64];
    snprintf(text, sizeof text, "%.*s", (int)(n < 60 ? n : 60), t);
    if (!c->header_done) {
        const char *want = HEADER[f];
        const char *got = f == 0 && strncmp(text, "\xEF\xBB\xBF", 3) == 0 ? text + 3 : text;
        if (strcmp(got, want) != 0) {
            char msg[160];
            snprintf(msg, sizeof msg, "column %d is '%s', expected '%s' (FERPlus's header: ", f + 1, got, want);
            fail_line(c, RMN_EFORMAT, msg, "Usage,Image name,neutral,...,contempt,unknown,NF)");
        }
        return;
    }
    if (f == 0) {
        int k = strcmp(text, "Training") == 0 ? 0 : strcmp(text, "PublicTest") == 0 ? 1
                                                  : strcmp(text, "PrivateTest") == 0 ? 2 : -1;
        if (k < 0)
            fail_line(c, RMN_EFORMAT, "unknown Usage ", text);
        c->cur.usage = (uint8_t)k;
    } else if (f >= 2) {
        char *end;
        errno = 0;
        long v = strtol(text, &end, 10);
        if (n == 0 || *end != '\0' || errno || v < 0 || v > 1000)
            fail_line(c, RMN_EFORMAT, "a vote count must be an integer 0..1000, not ", text);
        c->cur.votes[f - 2] = (double)v;
    }
}

static void on_row(int term, void *user) {
    votes_ctx *c = user;
    (void)term;
    int nf = c->field;
    c->field = 0;
    if (c->err)
        return;
    if (nf != N_COLS) {
        char msg[64];
        snprintf(msg, sizeof msg, "%d fields, expected %d", nf, N_COLS);
        fail_line(c, RMN_EFORMAT, msg, "");
        return;
    }
    if (!c->header_done) {
        c->header_done = 1;
        return;
    }
    if (c->n == c->cap) {
        int32_t cap = c->cap ? 2 * c->cap : 4096;
        vote_row *r = realloc(c->rows, (size_t)cap * sizeof *r);
        if (!r) {
            c->err = RMN_ERROR(RMN_ENOMEM, "%s: out of memory", c->path);
            return;
        }
        c->rows = r;
        c->cap = cap;
    }
    c->rows[c->n++] = c->cur;
}

/* Reads every row of the votes file; *rows (caller frees) and *n. */
static int read_votes(const char *path, vote_row **rows, int32_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return RMN_ERROR(RMN_EIO, "%s: %s", path, strerror(errno));
    struct csv_parser p;
    if (csv_init(&p, CSV_APPEND_NULL) != 0) {
        fclose(f);
        return RMN_ERROR(RMN_ENOMEM, "%s: cannot create a CSV parser", path);
    }
    votes_ctx c = {.path = path, .line = 1};
    char line[4096];
    while (!c.err && fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        if (csv_parse(&p, line, len, on_field, on_row, &c) != len && !c.err)
            fail_line(&c, RMN_EFORMAT, "CSV syntax error: ", csv_strerror(csv_error(&p)));
        if (len && line[len - 1] == '\n')
            ++c.line;
    }
    if (!c.err && ferror(f))
        c.err = RMN_ERROR(RMN_EIO, "%s: read error: %s", path, strerror(errno));
    if (!c.err)
        csv_fini(&p, on_field, on_row, &c);
    fclose(f);
    csv_free(&p);
    if (!c.err && !c.header_done)
        c.err = RMN_ERROR(RMN_EFORMAT, "%s: empty file (no header)", path);
    if (c.err) {
        free(c.rows);
        return c.err;
    }
    *rows = c.rows;
    *n = c.n;
    return RMN_OK;
}

// --- relabelling ------------------------------------------------------------------------------

/* Keeps the images of split k that the processing keeps, with their labels and (train) targets. */
static int relabel_split(rmn_split_data *sp, int k, const vote_row *rows) {
    const size_t px = (size_t)sp->side * sp->side * sp->channels, n = sp->n ? (size_t)sp->n : 1;
    float *soft = k == RMN_SPLIT_TRAIN ? malloc(n * RMN_FERPLUS_CLASSES * sizeof *soft) : NULL;
    if (k == RMN_SPLIT_TRAIN && !soft)
        return RMN_ERROR(RMN_ENOMEM, "out of memory");
    int32_t m = 0;
    for (int32_t i = 0; i < sp->n; ++i) {
        float dist[RMN_FERPLUS_CLASSES];
        const double *votes = rows[sp->source_row[i]].votes;
        int y = k == RMN_SPLIT_TRAIN ? rmn_ferplus_distribution(votes, dist) : rmn_ferplus_majority(votes, dist);
        if (y < 0)
            continue;
        memmove(sp->pixels + (size_t)m * px, sp->pixels + (size_t)i * px, px);
        sp->labels[m] = y;
        sp->source_row[m] = sp->source_row[i];
        if (soft)
            memcpy(soft + (size_t)m * RMN_FERPLUS_CLASSES, dist, sizeof dist);
        ++m;
    }
    sp->n = m;
    sp->soft = soft;
    return RMN_OK;
}

int rmn_ferplus_apply(rmn_dataset *ds, const char *votes_path) {
    if (strcmp(ds->kind, "fer2013") != 0)
        return RMN_ERROR(RMN_EINVAL, "%s: FERPlus relabels FER2013, not %s data", ds->path, ds->kind);
    char votes_sha[RMN_SHA256_HEX];
    RMN_TRY(rmn_sha256_file(votes_path, votes_sha));
    vote_row *rows;
    int32_t n_rows;
    RMN_TRY(read_votes(votes_path, &rows, &n_rows));
    /* the whole correspondence first: nothing changes unless every row agrees */
    int64_t total = 0;
    for (int k = 0; k < RMN_SPLIT_COUNT; ++k)
        total += ds->split[k].n;
    int rc = RMN_OK;
    if (total != n_rows)
        rc = RMN_ERROR(RMN_EFORMAT,
                       "%s has %lld images, %s %d rows of votes: FERPlus relabels the whole FER2013 csv, "
                       "line by line", ds->path, (long long)total, votes_path, (int)n_rows);
    for (int k = 0; k < RMN_SPLIT_COUNT && rc == RMN_OK; ++k)
        for (int32_t i = 0; i < ds->split[k].n && rc == RMN_OK; ++i) {
            int32_t r = ds->split[k].source_row[i];
            if (r < 0 || r >= n_rows || rows[r].usage != k)
                rc = RMN_ERROR(RMN_EFORMAT,
                               "%s:%lld: Usage %s, but data row %d of %s is %s: the files do not correspond "
                               "line by line (FERPlus needs FER2013 as one Kaggle csv)",
                               votes_path, (long long)r + 2, r >= 0 && r < n_rows ? rmn_split_usage(rows[r].usage) : "?",
                               (int)r + 1, ds->path, rmn_split_usage(k));
        }
    for (int k = 0; k < RMN_SPLIT_COUNT && rc == RMN_OK; ++k)
        rc = relabel_split(&ds->split[k], k, rows);
    free(rows);
    if (rc == RMN_OK)
        rc = rmn_dataset_set_classes(ds, CLASS_NAMES, RMN_FERPLUS_CLASSES);
    if (rc == RMN_OK)
        rc = rmn_dataset_count_classes(ds);
    if (rc != RMN_OK)
        return rc;
    char text[2 * (12 + RMN_SHA256_HEX)];
    snprintf(text, sizeof text, "fer2013 %s\nferplus %s\n", ds->sha256, votes_sha);
    rmn_sha256_hex(text, strlen(text), ds->sha256);
    snprintf(ds->kind, sizeof ds->kind, "ferplus");
    snprintf(ds->name, sizeof ds->name, "FERPlus");
    return RMN_OK;
}
