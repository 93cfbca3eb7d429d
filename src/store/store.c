/* store.c -- opening and closing the run store: the open modes (create, write, read-only with
 * mode=ro / immutable=1), connection pragmas (foreign keys, busy timeout, WAL,
 * synchronous=NORMAL); the SQL helpers are store_sql.c's. */
#include "store/store_internal.h"

#include "core/error.h"
#include "core/suggest.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

// --- opening ----------------------------------------------------------------------------------

const char *rmn_store_default_path(void) {
    const char *e = getenv("RMN_DB");
    return e && *e ? e : "rmn.db";
}

const char *rmn_store_path(const rmn_store *s) { return s->path; }

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

/* The SQLite URI of path with a query ("mode=ro"): '%', '?' and '#' escaped, "file://" before
 * an absolute path (its authority empty), "file:" before a relative one. */
static char *store_uri(const char *path, const char *query) {
    size_t cap = 3 * strlen(path) + strlen(query) + 16, used = 0;
    char *u = malloc(cap);
    if (!u)
        return NULL;
    used = (size_t)snprintf(u, cap, "%s", path[0] == '/' ? "file://" : "file:");
    for (const char *p = path; *p; ++p)
        used += (size_t)(*p == '%' || *p == '?' || *p == '#'
                             ? snprintf(u + used, cap - used, "%%%02X", (unsigned char)*p)
                             : snprintf(u + used, cap - used, "%c", *p));
    snprintf(u + used, cap - used, "?%s", query);
    return u;
}

void rmn_store_folder_(const char *path, char *dir, size_t cap) {
    const char *slash = strrchr(path, '/');
    snprintf(dir, cap, "%.*s", slash ? (int)(slash - path) + (slash == path) : 1,
             slash ? path : ".");
}

static int by_name(const void *a, const void *b) { return strcmp(a, b); }

/* The store files (*.db) in path's folder, for "did you mean" (up to 64, sorted by name). */
static void stores_beside(const char *path, char *hint, size_t cap) {
    char dir[4096];
    const char *slash = strrchr(path, '/');
    rmn_store_folder_(path, dir, sizeof dir);
    hint[0] = '\0';
    DIR *d = opendir(dir);
    if (!d)
        return;
    char names[64][256];
    const char *list[64];
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) && n < 64;) {
        size_t len = strlen(e->d_name);
        if (len > 3 && len < sizeof names[0] && strcmp(e->d_name + len - 3, ".db") == 0)
            snprintf(names[n++], sizeof names[0], "%s", e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof names[0], by_name);
    for (int i = 0; i < n; ++i)
        list[i] = names[i];
    if (n > 0) {
        char kind[4200];
        snprintf(kind, sizeof kind, "stores in %s", dir);
        rmn_suggest(slash ? slash + 1 : path, list, n, kind, 12, hint, cap);
    }
}

static int no_such_store(const char *path) {
    char hint[1200];
    stores_beside(path, hint, sizeof hint);
    return RMN_ERROR(RMN_ENOTFOUND,
                     "%s: no such store (rmn-exp run and rmn-train create one; --db FILE or "
                     "$RMN_DB names it)%s", path, hint);
}

/* 1 when this process may write path (when it exists) and create files beside it (SQLite's
 * -wal and -shm); *dir receives the folder. */
static int writable_with_folder(const char *path, char *dir, size_t cap) {
    rmn_store_folder_(path, dir, cap);
    return (access(path, W_OK) == 0 || errno == ENOENT) && access(dir, W_OK | X_OK) == 0;
}

int rmn_store_check_writable(const char *path) {
    char dir[4096];
    if (strcmp(path, ":memory:") == 0 || writable_with_folder(path, dir, sizeof dir))
        return RMN_OK;
    if (access(dir, F_OK) != 0)
        return RMN_ERROR(RMN_EIO, "%s: cannot create the store: no folder %s", path, dir);
    return RMN_ERROR(RMN_EIO, "%s: cannot write this store (read-only: %s); rmn-exp list, show, "
                              "backup and rmn-report can still read it",
                     path, access(path, F_OK) == 0 && access(path, W_OK) != 0 ? "the file"
                                                                               : "its folder");
}

/* 1 when path's write-ahead log holds frames (content the database file alone lacks). */
static int wal_has_content(const char *path) {
    char wal[4200];
    struct stat st;
    snprintf(wal, sizeof wal, "%s-wal", path);
    return stat(wal, &st) == 0 && st.st_size > 0;
}

/* Opens s->db for RMN_STORE_READ: mode=ro; where the file or its folder cannot be written and
 * no write-ahead log holds data, immutable=1 as well (SQLite then needs no -shm file). */
static int open_read_only(rmn_store *s) {
    char dir[4096];
    const int immutable = !writable_with_folder(s->path, dir, sizeof dir) && !wal_has_content(s->path);
    char *uri = store_uri(s->path, immutable ? "mode=ro&immutable=1" : "mode=ro");
    if (!uri)
        return RMN_ERROR(RMN_ENOMEM, "%s: out of memory opening the store", s->path);
    int rc = sqlite3_open_v2(uri, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
                             NULL);
    free(uri);
    s->immutable = immutable;
    if (rc != SQLITE_OK)
        return RMN_ERROR(RMN_EIO, "%s: cannot open the store for reading: %s", s->path,
                         s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
    return RMN_OK;
}

int rmn_store_open_opts(const char *path, const rmn_store_options *opt, rmn_store **out) {
    *out = NULL;
    if (!path || !*path)
        return RMN_ERROR(RMN_EINVAL, "empty store path");
    const rmn_store_mode mode = opt ? opt->mode : RMN_STORE_CREATE;
    if (mode != RMN_STORE_CREATE && strcmp(path, ":memory:") != 0 && access(path, F_OK) != 0)
        return no_such_store(path);
    if (mode != RMN_STORE_READ)
        RMN_TRY(rmn_store_check_writable(path));
    rmn_store *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return RMN_ERROR(RMN_ENOMEM, "%s: out of memory opening the store", path);
    }
    s->busy_timeout_ms = opt && opt->busy_timeout_ms > 0 ? opt->busy_timeout_ms
                                                         : RMN_STORE_BUSY_TIMEOUT_MS;
    s->read_only = mode == RMN_STORE_READ;
    s->migrate_to = opt && opt->migrate_to > 0 ? opt->migrate_to : RMN_STORE_SCHEMA_VERSION;
    int st;
    if (s->read_only) {
        st = open_read_only(s);
    } else {
        int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
                    (mode == RMN_STORE_CREATE ? SQLITE_OPEN_CREATE : 0);
        int rc = sqlite3_open_v2(path, &s->db, flags, NULL);
        st = rc == SQLITE_OK ? RMN_OK
                             : RMN_ERROR(RMN_EIO, "%s: cannot open the store: %s", path,
                                         s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
    }
    if (st != RMN_OK)
        goto fail;
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
                                    "once for writing (rmn-exp run, resume) to migrate it",
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

int rmn_store_is_immutable(const rmn_store *s) { return s->immutable; }

int rmn_store_open(const char *path, rmn_store **out) { return rmn_store_open_opts(path, NULL, out); }

void rmn_store_close(rmn_store *s) {
    if (!s)
        return;
    if (s->db)
        sqlite3_close_v2(s->db);
    free(s->path);
    free(s);
}
