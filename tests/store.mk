# tests/store.mk -- tests of the store part (included by tests/local.mk)
EXTRA_DIST += %D%/store-util.h

check_PROGRAMS += tests/test-store
tests_test_store_SOURCES = tests/test-store.c tests/store-util.h tests/tap.h
TESTS += tests/test-store

check_PROGRAMS += tests/test-store-concurrency
tests_test_store_concurrency_SOURCES = tests/test-store-concurrency.c tests/store-util.h \
	tests/tap.h
TESTS += tests/test-store-concurrency

check_PROGRAMS += tests/test-store-claim
tests_test_store_claim_SOURCES = tests/test-store-claim.c tests/store-util.h tests/tap.h
TESTS += tests/test-store-claim

check_PROGRAMS += tests/test-store-imported
tests_test_store_imported_SOURCES = tests/test-store-imported.c tests/store-util.h tests/tap.h
TESTS += tests/test-store-imported

dist_check_SCRIPTS += tests/cli-merge.sh
TESTS += tests/cli-merge.sh

dist_check_SCRIPTS += tests/cli-slurm.sh
TESTS += tests/cli-slurm.sh

check_PROGRAMS += tests/test-owner-live
tests_test_owner_live_SOURCES = tests/test-owner-live.c tests/tap.h
TESTS += tests/test-owner-live
