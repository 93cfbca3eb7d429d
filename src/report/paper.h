/* paper.h -- the paper's tables, built from a report set (set.h) into tables (table.h):
 *   zoo       one row per model: parameters (x10^6), accuracy without and with TTA; several
 *             seeds give mean +/- sample sd and the seed count; best per column in bold
 *   ensemble  one row per ensemble run: how its members were chosen (tag `selection`), the
 *             member list, accuracy, its best member's accuracy and the gain with a paired
 *             bootstrap interval from the per-sample predictions
 *   perclass  recall (%) per class per model (confusion counts pooled over seeds, which is the
 *             mean recall over seeds when all seeds saw the same images), the class counts in
 *             the first row, the macro average
 *   stats     every accuracy with its Wilson 95% interval and McNemar's exact test against the
 *             best single-model accuracy on the same images (discordant pairs b, c and p)
 * All accuracies are in percent; the split is the set's. Deterministic: the same store and
 * options give the same tables. */
#ifndef RMN_REPORT_PAPER_H
#define RMN_REPORT_PAPER_H

#include "report/set.h"
#include "report/table.h"
#include "store/store.h"

#include <stdint.h>

typedef struct {
    int      n_boot; /* bootstrap resamples (0: 10000) */
    uint64_t seed;   /* bootstrap seed (0: 1234) */
} rmn_paper_options;

/* FER2013's classes in label order (the thesis's order). */
extern const char *const rmn_fer_classes[7];

int rmn_paper_zoo(const rmn_report_set *set, rmn_table *t);
/* RMN_ENOTFOUND when the set has no ensemble. */
int rmn_paper_ensemble(rmn_store *s, const rmn_report_set *set, const rmn_paper_options *o,
                       rmn_table *t);
int rmn_paper_perclass(rmn_store *s, const rmn_report_set *set, rmn_table *t);
int rmn_paper_stats(rmn_store *s, const rmn_report_set *set, rmn_table *t);

/* The tables named in `which` (comma-separated: zoo, ensemble, perclass, stats; NULL or "all"
 * = all of them, the ensemble table only when the set has ensembles). *out is an array of *n
 * tables, freed with rmn_paper_tables_free. RMN_EINVAL for an unknown name. */
int  rmn_paper_tables(rmn_store *s, const rmn_report_set *set, const rmn_paper_options *o,
                      const char *which, rmn_table **out, int *n);
void rmn_paper_tables_free(rmn_table *t, int n);

/* Paired outcomes of two evals on their common samples (merge by sample index):
 * a[i], b[i] in {0,1}; *n pairs. Caller frees a and b. */
int rmn_paper_paired(rmn_store *s, int64_t eval_a, int64_t eval_b, uint8_t **a, uint8_t **b,
                     int *n);

#endif
