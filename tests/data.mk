# tests/data.mk -- tests of the data part (included by tests/local.mk)
check_PROGRAMS += tests/test-fer2013
tests_test_fer2013_SOURCES = tests/test-fer2013.c tests/tap.h
TESTS += tests/test-fer2013

check_PROGRAMS += tests/test-augment
tests_test_augment_SOURCES = tests/test-augment.c tests/tap.h
TESTS += tests/test-augment

dist_check_SCRIPTS += tests/cli-data.sh
TESTS += tests/cli-data.sh

check_PROGRAMS += tests/test-ferplus
tests_test_ferplus_SOURCES = tests/test-ferplus.c tests/tap.h
TESTS += tests/test-ferplus

dist_check_SCRIPTS += tests/cli-ferplus.sh
TESTS += tests/cli-ferplus.sh

check_PROGRAMS += tests/test-imagenet
tests_test_imagenet_SOURCES = tests/test-imagenet.c tests/tap.h
TESTS += tests/test-imagenet

check_PROGRAMS += tests/folder-make
tests_folder_make_SOURCES = tests/folder-make.c
dist_check_SCRIPTS += tests/cli-folder.sh
TESTS += tests/cli-folder.sh
