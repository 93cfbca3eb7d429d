/* ref_forward.c -- builds the naive forward kernels (ref_forward.inc, ref_forward_more.inc)
 * in float, the oracles
 * the reference backend runs, and in double (*_f64), for finite-difference gradient tests. */
#include "tensor/ops.h"

#include <math.h>

#define R float
#define NAME(f) f
#include "tensor/ref_forward.inc"
#include "tensor/ref_forward_more.inc"
#undef R
#undef NAME

#define R double
#define NAME(f) f##_f64
#include "tensor/ref_forward.inc"
#include "tensor/ref_forward_more.inc"
#undef R
#undef NAME
