# tests/dnnl.mk -- tests of the dnnl part (included by tests/local.mk)
check_PROGRAMS += tests/test-dnnl
tests_test_dnnl_SOURCES = tests/test-dnnl.c tests/tap.h tests/numeric.h
TESTS += tests/test-dnnl
check_PROGRAMS += tests/test-blocked
tests_test_blocked_SOURCES = tests/test-blocked.c tests/tap.h tests/numeric.h
TESTS += tests/test-blocked
