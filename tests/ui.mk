# tests/ui.mk -- tests of rmn-ui (included by tests/local.mk): its JSON views against the store
# (C), its HTTP side with curl, and its pages in headless chromium (both shell; they skip without
# libmicrohttpd, and the browser test without chromium and chromedriver).
EXTRA_DIST += %D%/ui-fixture.h %D%/ui-lib.sh

check_PROGRAMS += tests/test-ui-api
tests_test_ui_api_SOURCES = tests/test-ui-api.c tests/ui-fixture.h tests/report-fixture.h \
	tests/store-util.h tests/tap.h
TESTS += tests/test-ui-api

# writes the UI fixture store and adds epochs to its running run (not a test by itself)
check_PROGRAMS += tests/test-ui-mkdb
tests_test_ui_mkdb_SOURCES = tests/test-ui-mkdb.c tests/ui-fixture.h tests/report-fixture.h

dist_check_SCRIPTS += tests/cli-ui.sh tests/ui-browser.sh
TESTS += tests/cli-ui.sh tests/ui-browser.sh
