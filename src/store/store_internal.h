/* store_internal.h -- what the store's source files share: the connection struct, SQLite error
 * mapping and transaction helpers. Not for use outside src/store/. */
#ifndef RMN_STORE_INTERNAL_H
#define RMN_STORE_INTERNAL_H

#include "core/provenance.h"
#include "store/store.h"

#include <stddef.h>

struct rmn_store {
    sqlite3 *db;
    char    *path;
    int      busy_timeout_ms;
    int      read_only;
    int      immutable; /* read_only, opened with immutable=1 */
    int      migrate_to;
};

/* Maps a failing SQLite result to RMN_EBUSY / RMN_ESQL (or RMN_EFORMAT for a file that is not a
 * database), with a message naming the file and what was being done. */
#define STORE_SQL_ERROR(s, rc, what) \
    rmn_error_set(rmn_store_map_rc_((s), (rc)), __FILE__, __LINE__, "%s", \
                  rmn_store_sql_message_((s), (rc), (what)))
int         rmn_store_map_rc_(rmn_store *s, int rc);
const char *rmn_store_sql_message_(rmn_store *s, int rc, const char *what);

/* Prepares sql; on failure records the error and returns its status. */
int rmn_store_prepare_(rmn_store *s, const char *sql, sqlite3_stmt **st);
/* Runs a statement without results (BEGIN, COMMIT, DDL ...). */
int rmn_store_exec_(rmn_store *s, const char *sql, const char *what);
/* "BEGIN IMMEDIATE" / "BEGIN EXCLUSIVE" / "COMMIT"; rollback never fails the caller. */
int  rmn_store_begin_(rmn_store *s, const char *begin_sql);
int  rmn_store_commit_(rmn_store *s);
void rmn_store_rollback_(rmn_store *s);

/* Binds text or NULL. */
int rmn_store_bind_text_(sqlite3_stmt *st, int i, const char *v);
/* strdup of a column's text, NULL for SQL NULL; *oom set on allocation failure. */
char *rmn_store_col_strdup_(sqlite3_stmt *st, int i, int *oom);
/* Column as double, NaN for NULL. */
double rmn_store_col_double_(sqlite3_stmt *st, int i);

/* Inside a transaction (store_write.c): the id of experiment name, inserted if missing; a
 * RUNNING run row with full provenance (prov) owned by owner (NULL: no owner recorded). */
int rmn_store_experiment_ensure_tx_(rmn_store *s, const char *name, const char *description, int64_t *id);
int rmn_store_run_insert_tx_(rmn_store *s, const rmn_run_info *info, const rmn_provenance *prov,
                             const rmn_process_id *owner, int64_t *run_id);

/* The folder a store file lies in: "." for a bare name, "/" for one at the root. */
void rmn_store_folder_(const char *path, char *dir, size_t cap);

/* Schema (store_schema.c): creates or migrates to RMN_STORE_SCHEMA_VERSION. */
int rmn_store_migrate_(rmn_store *s);
int rmn_store_check_version_(rmn_store *s, int *version);

#endif
