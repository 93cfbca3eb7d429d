/* none.c -- the video entry points of a build without FFmpeg: each says what to install. */
#include "core/error.h"
#include "video/video.h"

#define NO_FFMPEG                                                                           \
    RMN_ERROR(RMN_ENOTFOUND, "rmn was built without FFmpeg's libraries: install "          \
                             "libavformat-dev libavcodec-dev libavdevice-dev libswscale-dev " \
                             "libavutil-dev (Debian) and run ./configure && make again")

int rmn_video_available(void) { return 0; }
int rmn_video_open(const char *url, const char *format, rmn_video_reader **out) {
    (void)url, (void)format, *out = NULL;
    return NO_FFMPEG;
}
void rmn_video_close(rmn_video_reader *r) { (void)r; }
int rmn_video_width(const rmn_video_reader *r) { (void)r; return 0; }
int rmn_video_height(const rmn_video_reader *r) { (void)r; return 0; }
double rmn_video_fps(const rmn_video_reader *r) { (void)r; return 0; }
int64_t rmn_video_frame_estimate(const rmn_video_reader *r) { (void)r; return 0; }
int rmn_video_read(rmn_video_reader *r, rmn_image *rgb, int64_t *index, double *time_s,
                   int *eof) {
    (void)r, (void)rgb, (void)index, (void)time_s, *eof = 1;
    return NO_FFMPEG;
}
int rmn_video_writer_open(const char *path, int w, int h, double fps, rmn_video_writer **out,
                          const char **codec) {
    (void)path, (void)w, (void)h, (void)fps, (void)codec, *out = NULL;
    return NO_FFMPEG;
}
int rmn_video_writer_put(rmn_video_writer *wr, const rmn_image *rgb) {
    (void)wr, (void)rgb;
    return NO_FFMPEG;
}
int rmn_video_writer_close(rmn_video_writer *wr) { (void)wr; return RMN_OK; }
