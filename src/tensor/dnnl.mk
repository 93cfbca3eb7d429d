# src/tensor/dnnl.mk -- the oneDNN backend (included by src/tensor/local.mk): its state and
# table, one file per op family it implements (conv, convt, norm, pool, linear), and the
# conv algorithm tuning
src_librmn_a_SOURCES += \
	%D%/dnnl_backend.h %D%/dnnl_internal.h %D%/dnnl_state.c %D%/dnnl_backend.c \
	%D%/dnnl_conv.c %D%/dnnl_convt.c %D%/dnnl_norm.c %D%/dnnl_pool.c %D%/dnnl_linear.c \
	%D%/dnnl_tune.c
include src/bench/local.mk
