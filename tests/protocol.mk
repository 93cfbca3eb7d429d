# tests/protocol.mk -- tests of the protocol part (included by tests/local.mk)
dist_check_SCRIPTS += tests/cli-resume.sh
TESTS += tests/cli-resume.sh

check_PROGRAMS += tests/test-ensemble
tests_test_ensemble_SOURCES = tests/test-ensemble.c tests/tap.h
TESTS += tests/test-ensemble

dist_check_SCRIPTS += tests/cli-train.sh
TESTS += tests/cli-train.sh

dist_check_SCRIPTS += tests/cli-claim.sh
TESTS += tests/cli-claim.sh
