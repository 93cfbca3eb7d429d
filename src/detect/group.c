/* group.c -- OpenCV's groupRectangles: partition by similarity, average, filter (detect.h). */
#include "detect/detect.h"

#include "core/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int similar(const rmn_rect *a, const rmn_rect *b, double eps) {
    double delta = eps * ((a->w < b->w ? a->w : b->w) + (a->h < b->h ? a->h : b->h)) * 0.5;
    return abs(a->x - b->x) <= delta && abs(a->y - b->y) <= delta &&
           abs(a->x + a->w - b->x - b->w) <= delta && abs(a->y + a->h - b->y - b->h) <= delta;
}

static int find(int *parent, int i) {
    while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    return i;
}

int rmn_group_rects(rmn_rect *rects, int *n, int min_neighbors, double eps, int *neighbors) {
    int count = *n;
    if (min_neighbors <= 0 || count == 0) {
        if (neighbors)
            for (int i = 0; i < count; ++i)
                neighbors[i] = 1;
        return RMN_OK;
    }
    int *parent = malloc((size_t)count * sizeof *parent);
    int *label = malloc((size_t)count * sizeof *label);
    int *members = calloc((size_t)count, sizeof *members);
    long long(*acc)[4] = calloc((size_t)count, sizeof *acc);
    rmn_rect *avg = malloc((size_t)count * sizeof *avg);
    if (!parent || !label || !members || !acc || !avg) {
        free(parent), free(label), free(members), free(acc), free(avg);
        return RMN_ERROR(RMN_ENOMEM, "out of memory grouping %d rectangles", count);
    }
    /* equivalence classes of the similarity relation (transitive closure) */
    for (int i = 0; i < count; ++i)
        parent[i] = i;
    for (int i = 0; i < count; ++i)
        for (int j = i + 1; j < count; ++j)
            if (similar(&rects[i], &rects[j], eps)) {
                int a = find(parent, i), b = find(parent, j);
                if (a != b)
                    parent[b] = a;
            }
    /* classes numbered in order of first appearance */
    int nclasses = 0;
    for (int i = 0; i < count; ++i)
        label[i] = -1;
    for (int i = 0; i < count; ++i) {
        int r = find(parent, i);
        if (label[r] < 0)
            label[r] = nclasses++;
        int cls = label[r];
        acc[cls][0] += rects[i].x;
        acc[cls][1] += rects[i].y;
        acc[cls][2] += rects[i].w;
        acc[cls][3] += rects[i].h;
        members[cls]++;
    }
    for (int k = 0; k < nclasses; ++k) {
        float s = 1.f / (float)members[k];
        avg[k].x = (int)lrintf((float)acc[k][0] * s);
        avg[k].y = (int)lrintf((float)acc[k][1] * s);
        avg[k].w = (int)lrintf((float)acc[k][2] * s);
        avg[k].h = (int)lrintf((float)acc[k][3] * s);
    }
    int out = 0;
    for (int i = 0; i < nclasses; ++i) {
        rmn_rect r1 = avg[i];
        int n1 = members[i];
        if (n1 <= min_neighbors)
            continue;
        int j;
        /* drop small rectangles inside bigger, better-supported ones */
        for (j = 0; j < nclasses; ++j) {
            int n2 = members[j];
            if (j == i || n2 <= min_neighbors)
                continue;
            rmn_rect r2 = avg[j];
            int dx = (int)lrint(r2.w * eps), dy = (int)lrint(r2.h * eps);
            if (r1.x >= r2.x - dx && r1.y >= r2.y - dy && r1.x + r1.w <= r2.x + r2.w + dx &&
                r1.y + r1.h <= r2.y + r2.h + dy && (n2 > (n1 > 3 ? n1 : 3) || n1 < 3))
                break;
        }
        if (j == nclasses) {
            if (neighbors)
                neighbors[out] = n1;
            rects[out++] = r1;
        }
    }
    *n = out;
    free(parent), free(label), free(members), free(acc), free(avg);
    return RMN_OK;
}
