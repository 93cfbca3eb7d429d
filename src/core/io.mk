# src/core/io.mk -- file formats of core: safetensors (included by Makefile.am)
