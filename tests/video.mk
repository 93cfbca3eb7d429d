# tests/video.mk -- tests of video files, tracking and the --show window (tests/local.mk)
check_PROGRAMS += tests/test-track tests/video-make
tests_test_track_SOURCES = tests/test-track.c tests/tap.h
tests_video_make_SOURCES = tests/video-make.c
TESTS += tests/test-track
dist_check_SCRIPTS += tests/cli-video.sh tests/cli-video-show.sh
TESTS += tests/cli-video.sh tests/cli-video-show.sh
