# tests/io.mk -- tests of the file formats (included by tests/local.mk)
check_PROGRAMS += tests/test-safetensors
tests_test_safetensors_SOURCES = tests/test-safetensors.c tests/tap.h
TESTS += tests/test-safetensors

check_PROGRAMS += tests/test-golden-format
tests_test_golden_format_SOURCES = tests/test-golden-format.c tests/tap.h
TESTS += tests/test-golden-format

# the generator of tests/data/golden/ (developer-side, needs /usr/bin/python3 with torch)
EXTRA_DIST += tools/golden/README.md tools/golden/st.py tools/golden/make_golden.py tools/golden/make_center_golden.py

# PyTorch checkpoints (fixtures: tools/pth/make_pth_fixtures.py, developer-side)
check_PROGRAMS += tests/test-pth
tests_test_pth_SOURCES = tests/test-pth.c tests/tap.h
TESTS += tests/test-pth

check_PROGRAMS += tests/test-pth-zoo
tests_test_pth_zoo_SOURCES = tests/test-pth-zoo.c tests/tap.h
TESTS += tests/test-pth-zoo
EXTRA_DIST += tools/pth/make_pth_fixtures.py tools/pth/make_zoo_pth.py tools/pth/zoo_torch.py tools/pth/make_cv2_resize.py
dist_check_SCRIPTS += tests/cli-import.sh
TESTS += tests/cli-import.sh
