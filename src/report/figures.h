/* figures.h -- the paper's figures as gnuplot scripts built in memory (so tests can read the data
 * they carry), and the driver that draws every figure of a report set into a directory.
 *
 * A script draws one figure for each terminal asked for, from inline datablocks:
 *   RMN_FIG_PDF    STEM.pdf        pdfcairo
 *   RMN_FIG_PNG    STEM.png        pngcairo
 *   RMN_FIG_LATEX  STEM-tex.tex    cairolatex (pdf, colortext; with STEM-tex.pdf): text typeset
 *                                  by LaTeX in the document's font; needs graphicx and xcolor
 *   RMN_FIG_DUMB   STEM.txt        dumb (text, for tests)
 * Figures:
 *   cm-RUN-SPLIT[-ttaN]   confusion matrix of one eval: rows = true class in the thesis's order
 *                         (Angry ... Neutral), row-normalised, each cell "fraction (count)",
 *                         colour scale fixed to 0..1, white text on cells above 0.5
 *   curves-RUN            train/val loss and accuracy per epoch; the epochs where the learning
 *                         rate fell to at most half its previous value are marked
 *   zoo-SPLIT             accuracy against parameters, one point per model (mean over seeds of
 *                         the headline accuracy: TTA when there is one), each with its own colour
 *                         and point type named in the key (no label beside a point), ensembles as
 *                         squares (their size: the sum of their members'), a point where earlier
 *                         ones are drawn as a larger open ring around them; the y label states the
 *                         TTA (TTA-N / no TTA), or each key entry does when the models differ
 *   compare-RUN--RUN...   the training curves of several runs overlaid (rmn-report --compare): loss
 *                         and accuracy panels, one colour per run, val solid, train dashed
 *   gallery-RUN-CLASS, features-RUN   report/run_figures.h (need the run's data file)
 * Datablock $cm of a confusion script: one line "true pred count fraction" per cell, rows of
 * one true class together, a blank line between true classes. */
#ifndef RMN_REPORT_FIGURES_H
#define RMN_REPORT_FIGURES_H

#include "report/set.h"
#include "store/store.h"

#include <stdint.h>
#include <stdio.h>

enum { RMN_FIG_PDF = 1, RMN_FIG_PNG = 2, RMN_FIG_LATEX = 4, RMN_FIG_DUMB = 8,
       RMN_FIG_PAPER = RMN_FIG_PDF | RMN_FIG_PNG | RMN_FIG_LATEX };

/* counts: (nc, nc), rows = true class; class_names: nc names (NULL = the FER2013 names when
 * nc = 7, else numbers). *script is the caller's. */
int rmn_fig_confusion_script(const int64_t *counts, int nc, const char *const *class_names,
                             const char *title, const char *stem, int terms, char **script);

/* m: the run's metrics (train_loss, train_acc, val_loss, val_acc, lr per epoch; missing keys
 * leave their curve out). RMN_ENOTFOUND when there is no epoch or no loss/accuracy. */
int rmn_fig_curves_script(const rmn_metric_table *m, const char *title, const char *stem,
                          int terms, char **script);

typedef struct {
    const char *label;
    double      params_m; /* x10^6 */
    double      acc;      /* % */
    int         ensemble;
    int         tta_n;    /* TTA views behind acc: 0 none, -1 different over the seeds */
} rmn_fig_point;
/* Datablock $z: "params_millions accuracy% ensemble tta_n label", one line per point drawn (in
 * the order given; points without parameters or accuracy are left out). */
int rmn_fig_zoo_script(const rmn_fig_point *p, int n, const char *title, const char *stem,
                       int terms, char **script);

/* m[i]: the metrics of run i, named names[i] (2..RMN_FIG_COMPARE_MAX runs). Datablock $rI per
 * run: "epoch train_loss val_loss train_acc% val_acc%". RMN_ENOTFOUND when no run has a loss or
 * an accuracy per epoch. */
#define RMN_FIG_COMPARE_MAX 10
int rmn_fig_compare_script(const rmn_metric_table *const *m, const char *const *names, int n,
                           const char *title, const char *stem, int terms, char **script);

/* Every figure of the set into dir (created if missing): a confusion matrix for each headline
 * eval (and the plain one too when a run has both), training curves for each single-model run
 * with metrics, each training run's galleries and feature figure (run_figures.h), the zoo
 * plot. Each figure is drawn in a fresh temporary directory inside dir
 * and its files then renamed into dir, so no half-drawn figure is ever left under its name.
 * `log` (may be NULL) gets one line per file written. */
int rmn_report_figures(rmn_store *s, const rmn_report_set *set, const char *dir, int terms,
                       FILE *log);

/* The compare-... figure of the runs refs (as rmn_store_run_resolve takes them; any status, so
 * running runs too) into dir. Every run is resolved and its metrics read before anything is
 * drawn or created: an unknown run is RMN_ENOTFOUND, a run without epochs RMN_EINVAL. */
int rmn_report_compare_figure(rmn_store *s, const char *const *refs, int n, const char *dir,
                              int terms, FILE *log);

/* File-name-safe form of text: [A-Za-z0-9._-] kept, anything else '_'. Returns buf. */
const char *rmn_fig_safe_name(char *buf, size_t cap, const char *text);

#endif
