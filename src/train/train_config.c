/* train_config.c -- thesis-compatible training configurations: defaults, keys, ranges, the canonical
 * text; see train_config.h (experiment files: experiment_file.c). */
#include "train/train_config.h"
#include "train/config_json.h"

#include "core/error.h"
#include "core/precision.h"
#include "optim/optimizer.h"
#include "optim/schedule.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum key_type { KEY_STR, KEY_DOUBLE, KEY_INT, KEY_U64, KEY_UNUSED };

typedef struct {
    const char   *key;
    enum key_type type;
    size_t        offset;
    size_t        size; /* KEY_STR capacity */
} config_key;

#define F(member) offsetof(rmn_train_config, member)
#define S(member) sizeof(((rmn_train_config *)0)->member)
/* Sorted by key: the canonical text lists them in this order. */
static const config_key KEYS[] = {
    {"arch", KEY_STR, F(arch), S(arch)},
    {"batch_size", KEY_INT, F(batch_size), 0},
    {"center_loss_weight", KEY_DOUBLE, F(center_loss_weight), 0},
    {"center_lr", KEY_DOUBLE, F(center_lr), 0},
    {"checkpoint_dir", KEY_UNUSED, 0, 0},
    {"cwd", KEY_UNUSED, 0, 0},
    {"data_path", KEY_UNUSED, 0, 0},
    {"device", KEY_UNUSED, 0, 0},
    {"distributed", KEY_UNUSED, 0, 0},
    {"flip_p", KEY_DOUBLE, F(flip_p), 0},
    {"image_size", KEY_INT, F(image_size), 0},
    {"in_channels", KEY_INT, F(in_channels), 0},
    {"log_dir", KEY_UNUSED, 0, 0},
    {"lr", KEY_DOUBLE, F(lr), 0},
    {"lr_schedule", KEY_STR, F(lr_schedule), S(lr_schedule)},
    {"max_epoch_num", KEY_INT, F(max_epoch_num), 0},
    {"max_plateau_count", KEY_INT, F(max_plateau_count), 0},
    {"max_rotation_deg", KEY_DOUBLE, F(max_rotation_deg), 0},
    {"max_shift_px", KEY_DOUBLE, F(max_shift_px), 0},
    {"min_lr", KEY_DOUBLE, F(min_lr), 0},
    {"model_name", KEY_STR, F(model_name), S(model_name)},
    {"momentum", KEY_DOUBLE, F(momentum), 0},
    {"nesterov", KEY_INT, F(nesterov), 0},
    {"num_classes", KEY_INT, F(num_classes), 0},
    {"num_workers", KEY_UNUSED, 0, 0},
    {"optimizer", KEY_STR, F(optimizer), S(optimizer)},
    {"plateau_patience", KEY_INT, F(plateau_patience), 0},
    {"precision", KEY_STR, F(precision), S(precision)},
    {"pretrained", KEY_STR, F(pretrained), S(pretrained)},
    {"rotation_interp", KEY_STR, F(rotation_interp), S(rotation_interp)},
    {"seed", KEY_U64, F(seed), 0},
    {"steplr", KEY_INT, F(steplr), 0},
    {"sync_bn", KEY_INT, F(sync_bn), 0},
    {"target", KEY_STR, F(target), S(target)},
    {"transform", KEY_STR, F(transform), S(transform)},
    {"tta_n", KEY_INT, F(tta_n), 0},
    {"tta_seed", KEY_U64, F(tta_seed), 0},
    {"weight_decay", KEY_DOUBLE, F(weight_decay), 0},
    {"weighted_loss", KEY_INT, F(weighted_loss), 0},
    {"width", KEY_INT, F(width), 0},
};
#undef F
#undef S
#define N_KEYS ((int)(sizeof KEYS / sizeof KEYS[0]))

void rmn_train_config_defaults(rmn_train_config *cfg) {
    /* The thesis's fer2013_config.json values and recipe (RAdam, plateau schedule). */
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->arch, sizeof cfg->arch, "democnn");
    snprintf(cfg->model_name, sizeof cfg->model_name, "democnn");
    snprintf(cfg->optimizer, sizeof cfg->optimizer, "radam");
    snprintf(cfg->lr_schedule, sizeof cfg->lr_schedule, "plateau");
    cfg->min_lr = 1e-6;
    cfg->steplr = 50;
    cfg->tta_n = 10;
    cfg->tta_seed = 1234;
    cfg->lr = 1e-4;
    cfg->momentum = 0.9;
    cfg->weight_decay = 1e-3;
    cfg->batch_size = 48;
    cfg->max_epoch_num = 50;
    cfg->max_plateau_count = 8;
    cfg->plateau_patience = 2;
    cfg->image_size = 48;
    cfg->in_channels = 1;
    cfg->num_classes = 7;
    cfg->flip_p = 0.5;
    cfg->max_rotation_deg = 30.0;
    snprintf(cfg->rotation_interp, sizeof cfg->rotation_interp, "bilinear");
    cfg->seed = 1;
    cfg->center_lr = 0.5; /* Wen et al.'s alpha */
    snprintf(cfg->transform, sizeof cfg->transform, "thesis");
    snprintf(cfg->target, sizeof cfg->target, "hard");
    snprintf(cfg->precision, sizeof cfg->precision, "fp32");
}

const char *rmn_train_config_model(const rmn_train_config *cfg, char *buf, size_t cap) {
    snprintf(buf, cap, "%s%s", cfg->arch, cfg->center_loss_weight > 0 ? "+center" : "");
    return buf;
}

rmn_augment_params rmn_train_config_augment(const rmn_train_config *cfg) {
    return (rmn_augment_params){.flip_p = cfg->flip_p, .max_rotation_deg = cfg->max_rotation_deg,
                                .max_shift_px = cfg->max_shift_px,
                                .interp = strcmp(cfg->rotation_interp, "nearest") == 0 ? RMN_INTERP_NEAREST
                                                                                       : RMN_INTERP_BILINEAR};
}

rmn_batch_spec rmn_train_config_batch_spec(const rmn_train_config *cfg, const rmn_augment_params *aug) {
    return (rmn_batch_spec){.size = cfg->image_size, .channels = cfg->in_channels, .augment = aug,
                            .transform = strcmp(cfg->transform, "imagenet") == 0 ? RMN_TRANSFORM_IMAGENET
                                                                                  : RMN_TRANSFORM_THESIS};
}

int rmn_train_config_data_side(const rmn_train_config *cfg) {
    return strcmp(cfg->transform, "imagenet") == 0 ? rmn_batch_resize_side(cfg->image_size) : cfg->image_size;
}

static const config_key *find_key(const char *key) {
    for (int i = 0; i < N_KEYS; ++i)
        if (strcmp(KEYS[i].key, key) == 0)
            return &KEYS[i];
    return NULL;
}

static int apply_key(rmn_train_config *cfg, const config_key *k, json_t *v, const char *where) {
    char *base = (char *)cfg + k->offset;
    switch (k->type) {
    case KEY_UNUSED:
        return RMN_OK;
    case KEY_STR:
        if (!json_is_string(v))
            return RMN_ERROR(RMN_EINVAL, "%s: key \"%s\" must be a string", where, k->key);
        if (json_string_length(v) >= k->size || json_string_length(v) == 0)
            return RMN_ERROR(RMN_EINVAL, "%s: key \"%s\" must be 1..%zu characters", where, k->key,
                             k->size - 1);
        /* no control characters: a newline would end the value's line in the canonical text
         * and let the rest read back as other keys */
        for (const char *p = json_string_value(v); *p; ++p)
            if ((unsigned char)*p < 0x20 || *p == 0x7f)
                return RMN_ERROR(RMN_EINVAL, "%s: key \"%s\" holds a control character", where, k->key);
        memcpy(base, json_string_value(v), json_string_length(v) + 1);
        return RMN_OK;
    case KEY_DOUBLE:
        if (!json_is_number(v))
            return RMN_ERROR(RMN_EINVAL, "%s: key \"%s\" must be a number", where, k->key);
        *(double *)base = json_number_value(v);
        return RMN_OK;
    case KEY_INT:
    case KEY_U64: {
        /* a JSON integer, true or false (1, 0), or a real with an integral value (1e3); the
         * range is checked before the real is converted (a conversion out of range is undefined) */
        json_int_t i = 0;
        int integral = json_is_integer(v) || json_is_boolean(v);
        if (json_is_boolean(v)) {
            i = json_is_true(v);
        } else if (integral) {
            i = json_integer_value(v);
        } else if (json_is_real(v)) {
            double d = json_real_value(v);
            integral = d > -9.2e18 && d < 9.2e18 && d == (double)(json_int_t)d;
            if (integral)
                i = (json_int_t)d;
        }
        if (!integral || i < 0)
            return RMN_ERROR(RMN_EINVAL, "%s: key \"%s\" must be a non-negative integer", where, k->key);
        if (k->type == KEY_INT) {
            if (i > 1000000000)
                return RMN_ERROR(RMN_EINVAL, "%s: key \"%s\" is too large", where, k->key);
            *(int *)base = (int)i;
        } else {
            *(uint64_t *)base = (uint64_t)i;
        }
        return RMN_OK;
    }
    }
    return RMN_OK;
}

static int check_ranges(const rmn_train_config *c, const char *where) {
    if (!(c->lr > 0))
        return RMN_ERROR(RMN_EINVAL, "%s: lr must be > 0", where);
    if (c->batch_size < 1)
        return RMN_ERROR(RMN_EINVAL, "%s: batch_size must be >= 1", where);
    if (c->sync_bn > 1)
        return RMN_ERROR(RMN_EINVAL, "%s: sync_bn must be true or false", where);
    if (c->num_classes < 2)
        return RMN_ERROR(RMN_EINVAL, "%s: num_classes must be >= 2", where);
    if (c->num_classes > 1000)
        return RMN_ERROR(RMN_EINVAL, "%s: num_classes must be <= 1000", where);
    if (c->in_channels < 1 || c->in_channels > 4 || c->image_size < 8 || c->image_size > 1024)
        return RMN_ERROR(RMN_EINVAL, "%s: in_channels 1..4 and image_size 8..1024 required", where);
    if (c->width < 0 || c->width > 4096)
        return RMN_ERROR(RMN_EINVAL, "%s: width must lie in 0..4096", where);
    if (!(c->flip_p >= 0 && c->flip_p <= 1))
        return RMN_ERROR(RMN_EINVAL, "%s: flip_p must lie in [0, 1]", where);
    if (!(c->max_rotation_deg >= 0 && c->max_rotation_deg <= 180))
        return RMN_ERROR(RMN_EINVAL, "%s: max_rotation_deg must lie in [0, 180]", where);
    if (!(c->max_shift_px >= 0 && c->max_shift_px <= 0.5 * c->image_size))
        return RMN_ERROR(RMN_EINVAL, "%s: max_shift_px must lie in [0, image_size/2]", where);
    if (strcmp(c->rotation_interp, "bilinear") != 0 && strcmp(c->rotation_interp, "nearest") != 0)
        return RMN_ERROR(RMN_EINVAL, "%s: rotation_interp must be \"bilinear\" or \"nearest\", not \"%s\"", where,
                         c->rotation_interp);
    if (c->weight_decay < 0 || c->momentum < 0 || c->momentum >= 1)
        return RMN_ERROR(RMN_EINVAL, "%s: weight_decay >= 0 and 0 <= momentum < 1 required", where);
    int kind;
    if (rmn_schedule_kind_parse(c->lr_schedule, &kind) != RMN_OK)
        return rmn_error_prefix("%s", where);
    if (c->tta_n > c->batch_size)
        return RMN_ERROR(RMN_EINVAL, "%s: tta_n (%d) may not exceed batch_size (%d)", where, c->tta_n, c->batch_size);
    if (!(c->min_lr >= 0 && c->min_lr <= c->lr))
        return RMN_ERROR(RMN_EINVAL, "%s: min_lr must lie in [0, lr]", where);
    if (rmn_optimizer_kind_parse(c->optimizer, &kind) != RMN_OK)
        return rmn_error_prefix("%s", where);
    if (!(c->center_loss_weight >= 0 && c->center_loss_weight <= 1e3))
        return RMN_ERROR(RMN_EINVAL, "%s: center_loss_weight must lie in [0, 1000]", where);
    if (!(c->center_lr >= 0 && c->center_lr <= 1))
        return RMN_ERROR(RMN_EINVAL, "%s: center_lr must lie in [0, 1]", where);
    if (strcmp(c->transform, "thesis") != 0 && strcmp(c->transform, "imagenet") != 0)
        return RMN_ERROR(RMN_EINVAL, "%s: transform must be \"thesis\" or \"imagenet\", not \"%s\"", where,
                         c->transform);
    if (strcmp(c->transform, "imagenet") == 0 && c->in_channels != 3)
        return RMN_ERROR(RMN_EINVAL, "%s: the imagenet transform needs in_channels 3", where);
    if (strcmp(c->target, "hard") != 0 && strcmp(c->target, "soft") != 0)
        return RMN_ERROR(RMN_EINVAL, "%s: target must be \"hard\" or \"soft\", not \"%s\"", where, c->target);
    rmn_precision prec;
    if (rmn_precision_parse(c->precision, "precision", &prec) != RMN_OK)
        return rmn_error_prefix("%s", where);
    if (strcmp(c->target, "soft") == 0 && (c->weighted_loss || c->center_loss_weight > 0))
        return RMN_ERROR(RMN_EINVAL, "%s: target \"soft\" goes with neither weighted_loss nor the center loss",
                         where);
    return RMN_OK;
}

int rmn_train_config_apply_object(rmn_train_config *cfg, json_t *obj, const char *where, const char *const *skip) {
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        int skipped = 0;
        for (int i = 0; skip && skip[i]; ++i)
            skipped |= strcmp(skip[i], key) == 0;
        if (skipped)
            continue;
        const config_key *k = find_key(key);
        if (!k)
            return RMN_ERROR(RMN_EINVAL, "%s: unknown configuration key \"%s\"", where, key);
        RMN_TRY(apply_key(cfg, k, v, where));
    }
    return check_ranges(cfg, where);
}

int rmn_train_config_check_ranks(const rmn_train_config *cfg, int ranks) {
    if (ranks <= 1)
        return RMN_OK;
    if (cfg->batch_size % ranks != 0)
        return RMN_ERROR(RMN_EINVAL, "%s: batch_size %d does not divide among %d ranks: run it on a number "
                         "of ranks that divides it", cfg->model_name, cfg->batch_size, ranks);
    if (cfg->center_loss_weight > 0)
        return RMN_ERROR(RMN_EINVAL, "%s: center loss trains on one rank only (each rank would move the "
                         "centers alone)", cfg->model_name);
    return RMN_OK;
}

int rmn_train_config_apply_json(rmn_train_config *cfg, const char *json_text, const char *where) {
    json_error_t jerr;
    json_t *root = json_loads(json_text, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return RMN_ERROR(RMN_EINVAL, "%s:%d:%d: %s", where, jerr.line, jerr.column, jerr.text);
    int rc = json_is_object(root) ? rmn_train_config_apply_object(cfg, root, where, NULL)
                                  : RMN_ERROR(RMN_EINVAL, "%s: a configuration must be a JSON object", where);
    json_decref(root);
    return rc;
}

int rmn_train_config_canonical(const rmn_train_config *cfg, char *buf, size_t cap) {
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < N_KEYS; ++i) {
        const config_key *k = &KEYS[i];
        const char *base = (const char *)cfg + k->offset;
        int n = 0;
        /* the center_* keys only when center loss is on, so that the canonical text (and
         * hash) of every other configuration stays what it was */
        if (strncmp(k->key, "center_", 7) == 0 && !(cfg->center_loss_weight > 0))
            continue;
        if (strcmp(k->key, "sync_bn") == 0 && !cfg->sync_bn)
            continue; /* likewise: only when on */
        if (strcmp(k->key, "pretrained") == 0 && !cfg->pretrained[0])
            continue; /* likewise: only when set */
        if (strcmp(k->key, "rotation_interp") == 0 && strcmp(cfg->rotation_interp, "bilinear") == 0)
            continue; /* likewise: only when not the default */
        if (strcmp(k->key, "transform") == 0 && strcmp(cfg->transform, "thesis") == 0)
            continue;
        if (strcmp(k->key, "target") == 0 && strcmp(cfg->target, "hard") == 0)
            continue;
        if (strcmp(k->key, "precision") == 0 && strcmp(cfg->precision, "fp32") == 0)
            continue;
        switch (k->type) {
        case KEY_UNUSED:
            continue;
        case KEY_STR:
            n = snprintf(buf + used, cap - used, "%s=%s\n", k->key, base);
            break;
        case KEY_DOUBLE: {
            /* the shortest %g text that reads back to the same double (0.05, not 0.05000000000000000278) */
            double v = *(const double *)base;
            char num[40];
            for (int digits = 6; digits <= 17; ++digits) {
                snprintf(num, sizeof num, "%.*g", digits, v);
                if (strtod(num, NULL) == v)
                    break;
            }
            n = snprintf(buf + used, cap - used, "%s=%s\n", k->key, num);
            break;
        }
        case KEY_INT:
            n = snprintf(buf + used, cap - used, "%s=%d\n", k->key, *(const int *)base);
            break;
        case KEY_U64:
            n = snprintf(buf + used, cap - used, "%s=%llu\n", k->key,
                         (unsigned long long)*(const uint64_t *)base);
            break;
        }
        if (n < 0 || (size_t)n >= cap - used)
            return RMN_ERROR(RMN_EINVAL, "canonical configuration exceeds %zu bytes", cap);
        used += (size_t)n;
    }
    return RMN_OK;
}

int rmn_train_config_from_canonical(rmn_train_config *cfg, const char *text, const char *where) {
    rmn_train_config_defaults(cfg);
    int line_no = 0;
    for (const char *line = text; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        ++line_no;
        char buf[256];
        if (len >= sizeof buf)
            return RMN_ERROR(RMN_EINVAL, "%s: line %d is too long", where, line_no);
        memcpy(buf, line, len);
        buf[len] = '\0';
        line = end ? end + 1 : line + len;
        if (len == 0)
            continue;
        char *eq = strchr(buf, '=');
        if (!eq)
            return RMN_ERROR(RMN_EINVAL, "%s: line %d: expected key=value", where, line_no);
        *eq = '\0';
        const config_key *k = find_key(buf);
        if (!k || k->type == KEY_UNUSED)
            return RMN_ERROR(RMN_EINVAL, "%s: line %d: unknown configuration key \"%s\"", where, line_no, buf);
        const char *val = eq + 1;
        char *base = (char *)cfg + k->offset, *stop = NULL;
        switch (k->type) {
        case KEY_STR:
            if (strlen(val) == 0 || strlen(val) >= k->size)
                return RMN_ERROR(RMN_EINVAL, "%s: line %d: bad value for %s", where, line_no, buf);
            strcpy(base, val);
            continue;
        case KEY_DOUBLE: {
            double d = strtod(val, &stop);
            if (!isfinite(d)) /* the JSON path cannot produce inf or NaN either */
                stop = NULL;
            *(double *)base = d;
            break;
        }
        case KEY_INT: { /* as the JSON path: a non-negative integer up to 1e9 */
            errno = 0;
            long x = strtol(val, &stop, 10);
            if (errno || x < 0 || x > 1000000000L)
                stop = NULL;
            *(int *)base = (int)(stop ? x : 0);
            break;
        }
        case KEY_U64:
            errno = 0;
            *(uint64_t *)base = strtoull(val, &stop, 10);
            if (errno || *val == '-')
                stop = NULL;
            break;
        default:
            break;
        }
        if (!stop || stop == val || *stop != '\0')
            return RMN_ERROR(RMN_EINVAL, "%s: line %d: bad number \"%s\" for %s", where, line_no, val, buf);
    }
    return check_ranges(cfg, where);
}

void rmn_train_run_name(const rmn_train_config *cfg, char *buf, size_t cap) {
    snprintf(buf, cap, "%s-s%llu", cfg->model_name, (unsigned long long)cfg->seed);
}
