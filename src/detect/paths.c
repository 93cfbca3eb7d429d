/* paths.c -- lookup of cascades and of the shipped emotion model (see paths.h). */
#include "detect/paths.h"

#include "core/datadir.h"
#include "core/env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const CASCADE_DIRS[] = {
    "/usr/share/opencv4/haarcascades", "/usr/share/opencv4/lbpcascades",
    "/usr/share/opencv/haarcascades",  "/usr/share/opencv/lbpcascades",
    "/usr/local/share/opencv4/haarcascades", "/usr/local/share/opencv4/lbpcascades"};

static int is_file(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

const char *rmn_detect_cascade_path(const char *name, char *buf, size_t cap) {
    if (strchr(name, '/') || is_file(name))
        return name;
    for (size_t i = 0; i < sizeof CASCADE_DIRS / sizeof *CASCADE_DIRS; ++i) {
        snprintf(buf, cap, "%s/%s", CASCADE_DIRS[i], name);
        if (is_file(buf))
            return buf;
    }
    return name;
}

const char *rmn_detect_cascade_default(void) {
    const char *env = rmn_env_get("RMN_CASCADE");
    return env && *env ? env : RMN_DETECT_DEFAULT_CASCADE;
}

const char *rmn_detect_model_path(const char *given, char *buf, size_t cap, char *looked, size_t lcap) {
    if (given)
        return given;
    const char *env = rmn_env_get("RMN_MODEL");
    if (env && *env)
        return env;
    /* $RMN_MODELS_DIR replaces the installed and source-tree directories (core/datadir.h) */
    const char *dir_env = rmn_env_get("RMN_MODELS_DIR");
    rmn_data_dir dirs[RMN_DATA_MAX_DIRS];
    int ndirs = 1;
    if (dir_env && *dir_env)
        snprintf(dirs[0].path, sizeof dirs[0].path, "%s", dir_env);
    else
        ndirs = rmn_data_dirs(dirs);
    size_t used = (size_t)snprintf(looked, lcap, "--model, $RMN_MODEL (unset)");
    for (int i = 0; i < ndirs; ++i) {
        snprintf(buf, cap, "%s/models/default.safetensors", dirs[i].path);
        if (dir_env && *dir_env)
            snprintf(buf, cap, "%s/default.safetensors", dirs[i].path);
        if (is_file(buf))
            return buf;
        if (used < lcap)
            used += (size_t)snprintf(looked + used, lcap - used, "%s%s", i ? " and " : ", ", buf);
    }
    return NULL;
}
