# tests/dist.mk -- data-parallel training over MPI (included by tests/local.mk): test-dist runs
# under mpirun, started by cli-dist.sh (which skips without mpirun or MPI)
check_PROGRAMS += tests/test-dist
tests_test_dist_SOURCES = tests/test-dist.c tests/tap.h

dist_check_SCRIPTS += tests/cli-dist.sh
TESTS += tests/cli-dist.sh
