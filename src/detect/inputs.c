/* inputs.c -- directory walking, whole-image faces and CSV rows for rmn-detect (inputs.h). */
#include "detect/inputs.h"

#include "core/error.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

typedef struct {
    char **v;
    int    n, cap;
} list;

static int push(list *l, const char *s) {
    if (l->n == l->cap) {
        int nc = l->cap ? 2 * l->cap : 64;
        char **nv = realloc(l->v, (size_t)nc * sizeof *nv);
        if (!nv)
            return RMN_ERROR(RMN_ENOMEM, "out of memory listing images");
        l->v = nv, l->cap = nc;
    }
    if (!(l->v[l->n] = strdup(s)))
        return RMN_ERROR(RMN_ENOMEM, "out of memory listing images");
    ++l->n;
    return RMN_OK;
}

static int is_image_name(const char *s) {
    const char *dot = strrchr(s, '.');
    return dot && (!strcasecmp(dot, ".png") || !strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg"));
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int walk(const char *dir, int recursive, list *out) {
    DIR *d = opendir(dir);
    if (!d)
        return RMN_ERROR(RMN_EIO, "%s: cannot read the directory", dir);
    list names = {0};
    int rc = RMN_OK;
    struct dirent *e;
    while (rc == RMN_OK && (e = readdir(d)))
        if (e->d_name[0] != '.')
            rc = push(&names, e->d_name);
    closedir(d);
    if (names.n > 1)
        qsort(names.v, (size_t)names.n, sizeof *names.v, cmp_str);
    for (int i = 0; rc == RMN_OK && i < names.n; ++i) {
        size_t len = strlen(dir) + strlen(names.v[i]) + 2;
        char *p = malloc(len);
        if (!p) {
            rc = RMN_ERROR(RMN_ENOMEM, "out of memory");
            break;
        }
        snprintf(p, len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", names.v[i]);
        struct stat st;
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
            if (recursive)
                rc = walk(p, recursive, out);
        } else if (is_image_name(names.v[i]))
            rc = push(out, p);
        free(p);
    }
    rmn_detect_inputs_free(names.v, names.n);
    return rc;
}

int rmn_detect_inputs(char *const *args, int nargs, int recursive, char ***paths, int *npaths) {
    list out = {0};
    int rc = RMN_OK;
    for (int i = 0; rc == RMN_OK && i < nargs; ++i) {
        struct stat st;
        if (stat(args[i], &st) == 0 && S_ISDIR(st.st_mode))
            rc = walk(args[i], recursive, &out);
        else
            rc = push(&out, args[i]);
    }
    if (rc != RMN_OK) {
        rmn_detect_inputs_free(out.v, out.n);
        return rc;
    }
    *paths = out.v;
    *npaths = out.n;
    return RMN_OK;
}

void rmn_detect_inputs_free(char **paths, int npaths) {
    for (int i = 0; i < npaths; ++i)
        free(paths[i]);
    free(paths);
}

int rmn_detect_faces_whole(rmn_detect_model *model, const rmn_image *img, rmn_face **faces, int *n) {
    *faces = NULL;
    *n = 0;
    rmn_face *f = calloc(1, sizeof *f);
    if (!f)
        return RMN_ERROR(RMN_ENOMEM, "out of memory");
    f->box = (rmn_box){0, 0, img->w, img->h};
    f->detection = (rmn_rect){0, 0, img->w, img->h};
    f->label = -1;
    int rc = RMN_OK;
    if (model) {
        rmn_image gray;
        int s = rmn_detect_model_input_size(model);
        uint8_t *crop = malloc((size_t)s * s);
        rc = crop ? rmn_image_to_gray(img, &gray) : RMN_ERROR(RMN_ENOMEM, "out of memory");
        if (rc == RMN_OK) {
            rmn_face_crop(&gray, f->box, s, crop);
            rmn_image_free(&gray);
            rc = rmn_detect_model_classify(model, crop, f->proba);
        }
        free(crop);
        f->label = 0;
        for (int j = 1; rc == RMN_OK && j < rmn_detect_model_num_classes(model); ++j)
            if (f->proba[j] > f->proba[f->label])
                f->label = j;
    }
    if (rc != RMN_OK) {
        free(f);
        return rc;
    }
    *faces = f;
    *n = 1;
    return RMN_OK;
}

static const char *const FER[7] = {"angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"};

int rmn_detect_csv_header(FILE *f, const rmn_detect_model *model) {
    fputs("file,face_id,xmin,ymin,xmax,ymax", f);
    int k = model ? rmn_detect_model_num_classes(model) : 7;
    for (int j = 0; j < k; ++j)
        fprintf(f, ",%s", model ? rmn_detect_model_label(model, j) : FER[j]);
    fputs(",emo_label\n", f);
    return ferror(f) ? RMN_ERROR(RMN_EIO, "cannot write the CSV header") : RMN_OK;
}

int rmn_detect_csv_rows(FILE *f, const char *path, const rmn_face *faces, int n, const rmn_detect_model *model) {
    int k = model ? rmn_detect_model_num_classes(model) : 7;
    for (int i = 0; i < n; ++i) {
        if (strpbrk(path, ",\"\n")) {
            fputc('"', f);
            for (const char *p = path; *p; ++p) {
                if (*p == '"')
                    fputc('"', f);
                fputc(*p, f);
            }
            fputc('"', f);
        } else
            fputs(path, f);
        const rmn_face *x = &faces[i];
        fprintf(f, ",%d,%d,%d,%d,%d", i, x->box.xmin, x->box.ymin, x->box.xmax, x->box.ymax);
        for (int j = 0; j < k; ++j)
            if (model)
                fprintf(f, ",%.6f", x->proba[j]);
            else
                fputc(',', f);
        fprintf(f, ",%s\n", model && x->label >= 0 ? rmn_detect_model_label(model, x->label) : "");
    }
    return ferror(f) ? RMN_ERROR(RMN_EIO, "cannot write the CSV rows") : RMN_OK;
}
