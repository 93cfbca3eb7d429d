/* fer_parse.c -- FER2013 CSV decoding: libarchive opens the container (raw file, any
 * compression filter, or the Kaggle tar with member fer2013.csv), and the bytes are streamed
 * into libcsv one line at a time so that errors can name the line. Columns are found by their
 * header names (emotion, pixels, Usage). Pixels are decoded straight into uint8. */
#include "data/fer_parse.h"

#include "core/error.h"

#include <archive.h>
#include <archive_entry.h>
#include <csv.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define READ_BLOCK 65536

typedef struct {
    const char *path;
    rmn_dataset *ds;
    int fixed_split;
    int64_t line;        /* 1-based line being parsed */
    int64_t data_rows;   /* data rows seen so far */
    int field;           /* index of the current field within the row */
    int header_done;
    int col_emotion, col_pixels, col_usage;
    int ncols;
    /* the row being assembled */
    int have_label, have_pixels, have_usage;
    int label, usage;
    uint8_t pix[RMN_FER_PIXELS];
    int32_t cap[RMN_SPLIT_COUNT];
    int err;             /* status once an error was raised; callbacks then do nothing */
} parse_ctx;

static const char *base_name(const char *p) {
    const char *s = strrchr(p, '/');
    return s && s[1] ? s + 1 : p;
}

static void trim(const char **s, size_t *n) {
    while (*n && (**s == ' ' || **s == '\t'))
        ++*s, --*n;
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t' || (*s)[*n - 1] == '\r'))
        --*n;
}

static int fail_line(parse_ctx *c, int code, const char *what) {
    c->err = RMN_ERROR(code, "%s:%lld: %s", c->path, (long long)c->line, what);
    return c->err;
}

/* Shows at most 24 bytes of a field, for messages. */
static void quote_field(char *dst, size_t cap, const char *s, size_t n) {
    size_t k = n < 24 ? n : 24;
    snprintf(dst, cap, "'%.*s'%s", (int)k, s, n > k ? "..." : "");
}

static void header_field(parse_ctx *c, const char *s, size_t n) {
    if (c->field == 0 && n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) /* UTF-8 byte-order mark */
        s += 3, n -= 3;
    trim(&s, &n);
    if (n == 7 && memcmp(s, "emotion", 7) == 0 && c->col_emotion < 0)
        c->col_emotion = c->field;
    else if (n == 6 && memcmp(s, "pixels", 6) == 0 && c->col_pixels < 0)
        c->col_pixels = c->field;
    else if (n == 5 && memcmp(s, "Usage", 5) == 0 && c->col_usage < 0)
        c->col_usage = c->field;
}

static void parse_label(parse_ctx *c, const char *s, size_t n) {
    char msg[160], q[40];
    trim(&s, &n);
    if (n == 0) {
        fail_line(c, RMN_EFORMAT, "empty emotion label");
        return;
    }
    if (n != 1 || s[0] < '0' || s[0] > '6') {
        quote_field(q, sizeof q, s, n);
        snprintf(msg, sizeof msg, "emotion label %s is not an integer 0..6", q);
        fail_line(c, RMN_EFORMAT, msg);
        return;
    }
    c->label = s[0] - '0';
    c->have_label = 1;
}

static void parse_pixels(parse_ctx *c, const char *s, size_t n) {
    char msg[160], q[40];
    size_t i = 0;
    int count = 0;
    while (i < n) {
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
            ++i;
        if (i >= n)
            break;
        size_t start = i;
        while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            ++i;
        size_t len = i - start;
        unsigned v = 0;
        int good = len <= 3;
        for (size_t k = start; good && k < i; ++k) {
            if (s[k] < '0' || s[k] > '9')
                good = 0;
            else
                v = v * 10 + (unsigned)(s[k] - '0');
        }
        if (!good || v > 255) {
            quote_field(q, sizeof q, s + start, len);
            snprintf(msg, sizeof msg, "pixel %d is %s, expected an integer 0..255", count + 1, q);
            fail_line(c, RMN_EFORMAT, msg);
            return;
        }
        if (count < RMN_FER_PIXELS)
            c->pix[count] = (uint8_t)v;
        ++count;
    }
    if (count != RMN_FER_PIXELS) {
        snprintf(msg, sizeof msg, "row has %d pixels, expected %d", count, RMN_FER_PIXELS);
        fail_line(c, RMN_EFORMAT, msg);
        return;
    }
    c->have_pixels = 1;
}

static void parse_usage(parse_ctx *c, const char *s, size_t n) {
    char msg[160], q[40];
    trim(&s, &n);
    for (int k = 0; k < RMN_SPLIT_COUNT; ++k) {
        const char *u = rmn_split_usage(k);
        if (strlen(u) == n && memcmp(s, u, n) == 0) {
            c->usage = k;
            c->have_usage = 1;
            return;
        }
    }
    quote_field(q, sizeof q, s, n);
    snprintf(msg, sizeof msg, "unknown Usage %s (expected Training, PublicTest or PrivateTest)", q);
    fail_line(c, RMN_EFORMAT, msg);
}

static void on_field(void *data, size_t n, void *user) {
    parse_ctx *c = user;
    const char *s = data ? data : "";
    if (c->err)
        return;
    if (!c->header_done)
        header_field(c, s, n);
    else if (c->field == c->col_emotion)
        parse_label(c, s, n);
    else if (c->field == c->col_pixels)
        parse_pixels(c, s, n);
    else if (c->field == c->col_usage && c->fixed_split < 0)
        parse_usage(c, s, n);
    ++c->field;
}

static int grow(parse_ctx *c, rmn_split_data *sp, int k) {
    if (sp->n < c->cap[k])
        return RMN_OK;
    int32_t cap = c->cap[k] ? c->cap[k] * 2 : 1024;
    uint8_t *px = realloc(sp->pixels, (size_t)cap * RMN_FER_PIXELS);
    if (px)
        sp->pixels = px;
    int32_t *lb = realloc(sp->labels, (size_t)cap * sizeof *lb);
    if (lb)
        sp->labels = lb;
    int32_t *sr = realloc(sp->source_row, (size_t)cap * sizeof *sr);
    if (sr)
        sp->source_row = sr;
    if (!px || !lb || !sr)
        return RMN_ERROR(RMN_ENOMEM, "%s: out of memory at %d rows", c->path, (int)cap);
    c->cap[k] = cap;
    return RMN_OK;
}

static void on_row(int term, void *user) {
    parse_ctx *c = user;
    (void)term;
    int nfields = c->field;
    c->field = 0;
    if (c->err)
        return;
    if (!c->header_done) {
        c->header_done = 1;
        c->ncols = nfields;
        const char *missing = c->col_emotion < 0 ? "emotion" : c->col_pixels < 0 ? "pixels"
                              : (c->col_usage < 0 && c->fixed_split < 0) ? "Usage" : NULL;
        if (missing) {
            char msg[96];
            snprintf(msg, sizeof msg, "header has no '%s' column", missing);
            fail_line(c, RMN_EFORMAT, msg);
        }
        return;
    }
    int need = c->col_emotion > c->col_pixels ? c->col_emotion : c->col_pixels;
    if (c->fixed_split < 0 && c->col_usage > need)
        need = c->col_usage;
    if (nfields <= need) {
        char msg[96];
        snprintf(msg, sizeof msg, "row has %d fields, expected %d", nfields, c->ncols);
        fail_line(c, RMN_EFORMAT, msg);
        return;
    }
    int k = c->fixed_split >= 0 ? c->fixed_split : c->usage;
    rmn_split_data *sp = &c->ds->split[k];
    if (grow(c, sp, k) != RMN_OK) {
        c->err = RMN_ENOMEM;
        return;
    }
    memcpy(sp->pixels + (size_t)sp->n * RMN_FER_PIXELS, c->pix, RMN_FER_PIXELS);
    sp->labels[sp->n] = c->label;
    sp->source_row[sp->n] = (int32_t)c->data_rows;
    ++sp->n;
    ++c->ds->class_count[k][c->label];
    ++c->data_rows;
    c->have_label = c->have_pixels = c->have_usage = 0;
}

/* Feeds a block to libcsv, cut at line ends so that c->line is the line being parsed. */
static int feed(parse_ctx *c, struct csv_parser *p, const char *buf, size_t n) {
    while (n && !c->err) {
        const char *nl = memchr(buf, '\n', n);
        size_t len = nl ? (size_t)(nl - buf) + 1 : n;
        if (csv_parse(p, buf, len, on_field, on_row, c) != len && !c->err) {
            char msg[128];
            snprintf(msg, sizeof msg, "CSV syntax error: %s", csv_strerror(csv_error(p)));
            fail_line(c, RMN_EFORMAT, msg);
        }
        if (nl)
            ++c->line;
        buf += len;
        n -= len;
    }
    return c->err;
}

/* The error of a failed libarchive call: the system's reason for an open/read failure of the
 * file itself, else the data is truncated or corrupt; libarchive's message is kept. */
static int archive_fail(struct archive *a, const char *path, int64_t offset) {
    const char *why = archive_error_string(a);
    int e = archive_errno(a);
    if (e == ENOENT || e == EACCES || e == EPERM || e == EISDIR || e == ENOTDIR)
        return RMN_ERROR(RMN_EIO, "%s: %s (libarchive: %s)", path, strerror(e), why ? why : "no message");
    if (offset > 0)
        return RMN_ERROR(RMN_EIO, "%s: truncated or corrupt data after %lld decoded bytes (libarchive: %s)",
                         path, (long long)offset, why ? why : "no message");
    return RMN_ERROR(RMN_EIO, "%s: truncated or corrupt data (libarchive: %s)", path,
                     why ? why : "no message");
}

/* Opens PATH with libarchive and positions it on the CSV member. */
static int open_member(const char *path, struct archive **out) {
    struct stat st;
    if (stat(path, &st) != 0)
        return RMN_ERROR(RMN_EIO, "%s: %s", path, strerror(errno));
    if (S_ISREG(st.st_mode) && st.st_size == 0)
        return RMN_ERROR(RMN_EFORMAT, "%s: empty file", path);
    struct archive *a = archive_read_new();
    if (!a)
        return RMN_ERROR(RMN_ENOMEM, "%s: cannot create an archive reader", path);
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_raw(a);
    if (archive_read_open_filename(a, path, READ_BLOCK) != ARCHIVE_OK) {
        int rc = archive_fail(a, path, 0);
        archive_read_free(a);
        return rc;
    }
    struct archive_entry *e;
    for (;;) {
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF) {
            int tar = archive_format(a) != ARCHIVE_FORMAT_RAW && archive_format(a) != 0;
            int rc = tar ? RMN_ERROR(RMN_EFORMAT, "%s: archive has no member named fer2013.csv", path)
                         : RMN_ERROR(RMN_EFORMAT, "%s: empty file", path);
            archive_read_free(a);
            return rc;
        }
        if (r < ARCHIVE_WARN) {
            int rc = archive_fail(a, path, 0);
            archive_read_free(a);
            return rc;
        }
        if (archive_format(a) == ARCHIVE_FORMAT_RAW)
            break;
        const char *name = archive_entry_pathname(e);
        if (name && archive_entry_filetype(e) == AE_IFREG && strcmp(base_name(name), "fer2013.csv") == 0)
            break;
    }
    *out = a;
    return RMN_OK;
}

int rmn_fer_parse_file(const char *path, int fixed_split, rmn_dataset *ds) {
    struct archive *a = NULL;
    RMN_TRY(open_member(path, &a));
    struct csv_parser p;
    if (csv_init(&p, CSV_APPEND_NULL) != 0) {
        archive_read_free(a);
        return RMN_ERROR(RMN_ENOMEM, "%s: cannot create a CSV parser", path);
    }
    parse_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        csv_free(&p);
        archive_read_free(a);
        return RMN_ERROR(RMN_ENOMEM, "%s: out of memory", path);
    }
    c->path = path;
    c->ds = ds;
    c->fixed_split = fixed_split;
    c->line = 1;
    c->col_emotion = c->col_pixels = c->col_usage = -1;
    for (int k = 0; k < RMN_SPLIT_COUNT; ++k)
        c->cap[k] = ds->split[k].n; /* appending to a split that was filled exactly */

    char *buf = malloc(READ_BLOCK);
    int64_t total = 0;
    int rc = buf ? RMN_OK : RMN_ERROR(RMN_ENOMEM, "%s: out of memory", path);
    while (rc == RMN_OK) {
        la_ssize_t got = archive_read_data(a, buf, READ_BLOCK);
        if (got < 0) {
            rc = archive_fail(a, path, total);
            break;
        }
        if (got == 0)
            break;
        total += got;
        rc = feed(c, &p, buf, (size_t)got);
    }
    if (rc == RMN_OK) {
        csv_fini(&p, on_field, on_row, c);
        rc = c->err;
    }
    if (rc == RMN_OK && total == 0)
        rc = RMN_ERROR(RMN_EFORMAT, "%s: empty file", path);
    else if (rc == RMN_OK && !c->header_done)
        rc = RMN_ERROR(RMN_EFORMAT, "%s: empty file (no header)", path);
    else if (rc == RMN_OK && c->data_rows == 0)
        rc = RMN_ERROR(RMN_EFORMAT, "%s: no data rows after the header", path);
    free(buf);
    free(c);
    csv_free(&p);
    archive_read_free(a);
    return rc;
}
