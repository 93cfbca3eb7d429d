/* table.c -- building report tables (table.h): columns, rows of typed cells, bold maxima. */
#include "report/table.h"

#include "core/error.h"
#include "report/format.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

int rmn_table_init(rmn_table *t, const char *name, int n_cols) {
    memset(t, 0, sizeof *t);
    RMN_ASSERT(n_cols > 0);
    t->name = strdup(name);
    t->cols = calloc((size_t)n_cols, sizeof *t->cols);
    if (!t->name || !t->cols) {
        rmn_table_free(t);
        return RMN_ERROR(RMN_ENOMEM, "out of memory for table %s", name);
    }
    t->n_cols = n_cols;
    return RMN_OK;
}

void rmn_table_free(rmn_table *t) {
    if (!t)
        return;
    for (int c = 0; t->cols && c < t->n_cols; ++c) {
        free(t->cols[c].key);
        free(t->cols[c].head);
        free(t->cols[c].head_tex);
    }
    for (int i = 0; t->cells && i < t->n_rows * t->n_cols; ++i)
        free(t->cells[i].text);
    free(t->cols);
    free(t->cells);
    free(t->rule_before);
    free(t->name);
    free(t->caption);
    free(t->caption_tex);
    memset(t, 0, sizeof *t);
}

int rmn_table_caption(rmn_table *t, const char *plain, const char *tex) {
    free(t->caption);
    free(t->caption_tex);
    t->caption = dup_or_null(plain);
    t->caption_tex = dup_or_null(tex);
    if ((plain && !t->caption) || (tex && !t->caption_tex))
        return RMN_ERROR(RMN_ENOMEM, "out of memory for a caption");
    return RMN_OK;
}

int rmn_table_col_set(rmn_table *t, int c, const char *key, const char *head, const char *head_tex,
                      rmn_col_kind kind, int decimals) {
    RMN_ASSERT(c >= 0 && c < t->n_cols);
    rmn_table_col *col = &t->cols[c];
    free(col->key);
    free(col->head);
    free(col->head_tex);
    col->key = strdup(key);
    col->head = strdup(head);
    col->head_tex = dup_or_null(head_tex);
    col->kind = kind;
    col->decimals = decimals;
    if (!col->key || !col->head || (head_tex && !col->head_tex))
        return RMN_ERROR(RMN_ENOMEM, "out of memory for a column");
    return RMN_OK;
}

void rmn_table_col_percent(rmn_table *t, int c) {
    RMN_ASSERT(c >= 0 && c < t->n_cols);
    t->cols[c].percent = 1;
}

int rmn_table_add_row(rmn_table *t, int *row) {
    if (t->n_rows == t->cap_rows) {
        int cap = t->cap_rows ? 2 * t->cap_rows : 8;
        rmn_cell *cells = realloc(t->cells, (size_t)cap * (size_t)t->n_cols * sizeof *cells);
        if (!cells)
            return RMN_ERROR(RMN_ENOMEM, "out of memory for table rows");
        t->cells = cells;
        uint8_t *rb = realloc(t->rule_before, (size_t)cap);
        if (!rb)
            return RMN_ERROR(RMN_ENOMEM, "out of memory for table rows");
        t->rule_before = rb;
        t->cap_rows = cap;
    }
    memset(&t->cells[(size_t)t->n_rows * (size_t)t->n_cols], 0, (size_t)t->n_cols * sizeof *t->cells);
    t->rule_before[t->n_rows] = 0;
    *row = t->n_rows++;
    return RMN_OK;
}

rmn_cell *rmn_table_cell(rmn_table *t, int row, int col) {
    RMN_ASSERT(row >= 0 && row < t->n_rows && col >= 0 && col < t->n_cols);
    return &t->cells[(size_t)row * (size_t)t->n_cols + (size_t)col];
}

int rmn_table_set_text(rmn_table *t, int row, int col, const char *text) {
    rmn_cell *c = rmn_table_cell(t, row, col);
    free(c->text);
    c->text = NULL;
    c->kind = RMN_CELL_EMPTY;
    if (!text)
        return RMN_OK;
    if (!(c->text = strdup(text)))
        return RMN_ERROR(RMN_ENOMEM, "out of memory for a cell");
    c->kind = RMN_CELL_TEXT;
    return RMN_OK;
}

void rmn_table_set_num(rmn_table *t, int row, int col, double v) {
    rmn_cell *c = rmn_table_cell(t, row, col);
    c->kind = isnan(v) ? RMN_CELL_EMPTY : RMN_CELL_NUM;
    c->v = v;
}

void rmn_table_set_int(rmn_table *t, int row, int col, int64_t i) {
    rmn_cell *c = rmn_table_cell(t, row, col);
    c->kind = RMN_CELL_INT;
    c->i = i;
    c->v = (double)i;
}

void rmn_table_set_pm(rmn_table *t, int row, int col, double mean, double sd, int n) {
    rmn_cell *c = rmn_table_cell(t, row, col);
    c->kind = isnan(mean) ? RMN_CELL_EMPTY : RMN_CELL_PM;
    c->v = mean;
    c->sd = sd;
    c->n = n;
}

void rmn_table_set_ci(rmn_table *t, int row, int col, double lo, double hi) {
    rmn_cell *c = rmn_table_cell(t, row, col);
    c->kind = isnan(lo) || isnan(hi) ? RMN_CELL_EMPTY : RMN_CELL_CI;
    c->lo = lo;
    c->hi = hi;
}

void rmn_table_set_p(rmn_table *t, int row, int col, double p) {
    rmn_cell *c = rmn_table_cell(t, row, col);
    c->kind = isnan(p) ? RMN_CELL_EMPTY : RMN_CELL_P;
    c->v = p;
}

void rmn_table_bold_max(rmn_table *t, int col, int r0, int r1) {
    int dec = t->cols[col].decimals, n = 0;
    long long best = 0;
    for (int r = r0; r < r1; ++r) {
        const rmn_cell *c = rmn_table_cell(t, r, col);
        if (c->kind != RMN_CELL_NUM && c->kind != RMN_CELL_PM && c->kind != RMN_CELL_INT)
            continue;
        long long q = rmn_fmt_scaled(c->v, dec);
        if (n++ == 0 || q > best)
            best = q;
    }
    if (n < 2)
        return;
    for (int r = r0; r < r1; ++r) {
        rmn_cell *c = rmn_table_cell(t, r, col);
        if ((c->kind == RMN_CELL_NUM || c->kind == RMN_CELL_PM || c->kind == RMN_CELL_INT) &&
            rmn_fmt_scaled(c->v, dec) == best)
            c->bold = 1;
    }
}

int rmn_report_format_parse(const char *s, rmn_report_format *f) {
    static const char *const names[] = {"latex", "markdown", "csv", "json"};
    for (int i = 0; i < 4; ++i)
        if (strcmp(s, names[i]) == 0) {
            *f = (rmn_report_format)i;
            return RMN_OK;
        }
    return RMN_ERROR(RMN_EINVAL, "unknown output format '%s' (latex, markdown, csv, json)", s);
}

const char *rmn_report_format_ext(rmn_report_format f) {
    switch (f) {
    case RMN_FMT_LATEX: return "tex";
    case RMN_FMT_MARKDOWN: return "md";
    case RMN_FMT_CSV: return "csv";
    case RMN_FMT_JSON: return "json";
    }
    return "txt";
}
