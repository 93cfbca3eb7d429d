/* rmn.h -- librmn for other C programs: the headers a program needs to train and evaluate
 * FER2013 models with rmn, in one include (installed as PREFIX/include/rmn/rmn.h; build with
 * `pkg-config --cflags --libs rmn`). Every module's header is installed too
 * (PREFIX/include/rmn/MODULE/NAME.h) and may be included alone. examples/eval.c shows a
 * checkpoint loaded and evaluated; docs/INSTALL.md, "The library".
 *
 * Conventions (core/error.h): functions return an int status, RMN_OK on success; on failure
 * rmn_error_message() says what went wrong. The functions that open, allocate or load return
 * owned objects which the matching free or close function releases. The library never exits. */
#ifndef RMN_RMN_H
#define RMN_RMN_H

#include "core/error.h"        /* errors as values; messages (core/log.h), environment (core/env.h) */
#include "data/dataset.h"      /* data sets: FER2013, FERPlus, image folders */
#include "data/fer2013.h"      /* FER2013 data sets and the bundled sample */
#include "models/zoo.h"        /* the model registry */
#include "nn/net.h"            /* networks: build, plan, forward, free */
#include "store/store.h"       /* the run store (docs/STORE.md) */
#include "train/checkpoint.h"  /* checkpoints: save, load, open a model from one */
#include "train/train_config.h" /* training configurations and experiment files */
#include "train/evaluate.h"    /* evaluation, with and without test-time augmentation */
#include "train/experiment.h"  /* running an experiment, resuming a run */

#endif
