# src/store/local.mk -- sources of the store module (included by Makefile.am)
src_librmn_a_SOURCES += \
	src/core/provenance.c src/core/provenance.h \
	%D%/store.h %D%/store_query.h %D%/store_internal.h %D%/store_sql.h \
	%D%/store_sql.c %D%/store.c %D%/store_schema.c %D%/store_write.c %D%/store_read.c \
	%D%/store_read_evals.c %D%/store_query_evals.c \
	%D%/store_claim.c %D%/store_backup.c %D%/store_merge.c
