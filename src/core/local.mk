# src/core/local.mk -- sources of the core module (included by Makefile.am)
src_librmn_a_SOURCES += \
	%D%/error.c %D%/error.h \
	%D%/rng.c %D%/rng.h \
	%D%/sha256.c %D%/sha256.h \
	%D%/progress.c %D%/progress.h \
	%D%/threads.c %D%/threads.h \
	%D%/args.c %D%/args.h
# the command-line convention of every program (cli.h) and "did you mean" (suggest.h)
src_librmn_a_SOURCES += %D%/cli.c %D%/cli.h %D%/suggest.c %D%/suggest.h
# where the shipped data is found: installed folder or source tree (datadir.h)
src_librmn_a_SOURCES += %D%/datadir.c %D%/datadir.h
