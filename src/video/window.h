/* window.h -- the --show window (SDL2): shows RGB frames 1:1 at the top-left of the screen,
 * closes on q, Esc or the window's close button. Without SDL2 rmn_window_open returns
 * RMN_ENOTFOUND saying what to install.
 * Test hook: with RMN_SHOW_READY=FILE set, the window writes FILE after it has presented the
 * last frame and keeps it on screen for RMN_SHOW_HOLD_MS (default 0) before closing, so a
 * test can take a screenshot of the X display.
 * Ownership: rmn_window_open returns an owned window released by rmn_window_close. */
#ifndef RMN_VIDEO_WINDOW_H
#define RMN_VIDEO_WINDOW_H

#include "image/image.h"

typedef struct rmn_window rmn_window;

int rmn_window_open(const char *title, int w, int h, rmn_window **out);
/* Shows frame; *quit = 1 when the user asked to stop. */
int rmn_window_show(rmn_window *win, const rmn_image *rgb, int *quit);
/* The end of the stream: the test hook above, then nothing. */
void rmn_window_last(rmn_window *win);
void rmn_window_close(rmn_window *win);

#endif
