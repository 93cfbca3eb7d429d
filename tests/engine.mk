# tests/engine.mk -- tests of the engine part (included by tests/local.mk)
check_PROGRAMS += tests/test-grad
tests_test_grad_SOURCES = tests/test-grad.c tests/tap.h
TESTS += tests/test-grad

check_PROGRAMS += tests/test-conv
tests_test_conv_SOURCES = tests/test-conv.c tests/tap.h
TESTS += tests/test-conv

check_PROGRAMS += tests/test-ops
tests_test_ops_SOURCES = tests/test-ops.c tests/tap.h
TESTS += tests/test-ops

check_PROGRAMS += tests/test-sgd
tests_test_sgd_SOURCES = tests/test-sgd.c tests/tap.h
TESTS += tests/test-sgd

check_PROGRAMS += tests/test-net
tests_test_net_SOURCES = tests/test-net.c tests/tap.h
TESTS += tests/test-net

check_PROGRAMS += tests/test-schedule
tests_test_schedule_SOURCES = tests/test-schedule.c tests/tap.h
TESTS += tests/test-schedule

check_PROGRAMS += tests/test-optim
tests_test_optim_SOURCES = tests/test-optim.c tests/tap.h
TESTS += tests/test-optim

check_PROGRAMS += tests/test-golden-ops
tests_test_golden_ops_SOURCES = tests/test-golden-ops.c tests/tap.h
TESTS += tests/test-golden-ops

check_PROGRAMS += tests/test-explain
tests_test_explain_SOURCES = tests/test-explain.c tests/tap.h
TESTS += tests/test-explain

check_PROGRAMS += tests/test-hardswish
tests_test_hardswish_SOURCES = tests/test-hardswish.c tests/tap.h
TESTS += tests/test-hardswish

# rmn-bench --model in the train mode with the trainer's optimizer step
dist_check_SCRIPTS += tests/cli-bench.sh
TESTS += tests/cli-bench.sh
