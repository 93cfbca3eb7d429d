/* test-checkpoint.c -- a checkpoint's metadata is checked, not trusted: the model keys written
 * beside the config text (width, num_classes, image_size, in_channels) as non-numbers, NaN,
 * 1e20, fractions or values that disagree with the config or the tensors are refused, and every
 * loading error names the file (the fuzzers found evaluations that exited 0 on such files).
 * arch_revision: a checkpoint of an older definition of its arch loads with a warning, one of a
 * newer is refused. */
#include "core/error.h"
#include "core/safetensors.h"
#include "train/checkpoint.h"
#include "train/train_config.h"
#include "models/zoo.h"
#include "tap.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[256], clean[300], edited[300];
static char warned[1024];

static void on_warning(const char *message, void *user) {
    (void)user;
    snprintf(warned, sizeof warned, "%s", message);
}

static unsigned char *slurp(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    rewind(f);
    unsigned char *b = malloc(*n);
    if (fread(b, 1, *n, f) != *n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    return b;
}

/* Writes `edited`: the clean checkpoint with __metadata__[key] = value (NULL: removed), or with
 * the config text's line "key=..." replaced when cfg_line is set. */
static int edit(const char *key, const char *value, const char *cfg_key, const char *cfg_line) {
    size_t n;
    unsigned char *b = slurp(clean, &n);
    if (!b || n < 8)
        return -1;
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; --i)
        hlen = hlen << 8 | b[i];
    json_t *h = json_loadb((const char *)b + 8, (size_t)hlen, 0, NULL);
    json_t *meta = json_object_get(h, "__metadata__");
    if (key && value)
        json_object_set_new(meta, key, json_string(value));
    else if (key)
        json_object_del(meta, key);
    if (cfg_key) {
        const char *text = json_string_value(json_object_get(meta, "config"));
        char out[8192] = "";
        size_t klen = strlen(cfg_key);
        for (const char *line = text; *line;) {
            const char *end = strchr(line, '\n');
            size_t len = end ? (size_t)(end - line + 1) : strlen(line);
            if (strncmp(line, cfg_key, klen) == 0 && line[klen] == '=')
                snprintf(out + strlen(out), sizeof out - strlen(out), "%s\n", cfg_line);
            else
                snprintf(out + strlen(out), sizeof out - strlen(out), "%.*s", (int)len, line);
            line += len;
        }
        json_object_set_new(meta, "config", json_string(out));
    }
    char *text = json_dumps(h, JSON_COMPACT);
    size_t tlen = strlen(text), padded = (tlen + 7) / 8 * 8;
    FILE *f = fopen(edited, "wb");
    unsigned char len8[8];
    for (int i = 0; i < 8; ++i)
        len8[i] = (unsigned char)(padded >> (8 * i));
    fwrite(len8, 1, 8, f);
    fwrite(text, 1, tlen, f);
    for (size_t i = tlen; i < padded; ++i)
        fputc(' ', f);
    fwrite(b + 8 + hlen, 1, n - 8 - hlen, f);
    fclose(f);
    free(text);
    json_decref(h);
    free(b);
    return 0;
}

static int open_edited(void) {
    rmn_net *net = NULL;
    rmn_train_config cfg;
    int rc = rmn_checkpoint_open_model(edited, &net, &cfg);
    rmn_net_free(net);
    return rc;
}

static void refused(const char *key, const char *value, const char *expect) {
    edit(key, value, NULL, NULL);
    int rc = open_edited();
    TAP_OK(rc == RMN_EFORMAT && strstr(rmn_error_message(), edited) &&
               strstr(rmn_error_message(), expect),
           "metadata %s = \"%s\": refused, naming the file (%s)", key, value ? value : "(absent)",
           rmn_error_message());
}

int main(void) {
    snprintf(dir, sizeof dir, "%s/rmn-test-ckpt.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir))
        return 99;
    snprintf(clean, sizeof clean, "%s/clean.safetensors", dir);
    snprintf(edited, sizeof edited, "%s/edited.safetensors", dir);

    rmn_train_config cfg;
    rmn_train_config_defaults(&cfg);
    cfg.width = 8;
    rmn_model_config mc = {.in_channels = cfg.in_channels, .image_size = cfg.image_size,
                           .num_classes = cfg.num_classes, .seed = 5, .width = cfg.width};
    rmn_net *net;
    int rc = rmn_model_create(cfg.arch, &mc, &net);
    if (rc == RMN_OK)
        rc = rmn_checkpoint_save(clean, net, &cfg, "0123456789abcdef0123456789abcdef", NULL, NULL,
                                 0.5, 1, 1);
    rmn_net_free(net);
    TAP_OK(rc == RMN_OK, "a democnn (width 8) checkpoint is written (%s)", rmn_error_message());
    edit("run_uuid", "0123456789abcdef0123456789abcdef", NULL, NULL);
    TAP_OK(open_edited() == RMN_OK, "re-encoded unchanged, it loads (%s)", rmn_error_message());

    refused("width", "abc", "\"width\"");
    refused("width", "NaN", "\"width\"");
    refused("num_classes", "1e20", "\"num_classes\"");
    refused("num_classes", "7.5", "\"num_classes\"");
    refused("image_size", "99999999999999999999", "\"image_size\"");
    refused("in_channels", "", "\"in_channels\"");
    refused("num_classes", "8", "its config says 7");
    refused("in_channels", "3", "its config says 1");
    refused("image_size", "64", "its config says 48");
    refused("width", "16", "its config says 8");
    refused("arch", "vgg19", "\"arch\"");
    refused("image_size", NULL, "lacks \"image_size\"");

    /* The config text itself: out-of-range or non-numbers are refused with the file's name. */
    static const struct {
        const char *key, *line, *expect;
    } bad_config[] = {{"image_size", "image_size=1e20", "bad number"},
                      {"image_size", "image_size=99999999999", "bad number"},
                      {"num_classes", "num_classes=nan", "bad number"},
                      {"lr", "lr=nan", "bad number"},
                      {"weight_decay", "weight_decay=inf", "bad number"},
                      {"image_size", "image_size=100000", "image_size 8..1024"},
                      {"num_classes", "num_classes=5000", "num_classes must be <= 1000"},
                      {"arch", "arch=no_such_net", "no_such_net"}};
    for (size_t i = 0; i < sizeof bad_config / sizeof bad_config[0]; ++i) {
        edit(NULL, NULL, bad_config[i].key, bad_config[i].line);
        rc = open_edited();
        TAP_OK(rc != RMN_OK && strstr(rmn_error_message(), edited) &&
                   strstr(rmn_error_message(), bad_config[i].expect),
               "config %s: refused, naming the file (%s)", bad_config[i].line, rmn_error_message());
    }
    /* A width in both places that agrees but does not fit the tensors. */
    edit("width", "16", "width", "width=16");
    rc = open_edited();
    TAP_OK(rc == RMN_EFORMAT && strstr(rmn_error_message(), edited),
           "width 16 in both metadata and config, tensors of width 8: refused (%s)",
           rmn_error_message());
    /* A missing file names itself. */
    rmn_net *none = NULL;
    rc = rmn_checkpoint_open_model("/nonexistent/x.safetensors", &none, NULL);
    TAP_OK(rc != RMN_OK && none == NULL && strstr(rmn_error_message(), "/nonexistent/x.safetensors"),
           "a missing file is named (%s)", rmn_error_message());

    /* efficientnet_b2b's definition changed (revision 2: TF-"same" padding): its checkpoints
     * say so; one without the key (older) loads with a warning, a newer revision is refused. */
    snprintf(cfg.arch, sizeof cfg.arch, "efficientnet_b2b");
    cfg.width = 4;
    mc.width = 4;
    rc = rmn_model_create(cfg.arch, &mc, &net);
    if (rc == RMN_OK)
        rc = rmn_checkpoint_save(clean, net, &cfg, "0123456789abcdef0123456789abcdef", NULL, NULL,
                                 0.5, 1, 1);
    rmn_net_free(net);
    rmn_st_file *sf = NULL;
    const char *rev = rc == RMN_OK && rmn_st_open(clean, &sf) == RMN_OK ? rmn_st_meta(sf, "arch_revision") : NULL;
    TAP_OK(rev && strcmp(rev, "2") == 0, "an efficientnet_b2b checkpoint records arch_revision 2 (%s)",
           rev ? rev : rmn_error_message());
    rmn_st_close(sf);
    rmn_warning_set_handler(on_warning, NULL);
    edit("run_uuid", "0123456789abcdef0123456789abcdef", NULL, NULL);
    rc = open_edited();
    TAP_OK(rc == RMN_OK && warned[0] == 0, "it loads without a warning (%s)", warned);
    edit("arch_revision", NULL, NULL, NULL);
    rc = open_edited();
    TAP_OK(rc == RMN_OK && strstr(warned, edited) && strstr(warned, "revision 1, now 2"),
           "one from before the change (no arch_revision) loads with a warning naming the file: %s",
           warned);
    refused("arch_revision", "3", "newer than this rmn's (2)");
    refused("arch_revision", "two", "\"arch_revision\"");
    rmn_warning_set_handler(NULL, NULL);

    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        tap_diag("could not remove %s", dir);
    return tap_done();
}
