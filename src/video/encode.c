/* encode.c -- the video writer (video.h): RGB frames -> yuv420p (libswscale) -> H.264
 * (libx264 through libavcodec; MPEG-4 part 2 when this FFmpeg has no H.264 encoder) ->
 * a container chosen by libavformat from the file name (mp4 when unknown). Timestamps are
 * frame indices in a 1/fps time base; no audio. */
#include "core/error.h"
#include "video/video.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>

#include <stdlib.h>


struct rmn_video_writer {
    char               path[512];
    AVFormatContext   *fmt;
    AVCodecContext    *enc;
    AVStream          *st;
    struct SwsContext *sws;
    AVFrame           *frame;
    AVPacket          *pkt;
    int64_t            next_pts;
    int                header_done;
};

static int av_fail(int code, const char *path, const char *what, int averr) {
    char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
    av_strerror(averr, buf, sizeof buf);
    return RMN_ERROR(code, "%s: %s: %s", path, what, buf);
}

static void writer_free(rmn_video_writer *wr) {
    if (wr->fmt && wr->fmt->pb && !(wr->fmt->oformat->flags & AVFMT_NOFILE))
        avio_closep(&wr->fmt->pb);
    avformat_free_context(wr->fmt);
    avcodec_free_context(&wr->enc);
    sws_freeContext(wr->sws);
    av_frame_free(&wr->frame);
    av_packet_free(&wr->pkt);
    free(wr);
}

int rmn_video_writer_open(const char *path, int w, int h, double fps, rmn_video_writer **out,
                          const char **codec_name) {
    *out = NULL;
    if (w < 2 || h < 2)
        return RMN_ERROR(RMN_EINVAL, "%s: frames of %dx%d cannot be encoded", path, w, h);
    rmn_video_writer *wr = calloc(1, sizeof *wr);
    if (!wr)
        return RMN_ERROR(RMN_ENOMEM, "out of memory creating %s", path);
    snprintf(wr->path, sizeof wr->path, "%s", path);
    av_log_set_level(AV_LOG_FATAL); /* failures come back as rmn errors; no encoder chatter */
    int rc, e = avformat_alloc_output_context2(&wr->fmt, NULL, NULL, path);
    if (e < 0 || !wr->fmt)
        e = avformat_alloc_output_context2(&wr->fmt, NULL, "mp4", path);
    if (e < 0 || !wr->fmt) {
        rc = av_fail(RMN_EINVAL, path, "no container for this name", e);
        goto fail;
    }
    /* RMN_VIDEO_ENCODER=NAME replaces libx264 (tests use it to take the fallback path) */
    const char    *want = rmn_env_get("RMN_VIDEO_ENCODER");
    const AVCodec *codec = avcodec_find_encoder_by_name(want && *want ? want : "libx264");
    if (!codec && !(want && *want))
        codec = avcodec_find_encoder(AV_CODEC_ID_H264);
    if (!codec) {
        rmn_warning("%s: this FFmpeg has no %s encoder (Debian's libavcodec has libx264); "
                    "writing MPEG-4 part 2 instead", path, want && *want ? want : "H.264");
        codec = avcodec_find_encoder(AV_CODEC_ID_MPEG4);
    }
    if (!codec) {
        rc = RMN_ERROR(RMN_ENOTFOUND, "%s: this FFmpeg has neither an H.264 nor an MPEG-4 "
                                      "encoder", path);
        goto fail;
    }
    wr->st = avformat_new_stream(wr->fmt, NULL);
    wr->enc = avcodec_alloc_context3(codec);
    wr->frame = av_frame_alloc();
    wr->pkt = av_packet_alloc();
    if (!wr->st || !wr->enc || !wr->frame || !wr->pkt) {
        rc = RMN_ERROR(RMN_ENOMEM, "out of memory creating %s", path);
        goto fail;
    }
    /* a rational frame rate: 30000/1001 stays exact, integers stay integers */
    AVRational rate = av_d2q(fps > 0 ? fps : 25.0, 100000);
    wr->enc->width = w & ~1;
    wr->enc->height = h & ~1;
    wr->enc->pix_fmt = AV_PIX_FMT_YUV420P;
    wr->enc->time_base = av_inv_q(rate);
    wr->enc->framerate = rate;
    wr->enc->gop_size = 12;
    wr->enc->thread_count = 1;
    if (codec->id == AV_CODEC_ID_MPEG4) {
        wr->enc->flags |= AV_CODEC_FLAG_QSCALE;
        wr->enc->global_quality = FF_QP2LAMBDA * 3;
    } else {
        av_opt_set(wr->enc->priv_data, "preset", "veryfast", 0);
        av_opt_set(wr->enc->priv_data, "crf", "20", 0);
    }
    if (wr->fmt->oformat->flags & AVFMT_GLOBALHEADER)
        wr->enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    if ((e = avcodec_open2(wr->enc, codec, NULL)) < 0) {
        rc = av_fail(RMN_EINTERNAL, path, "cannot open the encoder", e);
        goto fail;
    }
    if ((e = avcodec_parameters_from_context(wr->st->codecpar, wr->enc)) < 0) {
        rc = av_fail(RMN_EINTERNAL, path, "cannot set up the stream", e);
        goto fail;
    }
    wr->st->time_base = wr->enc->time_base;
    wr->st->avg_frame_rate = rate;
    wr->frame->format = AV_PIX_FMT_YUV420P;
    wr->frame->width = wr->enc->width;
    wr->frame->height = wr->enc->height;
    if ((e = av_frame_get_buffer(wr->frame, 0)) < 0) {
        rc = av_fail(RMN_ENOMEM, path, "cannot allocate a frame", e);
        goto fail;
    }
    if (!(wr->fmt->oformat->flags & AVFMT_NOFILE) &&
        (e = avio_open(&wr->fmt->pb, path, AVIO_FLAG_WRITE)) < 0) {
        rc = av_fail(RMN_EIO, path, "cannot create", e);
        goto fail;
    }
    if ((e = avformat_write_header(wr->fmt, NULL)) < 0) {
        rc = av_fail(RMN_EIO, path, "cannot write the header", e);
        goto fail;
    }
    wr->header_done = 1;
    if (codec_name)
        *codec_name = codec->name;
    *out = wr;
    return RMN_OK;
fail:
    writer_free(wr);
    return rc;
}

/* Sends frame (NULL: flush) and writes every packet the encoder gives back. */
static int encode(rmn_video_writer *wr, AVFrame *frame) {
    int e = avcodec_send_frame(wr->enc, frame);
    if (e < 0)
        return av_fail(RMN_EINTERNAL, wr->path, "encoder error", e);
    for (;;) {
        e = avcodec_receive_packet(wr->enc, wr->pkt);
        if (e == AVERROR(EAGAIN) || e == AVERROR_EOF)
            return RMN_OK;
        if (e < 0)
            return av_fail(RMN_EINTERNAL, wr->path, "encoder error", e);
        av_packet_rescale_ts(wr->pkt, wr->enc->time_base, wr->st->time_base);
        wr->pkt->stream_index = wr->st->index;
        e = av_interleaved_write_frame(wr->fmt, wr->pkt);
        if (e < 0)
            return av_fail(RMN_EIO, wr->path, "write error", e);
    }
}

int rmn_video_writer_put(rmn_video_writer *wr, const rmn_image *rgb) {
    RMN_ASSERT(rgb->c == 3);
    int e = av_frame_make_writable(wr->frame);
    if (e < 0)
        return av_fail(RMN_ENOMEM, wr->path, "cannot reuse a frame", e);
    wr->sws = sws_getCachedContext(wr->sws, rgb->w, rgb->h, AV_PIX_FMT_RGB24, wr->enc->width,
                                   wr->enc->height, AV_PIX_FMT_YUV420P, SWS_BILINEAR, NULL,
                                   NULL, NULL);
    if (!wr->sws)
        return RMN_ERROR(RMN_EINTERNAL, "%s: cannot convert RGB to yuv420p", wr->path);
    const uint8_t *src[4] = {rgb->data, NULL, NULL, NULL};
    int            ls[4] = {3 * rgb->w, 0, 0, 0};
    sws_scale(wr->sws, src, ls, 0, rgb->h, wr->frame->data, wr->frame->linesize);
    wr->frame->pts = wr->next_pts++;
    return encode(wr, wr->frame);
}

int rmn_video_writer_close(rmn_video_writer *wr) {
    if (!wr)
        return RMN_OK;
    int rc = encode(wr, NULL);
    if (wr->header_done) {
        int e = av_write_trailer(wr->fmt);
        if (e < 0 && rc == RMN_OK)
            rc = av_fail(RMN_EIO, wr->path, "cannot write the trailer", e);
    }
    if (wr->fmt->pb && !(wr->fmt->oformat->flags & AVFMT_NOFILE)) {
        int e = avio_closep(&wr->fmt->pb);
        if (e < 0 && rc == RMN_OK)
            rc = av_fail(RMN_EIO, wr->path, "cannot close", e);
    }
    writer_free(wr);
    return rc;
}
