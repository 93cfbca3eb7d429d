/* ref_real.h -- the real type of the naive forward kernels in ref_*.c, which are written once
 * with R for the type and NAME(f) for the function's name: R = float, NAME(f) = f (the oracles
 * the engine runs), or, where RMN_REF_F64 is defined (ref_f64.c builds every ref_*.c again),
 * R = double, NAME(f) = f##_f64 (the exact double-precision copies that the finite-difference
 * tests differentiate). Sums are accumulated in double in both. Included by each ref_*.c after
 * ops.h; the backward kernels (float only) are left out of the double build. */
#ifndef RMN_TENSOR_REF_REAL_H
#define RMN_TENSOR_REF_REAL_H

#ifdef RMN_REF_F64
#define R double
#define NAME(f) f##_f64
#else
#define R float
#define NAME(f) f
#endif

#endif
