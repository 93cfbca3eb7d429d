/* checkpoint.c -- saving and loading training checkpoints; see checkpoint.h. */
#include "train/checkpoint.h"

#include "core/error.h"
#include "models/model.h"
#include "core/safetensors.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FORMAT "rmn-checkpoint-1"

static int64_t numel(const rmn_tensor_ref *t) {
    int64_t n = 1;
    for (int d = 0; d < t->ndim; ++d)
        n *= t->shape[d];
    return n;
}

static int meta_int(rmn_st_writer *w, const char *key, int64_t v) {
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRId64, v);
    return rmn_st_writer_meta(w, key, buf);
}

static int meta_num(rmn_st_writer *w, const char *key, double v) {
    char buf[40];
    snprintf(buf, sizeof buf, "%.17g", v);
    return rmn_st_writer_meta(w, key, buf);
}

/* The schedule and early-stopping state as metadata "state.*" (numbers exact: %.17g). */
static int save_state(rmn_st_writer *w, const rmn_train_state *s) {
    const rmn_schedule *q = &s->schedule;
    RMN_TRY(meta_int(w, "state.plateau", s->plateau));
    RMN_TRY(meta_int(w, "state.schedule.kind", q->kind));
    RMN_TRY(meta_num(w, "state.schedule.base_lr", q->base_lr));
    RMN_TRY(meta_num(w, "state.schedule.lr", q->lr));
    RMN_TRY(meta_num(w, "state.schedule.min_lr", q->min_lr));
    RMN_TRY(meta_int(w, "state.schedule.mode_max", q->mode_max));
    RMN_TRY(meta_num(w, "state.schedule.factor", q->factor));
    RMN_TRY(meta_num(w, "state.schedule.threshold", q->threshold));
    RMN_TRY(meta_num(w, "state.schedule.eps", q->eps));
    RMN_TRY(meta_num(w, "state.schedule.best", q->best));
    RMN_TRY(meta_int(w, "state.schedule.patience", q->patience));
    RMN_TRY(meta_int(w, "state.schedule.cooldown", q->cooldown));
    RMN_TRY(meta_int(w, "state.schedule.cooldown_counter", q->cooldown_counter));
    RMN_TRY(meta_int(w, "state.schedule.num_bad_epochs", q->num_bad_epochs));
    RMN_TRY(meta_int(w, "state.schedule.t_max", q->t_max));
    RMN_TRY(meta_int(w, "state.schedule.step_size", q->step_size));
    return meta_num(w, "state.schedule.gamma", q->gamma);
}

static int add_net(rmn_st_writer *w, rmn_net *net) {
    const rmn_tensor_ref *list;
    int n;
    RMN_TRY(rmn_net_tensors(net, &list, &n));
    for (int i = 0; i < n; ++i)
        RMN_TRY(rmn_st_writer_add(w, list[i].name, RMN_ST_F32, list[i].ndim, list[i].shape, list[i].data));
    return RMN_OK;
}

static int fill_writer(rmn_st_writer *w, rmn_net *net, const rmn_train_config *cfg, const char *run_uuid,
                       rmn_optimizer *opt, const rmn_train_state *state, double best_val_acc, int best_epoch,
                       int epoch, int64_t *opt_n, int64_t *one, int64_t *four, int64_t *cshape) {
    char canonical[4096];
    RMN_TRY(rmn_train_config_canonical(cfg, canonical, sizeof canonical));
    RMN_TRY(add_net(w, net));
    RMN_TRY(rmn_st_writer_meta(w, "format", FORMAT));
    RMN_TRY(rmn_st_writer_meta(w, "arch", cfg->arch));
    if (rmn_model_revision(cfg->arch, NULL) > 1)
        RMN_TRY(meta_int(w, "arch_revision", rmn_model_revision(cfg->arch, NULL)));
    RMN_TRY(meta_int(w, "image_size", cfg->image_size));
    RMN_TRY(meta_int(w, "in_channels", cfg->in_channels));
    RMN_TRY(meta_int(w, "num_classes", cfg->num_classes));
    RMN_TRY(meta_int(w, "width", cfg->width));
    RMN_TRY(rmn_st_writer_meta(w, "config", canonical));
    RMN_TRY(rmn_st_writer_meta(w, "run_uuid", run_uuid ? run_uuid : ""));
    RMN_TRY(meta_int(w, "epoch", epoch));
    RMN_TRY(meta_num(w, "best_val_acc", best_val_acc));
    RMN_TRY(meta_int(w, "best_epoch", best_epoch));
    if (state && state->centers) {
        cshape[0] = state->center_k;
        cshape[1] = state->center_d;
        RMN_TRY(rmn_st_writer_add(w, "center.centers", RMN_ST_F32, 2, cshape, state->centers));
    }
    if (!opt || !state)
        return RMN_OK;
    float *m, *v;
    int64_t *step;
    RMN_TRY(rmn_optimizer_state(opt, &m, &v, &step));
    *opt_n = (int64_t)opt->n;
    RMN_TRY(rmn_st_writer_add(w, "optim.step", RMN_ST_I64, 0, one, step));
    if (m)
        RMN_TRY(rmn_st_writer_add(w, "optim.m", RMN_ST_F32, 1, opt_n, m));
    if (v)
        RMN_TRY(rmn_st_writer_add(w, "optim.v", RMN_ST_F32, 1, opt_n, v));
    RMN_TRY(rmn_st_writer_meta(w, "optimizer", rmn_optimizer_kind_name(opt->kind)));
    RMN_TRY(rmn_st_writer_add(w, "rng.shuffle", RMN_ST_U64, 1, four, state->shuffle.s));
    RMN_TRY(rmn_st_writer_add(w, "rng.augment", RMN_ST_U64, 1, four, state->augment.s));
    RMN_TRY(rmn_st_writer_add(w, "rng.dropout", RMN_ST_U64, 1, four, state->dropout.s));
    return save_state(w, state);
}

int rmn_checkpoint_save(const char *path, rmn_net *net, const rmn_train_config *cfg, const char *run_uuid,
                        rmn_optimizer *opt, const rmn_train_state *state, double best_val_acc, int best_epoch,
                        int epoch) {
    rmn_st_writer *w;
    RMN_TRY(rmn_st_writer_create(&w));
    int64_t opt_n = 0, one = 1, four = 4, cshape[2]; /* shapes borrowed by the writer until save */
    int rc = fill_writer(w, net, cfg, run_uuid, opt, state, best_val_acc, best_epoch, epoch, &opt_n, &one, &four,
                         cshape);
    if (rc == RMN_OK)
        rc = rmn_st_writer_save(w, path);
    rmn_st_writer_free(w);
    return rc;
}

int rmn_checkpoint_save_meta(const char *path, rmn_net *net, const rmn_train_config *cfg, const char *run_uuid,
                             double best_val_acc, const char *const *meta, int nmeta) {
    rmn_st_writer *w;
    RMN_TRY(rmn_st_writer_create(&w));
    int64_t opt_n = 0, one = 1, four = 4, cshape[2];
    int rc = fill_writer(w, net, cfg, run_uuid, NULL, NULL, best_val_acc, 0, 0, &opt_n, &one, &four, cshape);
    for (int i = 0; rc == RMN_OK && i < nmeta; ++i)
        rc = rmn_st_writer_meta(w, meta[2 * i], meta[2 * i + 1]);
    if (rc == RMN_OK)
        rc = rmn_st_writer_save(w, path);
    rmn_st_writer_free(w);
    return rc;
}

// --- loading ----------------------------------------------------------------------------------

static int meta_get(const rmn_st_file *f, const char *key, const char **out) {
    *out = rmn_st_meta(f, key);
    if (!*out)
        return RMN_ERROR(RMN_EFORMAT, "%s: checkpoint metadata lacks \"%s\"", rmn_st_path(f), key);
    return RMN_OK;
}

static int meta_double(const rmn_st_file *f, const char *key, double *out) {
    const char *v;
    RMN_TRY(meta_get(f, key, &v));
    char *end;
    *out = strtod(v, &end);
    if (end == v || *end)
        return RMN_ERROR(RMN_EFORMAT, "%s: checkpoint metadata \"%s\" is not a number", rmn_st_path(f), key);
    return RMN_OK;
}

static int meta_intv(const rmn_st_file *f, const char *key, int *out) {
    int rc = rmn_st_meta_int(f, key, -2147483647L, 2147483647L, out);
    return rc == RMN_ENOTFOUND ? RMN_ERROR(RMN_EFORMAT, "%s: checkpoint metadata lacks \"%s\"",
                                           rmn_st_path(f), key)
                               : rc;
}

/* The model's shape keys, written beside the config text, must agree with it: a checkpoint
 * whose metadata was edited or damaged is refused, not evaluated as something else. */
static int check_model_meta(const rmn_st_file *f, const rmn_train_config *c) {
    static const struct {
        const char *key;
        size_t      offset;
        int         required;
    } keys[] = {{"image_size", offsetof(rmn_train_config, image_size), 1},
                {"in_channels", offsetof(rmn_train_config, in_channels), 1},
                {"num_classes", offsetof(rmn_train_config, num_classes), 1},
                {"width", offsetof(rmn_train_config, width), 0}};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; ++i) {
        int v, want = *(const int *)((const char *)c + keys[i].offset);
        int rc = rmn_st_meta_int(f, keys[i].key, 0, 1 << 20, &v);
        if (rc == RMN_ENOTFOUND && !keys[i].required)
            continue;
        if (rc == RMN_ENOTFOUND)
            return RMN_ERROR(RMN_EFORMAT, "%s: checkpoint metadata lacks \"%s\"", rmn_st_path(f),
                             keys[i].key);
        RMN_TRY(rc);
        if (v != want)
            return RMN_ERROR(RMN_EFORMAT,
                             "%s: checkpoint metadata \"%s\" is %d but its config says %d",
                             rmn_st_path(f), keys[i].key, v, want);
    }
    const char *arch;
    RMN_TRY(meta_get(f, "arch", &arch));
    if (strcmp(arch, c->arch) != 0)
        return RMN_ERROR(RMN_EFORMAT, "%s: checkpoint metadata \"arch\" is %s but its config says %s",
                         rmn_st_path(f), arch, c->arch);
    return RMN_OK;
}


/* The checkpoint's "arch_revision" (absent: 1) against this rmn's definition of arch: newer
 * refused, older warned of (its weights load, but the net computes something else). */
static int check_revision(const rmn_st_file *f, const char *arch) {
    const char *change;
    const int now = rmn_model_revision(arch, &change);
    int rev = 1;
    if (rmn_st_meta(f, "arch_revision"))
        RMN_TRY(rmn_st_meta_int(f, "arch_revision", 1, 1 << 20, &rev));
    if (rev > now)
        return RMN_ERROR(RMN_EFORMAT, "%s: checkpoint of %s revision %d, newer than this rmn's "
                         "(%d)", rmn_st_path(f), arch, rev, now);
    if (rev < now)
        rmn_warning("%s: checkpoint of an older %s (revision %d, now %d: %s): its weights load, "
                    "but the net no longer computes what it was trained and evaluated with "
                    "(docs/MODELS.md)", rmn_st_path(f), arch, rev, now, change);
    return RMN_OK;
}

static int load_net(const rmn_st_file *f, rmn_net *net) {
    const char *arch;
    RMN_TRY(meta_get(f, "arch", &arch));
    if (strcmp(arch, rmn_net_arch(net)) != 0)
        return RMN_ERROR(RMN_EFORMAT, "%s: checkpoint of arch %s, expected %s", rmn_st_path(f), arch, rmn_net_arch(net));
    RMN_TRY(check_revision(f, arch));
    const rmn_tensor_ref *list;
    int n;
    RMN_TRY(rmn_net_tensors(net, &list, &n));
    for (int i = 0; i < n; ++i) {
        const rmn_st_tensor *t;
        RMN_TRY(rmn_st_expect(f, list[i].name, RMN_ST_F32, list[i].ndim, list[i].shape, &t));
        RMN_TRY(rmn_st_copy_f32(t, list[i].data, (size_t)numel(&list[i])));
    }
    return RMN_OK;
}

static int load_rng(const rmn_st_file *f, const char *name, rmn_rng *r) {
    const rmn_st_tensor *t;
    int64_t four = 4;
    RMN_TRY(rmn_st_expect(f, name, RMN_ST_U64, 1, &four, &t));
    memcpy(r->s, t->data, sizeof r->s);
    return RMN_OK;
}

static int load_state(const rmn_st_file *f, rmn_optimizer *opt, rmn_train_state *s) {
    const char *kind;
    RMN_TRY(meta_get(f, "optimizer", &kind));
    if (strcmp(kind, rmn_optimizer_kind_name(opt->kind)) != 0)
        return RMN_ERROR(RMN_EFORMAT, "%s: optimizer %s in the checkpoint, %s in the run", rmn_st_path(f), kind,
                         rmn_optimizer_kind_name(opt->kind));
    float *m, *v;
    int64_t *step, n = (int64_t)opt->n;
    RMN_TRY(rmn_optimizer_state(opt, &m, &v, &step));
    const rmn_st_tensor *t;
    RMN_TRY(rmn_st_expect(f, "optim.step", RMN_ST_I64, 0, NULL, &t));
    memcpy(step, t->data, sizeof *step);
    if (m) {
        RMN_TRY(rmn_st_expect(f, "optim.m", RMN_ST_F32, 1, &n, &t));
        RMN_TRY(rmn_st_copy_f32(t, m, opt->n));
    }
    if (v) {
        RMN_TRY(rmn_st_expect(f, "optim.v", RMN_ST_F32, 1, &n, &t));
        RMN_TRY(rmn_st_copy_f32(t, v, opt->n));
    }
    if (s->centers) {
        int64_t shape[2] = {s->center_k, s->center_d};
        RMN_TRY(rmn_st_expect(f, "center.centers", RMN_ST_F32, 2, shape, &t));
        RMN_TRY(rmn_st_copy_f32(t, s->centers, (size_t)s->center_k * (size_t)s->center_d));
    }
    RMN_TRY(load_rng(f, "rng.shuffle", &s->shuffle));
    RMN_TRY(load_rng(f, "rng.augment", &s->augment));
    RMN_TRY(load_rng(f, "rng.dropout", &s->dropout));
    RMN_TRY(meta_intv(f, "epoch", &s->epoch));
    RMN_TRY(meta_double(f, "best_val_acc", &s->best_val_acc));
    RMN_TRY(meta_intv(f, "best_epoch", &s->best_epoch));
    RMN_TRY(meta_intv(f, "state.plateau", &s->plateau));
    rmn_schedule *q = &s->schedule;
    RMN_TRY(meta_intv(f, "state.schedule.kind", &q->kind));
    RMN_TRY(meta_double(f, "state.schedule.base_lr", &q->base_lr));
    RMN_TRY(meta_double(f, "state.schedule.lr", &q->lr));
    RMN_TRY(meta_double(f, "state.schedule.min_lr", &q->min_lr));
    RMN_TRY(meta_intv(f, "state.schedule.mode_max", &q->mode_max));
    RMN_TRY(meta_double(f, "state.schedule.factor", &q->factor));
    RMN_TRY(meta_double(f, "state.schedule.threshold", &q->threshold));
    RMN_TRY(meta_double(f, "state.schedule.eps", &q->eps));
    RMN_TRY(meta_double(f, "state.schedule.best", &q->best));
    RMN_TRY(meta_intv(f, "state.schedule.patience", &q->patience));
    RMN_TRY(meta_intv(f, "state.schedule.cooldown", &q->cooldown));
    RMN_TRY(meta_intv(f, "state.schedule.cooldown_counter", &q->cooldown_counter));
    RMN_TRY(meta_intv(f, "state.schedule.num_bad_epochs", &q->num_bad_epochs));
    RMN_TRY(meta_intv(f, "state.schedule.t_max", &q->t_max));
    RMN_TRY(meta_intv(f, "state.schedule.step_size", &q->step_size));
    return meta_double(f, "state.schedule.gamma", &q->gamma);
}

int rmn_checkpoint_load(const char *path, rmn_net *net, rmn_optimizer *opt, rmn_train_state *state) {
    rmn_st_file *f;
    RMN_TRY(rmn_error_naming(rmn_st_open(path, &f), path));
    const char *format = rmn_st_meta(f, "format");
    int rc = RMN_OK;
    if (!format || strcmp(format, FORMAT) != 0)
        rc = RMN_ERROR(RMN_EFORMAT, "%s: not an rmn checkpoint (format \"%s\", expected %s)", path,
                       format ? format : "", FORMAT);
    if (rc == RMN_OK)
        rc = load_net(f, net);
    if (rc == RMN_OK && opt && state)
        rc = load_state(f, opt, state);
    rmn_st_close(f);
    return rmn_error_naming(rc, path);
}

int rmn_checkpoint_read_centers(const char *path, float **centers, int *k, int *d) {
    *centers = NULL;
    rmn_st_file *f;
    RMN_TRY(rmn_error_naming(rmn_st_open(path, &f), path));
    const rmn_st_tensor *t = rmn_st_find(f, "center.centers");
    int rc = RMN_OK;
    if (!t)
        rc = RMN_ERROR(RMN_ENOTFOUND, "%s: no center-loss centers in this checkpoint", path);
    else if (t->dtype != RMN_ST_F32 || t->ndim != 2 || t->shape[0] < 1 || t->shape[1] < 1 ||
             t->shape[0] > 1000 || t->shape[1] > 1 << 20)
        rc = RMN_ERROR(RMN_EFORMAT, "%s: \"center.centers\" is not an F32 (k, d) tensor", path);
    if (rc == RMN_OK) {
        *k = (int)t->shape[0];
        *d = (int)t->shape[1];
        *centers = malloc((size_t)*k * (size_t)*d * sizeof **centers);
        rc = *centers ? rmn_st_copy_f32(t, *centers, (size_t)*k * (size_t)*d)
                      : RMN_ERROR(RMN_ENOMEM, "out of memory");
        if (rc != RMN_OK) {
            free(*centers);
            *centers = NULL;
        }
    }
    rmn_st_close(f);
    return rc;
}

int rmn_checkpoint_open_model(const char *path, rmn_net **net, rmn_train_config *cfg) {
    *net = NULL;
    rmn_st_file *f;
    RMN_TRY(rmn_error_naming(rmn_st_open(path, &f), path));
    rmn_train_config c;
    const char *config = rmn_st_meta(f, "config");
    int rc = config ? rmn_train_config_from_canonical(&c, config, path)
                    : RMN_ERROR(RMN_EFORMAT, "%s: checkpoint metadata lacks \"config\"", path);
    if (rc == RMN_OK)
        rc = check_model_meta(f, &c);
    rmn_st_close(f);
    RMN_TRY(rmn_error_naming(rc, path));
    rmn_model_config mc = {.in_channels = c.in_channels, .image_size = c.image_size,
                           .num_classes = c.num_classes, .seed = c.seed, .width = c.width};
    RMN_TRY(rmn_error_naming(rmn_model_create(c.arch, &mc, net), path));
    if ((rc = rmn_checkpoint_load(path, *net, NULL, NULL)) != RMN_OK) {
        rmn_net_free(*net);
        *net = NULL;
        return rc;
    }
    if (cfg)
        *cfg = c;
    return RMN_OK;
}
