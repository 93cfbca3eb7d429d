/* rmn-ui.c -- the run store in a browser: a small read-only web server on this machine.
 *   rmn-ui [--db FILE] [--port N] [--bind ADDR]
 * Opens the store read-only (RMN_STORE_READ: a missing store is an error, nothing is created),
 * listens on 127.0.0.1 (default port 8017; 0 = any free one), prints the address and serves
 * until SIGINT/SIGTERM. The pages: src/ui/www/ (docs/UI.md); the server: src/ui/server.h.
 * Exit status: 0 ok (stopped by a signal), 1 runtime error, 2 usage (core/cli.h). */
#include "config.h"

#include "core/args.h"
#include "cli/convention.h"
#include "core/error.h"
#include "store/store.h"
#include "ui/server.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#define RMN_UI_DEFAULT_PORT 8017
#define STR_(x) #x
#define STR(x) STR_(x)

static const char USAGE[] =
    "Usage: rmn-ui [--db FILE] [--port N] [--bind ADDR]\n"
    "Serve the run store read-only to a web browser.\n"
    "Its pages show the experiments and runs (status, parameters, metrics; sortable,\n"
    "filterable), live training curves, runs' curves overlaid, confusion matrices, evaluations,\n"
    "ensembles and rmn-report's tables, at http://ADDR:PORT/ until interrupted (Ctrl-C).\n"
    "Nothing is ever written (docs/UI.md).\n"
    "\n"
    "Options:\n"
    "  --db FILE          run store, opened read-only (default: $RMN_DB, else rmn.db)\n"
    "  --port N           TCP port (default " STR(RMN_UI_DEFAULT_PORT) "; 0: any free port,\n"
    "                     printed at start)\n"
    "  --bind ADDR        numeric address to listen on (default 127.0.0.1: this machine\n"
    "                     only; 0.0.0.0 or :: expose the store to the network)\n"
    "  -h, --help         display this help and exit\n"
    "  --version          display the version, commit and build options and exit\n"
    "\n"
    "Accuracies are percent on the pages, fractions in the JSON API (fields named *_frac).\n"
    "Exit status: 0 success (stopped by a signal), 1 error, 2 usage.\n";

int main(int argc, char **argv) {
    enum { O_DB = 256, O_PORT, O_BIND };
    static const struct option opts[] = {{"db", required_argument, NULL, O_DB},
                                         {"port", required_argument, NULL, O_PORT},
                                         {"bind", required_argument, NULL, O_BIND},
                                         {NULL, 0, NULL, 0}};
    rmn_cli cli;
    rmn_cli_init(&cli, "rmn-ui", USAGE);
    rmn_ui_options o = {.bind = "127.0.0.1", .port = RMN_UI_DEFAULT_PORT};
    const char *db = NULL;
    int c;
    while ((c = rmn_cli_getopt(&cli, argc, argv, "", opts)) != -1) {
        switch (c) {
        case O_DB: db = optarg; break;
        case O_PORT:
            if (!rmn_parse_int(optarg, 0, 65535, &o.port))
                return rmn_cli_usage_error(&cli, "--port takes 0 to 65535, not '%s'", optarg);
            break;
        case O_BIND: o.bind = optarg; break;
        default: return cli.status; /* help, version or a usage error, said */
        }
    }
    if (optind < argc)
        return rmn_cli_usage_error(&cli, "unexpected argument '%s'", argv[optind]);
    if (!db)
        db = rmn_store_default_path();

    rmn_store *s = NULL;
    rmn_store_options ro = {.mode = RMN_STORE_READ};
    if (rmn_store_open_opts(db, &ro, &s) != RMN_OK)
        return rmn_cli_fail(&cli);
    /* the server's thread inherits the mask: only this thread takes the signals */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    rmn_ui_server *srv = NULL;
    if (rmn_ui_start(s, &o, &srv) != RMN_OK) {
        rmn_cli_fail(&cli);
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
