/* decode.c -- the video reader (video.h): libavformat demuxes a file or a v4l2 device (opened
 * through libavdevice, so a camera takes the same path as a file), libavcodec decodes the best
 * video stream, libswscale converts each frame to packed RGB. */
#include "core/error.h"
#include "video/video.h"

#include <libavcodec/avcodec.h>
#include <libavdevice/avdevice.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>

#include <string.h>

struct rmn_video_reader {
    char             url[512];
    AVFormatContext *fmt;
    AVCodecContext  *dec;
    struct SwsContext *sws;
    AVPacket        *pkt;
    AVFrame         *frame;
    int              stream, flushing, done, device;
    int64_t          next_index;
};

int rmn_video_available(void) { return 1; }

static int av_fail(int code, const char *url, const char *what, int averr) {
    char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
    av_strerror(averr, buf, sizeof buf);
    return RMN_ERROR(code, "%s: %s: %s", url, what, buf);
}

int rmn_video_open(const char *url, const char *format, rmn_video_reader **out) {
    *out = NULL;
    rmn_video_reader *r = calloc(1, sizeof *r);
    if (!r)
        return RMN_ERROR(RMN_ENOMEM, "out of memory opening %s", url);
    snprintf(r->url, sizeof r->url, "%s", url);
    r->device = format != NULL;
    av_log_set_level(AV_LOG_FATAL);
    const AVInputFormat *ifmt = NULL;
    if (format) {
        avdevice_register_all();
        ifmt = av_find_input_format(format);
        if (!ifmt) {
            free(r);
            return RMN_ERROR(RMN_ENOTFOUND, "%s: this FFmpeg has no '%s' input (libavdevice)",
                             url, format);
        }
    }
    int rc, e = avformat_open_input(&r->fmt, url, ifmt, NULL);
    if (e < 0) {
        rc = av_fail(e == AVERROR_INVALIDDATA ? RMN_EFORMAT : RMN_EIO, url,
                     format ? "cannot open the camera" : "cannot open the video", e);
        goto fail;
    }
    if ((e = avformat_find_stream_info(r->fmt, NULL)) < 0) {
        rc = av_fail(RMN_EFORMAT, url, "not a readable video", e);
        goto fail;
    }
    const AVCodec *codec = NULL;
    r->stream = av_find_best_stream(r->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
    if (r->stream == AVERROR_STREAM_NOT_FOUND) {
        rc = RMN_ERROR(RMN_EFORMAT, "%s: not a video (no video stream)", url);
        goto fail;
    }
    if (r->stream < 0 || !codec) {
        AVStream *st = r->stream >= 0 ? r->fmt->streams[r->stream] : NULL;
        rc = RMN_ERROR(RMN_EFORMAT, "%s: no decoder for its video codec (%s)", url,
                       st ? avcodec_get_name(st->codecpar->codec_id) : "unknown");
        goto fail;
    }
    AVStream *st = r->fmt->streams[r->stream];
    r->dec = avcodec_alloc_context3(codec);
    if (!r->dec || avcodec_parameters_to_context(r->dec, st->codecpar) < 0) {
        rc = RMN_ERROR(RMN_ENOMEM, "%s: cannot set up the decoder", url);
        goto fail;
    }
    r->dec->thread_count = 1;
    if ((e = avcodec_open2(r->dec, codec, NULL)) < 0) {
        rc = av_fail(RMN_EFORMAT, url, "cannot open the decoder", e);
        goto fail;
    }
    if (r->dec->width <= 0 || r->dec->height <= 0) {
        rc = RMN_ERROR(RMN_EFORMAT, "%s: the video stream has no frame size", url);
        goto fail;
    }
    r->pkt = av_packet_alloc();
    r->frame = av_frame_alloc();
    if (!r->pkt || !r->frame) {
        rc = RMN_ERROR(RMN_ENOMEM, "out of memory opening %s", url);
        goto fail;
    }
    *out = r;
    return RMN_OK;
fail:
    rmn_video_close(r);
    return rc;
}

void rmn_video_close(rmn_video_reader *r) {
    if (!r)
        return;
    sws_freeContext(r->sws);
    av_packet_free(&r->pkt);
    av_frame_free(&r->frame);
    avcodec_free_context(&r->dec);
    avformat_close_input(&r->fmt);
    free(r);
}

int rmn_video_width(const rmn_video_reader *r) { return r->dec->width; }
int rmn_video_height(const rmn_video_reader *r) { return r->dec->height; }

double rmn_video_fps(const rmn_video_reader *r) {
    AVStream *st = r->fmt->streams[r->stream];
    AVRational f = st->avg_frame_rate.num > 0 ? st->avg_frame_rate : st->r_frame_rate;
    double fps = f.num > 0 && f.den > 0 ? av_q2d(f) : 0;
    return fps > 0 && fps < 1000 ? fps : 25.0;
}

int64_t rmn_video_frame_estimate(const rmn_video_reader *r) {
    AVStream *st = r->fmt->streams[r->stream];
    if (st->nb_frames > 0)
        return st->nb_frames;
    if (st->duration > 0 && st->duration != AV_NOPTS_VALUE)
        return (int64_t)(st->duration * av_q2d(st->time_base) * rmn_video_fps(r) + 0.5);
    if (r->fmt->duration > 0 && r->fmt->nb_streams == 1)
        return (int64_t)(r->fmt->duration / (double)AV_TIME_BASE * rmn_video_fps(r) + 0.5);
    return 0;
}

/* Converts r->frame to rgb. */
static int to_rgb(rmn_video_reader *r, rmn_image *rgb) {
    AVFrame *f = r->frame;
    if (!rgb->data || rgb->w != f->width || rgb->h != f->height || rgb->c != 3) {
        rmn_image_free(rgb);
        RMN_TRY(rmn_image_init(rgb, f->width, f->height, 3));
    }
    r->sws = sws_getCachedContext(r->sws, f->width, f->height, f->format, f->width, f->height,
                                  AV_PIX_FMT_RGB24, SWS_BILINEAR, NULL, NULL, NULL);
    if (!r->sws)
        return RMN_ERROR(RMN_EFORMAT, "%s: cannot convert its pixel format (%s) to RGB", r->url,
                         av_get_pix_fmt_name(f->format));
    uint8_t *dst[4] = {rgb->data, NULL, NULL, NULL};
    int      ls[4] = {3 * f->width, 0, 0, 0};
    sws_scale(r->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, dst, ls);
    return RMN_OK;
}

int rmn_video_read(rmn_video_reader *r, rmn_image *rgb, int64_t *index, double *time_s,
                   int *eof) {
    *eof = 0;
    for (;;) {
        if (r->done) {
            /* a file whose header announces more frames than it holds was cut short */
            int64_t want = r->device ? 0 : rmn_video_frame_estimate(r);
            if (want > 0 && r->next_index < want - 1 - want / 10)
                return RMN_ERROR(RMN_EFORMAT, "%s: truncated: the video ends after %lld of the "
                                 "%lld frames its header announces", r->url,
                                 (long long)r->next_index, (long long)want);
            *eof = 1;
            return RMN_OK;
        }
        int e = avcodec_receive_frame(r->dec, r->frame);
        if (e == 0) {
            AVStream *st = r->fmt->streams[r->stream];
            int64_t   pts = r->frame->best_effort_timestamp;
            *index = r->next_index++;
            if (pts != AV_NOPTS_VALUE) {
                int64_t start = st->start_time != AV_NOPTS_VALUE ? st->start_time : 0;
                *time_s = (pts - start) * av_q2d(st->time_base);
            } else {
                *time_s = *index / rmn_video_fps(r);
            }
            int rc = to_rgb(r, rgb);
            av_frame_unref(r->frame);
            return rc;
        }
        if (e == AVERROR_EOF) {
            r->done = 1;
            continue;
        }
        if (e != AVERROR(EAGAIN))
            return av_fail(RMN_EFORMAT, r->url, "cannot decode a frame", e);
        if (r->flushing) { /* EAGAIN after a flush packet should not happen */
            r->done = 1;
            continue;
        }
        e = av_read_frame(r->fmt, r->pkt);
        if (e == AVERROR_EOF) {
            r->flushing = 1;
            avcodec_send_packet(r->dec, NULL);
            continue;
        }
        if (e < 0)
            return av_fail(RMN_EIO, r->url, "read error", e);
        if (r->pkt->stream_index == r->stream) {
            e = avcodec_send_packet(r->dec, r->pkt);
            if (e < 0 && e != AVERROR_INVALIDDATA) {
                av_packet_unref(r->pkt);
                return av_fail(RMN_EFORMAT, r->url, "corrupt video data", e);
            }
        }
        av_packet_unref(r->pkt);
    }
}
