/* pipe.c -- the video writer on its own thread (see pipe.h). */
#include "video/pipe.h"

#include "core/error.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct rmn_video_pipe {
    rmn_video_writer *wr;
    pthread_t         th;
    int               threaded;
    pthread_mutex_t   mu;
    pthread_cond_t    cv;
    const rmn_image  *frames[RMN_VIDEO_PIPE_MAX];
    int               n;     /* frames of the batch in hand; 0: none */
    int               quit;
    int               rc;    /* the last batch's status and message */
    char              err[1024];
};

/* Writes the batch in hand; records its status. */
static void write_batch(rmn_video_pipe *p) {
    int rc = RMN_OK;
    for (int i = 0; i < p->n && rc == RMN_OK; ++i)
        rc = rmn_video_writer_put(p->wr, p->frames[i]);
    p->rc = rc;
    if (rc != RMN_OK)
        snprintf(p->err, sizeof p->err, "%s", rmn_error_message());
}

static void *run(void *arg) {
    rmn_video_pipe *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->n && !p->quit)
            pthread_cond_wait(&p->cv, &p->mu);
        if (!p->n)
            break;
        pthread_mutex_unlock(&p->mu);
        write_batch(p); /* the frames and the writer are this thread's until n is 0 again */
        pthread_mutex_lock(&p->mu);
        p->n = 0;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int rmn_video_pipe_open(rmn_video_writer *wr, rmn_video_pipe **out) {
    rmn_video_pipe *p = calloc(1, sizeof *p);
    if (!p)
        return RMN_ERROR(RMN_ENOMEM, "out of memory");
    p->wr = wr;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->threaded = pthread_create(&p->th, NULL, run, p) == 0;
    *out = p;
    return RMN_OK;
}

int rmn_video_pipe_wait(rmn_video_pipe *p) {
    pthread_mutex_lock(&p->mu);
    while (p->n)
        pthread_cond_wait(&p->cv, &p->mu);
    int rc = p->rc;
    pthread_mutex_unlock(&p->mu);
    if (rc != RMN_OK)
        rmn_error_restore(rc, p->err);
    return rc;
}

int rmn_video_pipe_put(rmn_video_pipe *p, const rmn_image *const *frames, int n) {
    RMN_TRY(rmn_video_pipe_wait(p));
    if (n <= 0)
        return RMN_OK;
    if (n > RMN_VIDEO_PIPE_MAX)
        return RMN_ERROR(RMN_EINVAL, "rmn_video_pipe_put: %d frames (at most %d)", n, RMN_VIDEO_PIPE_MAX);
    pthread_mutex_lock(&p->mu);
    for (int i = 0; i < n; ++i)
        p->frames[i] = frames[i];
    p->n = n;
    if (!p->threaded) { /* no thread: write here */
        write_batch(p);
        p->n = 0;
    }
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return RMN_OK;
}

int rmn_video_pipe_close(rmn_video_pipe *p) {
    if (!p)
        return RMN_OK;
    int rc = rmn_video_pipe_wait(p);
    if (p->threaded) {
        pthread_mutex_lock(&p->mu);
        p->quit = 1;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        pthread_join(p->th, NULL);
    }
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p);
    return rc;
}
