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

# the parity study's regression test against PyTorch's golden (docs/PARITY.md)
dist_check_SCRIPTS += tests/cli-parity.sh
TESTS += tests/cli-parity.sh
EXTRA_DIST += tests/parity-data.sh tools/parity/make_lockstep_golden.sh tools/parity/train_torch.py \
	tools/parity/lockstep.py tools/parity/compare.py tools/parity/bn_restat.py tools/parity/per_class.py \
	tools/parity/checkpoints.py tools/parity/draws_check.py tools/parity/run_queue.sh
