# src/optim/local.mk -- sources of the optim module (included by Makefile.am)
