# tests/protocol.mk -- tests of the protocol part (included by tests/local.mk)
dist_check_SCRIPTS += tests/cli-resume.sh
TESTS += tests/cli-resume.sh
