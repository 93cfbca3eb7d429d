/* report.h -- human and machine views of the run store: the run listing (fixed-width text or
 * JSON), everything about one run, and the paper's LaTeX table of runs.
 * Every function writes to a caller's FILE and reads the store only. Numbers are formatted by
 * hand (never through the C locale's decimal point); accuracies print as percentages.
 * Returns RMN_OK, RMN_ENOTFOUND (unknown run or experiment; the message names it and the db
 * file), RMN_EIO (write failure) or the store's errors. */
#ifndef RMN_REPORT_REPORT_H
#define RMN_REPORT_REPORT_H

#include "store/store.h"

#include <stdio.h>

/* Fixed-width table, newest first: id, uuid prefix, experiment, name, model, status, epochs,
 * best val acc, test acc (no TTA and with TTA), start time (UTC). experiment NULL = all. */
int rmn_report_runs_list(rmn_store *s, const char *experiment, FILE *out);
/* The same runs as a JSON array of objects (accuracies as fractions, null when missing). */
int rmn_report_runs_list_json(rmn_store *s, const char *experiment, FILE *out);

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

#endif
