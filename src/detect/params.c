/* params.c -- the cascade scan's parameters (detect.h): their defaults, and the command-line
 * options that set them, read in one place for rmn-detect's photo and video modes. */
#include "detect/detect.h"

#include "core/args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rmn_detect_params_default(rmn_detect_params *p) {
    memset(p, 0, sizeof *p);
    p->scale_factor = 1.1;
    p->min_neighbors = 3;
}

const char *rmn_detect_params_option(rmn_detect_params *p, const char *name, const char *text) {
    static _Thread_local char msg[256];
    char *end;
    if (strcmp(name, "scale-factor") == 0) {
        double v = strtod(text, &end);
        if (*end || !(v > 1.0 && v <= 4.0)) {
            snprintf(msg, sizeof msg, "--scale-factor must be a number in (1, 4], not '%.100s'", text);
            return msg;
        }
        p->scale_factor = v;
    } else if (strcmp(name, "min-neighbors") == 0) {
        if (!rmn_parse_int(text, 0, 1000, &p->min_neighbors)) {
            snprintf(msg, sizeof msg, "--min-neighbors must be an integer 0..1000, not '%.100s'", text);
            return msg;
        }
    } else if (strcmp(name, "min-size") == 0) {
        if (!rmn_parse_int(text, 0, 1 << 20, &p->min_w)) {
            snprintf(msg, sizeof msg, "--min-size must be a non-negative integer, not '%.100s'", text);
            return msg;
        }
        p->min_h = p->min_w;
    } else {
        snprintf(msg, sizeof msg, "--%.100s is not a detection parameter", name);
        return msg;
    }
    return NULL;
}
