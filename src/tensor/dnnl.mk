# src/tensor/dnnl.mk -- the oneDNN backend (included by src/tensor/local.mk)
src_librmn_a_SOURCES += \
	%D%/dnnl_backend.h %D%/dnnl_internal.h %D%/dnnl_state.c %D%/dnnl_conv.c %D%/dnnl_bn.c %D%/dnnl_pool.c %D%/dnnl_dense.c %D%/dnnl_linear.c %D%/dnnl_convt.c
include src/bench/local.mk
