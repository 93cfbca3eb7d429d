/* video.h -- video files and cameras through FFmpeg's libraries: a reader that yields RGB
 * frames (libavformat + libavcodec + libswscale; cameras through libavdevice's v4l2 input, the
 * same code path as a file) and a writer of annotated videos (H.264 through libavcodec,
 * libx264 when present, else MPEG-4 part 2 with a warning; yuv420p, no audio).
 *
 * Built without FFmpeg (./configure found no libavformat-dev ...), every function returns
 * RMN_ENOTFOUND with a message saying which packages to install.
 *
 * Ownership: rmn_video_open / rmn_video_writer_open return owned objects released by
 * rmn_video_close / rmn_video_writer_close; frames filled by rmn_video_read belong to the
 * caller (the image is reused from call to call: free it once with rmn_image_free). */
#ifndef RMN_VIDEO_VIDEO_H
#define RMN_VIDEO_VIDEO_H

#include "image/image.h"

#include <stdint.h>

typedef struct rmn_video_reader rmn_video_reader;
typedef struct rmn_video_writer rmn_video_writer;

/* 1 when rmn was built with FFmpeg's libraries (video files, cameras, -o OUT.mp4). */
int rmn_video_available(void);

/* Opens a file (format NULL: probed) or a device (format "v4l2", url "/dev/video0").
 * RMN_EIO for a file that cannot be opened, RMN_EFORMAT for one without a decodable video
 * stream; messages name url. */
int  rmn_video_open(const char *url, const char *format, rmn_video_reader **out);
void rmn_video_close(rmn_video_reader *r);

int    rmn_video_width(const rmn_video_reader *r);
int    rmn_video_height(const rmn_video_reader *r);
double rmn_video_fps(const rmn_video_reader *r);          /* average frame rate, else 25 */
int64_t rmn_video_frame_estimate(const rmn_video_reader *r); /* from the container; 0 unknown */

/* The next frame as RGB into rgb (allocated or reused), its index from 0 and its time in
 * seconds. *eof = 1 (and RMN_OK) at the end. A corrupt or truncated stream is RMN_EFORMAT
 * naming the file and the frame; frames the decoder recovers from are kept. */
int rmn_video_read(rmn_video_reader *r, rmn_image *rgb, int64_t *index, double *time_s,
                   int *eof);

/* Creates path (container from the name, .mp4 by default) for w x h RGB frames at fps.
 * *codec (may be NULL) receives the encoder's name ("libx264" or "mpeg4"). */
int rmn_video_writer_open(const char *path, int w, int h, double fps, rmn_video_writer **out,
                          const char **codec);
int rmn_video_writer_put(rmn_video_writer *wr, const rmn_image *rgb);
/* Flushes the encoder, writes the trailer, frees; returns the first error met. NULL is fine. */
int rmn_video_writer_close(rmn_video_writer *wr);

#endif
