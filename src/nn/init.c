/* init.c -- parameter initialisation as PyTorch does it by default. */
#include <math.h>

#include "nn/graph.h"

/* kaiming_uniform with a = sqrt(5): bound = sqrt(2/(1+5)) * sqrt(3/fan_in) = 1/sqrt(fan_in);
 * PyTorch draws biases from the same U(-1/sqrt(fan_in), 1/sqrt(fan_in)). w:(count) */
void rmn_init_uniform_fan_in(float *w, size_t count, int fan_in, rmn_rng *rng) {
    const double bound = 1.0 / sqrt((double)fan_in);
    for (size_t i = 0; i < count; ++i)
        w[i] = (float)(bound * (2.0 * rmn_rng_uniform(rng) - 1.0));
}
