# src/cli/local.mk -- sources of the cli module (included by Makefile.am)
bin_PROGRAMS += src/rmn-exp
src_rmn_exp_SOURCES = %D%/rmn-exp.c
