/* test-rng.c -- seeded streams: reproducible, independent per stream, sane distributions. */
#include "core/rng.h"
#include "tap.h"

#include <string.h>

int main(void) {
    rmn_rng a, b, c;
    rmn_rng_init(&a, 1234, RMN_STREAM_SHUFFLE);
    rmn_rng_init(&b, 1234, RMN_STREAM_SHUFFLE);
    rmn_rng_init(&c, 1234, RMN_STREAM_AUGMENT);
    int same = 1, differ = 0;
    for (int i = 0; i < 1000; ++i) {
        uint64_t x = rmn_rng_u64(&a), y = rmn_rng_u64(&b), z = rmn_rng_u64(&c);
        same &= x == y;
        differ += x != z;
    }
    TAP_OK(same, "same seed and stream give the same sequence");
    TAP_OK(differ == 1000, "another stream of the same seed differs (%d/1000)", differ);

    rmn_rng_init(&a, 7, RMN_STREAM_INIT);
    double sum = 0, sum2 = 0, umin = 1, umax = 0;
    const int n = 200000;
    for (int i = 0; i < n; ++i) {
        double g = rmn_rng_normal(&a);
        sum += g;
        sum2 += g * g;
        double u = rmn_rng_uniform(&a);
        umin = u < umin ? u : umin;
        umax = u > umax ? u : umax;
    }
    TAP_NEAR(sum / n, 0.0, 0.01, "normal mean ~ 0");
    TAP_NEAR(sum2 / n, 1.0, 0.02, "normal variance ~ 1");
    TAP_OK(umin >= 0.0 && umax < 1.0 && umax > 0.999, "uniform in [0,1)");

    int counts[7] = {0};
    for (int i = 0; i < 70000; ++i)
        counts[rmn_rng_below(&a, 7)]++;
    int fair = 1;
    for (int k = 0; k < 7; ++k)
        fair &= counts[k] > 9500 && counts[k] < 10500;
    TAP_OK(fair, "below(7) is roughly uniform");

    int32_t perm[100], seen[100] = {0};
    for (int i = 0; i < 100; ++i)
        perm[i] = i;
    rmn_rng_shuffle(&a, perm, 100);
    int is_perm = 1, moved = 0;
    for (int i = 0; i < 100; ++i) {
        is_perm &= perm[i] >= 0 && perm[i] < 100 && !seen[perm[i]]++;
        moved += perm[i] != i;
    }
    TAP_OK(is_perm && moved > 80, "shuffle is a permutation that moves most items (%d)", moved);

    rmn_rng_init(&a, 99, 3);
    rmn_rng saved;
    memcpy(&saved, &a, sizeof a);
    uint64_t first = rmn_rng_u64(&a);
    TAP_OK(rmn_rng_u64(&saved) == first, "a copied state resumes the stream exactly");
    return tap_done();
}
