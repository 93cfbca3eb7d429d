# src/explain/local.mk -- Grad-CAM, mask maps and their pictures (included by Makefile.am)
src_librmn_a_SOURCES += \
	%D%/cam.h %D%/cam.c \
	%D%/render.h %D%/render.c \
	%D%/figure.h %D%/figure.c
