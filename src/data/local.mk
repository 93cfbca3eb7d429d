# src/data/local.mk -- sources of the data module (included by Makefile.am)
src_librmn_a_SOURCES += \
	%D%/dataset.c %D%/dataset.h %D%/dataset_load.c \
	%D%/fer2013.c %D%/fer2013.h \
	%D%/fer_parse.c %D%/fer_parse.h \
	%D%/fer_cache.c %D%/fer_cache.h \
	%D%/ferplus.c %D%/ferplus.h \
	%D%/folder.c %D%/folder.h \
	%D%/folder_cache.c %D%/folder_cache.h \
	%D%/sample.c %D%/sample.h \
	%D%/info.c %D%/info.h \
	%D%/augment.c %D%/augment.h \
	%D%/resample.c %D%/resample.h \
	%D%/batch.c %D%/batch.h

bin_PROGRAMS += src/rmn-data
src_rmn_data_SOURCES = src/cli/rmn-data.c
