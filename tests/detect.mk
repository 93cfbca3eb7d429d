# tests/detect.mk -- tests of the detect part (included by tests/local.mk)
check_PROGRAMS += tests/test-image
tests_test_image_SOURCES = tests/test-image.c tests/tap.h
TESTS += tests/test-image

check_PROGRAMS += tests/test-cascade
tests_test_cascade_SOURCES = tests/test-cascade.c tests/tap.h
TESTS += tests/test-cascade

check_PROGRAMS += tests/test-detect tests/test-detect-mkmodel
tests_test_detect_SOURCES = tests/test-detect.c tests/tap.h
tests_test_detect_mkmodel_SOURCES = tests/test-detect-mkmodel.c
TESTS += tests/test-detect

dist_check_SCRIPTS += tests/cli-detect.sh tests/cli-default-model.sh
TESTS += tests/cli-detect.sh tests/cli-default-model.sh

dist_check_SCRIPTS += tests/cli-explain.sh
TESTS += tests/cli-explain.sh
