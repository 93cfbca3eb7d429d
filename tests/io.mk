# tests/io.mk -- tests of the file formats (included by tests/local.mk)
check_PROGRAMS += tests/test-safetensors
tests_test_safetensors_SOURCES = tests/test-safetensors.c tests/tap.h
TESTS += tests/test-safetensors
