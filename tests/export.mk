# tests/export.mk -- tests of the exporters (included by tests/local.mk)
check_PROGRAMS += tests/test-export-pth
tests_test_export_pth_SOURCES = tests/test-export-pth.c tests/tap.h
TESTS += tests/test-export-pth

dist_check_SCRIPTS += tests/cli-export.sh
TESTS += tests/cli-export.sh

check_PROGRAMS += tests/test-pretrained
tests_test_pretrained_SOURCES = tests/test-pretrained.c tests/tap.h
TESTS += tests/test-pretrained

check_PROGRAMS += tests/test-roundtrip-pth
tests_test_roundtrip_pth_SOURCES = tests/test-roundtrip-pth.c tests/tap.h
TESTS += tests/test-roundtrip-pth
