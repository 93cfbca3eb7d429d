/* convention.h -- the command-line convention every rmn program follows, in one place (program
 * side: the programs link it from src/cli/librmncli.a, librmn does not hold it):
 *   --help, -h     the program's usage text on standard output, exit 0
 *   --version      "PROGRAM (rmn) VERSION", then the commit and the build options, exit 0
 *   usage errors   "PROGRAM: MESSAGE" naming the option or argument, then
 *                  "Try 'PROGRAM --help' for more information.", exit 2
 *   other errors   "PROGRAM: error: MESSAGE", exit 1; the source place of the error ends the
 *                  message only under RMN_DEBUG=1 (core/error.h)
 *   library messages  each line of core/log.h (warnings, other ranks' errors) on stderr as it is
 * A program keeps its own usage text and option table and reads its options with
 * rmn_cli_getopt, which adds --help, -h and --version to them:
 *
 *     rmn_cli cli;
 *     rmn_cli_init(&cli, "rmn-foo", USAGE);
 *     while ((c = rmn_cli_getopt(&cli, argc, argv, "o:", longopts)) != -1)
 *         switch (c) {
 *         case 'o': out = optarg; break;
 *         default: return cli.status; // RMN_CLI_EXIT: help, version or a usage error, said
 *         }
 *     if (optind != argc - 1) return rmn_cli_usage_error(&cli, "exactly one FILE is needed");
 *     if (work() != RMN_OK) return rmn_cli_fail(&cli);
 *
 * The man pages are made from --help (help2man), so the usage text is the manual: its first
 * lines are the synopsis ("Usage: rmn-foo ...", then "  or:  rmn-foo ..."), the next line a
 * one-line summary (the man page's NAME), then paragraphs, "Options:" and the options,
 * indented by two spaces and described after them. Process-wide state (getopt's): for mains. */
#ifndef RMN_CLI_CONVENTION_H
#define RMN_CLI_CONVENTION_H

#include <getopt.h>
#include <stdio.h>

#include "core/precision.h"

/* rmn_cli_getopt's answer once the command line is done with: return cli.status from main. */
#define RMN_CLI_EXIT (-2)

typedef struct {
    const char *name;  /* "rmn-exp" */
    const char *usage; /* the whole --help text */
    int         status; /* after RMN_CLI_EXIT: 0 (help, version) or 2 (usage error) */
    int         version; /* after RMN_CLI_EXIT: 1 when it was --version */
} rmn_cli;

/* Sets the program up: name and usage; RMN_DEBUG=1 in the environment shows error places; the
 * library's messages (core/log.h) are printed on stderr from now on (rmn_cli_print_log). */
void rmn_cli_init(rmn_cli *cli, const char *name, const char *usage);

/* getopt_long over the program's options plus --help, -h and --version (a program's own
 * "help" or "version" entries are overridden), with getopt's messages silenced. Returns the
 * option's value as getopt_long does, -1 at the end, or RMN_CLI_EXIT after printing the help
 * (at once), the version (at the end of the options: a program may add to it, as rmn-exp
 * --version --build-info does) or a usage error naming the option ("unknown option '--fo';
 * did you mean '--for'?", "ambiguous option '--e' (--epochs, --experiment)", "option '--db'
 * needs a value", "option '--json' takes no value"); cli->status is then the exit status.
 * At most 96 long options. */
int rmn_cli_getopt(rmn_cli *cli, int argc, char **argv, const char *shortopts,
                   const struct option *longopts);

/* "PROGRAM: MESSAGE" and the pointer to --help on stderr; returns 2 (also sets cli->status). */
int rmn_cli_usage_error(rmn_cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* An integer option's value: arg read whole into *out when it is an integer lo..hi, returning
 * 0; else the usage error "OPTION needs an integer LO..HI, not 'ARG'", returning 2 (the range
 * the message names is the one checked):
 *     case 'e': if (rmn_cli_long(&cli, "--epochs", optarg, 1, 100000, &epochs)) return 2; */
int rmn_cli_long(rmn_cli *cli, const char *option, const char *arg, long lo, long hi, long *out);

/* "PROGRAM: error: " and rmn_error_message() on stderr; returns 1. */
int rmn_cli_fail(const rmn_cli *cli);

/* The usage text on stdout; returns 0. */
int rmn_cli_help(const rmn_cli *cli);

/* The log handler rmn_cli_init installs: the line and a newline on stderr. */
void rmn_cli_print_log(int level, const char *line, void *user);

/* The precision a program computes in for --precision want on the backend named backend (NULL:
 * the default one): want when it can; otherwise (bf16 on ref or cpu, or on a CPU without
 * AVX512_BF16/AMX) "PROGRAM: warning: MESSAGE; computing in fp32" on stderr and fp32 -- the
 * library refuses with an error value, the programs go on in fp32 (docs/PRECISION.md). */
rmn_precision rmn_cli_precision(const rmn_cli *cli, rmn_precision want, const char *backend);

/* The --version text: "PROGRAM (rmn) VERSION\ncommit: GIT-DESCRIBE\nbuild: BUILD-CONFIG\n". */
void rmn_cli_version(const rmn_cli *cli, FILE *out);

#endif
