# tests/zoo.mk -- tests of the model zoo (included by tests/local.mk)
check_PROGRAMS += tests/test-zoo
tests_test_zoo_SOURCES = tests/test-zoo.c tests/tap.h
TESTS += tests/test-zoo

check_PROGRAMS += tests/test-zoo-golden
tests_test_zoo_golden_SOURCES = tests/test-zoo-golden.c tests/tap.h
TESTS += tests/test-zoo-golden
