/* gemm.c -- wraps cblas_sgemm and OpenBLAS's thread controls (the only file with cblas.h). */
#include "config.h"

#include "tensor/gemm.h"

#include <cblas.h>

void rmn_gemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a,
              int lda, const float *b, int ldb, float beta, float *c, int ldc) {
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c,
                ldc);
}

int rmn_blas_get_threads(void) {
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
    return openblas_get_num_threads();
#else
    return 1;
#endif
}

void rmn_blas_set_threads(int n) {
#ifdef HAVE_OPENBLAS_SET_NUM_THREADS
    openblas_set_num_threads(n);
#else
    (void)n;
#endif
}

const char *rmn_blas_config(void) {
#ifdef HAVE_OPENBLAS_GET_CONFIG
    return openblas_get_config();
#else
    return "unknown";
#endif
}
