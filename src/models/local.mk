# src/models/local.mk -- sources of the models module (included by Makefile.am)
src_librmn_a_SOURCES += \
	%D%/zoo.h %D%/registry.c %D%/common.c %D%/count.c %D%/print.c %D%/democnn.c \
	%D%/resnet.c %D%/resmasking.c \
	%D%/vgg.c %D%/densenet.c %D%/inception.c %D%/efficientnet.c %D%/attresnet.c \
	%D%/vggface2.c
