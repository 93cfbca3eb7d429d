/* window.c -- the --show window through SDL2 (window.h): one streaming RGB24 texture the size
 * of the frames, updated and presented per frame; events polled after each frame. */
#include "core/error.h"
#include "video/window.h"

#include <SDL.h>

#include <stdio.h>
#include <stdlib.h>

struct rmn_window {
    SDL_Window   *win;
    SDL_Renderer *ren;
    SDL_Texture  *tex;
    int           w, h;
};

int rmn_window_open(const char *title, int w, int h, rmn_window **out) {
    *out = NULL;
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    if (SDL_Init(SDL_INIT_VIDEO) != 0)
        return RMN_ERROR(RMN_EIO, "--show: cannot open a window (is DISPLAY set?): %s",
                         SDL_GetError());
    rmn_window *win = calloc(1, sizeof *win);
    if (!win) {
        SDL_Quit();
        return RMN_ERROR(RMN_ENOMEM, "out of memory opening a window");
    }
    win->w = w, win->h = h;
    win->win = SDL_CreateWindow(title, 0, 0, w, h, SDL_WINDOW_SHOWN | SDL_WINDOW_BORDERLESS);
    if (win->win)
        win->ren = SDL_CreateRenderer(win->win, -1, SDL_RENDERER_SOFTWARE);
    if (win->ren)
        win->tex = SDL_CreateTexture(win->ren, SDL_PIXELFORMAT_RGB24, SDL_TEXTUREACCESS_STREAMING,
                                     w, h);
    if (!win->tex) {
        int rc = RMN_ERROR(RMN_EIO, "--show: cannot create a %dx%d window: %s", w, h,
                           SDL_GetError());
        rmn_window_close(win);
        return rc;
    }
    *out = win;
    return RMN_OK;
}

int rmn_window_show(rmn_window *win, const rmn_image *rgb, int *quit) {
    *quit = 0;
    RMN_ASSERT(rgb->c == 3);
    if (rgb->w != win->w || rgb->h != win->h) { /* a stream that changes its frame size */
        SDL_DestroyTexture(win->tex);
        SDL_SetWindowSize(win->win, rgb->w, rgb->h);
        win->tex = SDL_CreateTexture(win->ren, SDL_PIXELFORMAT_RGB24, SDL_TEXTUREACCESS_STREAMING,
                                     rgb->w, rgb->h);
        if (!win->tex)
            return RMN_ERROR(RMN_EIO, "--show: cannot resize the window to %dx%d: %s", rgb->w,
                             rgb->h, SDL_GetError());
        win->w = rgb->w, win->h = rgb->h;
    }
    if (SDL_UpdateTexture(win->tex, NULL, rgb->data, 3 * rgb->w) != 0 ||
        SDL_RenderClear(win->ren) != 0 || SDL_RenderCopy(win->ren, win->tex, NULL, NULL) != 0)
        return RMN_ERROR(RMN_EIO, "--show: cannot draw: %s", SDL_GetError());
    SDL_RenderPresent(win->ren);
    SDL_Event ev;
    while (SDL_PollEvent(&ev)) {
        if (ev.type == SDL_QUIT)
            *quit = 1;
        if (ev.type == SDL_KEYDOWN &&
            (ev.key.keysym.sym == SDLK_q || ev.key.keysym.sym == SDLK_ESCAPE))
            *quit = 1;
    }
    return RMN_OK;
}

void rmn_window_last(rmn_window *win) {
    const char *ready = rmn_env_get("RMN_SHOW_READY");
    if (!win || !ready || !*ready)
        return;
    const char *hold = rmn_env_get("RMN_SHOW_HOLD_MS");
    long        ms = hold ? strtol(hold, NULL, 10) : 0;
    SDL_RenderPresent(win->ren);
    SDL_Delay(200); /* let the X server draw it */
    FILE *f = fopen(ready, "w");
    if (f)
        fclose(f);
    for (long t = 0; t < ms; t += 20) {
        SDL_Event ev;
        while (SDL_PollEvent(&ev)) {
        }
        SDL_Delay(20);
    }
}

void rmn_window_close(rmn_window *win) {
    if (!win)
        return;
    if (win->tex)
        SDL_DestroyTexture(win->tex);
    if (win->ren)
        SDL_DestroyRenderer(win->ren);
    if (win->win)
        SDL_DestroyWindow(win->win);
    free(win);
    SDL_Quit();
}
