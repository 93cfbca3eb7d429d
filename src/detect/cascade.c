/* cascade.c -- reading OpenCV cascade XML files with libxml2 (see cascade.h). */
#include "detect/cascade.h"

#include "core/error.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#define THRESHOLD_EPS 1e-5f

typedef struct {
    const char *path;
    rmn_cascade *c;
    int cap_stages, cap_trees, cap_nodes, cap_leaves, cap_subsets;
    double *nums;
    int cap_nums;
} loader;

static int grow(void **p, int *cap, int need, size_t elsz) {
    if (need <= *cap)
        return RMN_OK;
    int ncap = *cap ? *cap : 64;
    while (ncap < need)
        ncap *= 2;
    void *q = realloc(*p, (size_t)ncap * elsz);
    if (!q)
        return RMN_ERROR(RMN_ENOMEM, "out of memory reading a cascade");
    *p = q;
    *cap = ncap;
    return RMN_OK;
}

static int is_elem(const xmlNode *n, const char *name) {
    return n && n->type == XML_ELEMENT_NODE && (!name || xmlStrcmp(n->name, BAD_CAST name) == 0);
}

static xmlNode *child(const xmlNode *n, const char *name) {
    for (xmlNode *k = n ? n->children : NULL; k; k = k->next)
        if (is_elem(k, name))
            return k;
    return NULL;
}

static int count_items(const xmlNode *list) {
    int n = 0;
    for (xmlNode *k = list->children; k; k = k->next)
        n += is_elem(k, NULL);
    return n;
}

#define FAIL_AT(L, node, ...)                                                                 \
    (rmn_error_set(RMN_EFORMAT, __FILE__, __LINE__, __VA_ARGS__),                             \
     rmn_error_prefix("%s:%ld", (L)->path, (node) ? (long)xmlGetLineNo(node) : 0L))

/* Parses the whitespace-separated numbers of node's text into L->nums; *n their count. */
static int numbers(loader *L, const xmlNode *node, const char *what, int *n) {
    xmlChar *text = xmlNodeGetContent(node);
    if (!text)
        return RMN_ERROR(RMN_ENOMEM, "out of memory reading a cascade");
    int count = 0, rc = RMN_OK;
    const char *p = (const char *)text;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            ++p;
        if (!*p)
            break;
        char *end;
        errno = 0;
        double v = strtod(p, &end);
        if (end == p || errno == ERANGE || !isfinite(v) ||
            (*end && *end != ' ' && *end != '\t' && *end != '\n' && *end != '\r')) {
            rc = FAIL_AT(L, node, "<%s>: not a number: '%.20s'", what, p);
            break;
        }
        if ((rc = grow((void **)&L->nums, &L->cap_nums, count + 1, sizeof *L->nums)) != RMN_OK)
            break;
        L->nums[count++] = v;
        p = end;
    }
    xmlFree(text);
    *n = count;
    return rc;
}

static int is_integer(double v) {
    return v == floor(v) && fabs(v) < 2147483648.0;
}

/* An integer child element <name> of parent. */
static int int_child(loader *L, const xmlNode *parent, const char *name, int *out) {
    const xmlNode *k = child(parent, name);
    if (!k)
        return FAIL_AT(L, parent, "<%s> is missing in <%s>", name, (const char *)parent->name);
    int n;
    RMN_TRY(numbers(L, k, name, &n));
    if (n != 1 || !is_integer(L->nums[0]))
        return FAIL_AT(L, k, "<%s> must hold one integer", name);
    *out = (int)L->nums[0];
    return RMN_OK;
}

static int text_is(const xmlNode *n, const char *s) {
    xmlChar *t = xmlNodeGetContent(n);
    if (!t)
        return 0;
    const char *p = (const char *)t;
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
        ++p;
    size_t len = strlen(s);
    int ok = strncmp(p, s, len) == 0;
    if (ok)
        for (p += len; *p; ++p)
            if (*p != ' ' && *p != '\n' && *p != '\t' && *p != '\r')
                ok = 0;
    xmlFree(t);
    return ok;
}

// --- stages --------------------------------------------------------------------------------

static int read_tree(loader *L, const xmlNode *weak) {
    rmn_cascade *c = L->c;
    const xmlNode *in = child(weak, "internalNodes"), *lv = child(weak, "leafValues");
    if (!in || !lv)
        return FAIL_AT(L, weak, "weak classifier without <internalNodes> or <leafValues>");
    int step = 3 + (c->ncategories > 0 ? c->subset_size : 1);
    int n;
    RMN_TRY(numbers(L, in, "internalNodes", &n));
    if (n == 0 || n % step != 0)
        return FAIL_AT(L, in, "<internalNodes> holds %d numbers, not a multiple of %d", n, step);
    int nnodes = n / step;
    RMN_TRY(grow((void **)&c->trees, &L->cap_trees, c->ntrees + 1, sizeof *c->trees));
    RMN_TRY(grow((void **)&c->nodes, &L->cap_nodes, c->nnodes + nnodes, sizeof *c->nodes));
    if (c->subset_size > 0)
        RMN_TRY(grow((void **)&c->subsets, &L->cap_subsets, (c->nnodes + nnodes) * c->subset_size,
                     sizeof *c->subsets));
    rmn_cascade_tree *t = &c->trees[c->ntrees];
    t->first_node = c->nnodes;
    t->nnodes = nnodes;
    t->first_leaf = c->nleaves;
    for (int i = 0; i < nnodes; ++i) {
        const double *v = L->nums + (size_t)i * step;
        rmn_cascade_node *nd = &c->nodes[c->nnodes + i];
        if (!is_integer(v[0]) || !is_integer(v[1]) || !is_integer(v[2]))
            return FAIL_AT(L, in, "node %d: left, right and feature index must be integers", i);
        nd->left = (int)v[0];
        nd->right = (int)v[1];
        nd->feature = (int)v[2];
        if (nd->left >= nnodes || nd->right >= nnodes || -nd->left > nnodes || -nd->right > nnodes)
            return FAIL_AT(L, in, "node %d: child index out of range for a tree of %d nodes", i,
                           nnodes);
        if (nd->feature < 0)
            return FAIL_AT(L, in, "node %d: negative feature index %d", i, nd->feature);
        if (c->subset_size > 0) {
            nd->threshold = 0.f;
            for (int j = 0; j < c->subset_size; ++j) {
                double s = v[3 + j];
                if (!is_integer(s))
                    return FAIL_AT(L, in, "node %d: category subset word is not an integer", i);
                c->subsets[(size_t)(c->nnodes + i) * c->subset_size + j] = (int32_t)s;
            }
        } else {
            nd->threshold = (float)v[3];
        }
    }
    RMN_TRY(numbers(L, lv, "leafValues", &n));
    if (n != nnodes + 1)
        return FAIL_AT(L, lv, "<leafValues> holds %d values, expected %d", n, nnodes + 1);
    RMN_TRY(grow((void **)&c->leaves, &L->cap_leaves, c->nleaves + n, sizeof *c->leaves));
    for (int i = 0; i < n; ++i)
        c->leaves[c->nleaves + i] = (float)L->nums[i];
    c->nleaves += n;
    c->nnodes += nnodes;
    c->ntrees++;
    if (nnodes > c->max_nodes_per_tree)
        c->max_nodes_per_tree = nnodes;
    return RMN_OK;
}

static int read_stages(loader *L, const xmlNode *root) {
    rmn_cascade *c = L->c;
    const xmlNode *stages = child(root, "stages");
    if (!stages)
        return FAIL_AT(L, root, "<stages> is missing");
    int nstages = count_items(stages), declared;
    if (nstages == 0)
        return FAIL_AT(L, stages, "<stages> is empty");
    if (child(root, "stageNum")) {
        RMN_TRY(int_child(L, root, "stageNum", &declared));
        if (declared != nstages)
            return FAIL_AT(L, stages, "<stageNum> says %d stages, <stages> holds %d", declared,
                           nstages);
    }
    c->stages = calloc((size_t)nstages, sizeof *c->stages);
    if (!c->stages)
        return RMN_ERROR(RMN_ENOMEM, "out of memory reading a cascade");
    for (const xmlNode *s = stages->children; s; s = s->next) {
        if (!is_elem(s, NULL))
            continue;
        rmn_cascade_stage *st = &c->stages[c->nstages];
        const xmlNode *th = child(s, "stageThreshold"), *weaks = child(s, "weakClassifiers");
        if (!th || !weaks)
            return FAIL_AT(L, s, "stage %d: <stageThreshold> or <weakClassifiers> is missing",
                           c->nstages);
        int n;
        RMN_TRY(numbers(L, th, "stageThreshold", &n));
        if (n != 1)
            return FAIL_AT(L, th, "stage %d: <stageThreshold> must hold one number", c->nstages);
        st->threshold = (float)L->nums[0] - THRESHOLD_EPS;
        st->first_tree = c->ntrees;
        for (const xmlNode *w = weaks->children; w; w = w->next)
            if (is_elem(w, NULL))
                RMN_TRY(read_tree(L, w));
        st->ntrees = c->ntrees - st->first_tree;
        if (st->ntrees == 0)
            return FAIL_AT(L, weaks, "stage %d has no weak classifiers", c->nstages);
        if (child(s, "maxWeakCount")) {
            RMN_TRY(int_child(L, s, "maxWeakCount", &declared));
            if (declared != st->ntrees)
                return FAIL_AT(L, weaks, "stage %d: <maxWeakCount> says %d, it holds %d",
                               c->nstages, declared, st->ntrees);
        }
        c->nstages++;
    }
    return RMN_OK;
}

// --- features ------------------------------------------------------------------------------

static int read_haar_feature(loader *L, const xmlNode *f, rmn_haar_feature *hf) {
    const rmn_cascade *c = L->c;
    const xmlNode *rects = child(f, "rects");
    if (!rects)
        return FAIL_AT(L, f, "HAAR feature without <rects>");
    memset(hf, 0, sizeof *hf);
    const xmlNode *tilted = child(f, "tilted");
    if (tilted) {
        int n;
        RMN_TRY(numbers(L, tilted, "tilted", &n));
        if (n != 1)
            return FAIL_AT(L, tilted, "<tilted> must hold 0 or 1");
        hf->tilted = L->nums[0] != 0;
    }
    for (const xmlNode *r = rects->children; r; r = r->next) {
        if (!is_elem(r, NULL))
            continue;
        if (hf->nrects == 3)
            return FAIL_AT(L, r, "HAAR feature with more than 3 rectangles");
        int n;
        RMN_TRY(numbers(L, r, "rects", &n));
        if (n != 5 || !is_integer(L->nums[0]) || !is_integer(L->nums[1]) ||
            !is_integer(L->nums[2]) || !is_integer(L->nums[3]))
            return FAIL_AT(L, r, "a HAAR rectangle is 'x y w h weight' with integer x y w h");
        /* Checked in 64 bits: each is below 2^31 in magnitude, so sums of three cannot wrap. */
        long long x = (long long)L->nums[0], y = (long long)L->nums[1],
                  w = (long long)L->nums[2], h = (long long)L->nums[3];
        int inside = hf->tilted
                         ? (x - h >= 0 && x + w <= c->win_w && y >= 0 && y + w + h <= c->win_h &&
                            w >= 0 && h >= 0)
                         : (x >= 0 && y >= 0 && w >= 0 && h >= 0 && x + w <= c->win_w &&
                            y + h <= c->win_h);
        if (!inside)
            return FAIL_AT(L, r, "%srectangle %lld %lld %lld %lld lies outside the %dx%d window",
                           hf->tilted ? "tilted " : "", x, y, w, h, c->win_w, c->win_h);
        hf->r[hf->nrects].x = (int)x; /* inside the window: each fits an int */
        hf->r[hf->nrects].y = (int)y;
        hf->r[hf->nrects].w = (int)w;
        hf->r[hf->nrects].h = (int)h;
        hf->r[hf->nrects].weight = (float)L->nums[4];
        hf->nrects++;
    }
    if (hf->nrects < 1)
        return FAIL_AT(L, rects, "HAAR feature without rectangles");
    return RMN_OK;
}

static int read_lbp_feature(loader *L, const xmlNode *f, rmn_lbp_feature *lf) {
    const rmn_cascade *c = L->c;
    const xmlNode *rect = child(f, "rect");
    if (!rect)
        return FAIL_AT(L, f, "LBP feature without <rect>");
    int n;
    RMN_TRY(numbers(L, rect, "rect", &n));
    if (n != 4 || !is_integer(L->nums[0]) || !is_integer(L->nums[1]) || !is_integer(L->nums[2]) ||
        !is_integer(L->nums[3]))
        return FAIL_AT(L, rect, "an LBP <rect> is 'x y w h' (integers)");
    /* Checked in 64 bits: each is below 2^31 in magnitude, so x + 3w cannot wrap. */
    long long x = (long long)L->nums[0], y = (long long)L->nums[1], w = (long long)L->nums[2],
              h = (long long)L->nums[3];
    if (x < 0 || y < 0 || w < 1 || h < 1 || x + 3 * w > c->win_w || y + 3 * h > c->win_h)
        return FAIL_AT(L, rect,
                       "LBP block %lld %lld %lld %lld: its 3x3 grid lies outside the %dx%d window",
                       x, y, w, h, c->win_w, c->win_h);
    lf->x = (int)x; /* inside the window: each fits an int */
    lf->y = (int)y;
    lf->w = (int)w;
    lf->h = (int)h;
    return RMN_OK;
}

static int read_features(loader *L, const xmlNode *root) {
    rmn_cascade *c = L->c;
    const xmlNode *features = child(root, "features");
    if (!features)
        return FAIL_AT(L, root, "<features> is missing");
    int n = count_items(features);
    if (n == 0)
        return FAIL_AT(L, features, "<features> is empty");
    if (c->type == RMN_CASCADE_HAAR)
        c->haar = calloc((size_t)n, sizeof *c->haar);
    else
        c->lbp = calloc((size_t)n, sizeof *c->lbp);
    if (!c->haar && !c->lbp)
        return RMN_ERROR(RMN_ENOMEM, "out of memory reading a cascade");
    for (const xmlNode *f = features->children; f; f = f->next) {
        if (!is_elem(f, NULL))
            continue;
        if (c->type == RMN_CASCADE_HAAR) {
            RMN_TRY(read_haar_feature(L, f, &c->haar[c->nfeatures]));
            c->has_tilted |= c->haar[c->nfeatures].tilted;
        } else {
            RMN_TRY(read_lbp_feature(L, f, &c->lbp[c->nfeatures]));
        }
        c->nfeatures++;
    }
    for (int i = 0; i < c->nnodes; ++i)
        if (c->nodes[i].feature >= c->nfeatures)
            return FAIL_AT(L, features, "a node uses feature %d, the file defines %d features",
                           c->nodes[i].feature, c->nfeatures);
    return RMN_OK;
}

// --- the file --------------------------------------------------------------------------------

static int read_cascade(loader *L, const xmlNode *root) {
    rmn_cascade *c = L->c;
    xmlChar *type_id = xmlGetProp(root, BAD_CAST "type_id");
    int old = type_id && xmlStrcmp(type_id, BAD_CAST "opencv-haar-classifier") == 0;
    xmlFree(type_id);
    if (old)
        return FAIL_AT(L, root,
                       "old-format Haar cascade (type_id opencv-haar-classifier) is not supported; "
                       "use a cascade in the opencv_traincascade format");
    const xmlNode *st = child(root, "stageType"), *ft = child(root, "featureType");
    if (!st || !ft)
        return FAIL_AT(L, root, "<%s> is not a cascade: <stageType> or <featureType> is missing",
                       (const char *)root->name);
    if (!text_is(st, "BOOST"))
        return FAIL_AT(L, st, "<stageType>: only BOOST cascades are supported");
    if (text_is(ft, "HAAR"))
        c->type = RMN_CASCADE_HAAR;
    else if (text_is(ft, "LBP"))
        c->type = RMN_CASCADE_LBP;
    else
        return FAIL_AT(L, ft, "<featureType>: only HAAR and LBP are supported");
    RMN_TRY(int_child(L, root, "width", &c->win_w));
    RMN_TRY(int_child(L, root, "height", &c->win_h));
    if (c->win_w < 3 || c->win_h < 3 || c->win_w > 1024 || c->win_h > 1024)
        return FAIL_AT(L, root, "window size %dx%d is out of range", c->win_w, c->win_h);
    const xmlNode *sp = child(root, "stageParams");
    if (sp && child(sp, "maxDepth"))
        RMN_TRY(int_child(L, sp, "maxDepth", &c->max_depth));
    const xmlNode *fp = child(root, "featureParams");
    if (!fp)
        return FAIL_AT(L, root, "<featureParams> is missing");
    RMN_TRY(int_child(L, fp, "maxCatCount", &c->ncategories));
    if (c->type == RMN_CASCADE_HAAR && c->ncategories != 0)
        return FAIL_AT(L, fp, "a HAAR cascade must have maxCatCount 0");
    if (c->type == RMN_CASCADE_LBP && c->ncategories != 256)
        return FAIL_AT(L, fp, "an LBP cascade must have maxCatCount 256");
    c->subset_size = (c->ncategories + 31) / 32;
    RMN_TRY(read_stages(L, root));
    return read_features(L, root);
}

typedef struct {
    int  line;
    char msg[256];
} xml_first_error;

static void on_xml_error(void *ctx, xmlErrorPtr e) {
    xml_first_error *first = ctx;
    if (!e || e->level < XML_ERR_ERROR || first->msg[0])
        return;
    first->line = e->line;
    snprintf(first->msg, sizeof first->msg, "%s", e->message ? e->message : "XML error");
}

int rmn_cascade_load(const char *path, rmn_cascade **out) {
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return RMN_ERROR(RMN_EIO, "%s: cannot open cascade: %s", path, strerror(errno));
    fclose(f);
    LIBXML_TEST_VERSION
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt)
        return RMN_ERROR(RMN_ENOMEM, "cannot create an XML parser");
    /* the first error (libxml2 reports follow-on errors after it), not printed to stderr */
    xml_first_error first = {0, ""};
    xmlSetStructuredErrorFunc(&first, on_xml_error);
    xmlDocPtr doc = xmlCtxtReadFile(ctxt, path, NULL, XML_PARSE_NONET);
    xmlSetStructuredErrorFunc(NULL, NULL);
    if (!doc || first.msg[0]) {
        if (!first.msg[0]) {
            const xmlError *e = xmlCtxtGetLastError(ctxt);
            first.line = e ? e->line : 0;
            snprintf(first.msg, sizeof first.msg, "%s", e && e->message ? e->message : "unreadable XML");
        }
        size_t n = strlen(first.msg);
        while (n && (first.msg[n - 1] == '\n' || first.msg[n - 1] == ' '))
            first.msg[--n] = '\0';
        xmlFreeDoc(doc);
        xmlFreeParserCtxt(ctxt);
        return RMN_ERROR(RMN_EFORMAT, "%s:%d: malformed XML: %s", path, first.line, first.msg);
    }
    xmlFreeParserCtxt(ctxt);

    loader L = {.path = path};
    int rc = RMN_OK;
    L.c = calloc(1, sizeof *L.c);
    if (!L.c || !(L.c->path = strdup(path))) {
        rc = RMN_ERROR(RMN_ENOMEM, "out of memory reading a cascade");
        goto done;
    }
    xmlNode *top = xmlDocGetRootElement(doc);
    if (!is_elem(top, "opencv_storage")) {
        rc = FAIL_AT(&L, top, "not an OpenCV cascade (the root element is not <opencv_storage>)");
        goto done;
    }
    xmlNode *root = NULL;
    for (xmlNode *k = top->children; k && !root; k = k->next)
        if (is_elem(k, NULL))
            root = k;
    if (!root) {
        rc = FAIL_AT(&L, top, "<opencv_storage> is empty");
        goto done;
    }
    rc = read_cascade(&L, root);
done:
    free(L.nums);
    xmlFreeDoc(doc);
    if (rc != RMN_OK) {
        rmn_cascade_free(L.c);
        return rc;
    }
    *out = L.c;
    return RMN_OK;
}

void rmn_cascade_free(rmn_cascade *c) {
    if (!c)
        return;
    free(c->path);
    free(c->stages);
    free(c->trees);
    free(c->nodes);
    free(c->leaves);
    free(c->subsets);
    free(c->haar);
    free(c->lbp);
    free(c);
}
