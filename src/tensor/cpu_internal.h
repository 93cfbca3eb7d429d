/* cpu_internal.h -- shared inside the cpu backend's element-wise kernels (cpu_eltwise.c,
 * cpu_binary.c). Not for use outside src/tensor/cpu_*. */
#ifndef RMN_TENSOR_CPU_INTERNAL_H
#define RMN_TENSOR_CPU_INTERNAL_H

#define RMN_ELTWISE_PAR 65536 /* below this many elements one thread is faster */

#endif
