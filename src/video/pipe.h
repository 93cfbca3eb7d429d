/* pipe.h -- the video writer on a thread of its own, so that encoding a batch of annotated
 * frames overlaps detecting the next one (run.c). One batch at a time: rmn_video_pipe_put hands
 * over frames the caller leaves untouched until the next rmn_video_pipe_wait returns.
 *
 * Ownership: rmn_video_pipe_open returns a pipe released by rmn_video_pipe_close, which waits
 * for the batch in hand; the writer stays the caller's. */
#ifndef RMN_VIDEO_PIPE_H
#define RMN_VIDEO_PIPE_H

#include "video/video.h"

#define RMN_VIDEO_PIPE_MAX 256

typedef struct rmn_video_pipe rmn_video_pipe;

/* A thread writing to wr; without a thread (cannot start one) the batches are written in
 * rmn_video_pipe_put itself. */
int rmn_video_pipe_open(rmn_video_writer *wr, rmn_video_pipe **out);
/* Waits for the batch in hand (if any) to be written: its status (the writer's error, whose
 * message is restored in this thread). */
int rmn_video_pipe_wait(rmn_video_pipe *p);
/* Writes *frames[0..n) (n <= RMN_VIDEO_PIPE_MAX, in order) in the background; call
 * rmn_video_pipe_wait first. */
int rmn_video_pipe_put(rmn_video_pipe *p, const rmn_image *const *frames, int n);
/* Waits, stops the thread, frees; returns the last batch's status. NULL is fine. */
int rmn_video_pipe_close(rmn_video_pipe *p);

#endif
