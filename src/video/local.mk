# src/video/local.mk -- video files and cameras (FFmpeg), tracking, the --show window (SDL2);
# included by Makefile.am after src/detect/local.mk. Without FFmpeg or SDL2 the stubs in
# none.c / window_none.c say how to get them.
src_librmn_a_SOURCES += %D%/video.h %D%/track.c %D%/track.h %D%/run.c %D%/run.h \
	%D%/overlay.c %D%/pipe.c %D%/pipe.h %D%/window.h
if HAVE_FFMPEG
src_librmn_a_SOURCES += %D%/decode.c %D%/encode.c
else
src_librmn_a_SOURCES += %D%/none.c
endif
if HAVE_SDL2
src_librmn_a_SOURCES += %D%/window.c
else
src_librmn_a_SOURCES += %D%/window_none.c
endif
src_rmn_detect_SOURCES += src/cli/rmn-detect-video.c src/cli/rmn-detect-video.h
src_rmn_bench_SOURCES += src/cli/rmn-bench-video.c src/cli/rmn-bench-video.h
