# src/core/local.mk -- sources of the core module (included by Makefile.am)
src_librmn_a_SOURCES += \
	%D%/error.c %D%/error.h \
	%D%/log.c %D%/log.h \
	%D%/rng.c %D%/rng.h \
	%D%/sha256.c %D%/sha256.h \
	%D%/progress.c %D%/progress.h \
	%D%/threads.c %D%/threads.h %D%/simd.h \
	%D%/args.c %D%/args.h
# "did you mean" (suggest.h); the environment rmn reads, documented (env.h)
src_librmn_a_SOURCES += %D%/suggest.c %D%/suggest.h %D%/env.c %D%/env.h
# where the shipped data is found: installed folder or source tree (datadir.h)
src_librmn_a_SOURCES += %D%/datadir.c %D%/datadir.h
# the arithmetic of convolutions and linear layers: fp32 or bf16 (precision.h)
src_librmn_a_SOURCES += %D%/precision.c %D%/precision.h
