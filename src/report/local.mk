# src/report/local.mk -- sources of the report module (included by Makefile.am)
src_librmn_a_SOURCES += \
	%D%/report.h %D%/format.h %D%/format.c \
	%D%/runs_list.c %D%/run_show.c %D%/latex.c \
	%D%/table.h %D%/table.c %D%/table_render.c \
	%D%/stats.h %D%/stats.c %D%/set.h %D%/set.c \
	%D%/paper.h %D%/tab_zoo.c %D%/tab_stats.c %D%/save.c \
	%D%/sbuf.h %D%/sbuf.c %D%/gnuplot.h %D%/gnuplot.c \
	%D%/figures.h %D%/fig_scripts.c %D%/figures.c %D%/fig_util.h \
	%D%/run_figures.h %D%/run_figures.c %D%/gallery.c %D%/features.c

bin_PROGRAMS += src/rmn-report
src_rmn_report_SOURCES = src/cli/rmn-report.c
