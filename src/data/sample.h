/* sample.h -- deterministic stratified subsets of a FER2013 data set and writing a data set back
 * as a Kaggle-format CSV (emotion,pixels,Usage); behind `rmn-data sample` and the bundled sample.
 * Ownership: rmn_dataset_sample fills a caller-owned dataset released with rmn_dataset_free. */
#ifndef RMN_DATA_SAMPLE_H
#define RMN_DATA_SAMPLE_H

#include "data/fer2013.h"

#include <stdio.h>

#define RMN_SAMPLE_MIN_PER_CLASS 5 /* each class gets at least this many (when it has them) */

/* Per split k, draws want[k] images (all of them when want[k] >= n), class-proportional by
 * largest remainders, raising every class to min(RMN_SAMPLE_MIN_PER_CLASS, its count) at the
 * expense of the largest classes; images within a class are drawn uniformly without replacement
 * from the RMN_STREAM_SAMPLE stream of SEED. Rows keep the source order and source_row; out->path
 * is a copy of in->path and out->sha256 is empty. RMN_EINVAL for a negative count or data other
 * than FER2013's geometry and classes. */
int rmn_dataset_sample(const rmn_dataset *in, const int32_t want[RMN_SPLIT_COUNT], uint64_t seed,
                       rmn_dataset *out);

/* Per-class quotas of one split (the allocation rmn_dataset_sample uses), for tests. */
void rmn_sample_quota(const int64_t count[RMN_FER_CLASSES], int64_t want,
                      int64_t quota[RMN_FER_CLASSES]);

/* Writes ds as "emotion,pixels,Usage" CSV: the train, val and test splits in that order.
 * NAME names the output in messages. RMN_EIO on a write error. */
int rmn_dataset_write_csv(const rmn_dataset *ds, FILE *f, const char *name);

#endif
