/* api.h -- rmn-ui's read-only views of the run store, as the HTTP server answers them but without
 * it (tests call them directly). Every answer is JSON built from the store's and the report's
 * read functions (no SQL here):
 *   /api/version                 {"rmn", "git", "store", "schema"}
 *   /api/experiments             [{name, description, created_ms, runs, running, finished,
 *                                  failed, killed}] by name
 *   /api/runs[?experiment=E]     [run] newest first: `rmn-exp list --json`'s objects
 *                                  (accuracies as fractions in fields ending _frac) with "params"
 *                                  {key: value}, "tags" {key: value} and "metrics" {key: value at
 *                                  the last epoch}
 *   /api/run/RUN                 {"run": the run with its provenance, "params", "tags",
 *                                  "metrics": curves, "evals": [{..., "classes", "confusion"
 *                                  (rows = true class, counts)}], "members": ensemble members with
 *                                  their test evals, "artifacts"}; RUN as rmn_store_run_resolve
 *   /api/metrics?runs=RUN,RUN    {"runs": [{run_id, name, status, epochs, "metrics": curves}]}
 *   /api/report[?experiment=E][&split=val|test][&runs=RUN,RUN]
 *                                {"split", "tables": [{name, caption, html}]}: rmn-report's
 *                                  tables (zoo, ensemble, perclass, stats) rendered by
 *                                  rmn_table_write_html, so the numbers are rmn-report's
 * Curves: {"epochs": [e...], "keys": [k...], "values": {k: [v per epoch, null when absent]}}.
 * Errors are {"error": MESSAGE}, never with the source place (core/error.h), with 400 (bad
 * argument), 404 (no such endpoint, run, experiment or nothing to report) or 500 (the store
 * failed). */
#ifndef RMN_UI_API_H
#define RMN_UI_API_H

#include "store/store.h"

#include <stddef.h>

typedef struct {
    int         status; /* HTTP status */
    const char *type;   /* Content-Type (static) */
    char       *body;   /* owned: free() */
    size_t      len;
} rmn_ui_reply;

/* The value of query argument key, or NULL (the server's lookup). */
typedef const char *(*rmn_ui_arg_fn)(void *ctx, const char *key);

/* Answers a GET of path (starting with /api/) into *reply. Returns the status of the work behind
 * it (RMN_OK, or the error the reply reports); RMN_ENOMEM with an empty reply when not even an
 * error could be built. */
int rmn_ui_api(rmn_store *s, const char *path, rmn_ui_arg_fn arg, void *ctx, rmn_ui_reply *reply);

#endif
