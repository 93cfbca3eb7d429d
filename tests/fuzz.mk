# tests/fuzz.mk -- the libFuzzer targets (tests/fuzz/, docs/FUZZING.md), included by tests/local.mk.
# `make fuzz-targets` builds them into fuzz-build/ (tests/fuzz/Makefile.fuzz compiles the
# library sources they need with clang and the sanitizers); `make fuzz FUZZ_SECONDS=N` runs
# each N seconds (new inputs and crashes in fuzz-build/run/); the smoke test runs each briefly.
FUZZ_SECONDS = 60
FUZZ_TARGET =
EXTRA_DIST += tests/fuzz
dist_check_SCRIPTS += tests/fuzz-smoke.sh
TESTS += tests/fuzz-smoke.sh
if HAVE_FUZZ
fuzz-targets:
	$(AM_V_at)$(MAKE) -f $(abs_top_srcdir)/tests/fuzz/Makefile.fuzz FUZZ_DIR=fuzz-build \
	  srcdir='$(abs_top_srcdir)' abs_top_srcdir='$(abs_top_srcdir)' pkgdatadir='$(pkgdatadir)' \
	  FUZZ_CC='$(FUZZ_CC)' AR='$(AR)' V='$(V)' \
	  LIB_SRCS='$(filter %.c,$(src_librmn_a_SOURCES))' \
	  DEP_CFLAGS='$(RMN_DEP_CFLAGS)' FUZZ_LIBS='$(RMN_DEP_LIBS)'
fuzz: fuzz-targets
	$(SHELL) $(top_srcdir)/tests/fuzz/campaign.sh fuzz-build '$(abs_top_srcdir)' fuzz-build/run \
	  $(FUZZ_SECONDS) $(FUZZ_TARGET)
else
fuzz-targets:
	@echo "fuzz targets skipped: configure found no clang that links -fsanitize=fuzzer" \
	  "(install clang, libclang-rt-14-dev and libomp-14-dev, then rerun configure)"
fuzz: fuzz-targets
endif
# The smoke test's log waits for the targets (named through a variable: automake would take a
# literal rule for a .log file as a replacement of its own).
fuzz_smoke_log = tests/fuzz-smoke.sh.log
$(fuzz_smoke_log): fuzz-targets
.PHONY: fuzz fuzz-targets
