/* rmn-bench-video.h -- rmn-bench's --video mode (rmn-bench-video.c). */
#ifndef RMN_CLI_RMN_BENCH_VIDEO_H
#define RMN_CLI_RMN_BENCH_VIDEO_H

int rmn_bench_video_wanted(int argc, char **argv); /* --video on the command line */
int rmn_bench_video_main(int argc, char **argv);   /* returns the exit status */

#endif
