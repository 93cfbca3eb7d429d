/* paths.c -- lookup of cascades and of the shipped emotion model (see paths.h). */
#include "detect/paths.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef RMN_DATADIR
#define RMN_DATADIR "/usr/local/share/rmn"
#endif
#ifndef RMN_SRCDIR
#define RMN_SRCDIR "."
#endif

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
    const char *env = getenv("RMN_CASCADE");
    return env && *env ? env : RMN_DETECT_DEFAULT_CASCADE;
}

const char *rmn_detect_model_path(const char *given, char *buf, size_t cap, char *looked, size_t lcap) {
    if (given)
        return given;
    const char *env = getenv("RMN_MODEL");
    if (env && *env)
        return env;
    /* $RMN_MODELS_DIR replaces the installed and source-tree directories */
    const char *dir_env = getenv("RMN_MODELS_DIR");
    const char *dirs[2] = {RMN_DATADIR "/models", RMN_SRCDIR "/models"};
    int ndirs = 2;
    if (dir_env && *dir_env)
        dirs[0] = dir_env, ndirs = 1;
    size_t used = (size_t)snprintf(looked, lcap, "--model, $RMN_MODEL (unset)");
    for (int i = 0; i < ndirs; ++i) {
        snprintf(buf, cap, "%s/default.safetensors", dirs[i]);
        if (is_file(buf))
            return buf;
        if (used < lcap)
            used += (size_t)snprintf(looked + used, lcap - used, "%s%s", i ? " and " : ", ", buf);
    }
    return NULL;
}
