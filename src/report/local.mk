# src/report/local.mk -- sources of the report module (included by Makefile.am)
