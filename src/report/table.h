/* table.h -- a small table model that every report table is built into, and its four renderers:
 * LaTeX (booktabs + siunitx S columns), Markdown (pipe table), CSV (RFC 4180) and JSON, and an
 * HTML table for rmn-ui.
 * Building a table never formats a number: renderers do that, by hand (format.h), so the output
 * is the same under every locale. A table is owned by its caller (rmn_table_init/_free); strings
 * given to the setters are copied.
 * Non-goals: spanning cells, multi-line headers. */
#ifndef RMN_REPORT_TABLE_H
#define RMN_REPORT_TABLE_H

#include <stdint.h>
#include <stdio.h>

typedef enum {
    RMN_CELL_EMPTY = 0, /* printed as "--" (LaTeX/Markdown), empty (CSV), null (JSON) */
    RMN_CELL_TEXT,      /* text */
    RMN_CELL_NUM,       /* v with the column's decimals */
    RMN_CELL_INT,       /* i */
    RMN_CELL_PM,        /* v +/- sd (sd NaN: v alone); n = how many values were averaged */
    RMN_CELL_CI,        /* [lo, hi] with the column's decimals */
    RMN_CELL_P          /* a p-value: 4 decimals, "<0.0001" below */
} rmn_cell_kind;

typedef struct {
    rmn_cell_kind kind;
    char   *text;
    double  v, sd, lo, hi;
    int64_t i;
    int     n;
    int     bold;
} rmn_cell;

typedef enum {
    RMN_COL_TEXT = 0, /* left-aligned text (LaTeX l) */
    RMN_COL_WIDE,     /* long text wrapped in LaTeX (p{width}) */
    RMN_COL_NUM       /* numbers: NUM, INT, PM, CI or P cells (LaTeX S column; CI: c column) */
} rmn_col_kind;

typedef struct {
    char        *key;       /* CSV header and JSON member name: [a-z0-9_]+ */
    char        *head;      /* plain-text header (Markdown) */
    char        *head_tex;  /* LaTeX header (already LaTeX) */
    rmn_col_kind kind;
    int          decimals;
    int          percent;   /* values in percent or percentage points: CSV and JSON write them
                               as fractions under KEY_frac (rmn_table_col_percent) */
} rmn_table_col;

typedef struct {
    char          *name;        /* "zoo": file tab-zoo.tex, label tab:zoo */
    char          *caption;     /* plain text; escaped for LaTeX */
    char          *caption_tex; /* LaTeX caption (NULL: the escaped plain caption) */
    int            n_cols, n_rows, cap_rows;
    rmn_table_col *cols;
    rmn_cell      *cells;       /* (n_rows, n_cols) */
    uint8_t       *rule_before; /* n_rows: a \midrule before this row */
} rmn_table;

int  rmn_table_init(rmn_table *t, const char *name, int n_cols);
void rmn_table_free(rmn_table *t);
int  rmn_table_caption(rmn_table *t, const char *plain, const char *tex);
/* Column c: key, plain header, LaTeX header (NULL = escaped plain), kind, decimals. */
int  rmn_table_col_set(rmn_table *t, int c, const char *key, const char *head, const char *head_tex,
                       rmn_col_kind kind, int decimals);
/* Marks column c as percent (accuracies, recalls, their gains): LaTeX and Markdown print it as
 * set, CSV and JSON as fractions (value / 100, two more decimals in CSV) under KEY_frac. */
void rmn_table_col_percent(rmn_table *t, int c);
/* Appends an empty row; *row = its index. */
int  rmn_table_add_row(rmn_table *t, int *row);
rmn_cell *rmn_table_cell(rmn_table *t, int row, int col);
int  rmn_table_set_text(rmn_table *t, int row, int col, const char *text);
void rmn_table_set_num(rmn_table *t, int row, int col, double v);  /* NaN: empty */
void rmn_table_set_int(rmn_table *t, int row, int col, int64_t i);
void rmn_table_set_pm(rmn_table *t, int row, int col, double mean, double sd, int n);
void rmn_table_set_ci(rmn_table *t, int row, int col, double lo, double hi);
void rmn_table_set_p(rmn_table *t, int row, int col, double p);
/* Bolds, in column col among rows [r0, r1), every cell whose value at the printed precision
 * equals the largest (ties all bold); only when at least two cells have a value. */
void rmn_table_bold_max(rmn_table *t, int col, int r0, int r1);

typedef enum { RMN_FMT_LATEX, RMN_FMT_MARKDOWN, RMN_FMT_CSV, RMN_FMT_JSON } rmn_report_format;
/* "latex" | "markdown" | "csv" | "json" */
int rmn_report_format_parse(const char *s, rmn_report_format *f);
const char *rmn_report_format_ext(rmn_report_format f); /* "tex", "md", "csv", "json" */

int rmn_table_write_latex(const rmn_table *t, FILE *out);
int rmn_table_write_markdown(const rmn_table *t, FILE *out);
int rmn_table_write_csv(const rmn_table *t, FILE *out);
int rmn_table_write_json(const rmn_table *t, FILE *out);
/* <table class="rmn-table" id="tab-NAME"> with a <caption>, <th data-key="KEY"> headers, cells
 * as Markdown prints them (bold as <strong>), class "num" on number columns, class "rule" on a
 * row after a \midrule; every text HTML-escaped. */
int rmn_table_write_html(const rmn_table *t, FILE *out);
int rmn_table_write(const rmn_table *t, rmn_report_format f, FILE *out);
/* Several tables in one stream: LaTeX and Markdown one after another, JSON one object
 * {name: table, ...}. CSV holds one table (RFC 4180 has no notion of several): RMN_EINVAL for
 * more (write each to its own file). */
int rmn_tables_write(const rmn_table *t, int n, rmn_report_format f, FILE *out);

#endif
