# src/optim/local.mk -- sources of the optim module (included by Makefile.am)
src_librmn_a_SOURCES += \
	%D%/sgd.c %D%/sgd.h \
	%D%/schedule.c %D%/schedule.h \
	%D%/adam.c %D%/adam.h \
	%D%/optimizer.c %D%/optimizer.h
