/* rng.h -- seeded random streams (xoshiro256** seeded through splitmix64).
 *
 * Every random choice in rmn draws from an explicit rmn_rng passed as an argument; there is no
 * hidden state. A run derives one independent stream per purpose from its master seed with
 * rmn_rng_init(&r, seed, RMN_STREAM_...), so that, e.g., adding dropout does not change the data
 * order. The state is a plain struct of four words: checkpoints save and restore it verbatim. */
#ifndef RMN_CORE_RNG_H
#define RMN_CORE_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[4];
} rmn_rng;

enum rmn_stream {
    RMN_STREAM_INIT = 1,    /* parameter initialisation */
    RMN_STREAM_SHUFFLE = 2, /* data order */
    RMN_STREAM_AUGMENT = 3, /* training augmentation */
    RMN_STREAM_DROPOUT = 4, /* dropout masks */
    RMN_STREAM_TTA = 5,     /* test-time augmentation draws */
    RMN_STREAM_SAMPLE = 6   /* data-set sampling (bundled sample) */
};

void     rmn_rng_init(rmn_rng *r, uint64_t seed, uint64_t stream);
uint64_t rmn_rng_u64(rmn_rng *r);
double   rmn_rng_uniform(rmn_rng *r);                 /* [0, 1) with 53 random bits */
float    rmn_rng_uniformf(rmn_rng *r);                /* [0, 1) with 24 random bits */
uint64_t rmn_rng_below(rmn_rng *r, uint64_t n);       /* uniform integer in [0, n), unbiased */
double   rmn_rng_normal(rmn_rng *r);                  /* standard normal (Box-Muller, no cache) */
void     rmn_rng_shuffle(rmn_rng *r, int32_t *a, int n); /* Fisher-Yates */

#endif
