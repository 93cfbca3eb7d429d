# src/tensor/local.mk -- sources of the tensor module (included by Makefile.am)
src_librmn_a_SOURCES += \
	%D%/ops.h %D%/shape.c %D%/ref_forward.c %D%/ref_backward.c %D%/ref_backward_more.c \
	%D%/ref_pool_backward.c %D%/loss.c \
	%D%/gemm.c %D%/gemm.h %D%/conv_gemm.c %D%/convt_gemm.c %D%/linear_gemm.c \
	%D%/eltwise_cpu.c %D%/pool_cpu.c %D%/blocked16.c %D%/blocked16.h %D%/backend.c %D%/backend.h \
	%D%/hardswish.h %D%/ref_hardswish.c %D%/cpu_hardswish.c
EXTRA_DIST += %D%/ref_forward.inc %D%/ref_forward_more.inc
include src/tensor/dnnl.mk
