# src/tensor/local.mk -- sources of the tensor module (included by Makefile.am): per op family
# (conv, convt, norm, pool, eltwise, binary, reshape, linear, loss) the naive kernels in
# ref_<family>.c and the fast CPU ones in cpu_<family>.c; the backends' tables and helpers
src_librmn_a_SOURCES += \
	%D%/ops.h %D%/shape.c \
	%D%/ref_real.h %D%/ref_conv.c %D%/ref_convt.c %D%/ref_norm.c %D%/ref_pool.c \
	%D%/ref_eltwise.c %D%/ref_binary.c %D%/ref_reshape.c %D%/ref_linear.c %D%/ref_loss.c \
	%D%/ref_f64.c \
	%D%/gemm.c %D%/gemm.h %D%/cpu_internal.h %D%/cpu_conv.c %D%/cpu_convt.c %D%/cpu_pool.c \
	%D%/cpu_eltwise.c %D%/cpu_binary.c %D%/cpu_linear.c %D%/cpu_reshape.c \
	%D%/blocked16.c %D%/blocked16_dwconv.c %D%/blocked16_gate.c %D%/blocked16.h %D%/bn_train.c %D%/bn_train.h %D%/backend.c %D%/backend.h %D%/backend_tables.c \
	%D%/hardswish.h %D%/ref_hardswish.c %D%/cpu_hardswish.c %D%/fast_exp.h
include src/tensor/dnnl.mk
