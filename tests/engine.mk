# tests/engine.mk -- tests of the engine part (included by tests/local.mk)
check_PROGRAMS += tests/test-grad
tests_test_grad_SOURCES = tests/test-grad.c tests/tap.h
TESTS += tests/test-grad

check_PROGRAMS += tests/test-conv
tests_test_conv_SOURCES = tests/test-conv.c tests/tap.h
TESTS += tests/test-conv
