/* config_json.h -- inside train/ only: applying a JSON object's keys onto a configuration,
 * shared by configuration texts (train_config.c) and experiment files (experiment_file.c). */
#ifndef RMN_TRAIN_CONFIG_JSON_H
#define RMN_TRAIN_CONFIG_JSON_H

#include <jansson.h>

#include "train/train_config.h"

/* Applies every key of obj except those in skip (NULL-terminated; may be NULL), then checks the
 * ranges; errors name `where`. */
int rmn_train_config_apply_object(rmn_train_config *cfg, json_t *obj, const char *where, const char *const *skip);

#endif
