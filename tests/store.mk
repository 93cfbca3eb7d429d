# tests/store.mk -- tests of the store part (included by tests/local.mk)
EXTRA_DIST += %D%/store-util.h %D%/report-fixture.h %D%/data/report-runs.tex

check_PROGRAMS += tests/test-store
tests_test_store_SOURCES = tests/test-store.c tests/store-util.h tests/tap.h
TESTS += tests/test-store

check_PROGRAMS += tests/test-store-concurrency
tests_test_store_concurrency_SOURCES = tests/test-store-concurrency.c tests/store-util.h \
	tests/tap.h
TESTS += tests/test-store-concurrency

check_PROGRAMS += tests/test-report
tests_test_report_SOURCES = tests/test-report.c tests/report-fixture.h tests/store-util.h \
	tests/tap.h
TESTS += tests/test-report

# writes the report fixture store for cli-report.sh (not a test by itself)
check_PROGRAMS += tests/test-report-mkdb
tests_test_report_mkdb_SOURCES = tests/test-report-mkdb.c tests/report-fixture.h

dist_check_SCRIPTS += tests/cli-report.sh
TESTS += tests/cli-report.sh
