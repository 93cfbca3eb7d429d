# src/nn/local.mk -- sources of the nn module (included by Makefile.am)
src_librmn_a_SOURCES += \
	%D%/net.h %D%/builder.h %D%/graph.h %D%/op.h %D%/graph.c %D%/tensors.c %D%/init.c \
	%D%/op_table.c %D%/op_conv.c %D%/op_norm.c %D%/op_eltwise.c %D%/op_pool.c %D%/op_shape.c \
	%D%/op_hardswish.c %D%/layout.c %D%/fresh.c %D%/plan.c %D%/run.c %D%/values.c \
	%D%/bn_sync.c %D%/bn_sync.h %D%/digest.c %D%/view.h %D%/view.c
