/* rmn-detect-video.h -- rmn-detect's video mode (rmn-detect-video.c), kept apart from the
 * photo mode of rmn-detect.c; both read their options through rmn-detect-args.h. */
#ifndef RMN_CLI_RMN_DETECT_VIDEO_H
#define RMN_CLI_RMN_DETECT_VIDEO_H

#include "cli/rmn-detect-args.h"

/* The whole program in video mode (a->video); returns the exit status. */
int rmn_detect_video_run(rmn_detect_args *a);

#endif
