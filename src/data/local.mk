# src/data/local.mk -- sources of the data module (included by Makefile.am)
