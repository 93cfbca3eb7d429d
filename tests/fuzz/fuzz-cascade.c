/* fuzz-cascade.c -- libFuzzer target: OpenCV cascade XML (HAAR and LBP, the new format) as
 * rmn_cascade_load reads and validates it with libxml2. An accepted cascade must have its
 * indices in range and its features inside the window, which the check below walks. */
#include "fuzz-util.h"

#include "core/error.h"
#include "detect/cascade.h"

static void check(const rmn_cascade *c) {
    if (c->win_w <= 0 || c->win_h <= 0)
        abort();
    for (int s = 0; s < c->nstages; ++s) {
        const rmn_cascade_stage *st = &c->stages[s];
        if (st->first_tree < 0 || st->ntrees < 0 || st->first_tree + st->ntrees > c->ntrees)
            abort();
    }
    for (int t = 0; t < c->ntrees; ++t) {
        const rmn_cascade_tree *tr = &c->trees[t];
        if (tr->first_node < 0 || tr->first_node + tr->nnodes > c->nnodes || tr->first_leaf < 0 ||
            tr->first_leaf + tr->nnodes + 1 > c->nleaves)
            abort();
        for (int n = 0; n < tr->nnodes; ++n) {
            const rmn_cascade_node *nd = &c->nodes[tr->first_node + n];
            if (nd->feature < 0 || nd->feature >= c->nfeatures || nd->left >= tr->nnodes ||
                nd->right >= tr->nnodes || -nd->left > tr->nnodes || -nd->right > tr->nnodes)
                abort();
        }
    }
    for (int i = 0; i < c->nfeatures; ++i) {
        if (c->type == RMN_CASCADE_LBP) {
            const rmn_lbp_feature *f = &c->lbp[i];
            if (f->x < 0 || f->y < 0 || f->w <= 0 || f->h <= 0 ||
                (int64_t)f->x + 3 * (int64_t)f->w > c->win_w ||
                (int64_t)f->y + 3 * (int64_t)f->h > c->win_h)
                abort();
        } else if (!c->haar[i].tilted) {
            const rmn_haar_feature *f = &c->haar[i];
            for (int r = 0; r < f->nrects; ++r)
                if (f->r[r].x < 0 || f->r[r].y < 0 ||
                    (int64_t)f->r[r].x + f->r[r].w > c->win_w ||
                    (int64_t)f->r[r].y + f->r[r].h > c->win_h)
                    abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_file(data, size, ".xml");
    rmn_cascade *c = NULL;
    rmn_error_clear();
    if (rmn_cascade_load(path, &c) != RMN_OK) {
        if (c || !rmn_error_message()[0])
            abort();
        return 0;
    }
    check(c);
    rmn_cascade_free(c);
    return 0;
}
