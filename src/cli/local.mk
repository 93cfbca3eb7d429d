# src/cli/local.mk -- sources of the cli module (included by Makefile.am)
# The command-line convention (convention.h) and the printer of the library's messages: program
# side, so not in librmn; every program (and tests/test-cli) links it before librmn (LDADD).
noinst_LIBRARIES += src/cli/librmncli.a
src_cli_librmncli_a_SOURCES = %D%/convention.c %D%/convention.h
bin_PROGRAMS += src/rmn-exp
src_rmn_exp_SOURCES = %D%/rmn-exp.c
bin_PROGRAMS += src/rmn-ensemble
src_rmn_ensemble_SOURCES = %D%/rmn-ensemble.c
bin_PROGRAMS += src/rmn-train
src_rmn_train_SOURCES = %D%/rmn-train.c
bin_PROGRAMS += src/rmn-eval
src_rmn_eval_SOURCES = %D%/rmn-eval.c
bin_PROGRAMS += src/rmn-explain
src_rmn_explain_SOURCES = %D%/rmn-explain.c
bin_PROGRAMS += src/rmn-import
src_rmn_import_SOURCES = %D%/rmn-import.c
bin_PROGRAMS += src/rmn-export
src_rmn_export_SOURCES = %D%/rmn-export.c
