/* experiment_file.c -- experiment files (JSON): finding one by name (RMN_EXPERIMENTS, then the
 * data folders' experiments/), listing the names, reading its runs and ensemble; experiments of
 * one configuration file; see train_config.h. */
#include "train/train_config.h"
#include "train/config_json.h"

#include "core/datadir.h"
#include "core/error.h"
#include "core/suggest.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The folders experiment names are looked up in, in order: $RMN_EXPERIMENTS, then the data
 * folders (core/datadir.h). Returns how many. */
static int experiment_dirs(char dirs[1 + RMN_DATA_MAX_DIRS][4200]) {
    const char *env = rmn_env_get("RMN_EXPERIMENTS");
    int n = 0;
    if (env && *env)
        snprintf(dirs[n++], sizeof dirs[0], "%s", env);
    rmn_data_dir dd[RMN_DATA_MAX_DIRS];
    int nd = rmn_data_dirs(dd);
    for (int i = 0; i < nd; ++i)
        snprintf(dirs[n++], sizeof dirs[0], "%.4000s/experiments", dd[i].path);
    return n;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int rmn_experiment_names(char ***names, int *n) {
    char dirs[1 + RMN_DATA_MAX_DIRS][4200];
    int nd = experiment_dirs(dirs), cap = 0;
    *names = NULL;
    *n = 0;
    for (int i = 0; i < nd; ++i) {
        DIR *d = opendir(dirs[i]);
        for (struct dirent *e; d && (e = readdir(d));) {
            size_t len = strlen(e->d_name);
            if (len <= 5 || strcmp(e->d_name + len - 5, ".json") != 0)
                continue;
            int seen = 0;
            for (int k = 0; k < *n && !seen; ++k)
                seen = strncmp((*names)[k], e->d_name, len - 5) == 0 && (*names)[k][len - 5] == '\0';
            if (seen)
                continue;
            if (*n == cap) {
                char **grown = realloc(*names, (size_t)(cap = cap ? 2 * cap : 16) * sizeof *grown);
                if (!grown) {
                    closedir(d);
                    rmn_experiment_names_free(*names, *n);
                    return RMN_ERROR(RMN_ENOMEM, "out of memory listing experiments");
                }
                *names = grown;
            }
            if (!((*names)[*n] = strndup(e->d_name, len - 5))) {
                closedir(d);
                rmn_experiment_names_free(*names, *n);
                return RMN_ERROR(RMN_ENOMEM, "out of memory listing experiments");
            }
            ++*n;
        }
        if (d)
            closedir(d);
    }
    if (*n > 1)
        qsort(*names, (size_t)*n, sizeof **names, by_name);
    return RMN_OK;
}

void rmn_experiment_names_free(char **names, int n) {
    for (int i = 0; i < n; ++i)
        free(names[i]);
    free(names);
}

static int resolve_experiment(const char *name, char *path, size_t cap) {
    size_t len = strlen(name);
    if (len > 5 && strcmp(name + len - 5, ".json") == 0) {
        snprintf(path, cap, "%s", name);
        return access(path, R_OK) == 0 ? RMN_OK
                                       : RMN_ERROR(RMN_ENOTFOUND, "%s: cannot read experiment file", name);
    }
    for (const char *p = name; *p; ++p)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
            return RMN_ERROR(RMN_EINVAL, "experiment name \"%s\" may hold only a-z, 0-9, - and _", name);
    char dirs[1 + RMN_DATA_MAX_DIRS][4200];
    int nd = experiment_dirs(dirs);
    for (int i = 0; i < nd; ++i) {
        snprintf(path, cap, "%.3800s/%.200s.json", dirs[i], name);
        if (access(path, R_OK) == 0)
            return RMN_OK;
    }
    char **names = NULL, hint[2000] = "", looked[2000] = "";
    int n = 0;
    size_t used = 0;
    for (int i = 0; i < nd && used < sizeof looked; ++i)
        used += (size_t)snprintf(looked + used, sizeof looked - used, "%s%s", i ? ", " : "", dirs[i]);
    if (rmn_experiment_names(&names, &n) == RMN_OK)
        rmn_suggest(name, (const char *const *)names, n, "experiments", 40, hint, sizeof hint);
    rmn_experiment_names_free(names, n);
    return RMN_ERROR(RMN_ENOTFOUND, "no experiment named \"%s\" (looked in %s)%s", name, looked, hint);
}

static char *dup_string(json_t *v, const char *fallback) {
    const char *s = json_is_string(v) ? json_string_value(v) : fallback;
    return s ? strdup(s) : NULL;
}

static int load_runs(rmn_experiment *e, json_t *root, const char *path) {
    rmn_train_config base;
    rmn_train_config_defaults(&base);
    json_t *defaults = json_object_get(root, "defaults");
    if (defaults) {
        if (!json_is_object(defaults))
            return RMN_ERROR(RMN_EINVAL, "%s: \"defaults\" must be an object", path);
        RMN_TRY(rmn_train_config_apply_object(&base, defaults, path, NULL));
    }
    json_t *runs = json_object_get(root, "runs");
    if (!json_is_array(runs) || json_array_size(runs) == 0)
        return RMN_ERROR(RMN_EINVAL, "%s: \"runs\" must be a non-empty array", path);
    size_t i;
    json_t *run;
    json_array_foreach(runs, i, run) {
        if (!json_is_object(run))
            return RMN_ERROR(RMN_EINVAL, "%s: runs[%zu] must be an object", path, i);
        json_t *seeds = json_object_get(run, "seeds");
        size_t n_seeds = seeds ? json_array_size(seeds) : 1;
        if (seeds && (!json_is_array(seeds) || n_seeds == 0))
            return RMN_ERROR(RMN_EINVAL, "%s: runs[%zu].seeds must be a non-empty array", path, i);
        for (size_t s = 0; s < n_seeds; ++s) {
            rmn_train_config cfg = base;
            static const char *const skip[] = {"seeds", NULL};
            char where[4200];
            snprintf(where, sizeof where, "%s: runs[%zu]", path, i);
            RMN_TRY(rmn_train_config_apply_object(&cfg, run, where, skip));
            if (seeds) {
                json_t *sv = json_array_get(seeds, s);
                if (!json_is_integer(sv) || json_integer_value(sv) < 0)
                    return RMN_ERROR(RMN_EINVAL, "%s.seeds[%zu] must be a non-negative integer", where, s);
                cfg.seed = (uint64_t)json_integer_value(sv);
            }
            rmn_train_config *grown = realloc(e->runs, (size_t)(e->n_runs + 1) * sizeof *grown);
            if (!grown)
                return RMN_ERROR(RMN_ENOMEM, "%s: out of memory", path);
            e->runs = grown;
            e->runs[e->n_runs++] = cfg;
        }
    }
    return RMN_OK;
}

static int load_ensemble(rmn_experiment *e, json_t *ens, const char *path) {
    json_t *members = json_object_get(ens, "members"), *tta = json_object_get(ens, "tta_n");
    if (!json_is_object(ens) || !json_is_array(members) || json_array_size(members) == 0)
        return RMN_ERROR(RMN_EINVAL, "%s: \"ensemble\" needs a non-empty \"members\" array", path);
    if (tta && (!json_is_integer(tta) || json_integer_value(tta) < 0 || json_integer_value(tta) > 1000))
        return RMN_ERROR(RMN_EINVAL, "%s: ensemble.tta_n must be an integer 0..1000", path);
    e->ensemble_tta_n = tta ? (int)json_integer_value(tta) : -1;
    e->members = calloc(json_array_size(members), sizeof *e->members);
    if (!e->members)
        return RMN_ERROR(RMN_ENOMEM, "%s: out of memory", path);
    size_t i;
    json_t *m;
    json_array_foreach(members, i, m) {
        if (!json_is_string(m))
            return RMN_ERROR(RMN_EINVAL, "%s: ensemble.members[%zu] must be a model_name string", path, i);
        if (!(e->members[e->n_members++] = strdup(json_string_value(m))))
            return RMN_ERROR(RMN_ENOMEM, "%s: out of memory", path);
    }
    return RMN_OK;
}

static char *slurp_text(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        RMN_ERROR(RMN_EIO, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0, got;
    char chunk[4096];
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + got + 1 > cap) {
            cap = (len + got + 1) * 2;
            char *grown = realloc(buf, cap);
            if (!grown) {
                free(buf);
                fclose(f);
                RMN_ERROR(RMN_ENOMEM, "%s: out of memory", path);
                return NULL;
            }
            buf = grown;
        }
        memcpy(buf + len, chunk, got);
        len += got;
    }
    fclose(f);
    if (!buf && !(buf = calloc(1, 1)))
        RMN_ERROR(RMN_ENOMEM, "%s: out of memory", path);
    if (buf)
        buf[len] = '\0';
    return buf;
}

int rmn_experiment_apply_config(rmn_experiment *e, const char *config_path) {
    char *text = slurp_text(config_path);
    if (!text)
        return rmn_error_code();
    int rc = RMN_OK;
    for (int i = 0; i < e->n_runs && rc == RMN_OK; ++i)
        rc = rmn_train_config_apply_json(&e->runs[i], text, config_path);
    free(text);
    return rc;
}

int rmn_experiment_from_config(const char *config_path, const char *experiment_name, rmn_experiment *out) {
    memset(out, 0, sizeof *out);
    out->name = strdup(experiment_name);
    out->description = strdup(config_path);
    out->data = strdup("sample");
    out->runs = malloc(sizeof *out->runs);
    if (!out->name || !out->description || !out->data || !out->runs) {
        rmn_experiment_free(out);
        return RMN_ERROR(RMN_ENOMEM, "out of memory");
    }
    out->n_runs = 1;
    rmn_train_config_defaults(&out->runs[0]);
    int rc = rmn_experiment_apply_config(out, config_path);
    if (rc != RMN_OK)
        rmn_experiment_free(out);
    return rc;
}

int rmn_experiment_load(const char *name_or_path, rmn_experiment *out) {
    memset(out, 0, sizeof *out);
    char path[4096];
    RMN_TRY(resolve_experiment(name_or_path, path, sizeof path));
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return RMN_ERROR(RMN_EINVAL, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
    int rc = RMN_OK;
    if (!json_is_object(root)) {
        rc = RMN_ERROR(RMN_EINVAL, "%s: an experiment must be a JSON object", path);
        goto done;
    }
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        if (strcmp(key, "name") && strcmp(key, "description") && strcmp(key, "data") && strcmp(key, "ferplus") &&
            strcmp(key, "defaults") && strcmp(key, "runs") && strcmp(key, "ensemble")) {
            rc = RMN_ERROR(RMN_EINVAL, "%s: unknown experiment key \"%s\"", path, key);
            goto done;
        }
    }
    out->name = dup_string(json_object_get(root, "name"), name_or_path);
    out->description = dup_string(json_object_get(root, "description"), "");
    out->data = dup_string(json_object_get(root, "data"), "sample");
    out->file = strdup(path);
    json_t *ferplus = json_object_get(root, "ferplus");
    if (ferplus && (!json_is_string(ferplus) || !*json_string_value(ferplus))) {
        rc = RMN_ERROR(RMN_EINVAL, "%s: \"ferplus\" must name a file (fer2013new.csv)", path);
        goto done;
    }
    out->ferplus = ferplus ? strdup(json_string_value(ferplus)) : NULL;
    if (!out->name || !out->description || !out->data || !out->file || (ferplus && !out->ferplus)) {
        rc = RMN_ERROR(RMN_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    rc = load_runs(out, root, path);
    if (rc == RMN_OK && json_object_get(root, "ensemble"))
        rc = load_ensemble(out, json_object_get(root, "ensemble"), path);
done:
    json_decref(root);
    if (rc != RMN_OK)
        rmn_experiment_free(out);
    return rc;
}

void rmn_experiment_free(rmn_experiment *e) {
    free(e->name);
    free(e->description);
    free(e->data);
    free(e->file);
    free(e->ferplus);
    free(e->runs);
    for (int i = 0; i < e->n_members; ++i)
        free(e->members[i]);
    free(e->members);
    memset(e, 0, sizeof *e);
}
