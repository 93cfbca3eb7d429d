# src/export/local.mk -- sources of the export module (ONNX and PyTorch .pth writers)
src_librmn_a_SOURCES += \
	%D%/pb.h %D%/pb.c %D%/onnx.h %D%/onnx.c %D%/pth.h %D%/pth.c \
	%D%/writefile.h %D%/writefile.c %D%/torchnames.h %D%/torchnames.c
