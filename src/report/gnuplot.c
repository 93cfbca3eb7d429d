/* gnuplot.c -- finding and running gnuplot over a pipe, errors with the script line
 * (gnuplot.h). */
#include "config.h"

#include "report/gnuplot.h"

#include "core/error.h"
#include "report/sbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef RMN_GNUPLOT_DEFAULT
#define RMN_GNUPLOT_DEFAULT "gnuplot"
#endif

static int on_path(const char *prog) {
    if (strchr(prog, '/'))
        return access(prog, X_OK) == 0;
    const char *path = rmn_env_get("PATH");
    if (!path)
        path = "/usr/bin:/bin";
    char buf[4096];
    for (const char *p = path; *p;) {
        const char *q = strchr(p, ':');
        size_t l = q ? (size_t)(q - p) : strlen(p);
        if (snprintf(buf, sizeof buf, "%.*s/%s", (int)l, l ? p : ".", prog) < (int)sizeof buf &&
            access(buf, X_OK) == 0)
            return 1;
        if (!q)
            break;
        p = q + 1;
    }
    return 0;
}

int rmn_gnuplot_find(const char **program) {
    const char *env = rmn_env_get("RMN_GNUPLOT");
    if (env && *env) {
        *program = env;
        if (!on_path(env))
            return RMN_ERROR(RMN_ENOTFOUND, "gnuplot not found: RMN_GNUPLOT=%s is not an "
                                            "executable program", env);
        return RMN_OK;
    }
    if (on_path(RMN_GNUPLOT_DEFAULT)) {
        *program = RMN_GNUPLOT_DEFAULT;
        return RMN_OK;
    }
    *program = "gnuplot";
    if (on_path("gnuplot"))
        return RMN_OK;
    return RMN_ERROR(RMN_ENOTFOUND, "gnuplot not found (neither %s nor gnuplot on PATH); "
                                    "install gnuplot (Debian: gnuplot-nox) or set RMN_GNUPLOT",
                     RMN_GNUPLOT_DEFAULT);
}

/* 'text' quoted for sh */
static void sh_quote(rmn_sbuf *b, const char *s) {
    rmn_sbuf_puts(b, "'");
    for (; *s; ++s) {
        if (*s == '\'')
            rmn_sbuf_puts(b, "'\\''");
        else
            rmn_sbuf_printf(b, "%c", *s);
    }
    rmn_sbuf_puts(b, "'");
}

/* text of line `line` (1-based) of script into buf */
static void script_line(const char *script, long line, char *buf, size_t cap) {
    const char *p = script;
    for (long i = 1; i < line && p; ++i) {
        p = strchr(p, '\n');
        if (p)
            ++p;
    }
    if (!p || line < 1) {
        snprintf(buf, cap, "?");
        return;
    }
    size_t l = strcspn(p, "\n");
    snprintf(buf, cap, "%.*s", (int)(l < cap - 1 ? l : cap - 1), p);
}

/* gnuplot's stderr on one line: the "NAME.gp" line N: message part, without the caret lines */
static int gnuplot_failure(const char *dir, const char *name, const char *script, const char *err,
                           int status) {
    char marker[600];
    snprintf(marker, sizeof marker, "\"%s.gp\" line ", name);
    const char *at = strstr(err, marker);
    if (at) {
        char *end = NULL;
        long line = strtol(at + strlen(marker), &end, 10);
        const char *msg = end && *end == ':' ? end + 1 : "";
        while (*msg == ' ')
            ++msg;
        char text[256];
        script_line(script, line, text, sizeof text);
        return RMN_ERROR(RMN_EINTERNAL, "gnuplot failed: %s/%s.gp line %ld: %.*s (script line: %s)",
                         dir, name, line, (int)strcspn(msg, "\n"), msg, text);
    }
    /* no line: the last non-empty line of its output */
    const char *last = "", *p = err;
    size_t last_len = 0;
    while (*p) {
        size_t l = strcspn(p, "\n");
        if (l > 0) {
            last = p;
            last_len = l;
        }
        p += l + (p[l] == '\n');
    }
    return RMN_ERROR(RMN_EINTERNAL, "gnuplot failed on %s/%s.gp (exit status %d): %.*s", dir, name,
                     status, (int)last_len, last);
}

int rmn_gnuplot_run(const char *dir, const char *name, const char *script) {
    const char *prog;
    RMN_TRY(rmn_gnuplot_find(&prog));
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s.gp", dir, name) >= (int)sizeof path)
        return RMN_ERROR(RMN_EINVAL, "figure path too long: %s/%s.gp", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        return RMN_ERROR(RMN_EIO, "%s: cannot create the gnuplot script", path);
    fputs(script, f);
    if (fclose(f) != 0)
        return RMN_ERROR(RMN_EIO, "%s: write failed", path);

    rmn_sbuf cmd = {0};
    rmn_sbuf_puts(&cmd, "cd ");
    sh_quote(&cmd, dir);
    rmn_sbuf_puts(&cmd, " && exec ");
    sh_quote(&cmd, prog);
    rmn_sbuf_puts(&cmd, " ");
    char gp[600];
    snprintf(gp, sizeof gp, "%s.gp", name);
    sh_quote(&cmd, gp);
    rmn_sbuf_puts(&cmd, " 2>&1 </dev/null");
    char *command;
    RMN_TRY(rmn_sbuf_take(&cmd, &command));
    fflush(NULL);
    FILE *p = popen(command, "r");
    free(command);
    if (!p)
        return RMN_ERROR(RMN_EIO, "cannot start %s for %s", prog, path);
    rmn_sbuf out = {0};
    char buf[1024];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf - 1, p)) > 0) {
        buf[got] = '\0';
        if (out.len < 65536)
            rmn_sbuf_puts(&out, buf);
    }
    int status = pclose(p);
    char *err;
    RMN_TRY(rmn_sbuf_take(&out, &err));
    int e = RMN_OK;
    if (status == -1)
        e = RMN_ERROR(RMN_EIO, "waiting for %s on %s failed", prog, path);
    else if (!WIFEXITED(status))
        e = RMN_ERROR(RMN_EINTERNAL, "gnuplot (%s) was killed by signal %d on %s", prog,
                      WIFSIGNALED(status) ? WTERMSIG(status) : 0, path);
    else if (WEXITSTATUS(status) == 127)
        e = RMN_ERROR(RMN_ENOTFOUND, "gnuplot (%s) could not be started for %s", prog, path);
    else if (WEXITSTATUS(status) != 0)
        e = gnuplot_failure(dir, name, script, err ? err : "", WEXITSTATUS(status));
    free(err);
    return e;
}

int rmn_gnuplot_png_to_pdf(const char *dir, const char *name, int w, int h) {
    for (const char *c = name; *c; ++c)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '.' || *c == '_' || *c == '-'))
            return RMN_ERROR(RMN_EINVAL, "%s: a figure name of letters, digits, '.', '_' and "
                             "'-' is needed for gnuplot", name);
    char script[1024];
    snprintf(script, sizeof script,
             "set terminal pdfcairo size %.4fin,%.4fin\n"
             "set output '%s.pdf'\n"
             "set lmargin 0; set rmargin 0; set tmargin 0; set bmargin 0\n"
             "unset border; unset tics; unset key\n"
             "set xrange [-0.5:%d.5]; set yrange [-0.5:%d.5]\n"
             "plot '%s.png' binary filetype=png with rgbimage\n",
             w / 96.0, h / 96.0, name, w - 1, h - 1, name);
    return rmn_gnuplot_run(dir, name, script);
}
