# src/core/local.mk -- sources of the core module (included by Makefile.am)
src_librmn_a_SOURCES += \
	%D%/error.c %D%/error.h \
	%D%/rng.c %D%/rng.h \
	%D%/sha256.c %D%/sha256.h \
	%D%/progress.c %D%/progress.h \
	%D%/threads.c %D%/threads.h \
	%D%/args.c %D%/args.h
