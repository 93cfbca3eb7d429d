/* gemm.h -- the engine's one door to CBLAS (OpenBLAS): row-major sgemm and BLAS threading.
 *
 * Only gemm.c includes cblas.h (GSL's and OpenBLAS's CBLAS headers clash in one unit). The
 * thread setters let kernels run BLAS single-threaded inside their own OpenMP regions so
 * that the two thread pools never nest. */
#ifndef RMN_TENSOR_GEMM_H
#define RMN_TENSOR_GEMM_H

/* C:(m,n) = alpha * op(A):(m,k) * op(B):(k,n) + beta * C, row-major; op transposes when the
 * trans flag is non-zero (A is then stored (k,m), B stored (n,k)). */
void rmn_gemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a,
              int lda, const float *b, int ldb, float beta, float *c, int ldc);

int  rmn_blas_get_threads(void);      /* 1 when the BLAS cannot say */
void rmn_blas_set_threads(int n);     /* no-op when the BLAS cannot be told */
const char *rmn_blas_config(void);    /* OpenBLAS build string, or "unknown" */

#endif
