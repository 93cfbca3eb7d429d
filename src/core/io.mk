# src/core/io.mk -- file formats of core: safetensors (included by Makefile.am)
src_librmn_a_SOURCES += %D%/safetensors.c %D%/safetensors.h
