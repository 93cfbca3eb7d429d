# src/detect/local.mk -- face detection and rmn-detect (included by Makefile.am)
