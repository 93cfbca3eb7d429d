# src/bench/local.mk -- rmn-bench's library code and program (included by src/tensor/dnnl.mk)
src_librmn_a_SOURCES += %D%/bench.h %D%/timing.c %D%/bench.c %D%/profile.c %D%/detect.c %D%/detect_cnn.c \
	%D%/allreduce.c
bin_PROGRAMS += src/rmn-bench
src_rmn_bench_SOURCES = src/cli/rmn-bench.c
