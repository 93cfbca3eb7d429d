# src/detect/local.mk -- face detection and rmn-detect (included by Makefile.am)
src_librmn_a_SOURCES += \
	%D%/integral.c %D%/integral.h \
	%D%/cascade.c %D%/cascade.h \
	%D%/detect.h %D%/params.c %D%/scan.c %D%/group.c \
	%D%/face.c %D%/face.h \
	%D%/model.c %D%/model.h %D%/model_open.c \
	%D%/faces.c %D%/faces.h \
	%D%/paths.c %D%/paths.h \
	%D%/tfjs.c %D%/tfjs.h \
	%D%/cnn.c %D%/cnn.h %D%/cnn_layer.c %D%/cnn_layer.h \
	%D%/tinyface.c %D%/tinyface.h \
	%D%/ssd.c %D%/ssd.h \
	%D%/detector.c %D%/detector.h \
	%D%/facenet.c %D%/facenet.h \
	%D%/align.c %D%/align.h \
	%D%/inputs.c %D%/inputs.h

bin_PROGRAMS += src/rmn-detect
src_rmn_detect_SOURCES = src/cli/rmn-detect.c src/cli/rmn-detect-args.c src/cli/rmn-detect-args.h
