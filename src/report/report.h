/* report.h -- human and machine views of the run store: the run listing (fixed-width text or
 * JSON), everything about one run, the LaTeX table of runs, and the entry points of the paper's
 * tables and figures (`rmn-report`), whose parts live in:
 *   set.h      which runs and evals a report covers; the ENSEMBLE CONVENTION shared with the
 *              ensemble code (run kind 'ensemble', members in ensemble_members, fused
 *              predictions in the ensemble run's own evals, run tag `selection` =
 *              fixed | val | test)
 *   paper.h    the tables: zoo, ensemble, perclass, stats
 *   table.h    the table model and its LaTeX / Markdown / CSV / JSON renderers
 *   stats.h    Wilson intervals, McNemar's exact test, paired bootstrap (GSL)
 *   figures.h  gnuplot scripts (confusion matrices, training curves, zoo plot) and their driver
 *   gnuplot.h  finding and running gnuplot
 * Nothing is recomputed from checkpoints: everything is read from the store.
 * Every function writes to a caller's FILE and reads the store only. Numbers are formatted by
 * hand (never through the C locale's decimal point); accuracies print as percentages.
 * Returns RMN_OK, RMN_ENOTFOUND (unknown run or experiment; the message names it and the db
 * file), RMN_EIO (write failure) or the store's errors. */
#ifndef RMN_REPORT_REPORT_H
#define RMN_REPORT_REPORT_H

#include "store/store.h"

#include <jansson.h>
#include <stdio.h>

/* Fixed-width table, newest first: id, uuid prefix, experiment, name, model, status, epochs,
 * best val acc, test acc (no TTA and with TTA), start time (UTC). experiment NULL = all. */
int rmn_report_runs_list(rmn_store *s, const char *experiment, FILE *out);
/* The same runs as a JSON array of objects (accuracies as fractions in best_val_acc_frac,
 * test_acc_frac, test_acc_tta_frac; null when missing). */
int rmn_report_runs_list_json(rmn_store *s, const char *experiment, FILE *out);
/* One run of that array (a new reference; NULL when out of memory). */
json_t *rmn_report_run_json(const rmn_run_summary *r);

/* Everything about one run (ref as for rmn_store_run_resolve): identity, provenance, params,
 * tags, per-epoch metrics, evals (split, tta_n, accuracy, loss) each with its confusion matrix
 * (rows = true class, counts), artifacts. */
int rmn_report_run_show(rmn_store *s, const char *ref, FILE *out);

/* A booktabs + siunitx table (a `table` float holding the `tabular`, for \input) of the FINISHED
 * runs: model, parameters (x10^6), best validation accuracy (%), test accuracy (%) without and,
 * when any run has one, with TTA; best accuracy per column in bold (ties at printed precision);
 * ensemble runs after a \midrule; rows ordered by model, run name, run id.
 * experiment NULL = all runs. RMN_ENOTFOUND when there is no finished run. */
int rmn_report_latex_runs(rmn_store *s, const char *experiment, FILE *out);
/* Wraps a LaTeX fragment in a compilable article (booktabs, siunitx). */
int rmn_report_latex_begin_document(FILE *out);
int rmn_report_latex_end_document(FILE *out);

/* Writes data to path atomically: a temporary file next to it, fsync, rename. */
int rmn_report_save(const char *path, const char *data, size_t len);

#endif
