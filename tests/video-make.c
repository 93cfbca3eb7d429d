/* video-make.c -- makes test videos with rmn's own encoder (src/video/encode.c):
 *   video-make OUT W H FPS SPEC...
 * SPEC = PHOTO:X:Y:COUNT:DX gives COUNT frames with PHOTO (any PNG/JPEG, "-" for none)
 * pasted at (X + i*DX, Y) on a mid-gray W x H canvas. Exit 77 when built without FFmpeg. */
#include "core/error.h"
#include "video/video.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc < 6) {
        fputs("usage: video-make OUT W H FPS PHOTO:X:Y:COUNT:DX...\n", stderr);
        return 2;
    }
    if (!rmn_video_available()) {
        fputs("video-make: built without FFmpeg\n", stderr);
        return 77;
    }
    int w = atoi(argv[2]), h = atoi(argv[3]);
    rmn_video_writer *wr;
    if (rmn_video_writer_open(argv[1], w, h, atof(argv[4]), &wr, NULL) != RMN_OK) {
        fprintf(stderr, "video-make: %s\n", rmn_error_message());
        return 1;
    }
    rmn_image canvas;
    if (rmn_image_init(&canvas, w, h, 3) != RMN_OK)
        return 1;
    for (int a = 5; a < argc; ++a) {
        char path[1024];
        int  x, y, count, dx;
        if (sscanf(argv[a], "%1023[^:]:%d:%d:%d:%d", path, &x, &y, &count, &dx) != 5) {
            fprintf(stderr, "video-make: bad SPEC %s\n", argv[a]);
            return 2;
        }
        rmn_image photo = {0}, rgb = {0};
        if (strcmp(path, "-") != 0 &&
            (rmn_image_load(path, &photo) != RMN_OK || rmn_image_to_rgb(&photo, &rgb) != RMN_OK)) {
            fprintf(stderr, "video-make: %s\n", rmn_error_message());
            return 1;
        }
        for (int i = 0; i < count; ++i) {
            memset(canvas.data, 128, (size_t)w * h * 3);
            for (int r = 0; rgb.data && r < rgb.h; ++r)
                for (int col = 0; col < rgb.w; ++col) {
                    int X = x + i * dx + col, Y = y + r;
                    if (X >= 0 && X < w && Y >= 0 && Y < h)
                        memcpy(canvas.data + 3 * ((size_t)Y * w + X),
                               rgb.data + 3 * ((size_t)r * rgb.w + col), 3);
                }
            if (rmn_video_writer_put(wr, &canvas) != RMN_OK) {
                fprintf(stderr, "video-make: %s\n", rmn_error_message());
                return 1;
            }
        }
        rmn_image_free(&photo);
        rmn_image_free(&rgb);
    }
    rmn_image_free(&canvas);
    if (rmn_video_writer_close(wr) != RMN_OK) {
        fprintf(stderr, "video-make: %s\n", rmn_error_message());
        return 1;
    }
    return 0;
}
