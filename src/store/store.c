/* store.c -- opening and closing the run store: connection pragmas (foreign keys, busy timeout,
 * WAL, synchronous=NORMAL), SQLite error mapping and transaction helpers. */
#include "store/store_internal.h"

#include "core/error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

// --- opening ----------------------------------------------------------------------------------

const char *rmn_store_default_path(void) {
    const char *e = getenv("RMN_DB");
    return e && *e ? e : "rmn.db";
}

const char *rmn_store_path(const rmn_store *s) { return s->path; }
sqlite3 *rmn_store_db(rmn_store *s) { return s->db; }

int rmn_store_set_busy_timeout(rmn_store *s, int ms) {
    if (ms < 0)
        return RMN_ERROR(RMN_EINVAL, "busy timeout must be >= 0 ms, got %d", ms);
    int rc = sqlite3_busy_timeout(s->db, ms);
    if (rc != SQLITE_OK)
        return STORE_SQL_ERROR(s, rc, "setting the busy timeout");
    s->busy_timeout_ms = ms;
    return RMN_OK;
}

/* Runs a pragma that returns one text row; copies it into out when not NULL. */
static int pragma_text(rmn_store *s, const char *sql, char *out, size_t cap, const char *what) {
    sqlite3_stmt *st;
    RMN_TRY(rmn_store_prepare_(s, sql, &st));
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        int e = STORE_SQL_ERROR(s, rc, what);
        sqlite3_finalize(st);
        return e;
    }
    if (out) {
        const unsigned char *t = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
        snprintf(out, cap, "%s", t ? (const char *)t : "");
    }
    sqlite3_finalize(st);
    return RMN_OK;
}

static int configure_connection(rmn_store *s) {
    RMN_TRY(rmn_store_set_busy_timeout(s, s->busy_timeout_ms));
    sqlite3_extended_result_codes(s->db, 1);
    RMN_TRY(pragma_text(s, "PRAGMA foreign_keys=ON", NULL, 0, "enabling foreign keys"));
    if (s->read_only)
        return RMN_OK;
    /* Switching a new file to WAL needs an exclusive lock, and SQLite does not call the busy
     * handler when another connection is doing the same (deadlock avoidance): retry here. */
    char mode[32];
    int64_t waited = 0;
    for (;;) {
        int st = pragma_text(s, "PRAGMA journal_mode=WAL", mode, sizeof mode, "switching to WAL");
        if (st == RMN_OK)
            break;
        if (st != RMN_EBUSY || waited >= s->busy_timeout_ms)
            return st;
        struct timespec nap = {0, 5 * 1000 * 1000};
        nanosleep(&nap, NULL);
        waited += 5;
    }
    if (strcmp(mode, "wal") != 0 && strcmp(mode, "memory") != 0)
        return RMN_ERROR(RMN_ESQL, "%s: cannot use WAL journal mode (got '%s')", s->path, mode);
    RMN_TRY(pragma_text(s, "PRAGMA synchronous=NORMAL", NULL, 0, "setting synchronous"));
    return RMN_OK;
}

int rmn_store_open_opts(const char *path, const rmn_store_options *opt, rmn_store **out) {
    *out = NULL;
    if (!path || !*path)
        return RMN_ERROR(RMN_EINVAL, "empty store path");
    rmn_store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return RMN_ERROR(RMN_ENOMEM, "%s: out of memory opening the store", path);
    }
    s->busy_timeout_ms = opt && opt->busy_timeout_ms > 0 ? opt->busy_timeout_ms
                                                         : RMN_STORE_BUSY_TIMEOUT_MS;
    s->read_only = opt && opt->read_only;
    s->migrate_to = opt && opt->migrate_to > 0 ? opt->migrate_to : RMN_STORE_SCHEMA_VERSION;
    int flags = (s->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path, &s->db, flags, NULL);
    int st;
    if (rc != SQLITE_OK) {
        if (s->read_only && access(path, F_OK) != 0)
            st = RMN_ERROR(RMN_ENOTFOUND, "%s: no such store (runs create it)", path);
        else
            st = RMN_ERROR(RMN_EIO, "%s: cannot open the store: %s", path,
                           s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        goto fail;
    }
    if ((st = configure_connection(s)) != RMN_OK)
        goto fail;
    if (s->read_only) {
        int v;
        if ((st = rmn_store_check_version_(s, &v)) != RMN_OK)
            goto fail;
        if (v < RMN_STORE_SCHEMA_VERSION) {
            st = RMN_ERROR(v == 0 ? RMN_EFORMAT : RMN_EINVAL,
                           v == 0 ? "%s: not an rmn store (schema version %d; this rmn writes %d)"
                                  : "%s: schema version %d is older than this rmn's (%d); open it "
                                    "once for writing (rmn-exp) to migrate it",
                           path, v, RMN_STORE_SCHEMA_VERSION);
            goto fail;
        }
    } else if ((st = rmn_store_migrate_(s)) != RMN_OK) {
        goto fail;
    }
    *out = s;
    return RMN_OK;
fail:
    rmn_store_close(s);
    return st;
}

int rmn_store_open(const char *path, rmn_store **out) { return rmn_store_open_opts(path, NULL, out); }

void rmn_store_close(rmn_store *s) {
    if (!s)
        return;
    if (s->db)
        sqlite3_close_v2(s->db);
    free(s->path);
    free(s);
}
