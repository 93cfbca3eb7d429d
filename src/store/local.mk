# src/store/local.mk -- sources of the store module (included by Makefile.am)
