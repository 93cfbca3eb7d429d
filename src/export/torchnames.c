/* torchnames.c -- rmn -> the original repository's tensor names for the Residual Masking
 * Networks (torchnames.h). A mask of depth D = 5 - K (mask1..4: 4/3/2/1) in models/masking.py:
 * encoder units conv1..convD (each with downsample = downsampleJ, registered twice), then for
 * k = D-1..1 up_pool{2D-k} and conv{2D-k}, then conv{2D} (the final unit). rmn names them
 * enc{i} (J = i+1), up{k}, dec{k}, final. The dropout heads are Sequential(Dropout, Linear):
 * fc -> fc.1. The thesis's efficientnet_b2b head (models/__init__.py) is also Sequential(Dropout,
 * Linear): output.fc -> output.1. */
#include "export/torchnames.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_resmasking(const char *arch) { return strncmp(arch, "resmasking", 10) == 0; }

int rmn_torch_name(const char *arch, const char *name, char *out, size_t cap, char *dup,
                   size_t dcap) {
    snprintf(out, cap, "%s", name);
    dup[0] = 0;
    if (strcmp(arch, "efficientnet_b2b") == 0 && strncmp(name, "output.fc.", 10) == 0) {
        snprintf(out, cap, "output.1.%s", name + 10); /* the thesis's Sequential(Dropout, Linear) */
        return 0;
    }
    if (!is_resmasking(arch))
        return 0;
    if (strncmp(name, "fc.", 3) == 0 && strchr(name + 3, '.') == NULL &&
        strstr(arch, "dropout1") != NULL) {
        snprintf(out, cap, "fc.1.%s", name + 3);
        return 0;
    }
    int k, i, n = 0;
    char unit[16];
    if (sscanf(name, "mask%d.%15[a-z]%d.%n", &k, unit, &i, &n) != 3 || n == 0) {
        if (sscanf(name, "mask%d.final.%n", &k, &n) != 1 || n == 0)
            return 0;
        snprintf(unit, sizeof unit, "final");
        i = 0;
    }
    const int d = 5 - k;
    if (d < 1 || d > 4)
        return 0;
    const char *rest = name + n;
    int j;
    const char *kind = "conv";
    if (strcmp(unit, "enc") == 0)
        j = i + 1;
    else if (strcmp(unit, "up") == 0) {
        j = 2 * d - i;
        kind = "up_pool";
    } else if (strcmp(unit, "dec") == 0)
        j = 2 * d - i;
    else if (strcmp(unit, "final") == 0)
        j = 2 * d;
    else
        return 0;
    snprintf(out, cap, "mask%d.%s%d.%s", k, kind, j, rest);
    if (strcmp(kind, "conv") == 0 && strncmp(rest, "downsample.", 11) == 0) {
        snprintf(dup, dcap, "mask%d.downsample%d.%s", k, j, rest + 11);
        return 1;
    }
    return 0;
}
