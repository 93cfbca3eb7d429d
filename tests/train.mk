# tests/train.mk -- tests of the train part (included by tests/local.mk)
check_PROGRAMS += tests/test-config
tests_test_config_SOURCES = tests/test-config.c tests/tap.h
TESTS += tests/test-config

dist_check_SCRIPTS += tests/cli-exp.sh
TESTS += tests/cli-exp.sh

dist_check_SCRIPTS += tests/cli-validate.sh
TESTS += tests/cli-validate.sh

check_PROGRAMS += tests/test-checkpoint
tests_test_checkpoint_SOURCES = tests/test-checkpoint.c tests/tap.h
TESTS += tests/test-checkpoint

check_PROGRAMS += tests/test-center
tests_test_center_SOURCES = tests/test-center.c tests/tap.h
TESTS += tests/test-center

dist_check_SCRIPTS += tests/cli-center.sh
TESTS += tests/cli-center.sh
