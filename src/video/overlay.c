/* overlay.c -- what a video frame gets drawn on it (run.h): the photo's boxes and labels,
 * the track id, per-face probability bars and the frames/s. */
#include "image/draw.h"
#include "video/run.h"

#include <stdio.h>

void rmn_video_overlay(rmn_image *rgb, const rmn_face *faces, const int *ids, int n,
                       const rmn_detect_model *model, int bars, double fps) {
    rmn_detect_draw(rgb, faces, n, model);
    const rmn_rgb white = {255, 255, 255}, black = {0, 0, 0}, bar = {255, 128, 223},
                  back = {40, 40, 40};
    for (int i = 0; i < n; ++i) {
        const rmn_face *f = &faces[i];
        char id[16];
        snprintf(id, sizeof id, "#%d", ids[i]);
        int tw = rmn_draw_text_width(id, 1) + 2, th = rmn_draw_text_height(1) + 2;
        int x = f->box.xmin + 2, y = f->box.ymin + 2;
        rmn_draw_fill(rgb, x, y, x + tw - 1, y + th - 1, black);
        rmn_draw_text(rgb, x + 1, y + 1, id, 1, white);
        if (!bars || !model)
            continue;
        /* one row per class under the box: name (3 letters) and a bar as wide as the box */
        int nc = rmn_detect_model_num_classes(model), rowh = rmn_draw_text_height(1) + 1;
        int x0 = f->box.xmin, y0 = f->box.ymax + 3;
        if (y0 + nc * rowh > rgb->h)
            y0 = f->box.ymin - 3 - nc * rowh; /* above the box when there is no room below */
        int lw = rmn_draw_text_width("ang", 1) + 2, bw = f->box.xmax - f->box.xmin - lw;
        if (bw < 20)
            bw = 20;
        for (int k = 0; k < nc; ++k) {
            int  yy = y0 + k * rowh;
            char name[4];
            snprintf(name, sizeof name, "%s", rmn_detect_model_label(model, k));
            rmn_draw_fill(rgb, x0, yy, x0 + lw + bw, yy + rowh - 1, back);
            rmn_draw_text(rgb, x0 + 1, yy + 1, name, 1, white);
            int len = (int)(f->proba[k] * bw + 0.5f);
            if (len > 0)
                rmn_draw_fill(rgb, x0 + lw, yy + 1, x0 + lw + len - 1, yy + rowh - 2, bar);
        }
    }
    if (fps >= 0) {
        char text[32];
        snprintf(text, sizeof text, "%.1f fps", fps);
        int tw = rmn_draw_text_width(text, 1) + 4, th = rmn_draw_text_height(1) + 4;
        rmn_draw_fill(rgb, 0, 0, tw - 1, th - 1, black);
        rmn_draw_text(rgb, 2, 2, text, 1, white);
    }
}
