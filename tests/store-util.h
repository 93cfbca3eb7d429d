/* store-util.h -- helpers shared by the store and report tests: a scratch directory and one-value
 * SQL queries on a raw SQLite connection (header-only). */
#ifndef RMN_TESTS_STORE_UTIL_H
#define RMN_TESTS_STORE_UTIL_H

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* mkdtemp under $TMPDIR (or /tmp); the caller removes it with tu_rmrf. */
__attribute__((unused)) static const char *tu_tmpdir(void) {
    static char dir[512];
    const char *t = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/rmn-store-test.XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        exit(99);
    }
    return dir;
}

__attribute__((unused)) static void tu_rmrf(const char *dir) {
    char cmd[1100];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "# could not remove %s\n", dir);
}

/* First column of the first row as int64 (-999999 when no row or an error). */
__attribute__((unused)) static int64_t tu_int(sqlite3 *db, const char *sql) {
    sqlite3_stmt *st;
    int64_t v = -999999;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return v;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

__attribute__((unused)) static double tu_double(sqlite3 *db, const char *sql) {
    sqlite3_stmt *st;
    double v = -999999;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return v;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* First column as text into buf ("<none>" when no row). */
__attribute__((unused)) static const char *tu_text(sqlite3 *db, const char *sql, char *buf,
                                                   size_t cap) {
    sqlite3_stmt *st;
    snprintf(buf, cap, "<none>");
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return buf;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        snprintf(buf, cap, "%s", t ? (const char *)t : "<null>");
    }
    sqlite3_finalize(st);
    return buf;
}

__attribute__((unused)) static sqlite3 *tu_raw(const char *path) {
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(99);
    }
    sqlite3_busy_timeout(db, 5000);
    return db;
}

#endif
