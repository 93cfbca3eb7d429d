# src/core/io.mk -- file formats of core: safetensors (included by Makefile.am)
src_librmn_a_SOURCES += %D%/safetensors.c %D%/safetensors.h %D%/safetensors_internal.h \
	%D%/safetensors_read.c %D%/safetensors_write.c
# PyTorch checkpoints: a restricted pickle reader and the torch.save formats
src_librmn_a_SOURCES += %D%/pickle.c %D%/pickle.h %D%/pth.c %D%/pth.h
