/* datadir.c -- see datadir.h. */
#include "core/datadir.h"
#include "core/error.h"
#include "core/env.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef RMN_DATADIR
#define RMN_DATADIR "/usr/local/share/rmn"
#endif
#ifndef RMN_BINDIR
#define RMN_BINDIR "/usr/local/bin"
#endif
#ifndef RMN_SRCDIR
#define RMN_SRCDIR "."
#endif
#ifndef RMN_BUILDDIR
#define RMN_BUILDDIR "."
#endif

/* The folder of this process's executable, resolved; "" when unknown. */
static void exe_dir(char *buf, size_t cap) {
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    buf[0] = '\0';
    if (n <= 0)
        return;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash)
        snprintf(buf, cap, "%.*s", (int)(slash - exe), exe);
}

/* 1 when path (resolved) lies inside dir (resolved). */
static int inside(const char *path, const char *dir) {
    char d[PATH_MAX];
    if (!realpath(dir, d))
        return 0;
    size_t n = strlen(d);
    return strncmp(path, d, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* DATADIR as seen from an executable in `bin`: when the configured BIN and DATADIR share a
 * prefix P (BIN = P/b, DATADIR = P/d) and bin ends in /b, then bin-without-b/d. */
static int relocated(const char *bin, char *out, size_t cap) {
    const char *b = RMN_BINDIR, *d = RMN_DATADIR;
    size_t common = 0;
    for (size_t i = 0; b[i] && b[i] == d[i]; ++i)
        if (b[i] == '/')
            common = i;
    const char *b_rel = b + common, *d_rel = d + common; /* "/bin", "/share/rmn" */
    size_t nb = strlen(bin), nr = strlen(b_rel);
    if (common == 0 || nb < nr || strcmp(bin + nb - nr, b_rel) != 0)
        return 0;
    snprintf(out, cap, "%.*s%s", (int)(nb - nr), bin, d_rel);
    return 1;
}

int rmn_data_dirs(rmn_data_dir dirs[RMN_DATA_MAX_DIRS]) {
    char bin[PATH_MAX];
    exe_dir(bin, sizeof bin);
    int n = 0;
    if (bin[0] && inside(bin, RMN_BUILDDIR)) { /* a program of the build tree */
        snprintf(dirs[n].path, sizeof dirs[n].path, "%s", RMN_SRCDIR), dirs[n++].source_tree = 1;
        snprintf(dirs[n].path, sizeof dirs[n].path, "%s", RMN_DATADIR), dirs[n++].source_tree = 0;
        return n;
    }
    if (bin[0] && relocated(bin, dirs[n].path, sizeof dirs[n].path) &&
        strcmp(dirs[n].path, RMN_DATADIR) != 0)
        dirs[n++].source_tree = 0;
    snprintf(dirs[n].path, sizeof dirs[n].path, "%s", RMN_DATADIR), dirs[n++].source_tree = 0;
    snprintf(dirs[n].path, sizeof dirs[n].path, "%s", RMN_SRCDIR), dirs[n++].source_tree = 1;
    return n;
}

const char *rmn_data_find(const char *installed_rel, const char *source_rel, char *buf, size_t cap) {
    rmn_data_dir dirs[RMN_DATA_MAX_DIRS];
    int n = rmn_data_dirs(dirs);
    for (int i = 0; i < n; ++i) {
        struct stat st;
        snprintf(buf, cap, "%s/%s", dirs[i].path, dirs[i].source_tree ? source_rel : installed_rel);
        if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, R_OK) == 0)
            return buf;
    }
    return NULL;
}

int rmn_cache_dir(char *buf, size_t cap) {
    const char *d = rmn_env_get("RMN_CACHE_DIR");
    int n;
    if (d && *d) {
        if (strcmp(d, "off") == 0)
            return RMN_ERROR(RMN_ENOTFOUND, "data cache disabled (RMN_CACHE_DIR=off)");
        n = snprintf(buf, cap, "%s", d);
    } else if ((d = rmn_env_get("XDG_CACHE_HOME")) && *d) {
        n = snprintf(buf, cap, "%s/rmn", d);
    } else if ((d = rmn_env_get("HOME")) && *d) {
        n = snprintf(buf, cap, "%s/.cache/rmn", d);
    } else {
        return RMN_ERROR(RMN_ENOTFOUND, "no cache directory: neither RMN_CACHE_DIR, XDG_CACHE_HOME nor HOME is set");
    }
    if (n < 0 || (size_t)n >= cap)
        return RMN_ERROR(RMN_EINVAL, "cache directory name too long");
    return RMN_OK;
}
