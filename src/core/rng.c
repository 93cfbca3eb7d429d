/* rng.c -- xoshiro256** (Blackman and Vigna) with splitmix64 seeding; see rng.h. */
#include "core/rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void rmn_rng_init(rmn_rng *r, uint64_t seed, uint64_t stream) {
    uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL);
    (void)splitmix64(&x);
    for (int i = 0; i < 4; ++i)
        r->s[i] = splitmix64(&x);
}

uint64_t rmn_rng_u64(rmn_rng *r) {
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double rmn_rng_uniform(rmn_rng *r) { return (double)(rmn_rng_u64(r) >> 11) * 0x1.0p-53; }

float rmn_rng_uniformf(rmn_rng *r) { return (float)(rmn_rng_u64(r) >> 40) * 0x1.0p-24f; }

uint64_t rmn_rng_below(rmn_rng *r, uint64_t n) {
    if (n <= 1)
        return 0;
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do {
        x = rmn_rng_u64(r);
    } while (x >= limit);
    return x % n;
}

double rmn_rng_normal(rmn_rng *r) {
    double u1 = 1.0 - rmn_rng_uniform(r); /* (0, 1] */
    double u2 = rmn_rng_uniform(r);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

void rmn_rng_shuffle(rmn_rng *r, int32_t *a, int n) {
    for (int i = n - 1; i > 0; --i) {
        int j = (int)rmn_rng_below(r, (uint64_t)i + 1);
        int32_t t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
