# src/dist/local.mk -- data-parallel training over MPI ranks (included by Makefile.am). Without
# MPI, none.c is a world of one rank that says how to get MPI when launched with more.
src_librmn_a_SOURCES += %D%/dist.h %D%/internal.h %D%/common.c %D%/grads.c
if HAVE_MPI
src_librmn_a_SOURCES += %D%/mpi.c
else
src_librmn_a_SOURCES += %D%/none.c
endif
