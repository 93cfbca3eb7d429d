/* window_none.c -- the --show window of a build without SDL2: says what to install. */
#include "core/error.h"
#include "video/window.h"

int rmn_window_open(const char *title, int w, int h, rmn_window **out) {
    (void)title, (void)w, (void)h, *out = NULL;
    return RMN_ERROR(RMN_ENOTFOUND, "rmn was built without SDL2, which --show needs: install "
                                    "libsdl2-dev (Debian) and run ./configure && make again");
}
int rmn_window_show(rmn_window *win, const rmn_image *rgb, int *quit) {
    (void)win, (void)rgb, *quit = 1;
    return RMN_OK;
}
void rmn_window_last(rmn_window *win) { (void)win; }
void rmn_window_close(rmn_window *win) { (void)win; }
