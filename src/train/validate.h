/* validate.h -- an experiment checked whole before anything is loaded, trained or stored: a
 * mistake that would fail after an hour of training fails in the first second instead. */
#ifndef RMN_TRAIN_VALIDATE_H
#define RMN_TRAIN_VALIDATE_H

#include "train/train_config.h"

/* Every run of exp (the selected ones and the others alike: the file is validated, not the
 * selection) has a model that builds (a known arch, a width, image size, channels and class
 * count it accepts at its profile), and every ensemble member names a run's model_name.
 * Errors name the experiment and the run. Builds graphs only: no weights, data or store. */
int rmn_experiment_validate(const rmn_experiment *exp);

/* One run's model, as above; `where` names it in errors. */
int rmn_train_config_validate_model(const rmn_train_config *cfg, const char *where);

#endif
