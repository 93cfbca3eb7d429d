# tests/faults.mk -- fault injection (included by tests/local.mk): SIGKILL across every phase of an
# experiment, and disk-full and I/O errors for the store (docs/FAULTS.md).

# An LD_PRELOAD shim that fails or kills at the k-th write or fsync of chosen files. Built for
# check only, as a plain shared object (no libtool), without the sanitizers: under
# --enable-sanitizers the tests preload the ASan runtime first.
check_DATA = tests/faultfs.so
EXTRA_DIST += %D%/faultfs.c
CLEANFILES += tests/faultfs.so
tests/faultfs.so: $(srcdir)/tests/faultfs.c
	$(AM_V_CC)$(MKDIR_P) tests && $(CC) -shared -fPIC -O2 $(WARN_CFLAGS) -o $@ $(srcdir)/tests/faultfs.c -ldl

dist_check_SCRIPTS += tests/cli-kill.sh
TESTS += tests/cli-kill.sh

check_PROGRAMS += tests/test-store-faults
tests_test_store_faults_SOURCES = tests/test-store-faults.c tests/store-util.h tests/tap.h
TESTS += tests/test-store-faults

EXTRA_DIST += %D%/faults-lib.sh
dist_check_SCRIPTS += tests/cli-faults.sh
TESTS += tests/cli-faults.sh
