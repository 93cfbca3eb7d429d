# tests/report.mk -- tests of the report part (included by tests/local.mk)
EXTRA_DIST += %D%/report-fixture.h %D%/data/report-runs.tex %D%/data/report-paper.tex

check_PROGRAMS += tests/test-report
tests_test_report_SOURCES = tests/test-report.c tests/report-fixture.h tests/store-util.h \
	tests/tap.h
TESTS += tests/test-report

check_PROGRAMS += tests/test-report-stats
tests_test_report_stats_SOURCES = tests/test-report-stats.c tests/tap.h
TESTS += tests/test-report-stats

check_PROGRAMS += tests/test-report-paper
tests_test_report_paper_SOURCES = tests/test-report-paper.c tests/report-fixture.h \
	tests/store-util.h tests/tap.h
TESTS += tests/test-report-paper

check_PROGRAMS += tests/test-report-figures
tests_test_report_figures_SOURCES = tests/test-report-figures.c tests/report-fixture.h \
	tests/store-util.h tests/tap.h
TESTS += tests/test-report-figures

# writes a report fixture store for cli-report.sh (not a test by itself)
check_PROGRAMS += tests/test-report-mkdb
tests_test_report_mkdb_SOURCES = tests/test-report-mkdb.c tests/report-fixture.h

dist_check_SCRIPTS += tests/cli-report.sh
TESTS += tests/cli-report.sh

check_PROGRAMS += tests/test-gallery
tests_test_gallery_SOURCES = tests/test-gallery.c tests/report-fixture.h tests/store-util.h tests/tap.h
TESTS += tests/test-gallery
