/* fast_exp.h -- e^x in float as a loop-vectorisable inline function, and SiLU (swish) with its
 * derivative on it: the cpu backend's activations (cpu_eltwise.c) and batch norm fused with the
 * SiLU after it (bn_train.c) evaluate these same expressions, so fused and separate give the
 * same bits. */
#ifndef RMN_TENSOR_FAST_EXP_H
#define RMN_TENSOR_FAST_EXP_H

#include <stdint.h>

/* e^x in float by range reduction and a polynomial, written so that loops over it vectorise
 * (libm's expf is a call per element): x = n ln2 + r with |r| <= ln2/2, n rounded by the
 * 1.5 * 2^23 trick, e^r by the degree-7 minimax polynomial of Cephes' expf (within 2 ulp of
 * e^r), 2^n put into the exponent bits. x is clamped to [-87, 88], where 2^n stays a normal
 * float: e^-87 = 1.6e-38 stands for anything smaller, which no activation here can tell from
 * 0 once added to 1. */
static inline float rmn_fast_expf(float x) {
    x = x < -87.0f ? -87.0f : x > 88.0f ? 88.0f : x;
    const float big = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
    const float n = (x * 1.44269504088896341f + big) - big;
    const float r = (x - n * 0.693359375f) + n * 2.12194440e-4f; /* ln2 in two parts */
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    union {
        uint32_t u;
        float f;
    } scale = {.u = (uint32_t)((int32_t)n + 127) << 23};
    return p * scale.f;
}

/* y = x sigmoid(x) */
static inline float rmn_silu(float x) { return x / (1.0f + rmn_fast_expf(-x)); }

/* dy times silu'(x) = sigmoid(x) (1 + x (1 - sigmoid(x))) */
static inline float rmn_silu_grad(float dy, float x) {
    const float s = 1.0f / (1.0f + rmn_fast_expf(-x));
    return dy * s * (1.0f + x * (1.0f - s));
}

#endif
