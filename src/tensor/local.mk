# src/tensor/local.mk -- sources of the tensor module (included by Makefile.am)
