/* provenance.c -- collects the provenance strings of a run (see provenance.h).
 * This file includes OpenBLAS's cblas.h for openblas_get_config(), so it must never include a
 * GSL header (the two declare the same CBLAS enums). */
#include "config.h"

#include "core/provenance.h"

#include "core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_OPENBLAS_GET_CONFIG
#include <cblas.h>
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

#ifndef RMN_GIT_DESCRIBE
#define RMN_GIT_DESCRIBE "unknown"
#endif
#ifndef RMN_CONFIGURE_ARGS
#define RMN_CONFIGURE_ARGS ""
#endif
#ifndef RMN_CC
#define RMN_CC "cc"
#endif

// --- static strings ---------------------------------------------------------------------------

const char *rmn_provenance_tool_version(void) {
    return RMN_GIT_DESCRIBE " (rmn " PACKAGE_VERSION ")";
}

#if defined(__SANITIZE_ADDRESS__)
#define RMN_BUILD_SAN " sanitizers=address"
#else
#define RMN_BUILD_SAN ""
#endif
#if defined(__OPTIMIZE__)
#define RMN_BUILD_OPT " optimized"
#else
#define RMN_BUILD_OPT " unoptimized"
#endif
#if defined(_OPENMP)
#define RMN_BUILD_OMP " openmp"
#else
#define RMN_BUILD_OMP ""
#endif
#ifdef RMN_CFLAGS
#define RMN_BUILD_CFLAGS "; CFLAGS=" RMN_CFLAGS
#else
#define RMN_BUILD_CFLAGS ""
#endif

const char *rmn_provenance_build_config(void) {
    return "configure " RMN_CONFIGURE_ARGS "; CC=" RMN_CC "; compiler " __VERSION__ ";"
           RMN_BUILD_OPT RMN_BUILD_OMP RMN_BUILD_SAN RMN_BUILD_CFLAGS;
}

int64_t rmn_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

// --- helpers ----------------------------------------------------------------------------------

/* Strips trailing whitespace in place. */
static void rstrip(char *s) {
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
}

/* Copies src into dst (cap bytes), truncating. */
static void copy_trunc(char *dst, size_t cap, const char *src) {
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Writes dir single-quoted for /bin/sh into buf; 0 when it does not fit. */
static int shell_quote(const char *dir, char *buf, size_t cap) {
    size_t k = 0;
    if (cap < 3)
        return 0;
    buf[k++] = '\'';
    for (const char *p = dir; *p; ++p) {
        if (*p == '\'') {
            if (k + 5 >= cap)
                return 0;
            memcpy(buf + k, "'\\''", 4);
            k += 4;
        } else {
            if (k + 2 >= cap)
                return 0;
            buf[k++] = *p;
        }
    }
    buf[k++] = '\'';
    buf[k] = '\0';
    return 1;
}

/* Runs cmd, keeps the first line of its output in line; returns 1 when it exited 0. Also counts
 * the lines of output in *n_lines when not NULL. */
static int run_first_line(const char *cmd, char *line, size_t cap, int *n_lines) {
    FILE *p = popen(cmd, "r");
    char buf[1024];
    int n = 0;
    if (!p)
        return 0;
    line[0] = '\0';
    while (fgets(buf, sizeof buf, p)) {
        if (n == 0)
            copy_trunc(line, cap, buf);
        if (strchr(buf, '\n'))
            ++n;
    }
    int st = pclose(p);
    rstrip(line);
    if (n_lines)
        *n_lines = n;
    return st == 0;
}

/* HEAD and dirty flag of the checkout at dir; 1 when dir is a checkout. */
static int git_state(const char *dir, char commit[64], int *dirty) {
    char q[1024], cmd[1200], line[256];
    int n_lines = 0;
    if (!dir || !*dir || !shell_quote(dir, q, sizeof q))
        return 0;
    snprintf(cmd, sizeof cmd, "git -C %s rev-parse HEAD 2>/dev/null", q);
    if (!run_first_line(cmd, line, sizeof line, NULL) || strlen(line) < 40)
        return 0;
    copy_trunc(commit, 64, line);
    snprintf(cmd, sizeof cmd, "git -C %s status --porcelain --untracked-files=no 2>/dev/null", q);
    if (run_first_line(cmd, line, sizeof line, &n_lines))
        *dirty = n_lines > 0;
    else
        *dirty = -1;
    return 1;
}

static char *cpu_model_name(void) {
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    char *out = NULL;
    if (!f)
        return NULL;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "model name", 10) == 0) {
            char *colon = strchr(line, ':');
            if (colon) {
                char *v = colon + 1;
                while (*v == ' ' || *v == '\t')
                    ++v;
                rstrip(v);
                out = strdup(v);
            }
            break;
        }
    }
    fclose(f);
    return out;
}

// --- collect ----------------------------------------------------------------------------------

int rmn_provenance_collect(rmn_provenance *p) {
    memset(p, 0, sizeof *p);
    p->git_dirty = -1;

    p->tool_version = strdup(rmn_provenance_tool_version());
    p->build_config = strdup(rmn_provenance_build_config());

    char commit[64];
    int dirty = -1;
    const char *dirs[3] = {rmn_env_get("RMN_SRCDIR"), NULL, "."};
#ifdef RMN_SRCDIR
    dirs[1] = RMN_SRCDIR;
#endif
    for (int i = 0; i < 3; ++i) {
        if (git_state(dirs[i], commit, &dirty)) {
            p->git_commit = strdup(commit);
            p->git_dirty = dirty;
            if (!p->git_commit)
                goto oom;
            break;
        }
    }

    struct utsname u;
    char hostname[256] = "unknown", host[1024];
    if (gethostname(hostname, sizeof hostname) != 0)
        snprintf(hostname, sizeof hostname, "unknown");
    hostname[sizeof hostname - 1] = '\0';
    if (uname(&u) == 0)
        snprintf(host, sizeof host, "%s (%s %s %s)", hostname, u.sysname, u.release, u.machine);
    else
        snprintf(host, sizeof host, "%s", hostname);
    p->host = strdup(host);

    p->cpu_model = cpu_model_name();

#ifdef HAVE_OPENBLAS_GET_CONFIG
    {
        char blas[512];
        const char *cfg = openblas_get_config();
        const char *core = openblas_get_corename();
        snprintf(blas, sizeof blas, "%s; core %s; threads %d", cfg ? cfg : "?",
                 core ? core : "?", openblas_get_num_threads());
        p->blas_config = strdup(blas);
        if (!p->blas_config)
            goto oom;
    }
#endif

#ifdef _OPENMP
    p->n_threads = omp_get_max_threads();
#else
    p->n_threads = 1;
#endif

    if (!p->tool_version || !p->build_config || !p->host)
        goto oom;
    return RMN_OK;
oom:
    rmn_provenance_free(p);
    return RMN_ERROR(RMN_ENOMEM, "out of memory collecting provenance");
}

void rmn_provenance_free(rmn_provenance *p) {
    if (!p)
        return;
    free(p->tool_version);
    free(p->git_commit);
    free(p->build_config);
    free(p->host);
    free(p->cpu_model);
    free(p->blas_config);
    memset(p, 0, sizeof *p);
    p->git_dirty = -1;
}
