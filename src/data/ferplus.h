/* ferplus.h -- FERPlus: FER2013's images relabelled by ten crowd votes each (microsoft/FERPlus,
 * fer2013new.csv, MIT; Barsoum et al., "Training Deep Networks for Facial Expression Recognition
 * with Crowd-Sourced Label Distribution", ICMI 2016). docs/DATA.md.
 *
 * The votes file has a header "Usage,Image name,neutral,happiness,surprise,sadness,anger,disgust,
 * fear,contempt,unknown,NF" and one row per row of fer2013.csv, in the same order (its image
 * names are not row numbers: rows are joined by line, and every row's Usage must agree). The
 * paper's processing, as the authors' code does it:
 *  - a single vote for an emotion is an outlier and is dropped (counts of 1 become 0);
 *  - training images get the vote distribution ("crossentropy" mode): the most voted emotions,
 *    taken in order of votes (ties together) until they hold 75% of the votes or three were taken;
 *    the image is dropped when they hold no more than half of the votes, when more than three tie
 *    in, or when unknown / not-a-face is the most voted; the distribution is renormalised over the
 *    8 emotions and its argmax (the first on ties) is the image's label;
 *  - val and test images get the majority label ("majority" mode): the most voted emotion when it
 *    holds more than half of the votes, else the image is dropped, as it is when unknown or
 *    not-a-face is the most voted.
 * Classes (8, the file's order): Neutral Happiness Surprise Sadness Anger Disgust Fear Contempt. */
#ifndef RMN_DATA_FERPLUS_H
#define RMN_DATA_FERPLUS_H

#include "data/dataset.h"

#define RMN_FERPLUS_VOTES 10  /* 8 emotions, unknown, not a face */
#define RMN_FERPLUS_CLASSES 8

/* Relabels the FER2013 data set ds (as loaded from one Kaggle CSV: its source rows are line
 * numbers) by the votes in VOTES_PATH: drops the images the processing above drops, sets the
 * labels, the 8 class names and, for the train split, the target distributions (soft);
 * ds->sha256 becomes the digest of "fer2013 <hex>\nferplus <hex>\n". Validated whole first: a
 * malformed votes file, a row count other than the data's, or a Usage that disagrees is an
 * error naming the file and line, and ds is unchanged. */
int rmn_ferplus_apply(rmn_dataset *ds, const char *votes_path);

/* The processing of one image's votes (counts of neutral .. contempt, unknown, not a face):
 * the label 0..7 and its target distribution out[8], or -1 when the image is dropped. */
int rmn_ferplus_majority(const double votes[RMN_FERPLUS_VOTES], float out[RMN_FERPLUS_CLASSES]);
int rmn_ferplus_distribution(const double votes[RMN_FERPLUS_VOTES], float out[RMN_FERPLUS_CLASSES]);

#endif
