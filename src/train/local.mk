# src/train/local.mk -- sources of the train module (included by Makefile.am)
