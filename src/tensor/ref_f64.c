/* ref_f64.c -- the double-precision copies (*_f64) of the naive forward kernels, for the
 * finite-difference gradient tests: each ref_<family>.c built again with R = double (see
 * ref_real.h), so that the tests differentiate the very text of the float oracles. */
#define RMN_REF_F64 1

#include "tensor/ref_binary.c"
#include "tensor/ref_conv.c"
#include "tensor/ref_convt.c"
#include "tensor/ref_eltwise.c"
#include "tensor/ref_linear.c"
#include "tensor/ref_loss.c"
#include "tensor/ref_norm.c"
#include "tensor/ref_pool.c"
#include "tensor/ref_reshape.c"
