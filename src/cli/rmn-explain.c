/* rmn-explain.c -- what a trained model looks at: Grad-CAM or Grad-CAM++ maps and, for the
 * Residual Masking Network, its four mask maps, over faces from photos or FER2013 images,
 * written as PNG figures; per-class averages over a whole split. Thin: the work is in
 * src/explain (cam.h, figure.h) and the engine's nn/net.h. docs/EXPLAIN.md. */
#include "core/args.h"
#include "cli/convention.h"
#include "core/error.h"
#include "core/progress.h"
#include "core/threads.h"
#include "data/fer2013.h"
#include "detect/model.h"
#include "detect/paths.h"
#include "explain/figure.h"
#include "explain/render.h"
#include "report/gnuplot.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static const char USAGE[] =
    "Usage: rmn-explain [OPTION]... CHECKPOINT [PHOTO...] -o DIR\n"
    "  or:  rmn-explain [OPTION]... CHECKPOINT --data FILE [--split S] --index I,J,... -o DIR\n"
    "  or:  rmn-explain [OPTION]... CHECKPOINT --data FILE [--split S] --average -o DIR\n"
    "  or:  rmn-explain CHECKPOINT --list-layers\n"
    "Show what a trained model looks at: Grad-CAM maps and mask maps.\n"
    "Grad-CAM of a model's class score over faces, and the Residual Masking Network's masks;\n"
    "one PNG per input (DIR/NAME.png, DIR/SPLIT-INDEX.png, DIR/SPLIT-mean-CLASS.png).\n"
    "\n"
    "  -o DIR              output directory (created if needed)\n"
    "  --layer NAME        the layer explained (default: the last convolutional stage;\n"
    "                      names from --list-layers)\n"
    "  --list-layers       print every layer (value) of the net: name, channels, height, width\n"
    "  --class K           class explained, a number or a label (default: the predicted one;\n"
    "                      with --average: each image's own label)\n"
    "  --method M          gradcam (default) or gradcam++\n"
    "  --masks             add the four mask maps (Residual Masking Network models)\n"
    "  --data FILE         FER2013 data (csv, .xz, .gz, Kaggle tar.gz)\n"
    "  --split S           train, val or test (default test)\n"
    "  --index LIST        comma-separated image indices of the split\n"
    "  --average           the maps averaged per class over the whole split\n"
    "  --detect            photos: explain the largest face the face detector finds (default:\n"
    "                      the photo's centred square is the face)\n"
    "  --cascade FILE      face detector cascade (as rmn-detect)\n"
    "  --pdf               also DIR/NAME.pdf of each figure (gnuplot's pdfcairo; DIR/NAME.gp)\n"
    "  -q, --quiet         no progress display\n"
    "  -h, --help          display this help and exit\n"
    "  --version           display the version, commit and build options and exit\n"
    "\n"
    "Exit status: 0 success, 1 error, 2 usage.\n";

typedef struct {
    const char *ckpt, *out, *layer, *cls, *data, *index, *cascade;
    int split, method, masks, average, detect, list, quiet, pdf;
} options;

static rmn_cli cli;

#define usage_error(...) rmn_cli_usage_error(&cli, __VA_ARGS__)

static int fail(void) { return rmn_cli_fail(&cli); }

/* DIR/name.png, and with --pdf DIR/name.pdf */
static int save(const options *o, const rmn_image *img, const char *name, char *path,
                size_t cap) {
    snprintf(path, cap, "%s/%s.png", o->out, name);
    RMN_TRY(rmn_image_save(path, img));
    return o->pdf ? rmn_gnuplot_png_to_pdf(o->out, name, img->w, img->h) : RMN_OK;
}

/* out = name with every character but letters, digits, '.', '_', '-' made '_' */
static void safe_name(char *out, size_t cap, const char *name) {
    snprintf(out, cap, "%s", name);
    for (char *c = out; *c; ++c)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '.' || *c == '_' || *c == '-'))
            *c = '_';
}

typedef struct {
    rmn_detect_model *model;
    rmn_net *net;
    int size, channels, layer, cls;
    const char *labels[RMN_EXPLAIN_MAX_CLASSES];
    float *x;
} ctx;

/* Explains one face and writes DIR/name.png; prints a line. */
static int explain_one(const options *o, ctx *c, const uint8_t *face, const char *name,
                       const char *title) {
    rmn_explain_input(face, c->size, c->channels, c->x);
    rmn_explanation e;
    RMN_TRY(rmn_explain(c->net, c->x, c->layer, c->cls, o->method, o->masks, &e));
    rmn_image img = {0};
    char path[PATH_MAX];
    const char *lname = rmn_net_value_name(c->net, e.layer);
    int rc = rmn_explain_draw(&img, face, &e, c->labels, rmn_detect_model_arch(c->model), lname,
                              o->method, title);
    if (rc == RMN_OK)
        rc = save(o, &img, name, path, sizeof path);
    if (rc == RMN_OK)
        printf("%s: predicted %s (%.3f), explained %s at %s (%dx%d) -> %s\n", title,
               c->labels[e.pred], e.probs[e.pred], c->labels[e.cls], lname, e.h, e.w, path);
    rmn_image_free(&img);
    rmn_explanation_free(&e);
    return rc;
}

/* Per class k of the split: mean face, mean Grad-CAM (of class k, unless --class), mean masks. */
static int average(const options *o, ctx *c, const rmn_split_data *sp) {
    const int s = c->size, K = rmn_net_num_classes(c->net);
    const size_t plane = (size_t)s * s;
    uint8_t *face = malloc(plane);
    double *acc = calloc((size_t)K * (2 + RMN_EXPLAIN_MAX_MASKS) * plane, sizeof *acc);
    int *count = calloc((size_t)K, sizeof *count), rc = RMN_OK, n_masks = 0, lh = 0, lw = 0;
    if (!face || !acc || !count)
        rc = RMN_ERROR(RMN_ENOMEM, "out of memory");
    rmn_progress prog;
    if (!o->quiet)
        rmn_progress_begin(&prog, stderr, "explain", sp->n);
    for (int i = 0; rc == RMN_OK && i < sp->n; ++i) {
        const int k = sp->labels[i];
        if (k >= K)
            continue;
        rmn_image_resize_u8(sp->pixels + (size_t)i * RMN_FER_PIXELS, RMN_FER_SIDE, RMN_FER_SIDE,
                            RMN_FER_SIDE, face, s, s);
        rmn_explain_input(face, s, c->channels, c->x);
        rmn_explanation e;
        rc = rmn_explain(c->net, c->x, c->layer, c->cls >= 0 ? c->cls : k, o->method, o->masks,
                         &e);
        if (rc != RMN_OK)
            break;
        double *a = acc + (size_t)k * (2 + RMN_EXPLAIN_MAX_MASKS) * plane;
        for (size_t p = 0; p < plane; ++p) {
            a[p] += face[p];
            a[plane + p] += e.cam_up[p];
            for (int m = 0; m < e.n_masks; ++m)
                a[(2 + m) * plane + p] += e.mask_up[m][p];
        }
        n_masks = e.n_masks;
        lh = e.h;
        lw = e.w;
        ++count[k];
        rmn_explanation_free(&e);
        if (!o->quiet)
            rmn_progress_update(&prog, i + 1, NULL);
    }
    if (!o->quiet)
        rmn_progress_end(&prog, NULL);
    float *maps = malloc((1 + RMN_EXPLAIN_MAX_MASKS) * plane * sizeof *maps);
    if (rc == RMN_OK && !maps)
        rc = RMN_ERROR(RMN_ENOMEM, "out of memory");
    for (int k = 0; rc == RMN_OK && k < K; ++k) {
        if (!count[k])
            continue;
        const double *a = acc + (size_t)k * (2 + RMN_EXPLAIN_MAX_MASKS) * plane;
        for (size_t p = 0; p < plane; ++p) {
            face[p] = (uint8_t)(a[p] / count[k] + 0.5);
            for (int m = 0; m < 1 + n_masks; ++m)
                maps[m * plane + p] = (float)(a[(1 + m) * plane + p] / count[k]);
        }
        rmn_figure_map fm[1 + RMN_EXPLAIN_MAX_MASKS];
        char titles[1 + RMN_EXPLAIN_MAX_MASKS][64], caption[256], ftitle[64], path[PATH_MAX],
            name[128];
        snprintf(titles[0], sizeof titles[0], "mean %s: %s",
                 o->method == RMN_CAM_GRADCAM_PP ? "Grad-CAM++" : "Grad-CAM",
                 c->labels[c->cls >= 0 ? c->cls : k]);
        fm[0] = (rmn_figure_map){maps, titles[0], 0};
        for (int m = 0; m < n_masks; ++m) {
            snprintf(titles[m + 1], sizeof titles[m + 1], "mean mask%d", m + 1);
            fm[m + 1] = (rmn_figure_map){maps + (1 + m) * plane, titles[m + 1], 1};
        }
        snprintf(ftitle, sizeof ftitle, "mean face: %s", c->labels[k]);
        snprintf(caption, sizeof caption, "%s  %s split, %d %s images  layer %s (%dx%d)",
                 rmn_detect_model_arch(c->model), rmn_split_name(o->split), count[k],
                 c->labels[k], rmn_net_value_name(c->net, c->layer), lh, lw);
        rmn_image img = {0};
        snprintf(path, sizeof path, "%s-mean-%s", rmn_split_name(o->split), c->labels[k]);
        safe_name(name, sizeof name, path);
        rc = rmn_explain_figure(&img, face, s, fm, 1 + n_masks, ftitle, caption);
        if (rc == RMN_OK)
            rc = save(o, &img, name, path, sizeof path);
        if (rc == RMN_OK)
            printf("%s: %d images -> %s\n", c->labels[k], count[k], path);
        rmn_image_free(&img);
    }
    free(maps);
    free(face);
    free(acc);
    free(count);
    return rc;
}

static int run_split(const options *o, ctx *c) {
    rmn_dataset ds;
    RMN_TRY(rmn_dataset_load(o->data, &ds));
    const rmn_split_data *sp = &ds.split[o->split];
    int rc = RMN_OK;
    if (sp->side != RMN_FER_SIDE || sp->channels != 1) /* the faces explained are FER2013's */
        rc = RMN_ERROR(RMN_EINVAL, "%s: --data explains FER2013's 48x48 gray faces, not %s images", o->data,
                       ds.name);
    if (rc == RMN_OK && o->average) {
        rc = average(o, c, sp);
    } else {
        uint8_t *face = malloc((size_t)c->size * c->size);
        if (!face)
            rc = RMN_ERROR(RMN_ENOMEM, "out of memory");
        const char *p = o->index;
        while (rc == RMN_OK && p && *p) {
            const char *comma = strchr(p, ',');
            char tok[32];
            snprintf(tok, sizeof tok, "%.*s", comma ? (int)(comma - p) : (int)strlen(p), p);
            long idx;
            if (!rmn_parse_long(tok, 0, (long)sp->n - 1, &idx)) {
                rc = RMN_ERROR(RMN_EINVAL, "%s: --index %s: not an image of the %s split "
                               "(0..%d)", o->data, tok, rmn_split_name(o->split), sp->n - 1);
                break;
            }
            rmn_image_resize_u8(sp->pixels + (size_t)idx * RMN_FER_PIXELS, RMN_FER_SIDE,
                                RMN_FER_SIDE, RMN_FER_SIDE, face, c->size, c->size);
            char name[64], title[64];
            snprintf(name, sizeof name, "%s-%ld", rmn_split_name(o->split), idx);
            snprintf(title, sizeof title, "%s %ld: %s", rmn_split_name(o->split), idx,
                     rmn_class_name(sp->labels[idx]));
            rc = explain_one(o, c, face, name, title);
            p = comma ? comma + 1 : NULL;
        }
        free(face);
    }
    rmn_dataset_free(&ds);
    return rc;
}

static int run_photo(const options *o, ctx *c, const rmn_cascade *cascade, const char *path) {
    rmn_image img = {0};
    RMN_TRY(rmn_image_load(path, &img));
    uint8_t *face = malloc((size_t)c->size * c->size);
    rmn_detect_params p;
    rmn_detect_params_default(&p);
    int rc = face ? rmn_explain_face(&img, cascade, &p, c->size, face)
                  : RMN_ERROR(RMN_ENOMEM, "out of memory");
    if (rc != RMN_OK)
        rc = rmn_error_naming(rc, path);
    char name[256];
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    safe_name(name, sizeof name, base);
    char *dot = strrchr(name, '.');
    if (dot && dot != name)
        *dot = 0;
    if (rc == RMN_OK)
        rc = explain_one(o, c, face, name, base);
    free(face);
    rmn_image_free(&img);
    return rc;
}

static void list_layers(rmn_net *net) {
    const int def = rmn_net_value_last_spatial(net);
    for (int v = 0; v < rmn_net_value_count(net); ++v) {
        int ch, h, w;
        rmn_net_value_shape(net, v, &ch, &h, &w);
        printf("%-40s %5d %4d %4d%s\n", rmn_net_value_name(net, v), ch, h, w,
               v == def ? "  (default)" : "");
    }
}

int main(int argc, char **argv) {
    rmn_threads_passive_wait(argv);
    enum { O_LAYER = 256, O_LIST, O_CLASS, O_METHOD, O_MASKS, O_DATA, O_SPLIT, O_INDEX, O_AVG,
           O_DETECT, O_CASCADE, O_PDF };
    static const struct option opts[] = {
        {"layer", required_argument, NULL, O_LAYER},
        {"list-layers", no_argument, NULL, O_LIST},
        {"class", required_argument, NULL, O_CLASS},
        {"method", required_argument, NULL, O_METHOD},
        {"masks", no_argument, NULL, O_MASKS},
        {"data", required_argument, NULL, O_DATA},
        {"split", required_argument, NULL, O_SPLIT},
        {"index", required_argument, NULL, O_INDEX},
        {"average", no_argument, NULL, O_AVG},
        {"detect", no_argument, NULL, O_DETECT},
        {"cascade", required_argument, NULL, O_CASCADE},
        {"pdf", no_argument, NULL, O_PDF},
        {"quiet", no_argument, NULL, 'q'},
        {NULL, 0, NULL, 0}};
    rmn_cli_init(&cli, "rmn-explain", USAGE);
    options o = {.split = RMN_SPLIT_TEST};
    int c;
    while ((c = rmn_cli_getopt(&cli, argc, argv, "o:q", opts)) != -1) {
        switch (c) {
        case 'o': o.out = optarg; break;
        case 'q': o.quiet = 1; break;
        case O_LAYER: o.layer = optarg; break;
        case O_LIST: o.list = 1; break;
        case O_CLASS: o.cls = optarg; break;
        case O_METHOD:
            if (strcmp(optarg, "gradcam") == 0)
                o.method = RMN_CAM_GRADCAM;
            else if (strcmp(optarg, "gradcam++") == 0)
                o.method = RMN_CAM_GRADCAM_PP;
            else
                return usage_error("--method must be gradcam or gradcam++, not '%s'", optarg);
            break;
        case O_MASKS: o.masks = 1; break;
        case O_PDF: o.pdf = 1; break;
        case O_DATA: o.data = optarg; break;
        case O_SPLIT:
            o.split = -1;
            for (int s = 0; s < RMN_SPLIT_COUNT; ++s)
                if (strcmp(optarg, rmn_split_name(s)) == 0)
                    o.split = s;
            if (o.split < 0)
                return usage_error("--split must be train, val or test, not '%s'", optarg);
            break;
        case O_INDEX: o.index = optarg; break;
        case O_AVG: o.average = 1; break;
        case O_DETECT: o.detect = 1; break;
        case O_CASCADE: o.cascade = optarg; break;
        default: return cli.status; /* help, version or a usage error, said */
        }
    }
    if (optind >= argc)
        return usage_error("%s", "no CHECKPOINT given");
    o.ckpt = argv[optind++];
    const int nphotos = argc - optind;
    char **photos = argv + optind;
    if (!o.list) {
        if (!o.out)
            return usage_error("%s", "no output directory (-o DIR)");
        if (o.data && !o.index && !o.average)
            return usage_error("%s", "--data needs --index LIST or --average");
        if ((o.index || o.average) && !o.data)
            return usage_error("%s", "--index and --average need --data FILE");
        if (o.index && o.average)
            return usage_error("%s", "--index and --average exclude each other");
        if (o.index && !*o.index)
            return usage_error("%s", "--index needs a comma-separated list of indices");
        for (const char *p = o.index; p && *p; ++p)
            if (!(*p == ',' || (*p >= '0' && *p <= '9')) || (*p == ',' && (p[1] == ',' || !p[1])))
                return usage_error("--index must be comma-separated non-negative integers, "
                                   "not '%s'", o.index);
        if (!o.data && nphotos == 0)
            return usage_error("%s", "nothing to explain: give PHOTO files or --data");
    }

    ctx cx = {0};
    if (rmn_detect_model_load(o.ckpt, &cx.model) != RMN_OK)
        return fail();
    cx.net = rmn_detect_model_net(cx.model);
    int status = 0;
    if (o.list) {
        list_layers(cx.net);
        rmn_detect_model_free(cx.model);
        return 0;
    }
    int ih, iw;
    rmn_net_input_shape(cx.net, &cx.channels, &ih, &iw);
    cx.size = ih;
    const int K = rmn_net_num_classes(cx.net);
    for (int k = 0; k < K && k < RMN_EXPLAIN_MAX_CLASSES; ++k)
        cx.labels[k] = rmn_detect_model_label(cx.model, k);
    cx.layer = -1;
    cx.cls = -1;
    if (o.layer && rmn_net_value_find(cx.net, o.layer, &cx.layer) != RMN_OK)
        status = usage_error("--layer: %s", rmn_error_message());
    if (!o.layer)
        cx.layer = rmn_net_value_last_spatial(cx.net); /* -1 (none): rmn_explain says so */
    if (!status && o.cls && !rmn_parse_int(o.cls, 0, K - 1, &cx.cls)) {
        for (int k = 0; k < K; ++k)
            if (strcasecmp(o.cls, cx.labels[k]) == 0)
                cx.cls = k;
        if (cx.cls < 0)
            status = usage_error("--class must be 0..%d or a label (%s, ...), not '%s'", K - 1,
                                 cx.labels[0], o.cls);
    }
    if (!status && o.masks && rmn_explain_mask_count(cx.net) == 0)
        status = usage_error("--masks: %s has no masks (a resmasking model has)",
                             rmn_detect_model_arch(cx.model));
    if (status) {
        rmn_detect_model_free(cx.model);
        return status;
    }
    struct stat st;
    if (stat(o.out, &st) != 0 && mkdir(o.out, 0777) != 0) {
        fprintf(stderr, "rmn-explain: error: %s: cannot create directory: %s\n", o.out,
                strerror(errno));
        rmn_detect_model_free(cx.model);
        return 1;
    }
    cx.x = malloc((size_t)cx.channels * cx.size * cx.size * sizeof *cx.x);
    rmn_cascade *cascade = NULL;
    char cbuf[PATH_MAX];
    if (!cx.x)
        status = (RMN_ERROR(RMN_ENOMEM, "out of memory"), fail());
    if (!status && o.detect && nphotos > 0 &&
        rmn_cascade_load(rmn_detect_cascade_path(o.cascade ? o.cascade
                                                           : rmn_detect_cascade_default(),
                                                 cbuf, sizeof cbuf),
                         &cascade) != RMN_OK)
        status = fail();
    for (int i = 0; !status && i < nphotos; ++i)
        if (run_photo(&o, &cx, cascade, photos[i]) != RMN_OK)
            status = fail();
    if (!status && o.data && run_split(&o, &cx) != RMN_OK)
        status = fail();
    if (fflush(stdout) != 0) {
        fprintf(stderr, "rmn-explain: error: cannot write the output: %s\n", strerror(errno));
        status = 1;
    }
    rmn_cascade_free(cascade);
    free(cx.x);
    rmn_detect_model_free(cx.model);
    return status;
}
