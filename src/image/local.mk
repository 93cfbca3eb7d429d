# src/image/local.mk -- image input/output (PNG, JPEG) (included by Makefile.am)
src_librmn_a_SOURCES += \
	%D%/image.c %D%/image.h \
	%D%/png_io.c %D%/jpeg_io.c \
	%D%/draw.c %D%/draw.h %D%/font5x7.c
