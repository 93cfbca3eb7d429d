/* test-cli.c -- the shared command-line convention (cli/convention.h) and "did you mean"
 * (core/suggest.h): what rmn_cli_getopt returns and says for help, version, unknown, ambiguous
 * and valueless options, and which names count as typos of which. */
#include "cli/convention.h"
#include "core/suggest.h"
#include "tap.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct option OPTS[] = {{"db", required_argument, NULL, 'd'},
                                     {"epochs", required_argument, NULL, 'e'},
                                     {"experiment", required_argument, NULL, 'x'},
                                     {"json", no_argument, NULL, 'j'},
                                     {NULL, 0, NULL, 0}};

/* Runs rmn_cli_getopt over argv (NULL-terminated) until it ends; returns the last answer and
 * leaves in err what it wrote on stderr, in out what it wrote on stdout. */
static int parse(rmn_cli *cli, char **argv, char *out, char *err, size_t cap) {
    int argc = 0;
    while (argv[argc])
        ++argc;
    fflush(stdout);
    fflush(stderr);
    FILE *fo = tmpfile(), *fe = tmpfile();
    int so = dup(1), se = dup(2);
    dup2(fileno(fo), 1);
    dup2(fileno(fe), 2);
    rmn_cli_init(cli, "rmn-test", "Usage: rmn-test [--db FILE]\nTest the convention.\n");
    optind = 0; /* a fresh scan */
    int c;
    while ((c = rmn_cli_getopt(cli, argc, argv, "o:", OPTS)) != -1 && c != RMN_CLI_EXIT)
        ;
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    close(so);
    close(se);
    size_t n;
    rewind(fo);
    n = fread(out, 1, cap - 1, fo);
    out[n] = '\0';
    rewind(fe);
    n = fread(err, 1, cap - 1, fe);
    err[n] = '\0';
    for (char *p = err; *p; ++p) /* one line for the TAP description */
        if (*p == '\n')
            *p = p[1] ? ' ' : '\0';
    fclose(fo);
    fclose(fe);
    return c;
}

static void test_getopt(void) {
    rmn_cli cli;
    char out[4096], err[4096];
    char *a1[] = {"rmn-test", "--db", "x.db", "--json", NULL};
    TAP_OK(parse(&cli, a1, out, err, sizeof out) == -1 && !out[0] && !err[0],
           "known options parse silently to the end");

    char *a2[] = {"rmn-test", "--json", "--help", "--bogus", NULL};
    int c = parse(&cli, a2, out, err, sizeof out);
    TAP_OK(c == RMN_CLI_EXIT && cli.status == 0 && strncmp(out, "Usage: rmn-test", 15) == 0 &&
               !err[0],
           "--help: the usage on stdout, status 0, at once (a later bad option is not read)");
    char *a3[] = {"rmn-test", "-h", NULL};
    TAP_OK(parse(&cli, a3, out, err, sizeof out) == RMN_CLI_EXIT && cli.status == 0 &&
               strncmp(out, "Usage: rmn-test", 15) == 0,
           "-h is --help");

    char *a4[] = {"rmn-test", "--version", "--json", NULL};
    c = parse(&cli, a4, out, err, sizeof out);
    TAP_OK(c == RMN_CLI_EXIT && cli.status == 0 && cli.version &&
               strncmp(out, "rmn-test (rmn) ", 15) == 0 && strstr(out, "\ncommit: ") &&
               strstr(out, "\nbuild: configure"),
           "--version: name, version, commit and build, once the other options are read: %.20s",
           out);

    char *a5[] = {"rmn-test", "--bogus=1", NULL};
    c = parse(&cli, a5, out, err, sizeof out);
    TAP_OK(c == RMN_CLI_EXIT && cli.status == 2 && strstr(err, "rmn-test: unknown option '--bogus'") &&
               strstr(err, "Try 'rmn-test --help' for more information.") && !out[0],
           "an unknown option is named, with the pointer to --help, status 2: %s", err);

    char *a6[] = {"rmn-test", "--experimnet", "e", NULL};
    parse(&cli, a6, out, err, sizeof out);
    TAP_OK(cli.status == 2 && strstr(err, "did you mean '--experiment'?"),
           "a mistyped option gets the closest one: %s", err);

    char *a7[] = {"rmn-test", "--e", "3", NULL};
    parse(&cli, a7, out, err, sizeof out);
    TAP_OK(cli.status == 2 && strstr(err, "ambiguous option '--e' (--epochs, --experiment)"),
           "an ambiguous abbreviation lists what it abbreviates: %s", err);

    char *a8[] = {"rmn-test", "--json", "--db", NULL};
    parse(&cli, a8, out, err, sizeof out);
    TAP_OK(cli.status == 2 && strstr(err, "option '--db' needs a value"),
           "a missing value is named: %s", err);

    char *a9[] = {"rmn-test", "--json=yes", NULL};
    parse(&cli, a9, out, err, sizeof out);
    TAP_OK(cli.status == 2 && strstr(err, "option '--json' takes no value"),
           "a value given to a flag is named: %s", err);

    char *a10[] = {"rmn-test", "--json", "-qo", NULL};
    parse(&cli, a10, out, err, sizeof out);
    TAP_OK(cli.status == 2 && strstr(err, "unknown option '-q'"),
           "an unknown short option in a cluster is named as such: %s", err);

    char *a11[] = {"rmn-test", "-o", NULL};
    parse(&cli, a11, out, err, sizeof out);
    TAP_OK(cli.status == 2 && strstr(err, "option '-o' needs a value"),
           "a short option's missing value is named: %s", err);

    char *a12[] = {"rmn-test", "--ep", "4", NULL};
    c = parse(&cli, a12, out, err, sizeof out);
    TAP_OK(c == -1 && !err[0], "an unambiguous abbreviation is accepted (%d) %s", c, err);
}

static void test_suggest(void) {
    const char *archs[] = {"democnn", "resnet18", "resnet34", "resmasking", "vgg19"};
    TAP_OK(strcmp(rmn_suggest_closest("resnet81", archs, 5), "resnet18") == 0,
           "a transposition is one edit: resnet81 -> resnet18");
    TAP_OK(strcmp(rmn_suggest_closest("ResMasking", archs, 5), "resmasking") == 0,
           "case is ignored");
    TAP_OK(strcmp(rmn_suggest_closest("resmask", archs, 5), "resmasking") == 0,
           "a name begun counts as close");
    TAP_OK(rmn_suggest_closest("efficientnet", archs, 5) == NULL, "nothing close: no suggestion");
    TAP_OK(rmn_suggest_closest("vg", archs, 5) == NULL,
           "short names need to be within one edit (vg is two from vgg19)");
    char buf[512];
    rmn_suggest("resnet81", archs, 5, "architectures", 3, buf, sizeof buf);
    TAP_OK(strcmp(buf, "; did you mean 'resnet18'? architectures: democnn, resnet18, resnet34, "
                       "... (5 in all)") == 0,
           "the message part: %s", buf);
    rmn_suggest("zzz", archs, 2, "architectures", 0, buf, sizeof buf);
    TAP_OK(strcmp(buf, "; architectures: democnn, resnet18") == 0, "no suggestion, all names: %s",
           buf);
    rmn_suggest("x", archs, 0, "runs", 5, buf, sizeof buf);
    TAP_OK(strcmp(buf, "; there are no runs") == 0, "no names at all: %s", buf);
    rmn_suggest("resnet81", archs, 5, "architectures", 5, buf, 20);
    TAP_OK(strlen(buf) == 19, "a short buffer is filled, not overrun (%zu)", strlen(buf));
}

int main(void) {
    test_getopt();
    test_suggest();
    return tap_done();
}
