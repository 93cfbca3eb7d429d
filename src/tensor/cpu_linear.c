/* cpu_linear.c -- the cpu backend's linear layer y = x w^T + b (PyTorch's layout), forward and
 * backward, through sgemm. */
#include "tensor/ops.h"

#include "tensor/gemm.h"

/* y:(N,OUT) x:(N,IN) w:(OUT,IN) b:(OUT) or NULL */
void rmn_gemm_linear_forward(float *y, const float *x, const float *w, const float *b, int n,
                             int in, int out) {
    for (int i = 0; i < n; ++i)
        for (int o = 0; o < out; ++o)
            y[(size_t)i * out + o] = b ? b[o] : 0.0f;
    rmn_gemm(0, 1, n, out, in, 1.0f, x, in, w, in, 1.0f, y, out);
}

/* dx:(N,IN) or NULL dw:(OUT,IN) db:(OUT) or NULL dy:(N,OUT) x:(N,IN) w:(OUT,IN) */
void rmn_gemm_linear_backward(float *dx, float *dw, float *db, const float *dy, const float *x,
                              const float *w, int n, int in, int out) {
    rmn_gemm(1, 0, out, in, n, 1.0f, dy, out, x, in, 1.0f, dw, in);
    if (db)
        for (int o = 0; o < out; ++o) {
            float acc = 0.0f;
            for (int i = 0; i < n; ++i)
                acc += dy[(size_t)i * out + o];
            db[o] += acc;
        }
    if (dx)
        rmn_gemm(0, 0, n, in, out, 1.0f, dy, out, w, in, 1.0f, dx, in);
}
