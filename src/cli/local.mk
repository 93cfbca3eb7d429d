# src/cli/local.mk -- sources of the cli module (included by Makefile.am)
