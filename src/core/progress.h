/* progress.h -- a progress display for long loops (training epochs, evaluations).
 *
 * On a terminal it redraws one line in place, at most ten times a second:
 *   train  epoch 3/8 [=========>          ] 21/42  loss 1.412 acc 44.1% 512 img/s ETA 0:04
 * Elsewhere (a pipe, a log file, CI) it prints plain lines at 25/50/75% and a final line, so logs
 * stay readable. RMN_PROGRESS=tty|plain|off overrides the detection. */
#ifndef RMN_CORE_PROGRESS_H
#define RMN_CORE_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

enum rmn_progress_mode { RMN_PROGRESS_OFF = 0, RMN_PROGRESS_PLAIN = 1, RMN_PROGRESS_TTY = 2 };

typedef struct {
    FILE   *out;
    int     mode;
    char    label[96];
    int64_t total, done;
    double  t0, last_draw;
    int     next_quarter; /* plain mode: next 25% mark to print */
    int     drawn;        /* tty mode: a line is on screen */
} rmn_progress;

double rmn_monotonic_s(void); /* CLOCK_MONOTONIC seconds */
int rmn_progress_mode_for(FILE *out); /* RMN_PROGRESS env, else tty if isatty(out), else plain */

/* A progress display on out (NULL: none, the mode is off). */
void rmn_progress_begin(rmn_progress *p, FILE *out, const char *label, int64_t total);
/* done items so far; status is a short metrics text ("loss 1.41 acc 44.1% 512 img/s") or NULL */
void rmn_progress_update(rmn_progress *p, int64_t done, const char *status);
/* Final line with the status text, always printed unless the mode is off. */
void rmn_progress_end(rmn_progress *p, const char *status);

/* "1:02:03" or "4:05" for a duration in seconds (buf at least 16 bytes). */
void rmn_format_duration(double seconds, char *buf, size_t cap);

#endif
