# src/models/local.mk -- sources of the models module (included by Makefile.am)
