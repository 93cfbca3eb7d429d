# tests/facenet.mk -- the face-api networks (included by tests/local.mk)
check_PROGRAMS += tests/test-facenet
tests_test_facenet_SOURCES = tests/test-facenet.c tests/tap.h
TESTS += tests/test-facenet

dist_check_SCRIPTS += tests/cli-detector.sh
TESTS += tests/cli-detector.sh

check_PROGRAMS += tests/test-cnn
tests_test_cnn_SOURCES = tests/test-cnn.c tests/tap.h
TESTS += tests/test-cnn
