# tests/zoo.mk -- tests of the model zoo (included by tests/local.mk)
check_PROGRAMS += tests/test-zoo
tests_test_zoo_SOURCES = tests/test-zoo.c tests/tap.h
TESTS += tests/test-zoo
