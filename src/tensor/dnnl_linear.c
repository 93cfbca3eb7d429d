/* dnnl_linear.c -- the dnnl backend's linear layer, y = x w^T + b (PyTorch's layout), on
 * oneDNN's AVX-512 SGEMM (dnnl_sgemm): the "cpu" backend's OpenBLAS runs its generic SSE3
 * kernels on this machine (VGG's 4096-wide classifier at 30 GFLOP/s). Fresh-aware backward;
 * a failing SGEMM (it does not fail on valid sizes) falls back to "cpu". */
#include "tensor/dnnl_internal.h"


/* y:(N,OUT) x:(N,IN) w:(OUT,IN) b:(OUT) or NULL */
void rmn_dnnl_linear_forward(const rmn_exec *ex, float *y, const float *x, const float *w,
                             const float *b, int n, int in, int out) {
    for (int i = 0; i < n; ++i)
        for (int o = 0; o < out; ++o)
            y[(size_t)i * out + o] = b ? b[o] : 0.0f;
    if (rmn_dnnl_sgemm('N', 'T', n, out, in, x, in, w, in, 1.0f, y, out, ex->nthreads) != 0)
        rmn_backend_cpu.linear_forward(ex, y, x, w, b, n, in, out);
}

/* dx:(N,IN) or NULL dw:(OUT,IN) db:(OUT) or NULL dy:(N,OUT) x:(N,IN) w:(OUT,IN) */
void rmn_dnnl_linear_backward(const rmn_exec *ex, float *dx, float *dw, float *db,
                              const float *dy, const float *x, const float *w, int n, int in,
                              int out) {
    const int fresh_dx = (ex->fresh & RMN_FRESH_DX) != 0, fresh_dw = (ex->fresh & RMN_FRESH_DW) != 0;
    if (db)
        for (int o = 0; o < out; ++o) {
            float acc = 0.0f;
            for (int i = 0; i < n; ++i)
                acc += dy[(size_t)i * out + o];
            db[o] = fresh_dw ? acc : db[o] + acc;
        }
    int ok = rmn_dnnl_sgemm('T', 'N', out, in, n, dy, out, x, in, fresh_dw ? 0.0f : 1.0f, dw, in,
                            ex->nthreads) == 0;
    if (ok && dx)
        ok = rmn_dnnl_sgemm('N', 'N', n, in, out, dy, out, w, in, fresh_dx ? 0.0f : 1.0f, dx, in,
                            ex->nthreads) == 0;
    if (!ok) { /* "cpu" adds: start the fresh outputs from zero (db is already final) */
        rmn_dnnl_zero_fresh(ex->fresh, dx, (size_t)n * in, dw, (size_t)out * in, NULL, 0);
        rmn_backend_cpu.linear_backward(ex, dx, dw, NULL, dy, x, w, n, in, out);
    }
}
