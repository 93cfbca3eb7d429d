# tests/dnnl.mk -- tests of the dnnl part (included by tests/local.mk)
check_PROGRAMS += tests/test-dnnl
tests_test_dnnl_SOURCES = tests/test-dnnl.c tests/tap.h tests/numeric.h
TESTS += tests/test-dnnl
check_PROGRAMS += tests/test-blocked
tests_test_blocked_SOURCES = tests/test-blocked.c tests/tap.h tests/numeric.h
TESTS += tests/test-blocked
# bf16 precision on dnnl against the fp32 oracle, and its refusals (docs/PRECISION.md)
check_PROGRAMS += tests/test-bf16
tests_test_bf16_SOURCES = tests/test-bf16.c tests/tap.h tests/numeric.h
TESTS += tests/test-bf16
