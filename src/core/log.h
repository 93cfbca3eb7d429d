/* log.h -- the library's one way to say something that is not an error value: it never writes to
 * stderr or stdout itself. Each message is one line (no newline) handed to the handler the
 * program installs; without one it is dropped. Every rmn program installs the printer of the
 * command-line convention (cli/convention.h, rmn_cli_init): each line on stderr as it is, so the
 * texts below are what users see.
 *
 *   RMN_LOG_WARNING  something the library recovered from but a user should hear of:
 *                    "rmn: warning: MESSAGE" (rmn_warning; a JPEG decoded in spite of corrupt
 *                    bytes, a data cache that cannot be written, a run that cannot be marked
 *                    FAILED, an unknown RMN_BACKEND)
 *   RMN_LOG_ERROR    an error that cannot travel as a value: another rank's failure
 *                    ("rmn: rank R: error: MESSAGE"), the reason before a data-parallel job is
 *                    ended ("rmn: rank R of N: error: ...")
 *   RMN_LOG_DEBUG    developers' traces, only under their variables (RMN_DNNL_DEBUG)
 *
 * Progress bars and training logs are not messages: they go to the FILE * the caller passes
 * (rmn_progress_begin, rmn_train_job.log, rmn_experiment_options.log; NULL: none).
 * The handlers are process-wide; set them before threads start. */
#ifndef RMN_CORE_LOG_H
#define RMN_CORE_LOG_H

enum rmn_log_level { RMN_LOG_DEBUG, RMN_LOG_WARNING, RMN_LOG_ERROR };

/* Receives each line (no trailing newline) and its level. */
typedef void (*rmn_log_handler)(int level, const char *line, void *user);
/* Installs handler (NULL: drop every line, the library's default). */
void rmn_log_set_handler(rmn_log_handler handler, void *user);
/* Formats one line (printf-style, at most 4095 bytes) and hands it to the handler. */
void rmn_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Warnings: rmn_warning("MESSAGE") logs "rmn: warning: MESSAGE" at RMN_LOG_WARNING, unless a
 * warning handler is installed: then that handler gets MESSAGE alone instead (tests count and
 * read warnings this way). NULL removes it. */
typedef void (*rmn_warning_handler)(const char *message, void *user);
void rmn_warning_set_handler(rmn_warning_handler handler, void *user);
void rmn_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
