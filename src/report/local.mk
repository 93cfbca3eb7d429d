# src/report/local.mk -- sources of the report module (included by Makefile.am)
src_librmn_a_SOURCES += \
	%D%/report.h %D%/format.h %D%/format.c \
	%D%/runs_list.c %D%/run_show.c %D%/latex.c

bin_PROGRAMS += src/rmn-report
src_rmn_report_SOURCES = src/cli/rmn-report.c
