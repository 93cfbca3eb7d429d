# tests/local.mk -- test programs and scripts run by make check through the TAP driver
EXTRA_DIST += %D%/tap.h %D%/tap.sh %D%/data

check_PROGRAMS += tests/test-error
tests_test_error_SOURCES = tests/test-error.c tests/tap.h
TESTS += tests/test-error

check_PROGRAMS += tests/test-rng
tests_test_rng_SOURCES = tests/test-rng.c tests/tap.h
TESTS += tests/test-rng

check_PROGRAMS += tests/test-sha256
tests_test_sha256_SOURCES = tests/test-sha256.c tests/tap.h
TESTS += tests/test-sha256

# Each module's tests are listed in a fragment of their own.
include tests/data.mk
include tests/store.mk
include tests/engine.mk
include tests/train.mk
include tests/io.mk
include tests/report.mk
include tests/detect.mk
include tests/video.mk
include tests/facenet.mk
include tests/dnnl.mk
include tests/protocol.mk
include tests/zoo.mk
include tests/faults.mk
include tests/fuzz.mk
include tests/export.mk
include tests/dist.mk

check_PROGRAMS += tests/test-cli
tests_test_cli_SOURCES = tests/test-cli.c tests/tap.h
TESTS += tests/test-cli

# the environment: read in core/env.c only, documented in docs/ENVIRONMENT.md
dist_check_SCRIPTS += tests/env.sh
TESTS += tests/env.sh

# the command-line convention of every program, store modes and backup, the install
dist_check_SCRIPTS += tests/cli-convention.sh
TESTS += tests/cli-convention.sh
dist_check_SCRIPTS += tests/cli-store.sh
TESTS += tests/cli-store.sh
dist_check_SCRIPTS += tests/cli-install.sh
TESTS += tests/cli-install.sh

# the source tree's shape: file lengths, loops between files, the folders' layer order
dist_check_SCRIPTS += tests/structure.sh
TESTS += tests/structure.sh
EXTRA_DIST += tools/structure/check.sh

include tests/ui.mk
