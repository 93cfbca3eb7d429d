/* store_sql.c -- the bottom of src/store/ (store_sql.h): SQLite result codes mapped to rmn
 * errors, prepare and exec, transactions (begin, commit, rollback), binding and reading columns.
 * It calls into no other store file. */
#include "store/store_sql.h"

#include "core/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// --- errors -----------------------------------------------------------------------------------

int rmn_store_map_rc_(rmn_store *s, int rc) {
    (void)s;
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return RMN_EBUSY;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
        return RMN_EFORMAT;
    case SQLITE_NOMEM:
        return RMN_ENOMEM;
    case SQLITE_FULL:  /* the disk (or the file system's quota) is full */
    case SQLITE_IOERR: /* a read, write or sync failed */
        return RMN_EIO;
    default:
        return RMN_ESQL;
    }
}

const char *rmn_store_sql_message_(rmn_store *s, int rc, const char *what) {
    static _Thread_local char msg[1200];
    const char *path = s && s->path ? s->path : "(store)";
    const char *err = s && s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        snprintf(msg, sizeof msg, "%.400s: database is locked (busy timeout %d ms) while %.300s",
                 path, s ? s->busy_timeout_ms : 0, what);
        break;
    case SQLITE_NOTADB:
        snprintf(msg, sizeof msg, "%.400s: not an SQLite database (%.300s)", path, what);
        break;
    default:
        snprintf(msg, sizeof msg, "%.400s: %.300s: %.400s", path, what, err);
    }
    return msg;
}

int rmn_store_prepare_(rmn_store *s, const char *sql, sqlite3_stmt **st) {
    int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);
    if (rc != SQLITE_OK) {
        *st = NULL;
        return STORE_SQL_ERROR(s, rc, "preparing a statement");
    }
    return RMN_OK;
}

int rmn_store_exec_(rmn_store *s, const char *sql, const char *what) {
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return STORE_SQL_ERROR(s, rc, what);
    return RMN_OK;
}

int rmn_store_begin_(rmn_store *s, const char *begin_sql) {
    return rmn_store_exec_(s, begin_sql, "starting a transaction");
}

int rmn_store_commit_(rmn_store *s) {
    int rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        int st = STORE_SQL_ERROR(s, rc, "committing");
        rmn_store_rollback_(s);
        return st;
    }
    return RMN_OK;
}

void rmn_store_rollback_(rmn_store *s) {
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

int rmn_store_bind_text_(sqlite3_stmt *st, int i, const char *v) {
    return v ? sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
}

char *rmn_store_col_strdup_(sqlite3_stmt *st, int i, int *oom) {
    const unsigned char *t = sqlite3_column_text(st, i);
    if (!t)
        return NULL;
    char *d = strdup((const char *)t);
    if (!d)
        *oom = 1;
    return d;
}

double rmn_store_col_double_(sqlite3_stmt *st, int i) {
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return NAN;
    return sqlite3_column_double(st, i);
}

void *rmn_store_grow_(void *arr, int *cap, int cnt, size_t elem) {
    if (cnt < *cap)
        return arr;
    const int ncap = *cap ? 2 * *cap : 16;
    void *grown = realloc(arr, (size_t)ncap * elem);
    if (grown)
        *cap = ncap;
    return grown;
}
