/* test-config.c -- training configurations: the thesis's file as it is, unknown keys refused,
 * canonical text, experiment files with seed expansion, and errors that name the place. */
#include "core/error.h"
#include "tap.h"
#include "train/train_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s)
        s[n] = '\0';
    fclose(f);
    return s;
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

int main(void) {
    const char *src = getenv("RMN_SRCDIR") ? getenv("RMN_SRCDIR") : ".";
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/fer2013_config.json", src);
    char *thesis = slurp(path);
    TAP_OK(thesis != NULL, "read %s", path);

    rmn_train_config cfg;
    rmn_train_config_defaults(&cfg);
    /* the thesis's optimizer is RAdam: rmn's config names it explicitly, the file does not */
    int rc = thesis ? rmn_train_config_apply_json(&cfg, thesis, path) : -1;
    TAP_OK(rc == RMN_OK, "the thesis's fer2013_config.json is accepted as it is (%s)", rmn_error_message());
    TAP_OK(strcmp(cfg.arch, "resmasking_dropout1") == 0 && cfg.image_size == 224 && cfg.in_channels == 3 &&
               cfg.batch_size == 48 && cfg.max_epoch_num == 50 && cfg.max_plateau_count == 8 &&
               cfg.plateau_patience == 2 && cfg.lr == 1e-4 && cfg.weight_decay == 1e-3 &&
               strcmp(cfg.model_name, "rot30") == 0,
           "its values are read");
    TAP_OK(strcmp(cfg.optimizer, "radam") == 0 && strcmp(cfg.lr_schedule, "plateau") == 0 && cfg.min_lr == 1e-6 &&
               cfg.flip_p == 0.5 && cfg.max_rotation_deg == 30.0,
           "the rest of the thesis recipe is the default: RAdam, plateau schedule to 1e-6, flip + 30 degrees");

    char a[4096], b[4096];
    TAP_OK(rmn_train_config_canonical(&cfg, a, sizeof a) == RMN_OK, "canonical text");
    TAP_OK(strncmp(a, "arch=resmasking_dropout1\nbatch_size=48\n", 39) == 0, "canonical text is sorted key=value");
    TAP_OK(strstr(a, "lr=0.0001\n") != NULL && strstr(a, "weight_decay=0.001\n") != NULL,
           "numbers in their shortest exact form: lr=0.0001, weight_decay=0.001");
    rmn_train_config odd;
    rmn_train_config_defaults(&odd);
    odd.lr = 0.1 + 0.2; /* 0.30000000000000004: needs all 17 digits to read back */
    char c3[4096];
    rmn_train_config_canonical(&odd, c3, sizeof c3);
    TAP_OK(strstr(c3, "lr=0.30000000000000004\n") != NULL, "a double that needs 17 digits keeps them");
    TAP_OK(strstr(a, "device=") == NULL, "unused thesis keys are not part of the canonical text");
    rmn_train_config again;
    rmn_train_config_defaults(&again);
    rmn_train_config_apply_json(&again, thesis, path);
    rmn_train_config_canonical(&again, b, sizeof b);
    TAP_OK(strcmp(a, b) == 0, "canonical text is deterministic");

    /* rotation_interp: absent from the canonical text at its default (old digests unchanged),
     * present and read back when nearest, refused otherwise */
    TAP_OK(strstr(a, "rotation_interp") == NULL, "bilinear rotation (the default) is not in the canonical text");
    rmn_train_config near;
    rmn_train_config_defaults(&near);
    rc = rmn_train_config_apply_json(&near, "{\"rotation_interp\": \"nearest\"}", "n.json");
    char cn[4096];
    rmn_train_config_canonical(&near, cn, sizeof cn);
    rmn_train_config back;
    int rc2 = rmn_train_config_from_canonical(&back, cn, "canonical");
    TAP_OK(rc == RMN_OK && strstr(cn, "rotation_interp=nearest\n") && rc2 == RMN_OK &&
               strcmp(back.rotation_interp, "nearest") == 0 && rmn_train_config_augment(&back).interp == RMN_INTERP_NEAREST,
           "rotation_interp=nearest is kept, read back and reaches the augmentation");
    rc = rmn_train_config_apply_json(&near, "{\"rotation_interp\": \"bicubic\"}", "n.json");
    TAP_OK(rc == RMN_EINVAL && strstr(rmn_error_message(), "rotation_interp must be"), "unknown interpolation refused: %s",
           rmn_error_message());

    /* precision: fp32 by default and then absent from the canonical text; bf16 kept and read
     * back; anything else refused when the configuration is read (and from stored text) */
    TAP_OK(strstr(a, "precision") == NULL && strcmp(near.precision, "fp32") == 0,
           "precision fp32 (the default) is not in the canonical text");
    rmn_train_config bf;
    rmn_train_config_defaults(&bf);
    rc = rmn_train_config_apply_json(&bf, "{\"precision\": \"bf16\"}", "p.json");
    char cp[4096];
    rmn_train_config_canonical(&bf, cp, sizeof cp);
    rc2 = rmn_train_config_from_canonical(&back, cp, "canonical");
    TAP_OK(rc == RMN_OK && strstr(cp, "precision=bf16\n") && rc2 == RMN_OK && strcmp(back.precision, "bf16") == 0,
           "precision=bf16 is kept and read back");
    rc = rmn_train_config_apply_json(&bf, "{\"precision\": \"fp16\"}", "p.json");
    TAP_OK(rc == RMN_EINVAL && strstr(rmn_error_message(), "p.json: precision must be \"fp32\" or \"bf16\", not \"fp16\""),
           "unknown precision refused: %s", rmn_error_message());
    rc = rmn_train_config_from_canonical(&back, "precision=half\n", "stored");
    TAP_OK(rc == RMN_EINVAL && strstr(rmn_error_message(), "stored: precision must be"),
           "unknown precision in stored text refused: %s", rmn_error_message());

    rmn_train_config_defaults(&cfg);
    rc = rmn_train_config_apply_json(&cfg, "{\"lr\": 0.1, \"batchsize\": 12}", "x.json");
    TAP_OK(rc == RMN_EINVAL && strstr(rmn_error_message(), "x.json: unknown configuration key \"batchsize\""),
           "unknown key refused: %s", rmn_error_message());
    rc = rmn_train_config_apply_json(&cfg, "{\"lr\": \"fast\"}", "x.json");
    TAP_OK(rc == RMN_EINVAL && strstr(rmn_error_message(), "\"lr\" must be a number"), "type checked");
    rc = rmn_train_config_apply_json(&cfg, "{\"batch_size\": 4.5}", "x.json");
    TAP_OK(rc == RMN_EINVAL, "integer keys refuse fractions");
    /* found by fuzzing (tests/fuzz/regressions/config-json/): integers near 2^63 were converted
     * through a double (undefined), and an integral real for a 64-bit key was read as 0 */
    rc = rmn_train_config_apply_json(&cfg, "{\"seed\": 9223372036854775807, \"tta_seed\": 1e3}", "x.json");
    TAP_OK(rc == RMN_OK && cfg.seed == 9223372036854775807ull && cfg.tta_seed == 1000,
           "64-bit keys: the largest JSON integer, and an integral real 1e3 read as 1000");
    rc = rmn_train_config_apply_json(&cfg, "{\"tta_seed\": 1e300}", "x.json");
    TAP_OK(rc == RMN_EINVAL && strstr(rmn_error_message(), "non-negative integer"), "1e300 refused: %s",
           rmn_error_message());
    rc = rmn_train_config_apply_json(&cfg, "{\"batch_size\": 2e9}", "x.json");
    TAP_OK(rc == RMN_EINVAL && strstr(rmn_error_message(), "too large"), "2e9 for an int key refused");
    /* found by fuzz-config-json's round trip: a newline in a string value made the canonical
     * text read back as a different configuration */
    rc = rmn_train_config_apply_json(&cfg, "{\"model_name\": \"x\\nseed=5\"}", "x.json");
    TAP_OK(rc == RMN_EINVAL && strstr(rmn_error_message(), "control character"),
           "a newline in a string value is refused: %s", rmn_error_message());
    rc = rmn_train_config_apply_json(&cfg, "{\"lr\": 0.1,\n \"arch\": }", "bad.json");
    TAP_OK(rc == RMN_EINVAL && strstr(rmn_error_message(), "bad.json:2:"), "JSON syntax error names line: %s",
           rmn_error_message());
    rc = rmn_train_config_apply_json(&cfg, "{\"optimizer\": \"lamb\"}", "x.json");
    TAP_OK(rc == RMN_EINVAL && strstr(rmn_error_message(), "lamb"), "unknown optimizer refused");

    char tmpdir[] = "/tmp/rmn-cfg-XXXXXX";
    TAP_OK(mkdtemp(tmpdir) != NULL, "temp dir");
    char exp_path[4200];
    snprintf(exp_path, sizeof exp_path, "%s/two.json", tmpdir);
    write_file(exp_path, "{\"name\": \"two\", \"data\": \"sample\", \"defaults\": {\"lr\": 0.05, \"width\": 8},\n"
                         " \"runs\": [{\"model_name\": \"a\", \"seeds\": [1, 2]}, {\"model_name\": \"b\", \"lr\": 0.01}]}\n");
    rmn_experiment e;
    rc = rmn_experiment_load(exp_path, &e);
    TAP_OK(rc == RMN_OK, "experiment file loads (%s)", rmn_error_message());
    TAP_OK(rc == RMN_OK && e.n_runs == 3 && e.runs[0].seed == 1 && e.runs[1].seed == 2 &&
               strcmp(e.runs[2].model_name, "b") == 0 && e.runs[2].lr == 0.01 && e.runs[0].lr == 0.05 &&
               e.runs[2].width == 8,
           "runs expand per seed and inherit defaults");
    if (rc == RMN_OK)
        rmn_experiment_free(&e);
    write_file(exp_path, "{\"name\": \"two\", \"runs\": [{\"sedes\": [1]}]}");
    rc = rmn_experiment_load(exp_path, &e);
    TAP_OK(rc == RMN_EINVAL && strstr(rmn_error_message(), "runs[0]: unknown configuration key \"sedes\""),
           "typo in a run refused with its place: %s", rmn_error_message());
    rc = rmn_experiment_load("no-such-experiment", &e);
    TAP_OK(rc == RMN_ENOTFOUND, "unknown experiment name: %s", rmn_error_message());
    rc = rmn_experiment_load("../etc/passwd", &e);
    TAP_OK(rc == RMN_EINVAL, "experiment names cannot walk paths");
    const char *shipped[] = {"fer2013-zoo", "fer48-zoo", "fer2013-ensemble"};
    rmn_error_clear();
    for (int i = 0; i < 3; ++i) {
        rc = rmn_experiment_load(shipped[i], &e);
        TAP_OK(rc == RMN_OK && e.n_runs >= 7 && e.runs[0].batch_size == 48 && strcmp(e.runs[0].optimizer, "radam") == 0,
               "the shipped %s experiment loads with the thesis recipe (%s)", shipped[i], rmn_error_message());
        if (rc == RMN_OK) {
            TAP_OK(i != 2 || (e.n_members == 7 && e.ensemble_tta_n == 8), "%s: ensemble members", shipped[i]);
            rmn_experiment_free(&e);
        }
    }
    rc = rmn_experiment_load("demo", &e);
    TAP_OK(rc == RMN_OK && e.n_runs >= 1 && strcmp(e.data, "sample") == 0, "the shipped demo experiment loads");
    if (rc == RMN_OK)
        rmn_experiment_free(&e);
    remove(exp_path);
    remove(tmpdir);
    free(thesis);
    return tap_done();
}
