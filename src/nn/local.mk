# src/nn/local.mk -- sources of the nn module (included by Makefile.am)
src_librmn_a_SOURCES += \
	%D%/net.h %D%/graph.h %D%/graph.c %D%/init.c %D%/layout.c %D%/fresh.c %D%/run.c %D%/values.c \
	%D%/bn_sync.c %D%/bn_sync.h
