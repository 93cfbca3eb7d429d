# src/image/local.mk -- image input/output (PNG, JPEG) (included by Makefile.am)
