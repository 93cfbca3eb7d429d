/* rmn-ui.c -- the run store in a browser: a small read-only web server on this machine.
 *   rmn-ui [--db FILE] [--port N] [--bind ADDR]
 * Opens the store read-only (a missing store is an error: nothing is created), listens on
 * 127.0.0.1 (default port 8017; 0 = any free one), prints the address and serves until
 * SIGINT/SIGTERM. The pages: src/ui/www/ (docs/UI.md); the server: src/ui/server.h.
 * Exit status: 0 ok (stopped by a signal), 1 runtime error, 2 usage. */
#include "config.h"

#include "core/args.h"
#include "core/error.h"
#include "store/store.h"
#include "ui/server.h"

#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#define RMN_UI_DEFAULT_PORT 8017

static void usage(FILE *f) {
    fprintf(f,
            "usage: rmn-ui [--db FILE] [--port N] [--bind ADDR]\n"
            "  --db FILE     run store, opened read-only (default: $RMN_DB, else rmn.db)\n"
            "  --port N      TCP port (default %d; 0: any free port, printed at start)\n"
            "  --bind ADDR   numeric address to listen on (default 127.0.0.1: this machine\n"
            "                only; 0.0.0.0 or :: expose the store to the network)\n"
            "  -h, --help, --version\n"
            "Serves the experiments and runs (status, parameters, metrics; sortable,\n"
            "filterable), live training curves, runs' curves overlaid, confusion matrices,\n"
            "evaluations, ensembles and rmn-report's tables at http://ADDR:PORT/ until\n"
            "interrupted (Ctrl-C). Nothing is ever written.\n",
            RMN_UI_DEFAULT_PORT);
}

static int usage_error(const char *msg, const char *arg) {
    fprintf(stderr, "rmn-ui: error: %s%s%s%s\n", msg, arg ? " '" : "", arg ? arg : "",
            arg ? "'" : "");
    fputs("Try 'rmn-ui --help'.\n", stderr);
    return 2;
}

int main(int argc, char **argv) {
    enum { O_DB = 256, O_PORT, O_BIND, O_VERSION };
    static const struct option opts[] = {{"db", required_argument, NULL, O_DB},
                                         {"port", required_argument, NULL, O_PORT},
                                         {"bind", required_argument, NULL, O_BIND},
                                         {"help", no_argument, NULL, 'h'},
                                         {"version", no_argument, NULL, O_VERSION},
                                         {NULL, 0, NULL, 0}};
    rmn_ui_options o = {.bind = "127.0.0.1", .port = RMN_UI_DEFAULT_PORT};
    const char *db = NULL;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case O_DB: db = optarg; break;
        case O_PORT:
            if (!rmn_parse_int(optarg, 0, 65535, &o.port))
                return usage_error("--port takes 0 to 65535, not", optarg);
            break;
        case O_BIND: o.bind = optarg; break;
        case 'h': usage(stdout); return 0;
        case O_VERSION:
            printf("rmn-ui %s (rmn %s)\n", RMN_GIT_DESCRIBE, PACKAGE_VERSION);
            return 0;
        case ':': return usage_error("missing value for", argv[optind - 1]);
        default: return usage_error("unknown option", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument", argv[optind]);
    if (!db)
        db = rmn_store_default_path();

    rmn_store *s = NULL;
    rmn_store_options ro = {.read_only = 1};
    if (rmn_store_open_opts(db, &ro, &s) != RMN_OK) {
        fprintf(stderr, "rmn-ui: error: %s\n", rmn_error_message());
        return 1;
    }
    /* the server's thread inherits the mask: only this thread takes the signals */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    rmn_ui_server *srv = NULL;
    if (rmn_ui_start(s, &o, &srv) != RMN_OK) {
        fprintf(stderr, "rmn-ui: error: %s\n", rmn_error_message());
        rmn_store_close(s);
        return 1;
    }
    int v6 = strchr(o.bind, ':') != NULL;
    printf("rmn-ui: serving %s (read-only) at http://%s%s%s:%d/\n", rmn_store_path(s),
           v6 ? "[" : "", o.bind, v6 ? "]" : "", rmn_ui_port(srv));
    fflush(stdout);
    int sig = 0;
    sigwait(&stop, &sig);
    rmn_ui_stop(srv);
    rmn_store_close(s);
    fprintf(stderr, "rmn-ui: stopped (%s)\n", strsignal(sig));
    return 0;
}
