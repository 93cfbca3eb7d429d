/* rmn-detect-video.h -- rmn-detect's video mode (rmn-detect-video.c), kept apart from the
 * photo mode of rmn-detect.c. */
#ifndef RMN_CLI_RMN_DETECT_VIDEO_H
#define RMN_CLI_RMN_DETECT_VIDEO_H

/* 1 when the command line asks for video: a video option (--camera, --every, --smooth,
 * --jsonl, --show, --max-frames; not --csv, which photos have too) or an input whose name ends
 * in a video extension. */
int rmn_detect_video_wanted(int argc, char **argv);
/* The whole program in video mode; returns the exit status. */
int rmn_detect_video_main(int argc, char **argv);

#endif
