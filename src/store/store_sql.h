/* store_sql.h -- the bottom of src/store/: the connection struct and the SQL helpers every
 * other store file uses (prepare, exec, transactions, binding and reading columns, SQLite
 * result codes mapped to rmn errors with messages naming the file). Internal: only src/store/
 * (and tests that look at the connection) include it; nothing outside the store sees SQLite. */
#ifndef RMN_STORE_SQL_H
#define RMN_STORE_SQL_H

#include "store/store.h"

#include <stddef.h>

#include <sqlite3.h>

struct rmn_store {
    sqlite3 *db;
    char    *path;
    int      busy_timeout_ms;
    int      read_only;
    int      immutable; /* read_only, opened with immutable=1 */
    int      migrate_to;
};

/* Maps a failing SQLite result to RMN_EBUSY / RMN_ESQL (or RMN_EFORMAT for a file that is not a
 * database, RMN_EIO for a full disk or an I/O error), with a message naming the file and what
 * was being done. */
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

/* The result arrays' growth: arr (cnt elements of size elem, room for *cap) with room for one
 * more. Returns arr itself while cnt < *cap, else arr reallocated to twice the room (16 at
 * first) with *cap updated; NULL when out of memory (arr and *cap then unchanged). */
void *rmn_store_grow_(void *arr, int *cap, int cnt, size_t elem);

#endif
