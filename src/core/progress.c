/* progress.c -- terminal progress bar / plain progress lines; see progress.h. */
#include "core/progress.h"

#include "core/env.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

double rmn_monotonic_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int rmn_progress_mode_for(FILE *out) {
    const char *env = rmn_env_get("RMN_PROGRESS");
    if (env && strcmp(env, "off") == 0)
        return RMN_PROGRESS_OFF;
    if (env && strcmp(env, "plain") == 0)
        return RMN_PROGRESS_PLAIN;
    if (env && strcmp(env, "tty") == 0)
        return RMN_PROGRESS_TTY;
    return isatty(fileno(out)) ? RMN_PROGRESS_TTY : RMN_PROGRESS_PLAIN;
}

void rmn_format_duration(double seconds, char *buf, size_t cap) {
    if (!(seconds >= 0) || seconds > 1e7) {
        snprintf(buf, cap, "--:--");
        return;
    }
    long s = (long)(seconds + 0.5);
    if (s >= 3600)
        snprintf(buf, cap, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
    else
        snprintf(buf, cap, "%ld:%02ld", s / 60, s % 60);
}

void rmn_progress_begin(rmn_progress *p, FILE *out, const char *label, int64_t total) {
    memset(p, 0, sizeof *p);
    p->out = out;
    p->mode = out ? rmn_progress_mode_for(out) : RMN_PROGRESS_OFF;
    snprintf(p->label, sizeof p->label, "%s", label);
    p->total = total > 0 ? total : 1;
    p->t0 = rmn_monotonic_s();
    p->last_draw = -1.0;
    p->next_quarter = 1;
}

static void draw_line(rmn_progress *p, const char *status, int final) {
    double elapsed = rmn_monotonic_s() - p->t0;
    char eta[24];
    if (final || p->done <= 0)
        rmn_format_duration(elapsed, eta, sizeof eta);
    else
        rmn_format_duration(elapsed * (double)(p->total - p->done) / (double)p->done, eta, sizeof eta);
    const char *eta_label = final ? "in" : "ETA";
    if (p->mode == RMN_PROGRESS_TTY) {
        enum { BAR = 24 };
        char bar[BAR + 1];
        int fill = (int)((double)BAR * (double)p->done / (double)p->total);
        for (int i = 0; i < BAR; ++i)
            bar[i] = i < fill ? '=' : (i == fill ? '>' : ' ');
        bar[BAR] = '\0';
        fprintf(p->out, "\r\033[K%s [%s] %lld/%lld  %s %s %s", p->label, bar, (long long)p->done,
                (long long)p->total, status ? status : "", eta_label, eta);
        if (final)
            fputc('\n', p->out);
    } else {
        fprintf(p->out, "%s %lld/%lld  %s %s %s\n", p->label, (long long)p->done, (long long)p->total,
                status ? status : "", eta_label, eta);
    }
    fflush(p->out);
}

void rmn_progress_update(rmn_progress *p, int64_t done, const char *status) {
    p->done = done;
    if (p->mode == RMN_PROGRESS_OFF)
        return;
    if (p->mode == RMN_PROGRESS_TTY) {
        double now = rmn_monotonic_s();
        if (p->last_draw >= 0 && now - p->last_draw < 0.1 && done < p->total)
            return;
        p->last_draw = now;
        draw_line(p, status, 0);
        p->drawn = 1;
        return;
    }
    if (p->next_quarter < 4 && done * 4 >= p->total * p->next_quarter && done < p->total) {
        while (p->next_quarter < 4 && done * 4 >= p->total * p->next_quarter)
            ++p->next_quarter;
        draw_line(p, status, 0);
    }
}

void rmn_progress_end(rmn_progress *p, const char *status) {
    if (p->mode == RMN_PROGRESS_OFF)
        return;
    draw_line(p, status, 1);
}
