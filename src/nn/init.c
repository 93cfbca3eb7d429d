/* init.c -- parameter initialisation: PyTorch's defaults and the alternatives the model
 * families use (kaiming normal fan_out for ResNet convs, zeros for a chosen BN weight, ...).
 * See rmn_init in graph.h. */
#include <math.h>

#include "nn/graph.h"

/* kaiming_uniform with a = sqrt(5): bound = sqrt(2/(1+5)) * sqrt(3/fan_in) = 1/sqrt(fan_in);
 * PyTorch draws biases from the same U(-1/sqrt(fan_in), 1/sqrt(fan_in)). w:(count) */
void rmn_init_uniform_fan_in(float *w, size_t count, int fan_in, rmn_rng *rng) {
    const double bound = 1.0 / sqrt((double)fan_in);
    for (size_t i = 0; i < count; ++i)
        w[i] = (float)(bound * (2.0 * rmn_rng_uniform(rng) - 1.0));
}

static void fill_normal(float *w, size_t count, double std, double lim, rmn_rng *rng) {
    for (size_t i = 0; i < count; ++i) {
        double v;
        do
            v = std * rmn_rng_normal(rng);
        while (lim > 0.0 && fabs(v) > lim);
        w[i] = (float)v;
    }
}

/* w:(s->count) */
void rmn_init_tensor(float *w, const rmn_tensor_spec *s, rmn_rng *rng) {
    rmn_init kind = s->init;
    double arg = s->init_arg;
    if (kind == RMN_INIT_DEFAULT)
        kind = s->def_init, arg = s->def_arg;
    switch (kind) {
    case RMN_INIT_ZEROS:
    case RMN_INIT_ONES:
    case RMN_INIT_CONSTANT: {
        const float v = kind == RMN_INIT_ZEROS ? 0.0f : kind == RMN_INIT_ONES ? 1.0f : (float)arg;
        for (size_t i = 0; i < s->count; ++i)
            w[i] = v;
        break;
    }
    case RMN_INIT_UNIFORM:
        for (size_t i = 0; i < s->count; ++i)
            w[i] = (float)(arg * (2.0 * rmn_rng_uniform(rng) - 1.0));
        break;
    case RMN_INIT_NORMAL:
        fill_normal(w, s->count, arg, 0.0, rng);
        break;
    case RMN_INIT_TRUNC_NORMAL:
        fill_normal(w, s->count, arg, 2.0, rng);
        break;
    case RMN_INIT_KAIMING_NORMAL_FAN_OUT:
        fill_normal(w, s->count, sqrt(2.0 / s->fan_out), 0.0, rng);
        break;
    case RMN_INIT_KAIMING_NORMAL_FAN_IN:
        fill_normal(w, s->count, sqrt(2.0 / s->fan_in), 0.0, rng);
        break;
    case RMN_INIT_XAVIER_UNIFORM: {
        const double b = sqrt(6.0 / (s->fan_in + s->fan_out));
        for (size_t i = 0; i < s->count; ++i)
            w[i] = (float)(b * (2.0 * rmn_rng_uniform(rng) - 1.0));
        break;
    }
    case RMN_INIT_DEFAULT:
    default:
        break;
    }
}
