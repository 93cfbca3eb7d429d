/* convention.c -- the command-line convention of the programs (convention.h): options, help,
 * version, usage errors, failures, and the printer of the library's messages. */
#include "config.h"

#include "cli/convention.h"

#include "core/args.h"
#include "core/env.h"
#include "core/error.h"
#include "core/log.h"
#include "core/provenance.h"
#include "core/suggest.h"
#include "tensor/backend.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LONGOPTS 96
#define OPT_HELP    0x10000 /* beyond characters and the programs' own enums (from 256) */
#define OPT_VERSION 0x10001

void rmn_cli_init(rmn_cli *cli, const char *name, const char *usage) {
    cli->name = name;
    cli->usage = usage;
    cli->status = 0;
    cli->version = 0;
    const char *debug = rmn_env_get("RMN_DEBUG");
    rmn_error_show_places(debug && *debug && strcmp(debug, "0") != 0);
    rmn_log_set_handler(rmn_cli_print_log, NULL);
}

void rmn_cli_print_log(int level, const char *line, void *user) {
    (void)level;
    (void)user;
    fprintf(stderr, "%s\n", line);
    fflush(stderr);
}

rmn_precision rmn_cli_precision(const rmn_cli *cli, rmn_precision want, const char *backend) {
    if (want == RMN_PRECISION_FP32)
        return want;
    const rmn_backend *b = backend ? rmn_backend_find(backend) : rmn_backend_default();
    if (b && rmn_backend_precision_check(b, want) == RMN_OK)
        return want;
    fprintf(stderr, "%s: warning: %s; computing in fp32\n", cli->name, rmn_error_message());
    fflush(stderr);
    return RMN_PRECISION_FP32;
}

int rmn_cli_help(const rmn_cli *cli) {
    fputs(cli->usage, stdout);
    return fflush(stdout) == 0 ? 0 : 1;
}

void rmn_cli_version(const rmn_cli *cli, FILE *out) {
    fprintf(out, "%s (rmn) %s\ncommit: %s\nbuild: %s\n", cli->name, PACKAGE_VERSION,
            RMN_GIT_DESCRIBE, rmn_provenance_build_config());
}

int rmn_cli_usage_error(rmn_cli *cli, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", cli->name);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s --help' for more information.\n", cli->name);
    return cli->status = 2;
}

int rmn_cli_long(rmn_cli *cli, const char *option, const char *arg, long lo, long hi, long *out) {
    if (rmn_parse_long(arg, lo, hi, out))
        return 0;
    return rmn_cli_usage_error(cli, "%s needs an integer %ld..%ld, not '%s'", option, lo, hi, arg);
}

int rmn_cli_fail(const rmn_cli *cli) {
    fprintf(stderr, "%s: error: %s\n", cli->name, rmn_error_message());
    return 1;
}

/* The program's options plus help and version, built once per table (mains call this with
 * one or two static tables). */
static const struct option *merged_options(const struct option *longopts) {
    static const struct option *from;
    static struct option all[MAX_LONGOPTS + 3];
    if (from == longopts && from)
        return all;
    int n = 0;
    for (const struct option *o = longopts; o && o->name; ++o) {
        if (strcmp(o->name, "help") == 0 || strcmp(o->name, "version") == 0)
            continue;
        RMN_ASSERT(n < MAX_LONGOPTS);
        all[n++] = *o;
    }
    all[n++] = (struct option){"help", no_argument, NULL, OPT_HELP};
    all[n++] = (struct option){"version", no_argument, NULL, OPT_VERSION};
    all[n] = (struct option){NULL, 0, NULL, 0};
    from = longopts;
    return all;
}

/* The option a failed getopt_long call was about, as the user wrote it: "--name" (without
 * "=value") or "-c". A long option always moves optind past itself; a short one in the middle
 * of a cluster ("-xq") does not, so argv[optind - 1] names a long option only when getopt
 * gave no character (unknown long option), the text has a value (one not taken) or the
 * value was missing (at the end of argv). */
static int option_text(int c, char **argv, char *buf, size_t cap) {
    const char *a = optind > 0 ? argv[optind - 1] : NULL;
    int is_long = a && strncmp(a, "--", 2) == 0 && (optopt == 0 || c == ':' || strchr(a, '='));
    if (is_long) {
        size_t len = strcspn(a, "=");
        snprintf(buf, cap, "%.*s", (int)(len < 200 ? len : 200), a);
    } else {
        snprintf(buf, cap, "-%c", optopt > 32 && optopt < 127 ? optopt : '?');
    }
    return is_long;
}

/* An unknown long option: the options it abbreviates when it is ambiguous, else the closest
 * one when it looks like a typo. */
static void unknown_long(rmn_cli *cli, const char *opt, const struct option *all) {
    const char *names[MAX_LONGOPTS + 3];
    char prefixed[600] = "";
    int n = 0, n_prefixed = 0;
    size_t used = 0, len = strlen(opt + 2);
    for (const struct option *o = all; o->name; ++o) {
        names[n++] = o->name;
        if (len > 0 && strncmp(o->name, opt + 2, len) == 0 && used < sizeof prefixed - 1) {
            int w = snprintf(prefixed + used, sizeof prefixed - used, "%s--%s",
                             n_prefixed++ ? ", " : "", o->name);
            used = w < 0 ? used : used + (size_t)w;
        }
    }
    const char *close = rmn_suggest_closest(opt + 2, names, n);
    if (n_prefixed > 1)
        rmn_cli_usage_error(cli, "ambiguous option '%s' (%s)", opt, prefixed);
    else if (close)
        rmn_cli_usage_error(cli, "unknown option '%s'; did you mean '--%s'?", opt, close);
    else
        rmn_cli_usage_error(cli, "unknown option '%s'", opt);
}

int rmn_cli_getopt(rmn_cli *cli, int argc, char **argv, const char *shortopts,
                   const struct option *longopts) {
    char shorts[128];
    if (shortopts && (*shortopts == ':' || *shortopts == '+'))
        ++shortopts;
    snprintf(shorts, sizeof shorts, ":%sh", shortopts ? shortopts : "");
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, shorts, merged_options(longopts), NULL)) == OPT_VERSION)
        cli->version = 1; /* said at the end */
    char opt[256];
    switch (c) {
    case -1:
        if (!cli->version)
            return -1;
        rmn_cli_version(cli, stdout);
        cli->status = 0;
        return RMN_CLI_EXIT;
    case 'h':
    case OPT_HELP:
        cli->status = rmn_cli_help(cli);
        return RMN_CLI_EXIT;
    case ':':
        option_text(c, argv, opt, sizeof opt);
        rmn_cli_usage_error(cli, "option '%s' needs a value", opt);
        return RMN_CLI_EXIT;
    case '?':
        if (option_text(c, argv, opt, sizeof opt) && optopt != 0)
            rmn_cli_usage_error(cli, "option '%s' takes no value", opt);
        else if (strncmp(opt, "--", 2) == 0)
            unknown_long(cli, opt, merged_options(longopts));
        else
            rmn_cli_usage_error(cli, "unknown option '%s'", opt);
        return RMN_CLI_EXIT;
    default:
        return c;
    }
}
