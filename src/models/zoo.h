/* zoo.h -- the model families' builders, registered by name in registry.c.
 * rmn_model_create / rmn_model_names (declared in nn/net.h) look architectures up here. */
#ifndef RMN_MODELS_ZOO_H
#define RMN_MODELS_ZOO_H

#include "nn/net.h"

typedef int (*rmn_model_builder)(const char *arch, const rmn_model_config *cfg, rmn_net **out);

/* democnn: four conv3x3+BN+ReLU stages (w, 2w, 4w, 4w; max-pool 2 after the first three),
 * global average pool, dropout 0.25, linear(4w -> classes). No conv bias (BN follows).
 * Default width 32; image_size >= 8. */
int rmn_democnn_build(const char *arch, const rmn_model_config *cfg, rmn_net **out);
/* Trainable scalars of democnn for these sizes (the analytic count, for tests). */
size_t rmn_democnn_param_count(int in_channels, int num_classes, int width);

#endif
