/* folder-make.c -- writes a small image folder for the CLI tests (tests/cli-folder.sh):
 *   folder-make DIR CLASSES TRAIN VAL [TEST]
 * DIR/train/cNN/iNN.png (TRAIN per class), DIR/val/... (VAL per class) and, when TEST is given,
 * DIR/test/...: RGB images of varied sizes whose colours depend on the class (so a small model
 * learns something), every third one a JPEG. Deterministic. Exit 0, or 1 naming what failed. */
#include "core/error.h"
#include "image/image.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static int put(const char *dir, const char *split, int c, int i, int seed) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, split);
    mkdir(path, 0777);
    snprintf(path, sizeof path, "%s/%s/c%02d", dir, split, c);
    mkdir(path, 0777);
    rmn_image img;
    const int w = 24 + (i * 5 + c) % 17, h = 20 + (i * 3 + c * 7) % 13;
    if (rmn_image_init(&img, w, h, 3) != RMN_OK)
        return 1;
    unsigned s = (unsigned)(seed * 7919 + c * 131 + i * 31);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            for (int k = 0; k < 3; ++k) {
                s = s * 1103515245u + 12345u;
                int v = (c * 37 * (k + 1) + (x + y) * (c % 3 + 1) * 4) % 256 + (int)(s >> 27) - 16;
                img.data[(y * w + x) * 3 + k] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
            }
    snprintf(path, sizeof path, "%s/%s/c%02d/i%02d.%s", dir, split, c, i, i % 3 == 2 ? "jpg" : "png");
    int rc = i % 3 == 2 ? rmn_image_save_jpeg(path, &img, 90) : rmn_image_save_png(path, &img);
    rmn_image_free(&img);
    if (rc != RMN_OK)
        fprintf(stderr, "folder-make: %s\n", rmn_error_message());
    return rc != RMN_OK;
}

int main(int argc, char **argv) {
    if (argc < 5 || argc > 6) {
        fprintf(stderr, "usage: folder-make DIR CLASSES TRAIN VAL [TEST]\n");
        return 2;
    }
    const int classes = atoi(argv[2]), n[3] = {atoi(argv[3]), atoi(argv[4]), argc > 5 ? atoi(argv[5]) : 0};
    static const char *const split[3] = {"train", "val", "test"};
    mkdir(argv[1], 0777);
    for (int k = 0; k < 3; ++k)
        for (int c = 0; c < classes; ++c)
            for (int i = 0; i < n[k]; ++i)
                if (put(argv[1], split[k], c, i, k))
                    return 1;
    return 0;
}
