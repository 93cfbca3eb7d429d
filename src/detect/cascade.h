/* cascade.h -- Viola-Jones boosted cascades in OpenCV's XML format (opencv_traincascade's
 * "new" format: <cascade><stageType>BOOST, <featureType>HAAR or LBP, <stages>, <features>),
 * read with libxml2, and their evaluation on one image window.
 *
 * Format: each stage has a stageThreshold and weakClassifiers; each weak classifier is a tree
 * whose <internalNodes> holds, per node, "left right featureIdx threshold" (HAAR) or
 * "left right featureIdx s0 .. s7" (LBP: a 256-bit category subset), and whose <leafValues>
 * holds nodes+1 values. A child index > 0 is a node, <= 0 is leaf -index. Features are
 * <rects> of "x y w h weight" (up to 3, <tilted>1 for 45-degree rectangles) for HAAR, and
 * one <rect> "x y w h" (a 3x3 grid of w x h blocks) for LBP.
 * Semantics follow OpenCV's CascadeClassifier: stage thresholds are lowered by 1e-5; a HAAR
 * feature is its weighted rectangle sums times 1/sqrt(A*sum(I^2) - sum(I)^2) over the window
 * without its 1-pixel border (A its area), and windows with standard deviation <= 10
 * (normalisation factor A/sqrt(..) >= 0.1) or zero variance are rejected outright; a
 * HAAR node goes left when value < threshold; an LBP node goes left when the subset has the
 * bit of the 8-bit LBP code; a stage fails when the leaf sum < its threshold.
 * The old format (type_id "opencv-haar-classifier") is refused with a clear message.
 *
 * Ownership: rmn_cascade_load returns an owned cascade released by rmn_cascade_free. */
#ifndef RMN_DETECT_CASCADE_H
#define RMN_DETECT_CASCADE_H

#include <stdint.h>

enum rmn_cascade_type { RMN_CASCADE_HAAR = 0, RMN_CASCADE_LBP = 1 };

typedef struct {
    int   first_tree, ntrees;
    float threshold; /* as in the file, minus 1e-5 */
} rmn_cascade_stage;

typedef struct {
    int first_node, nnodes, first_leaf;
} rmn_cascade_tree;

typedef struct {
    int   feature, left, right;
    float threshold; /* HAAR only */
} rmn_cascade_node;

typedef struct {
    int tilted, nrects;
    struct {
        int   x, y, w, h;
        float weight;
    } r[3];
} rmn_haar_feature;

typedef struct {
    int x, y, w, h; /* one block; the feature covers 3w x 3h */
} rmn_lbp_feature;

typedef struct rmn_cascade {
    char *path;
    int   type;           /* enum rmn_cascade_type */
    int   win_w, win_h;   /* window size */
    int   max_depth;      /* stageParams/maxDepth as written (informational) */
    int   ncategories;    /* featureParams/maxCatCount: 0 for HAAR, 256 for LBP */
    int   subset_size;    /* int32 words per LBP node: (ncategories + 31) / 32 */
    int   has_tilted;     /* any tilted HAAR feature */
    int   max_nodes_per_tree;
    int   nstages, ntrees, nnodes, nleaves, nfeatures;
    rmn_cascade_stage *stages;
    rmn_cascade_tree  *trees;
    rmn_cascade_node  *nodes;
    float             *leaves;
    int32_t           *subsets;  /* nnodes * subset_size (LBP) */
    rmn_haar_feature  *haar;     /* nfeatures (HAAR) */
    rmn_lbp_feature   *lbp;      /* nfeatures (LBP) */
} rmn_cascade;

/* Reads and validates a cascade: RMN_EIO if unreadable, RMN_EFORMAT (naming file and line)
 * for malformed XML, a missing element, a bad number, an index out of range or a feature
 * outside the window. */
int  rmn_cascade_load(const char *path, rmn_cascade **out);
void rmn_cascade_free(rmn_cascade *c);

#endif
