# src/nn/local.mk -- sources of the nn module (included by Makefile.am)
