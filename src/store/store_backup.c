/* store_backup.c -- a consistent copy of a live store (rmn-exp backup): VACUUM INTO a file
 * beside the target, checked, synced and moved into place. */
#include "store/store_internal.h"

#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* fsync of a file or, with O_DIRECTORY, a folder. */
static int sync_path(const char *path, int flags) {
    int fd = open(path, O_RDONLY | flags);
    if (fd < 0)
        return RMN_ERROR(RMN_EIO, "%s: cannot open to sync: %s", path, strerror(errno));
    int bad = fsync(fd) != 0;
    int e = errno;
    close(fd);
    return bad ? RMN_ERROR(RMN_EIO, "%s: cannot sync: %s", path, strerror(e)) : RMN_OK;
}

/* The copy must be a whole store: its integrity and its schema version. */
static int check_copy(const char *tmp, const char *out_path) {
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READONLY, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL);
    int ok = rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
             strcmp((const char *)sqlite3_column_text(st, 0), "ok") == 0;
    int st_rc = ok ? RMN_OK
                   : RMN_ERROR(RMN_EIO, "%s: the copy failed its integrity check: %s", out_path,
                               db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return st_rc;
}

int rmn_store_backup(rmn_store *s, const char *out_path) {
    if (!out_path || !*out_path)
        return RMN_ERROR(RMN_EINVAL, "backup: empty output path");
    if (access(out_path, F_OK) == 0)
        return RMN_ERROR(RMN_EINVAL, "%s exists: a backup never replaces a file (remove it, or "
                                     "name another)", out_path);
    char tmp[4200], dir[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp-%ld", out_path, (long)getpid());
    rmn_store_folder_(out_path, dir, sizeof dir);
    if (access(dir, W_OK | X_OK) != 0)
        return RMN_ERROR(RMN_EIO, "%s: cannot write there: %s", dir, strerror(errno));
    unlink(tmp); /* a leftover of this pid's own earlier attempt */
    sqlite3_stmt *st;
    RMN_TRY(rmn_store_prepare_(s, "VACUUM INTO ?1", &st));
    sqlite3_bind_text(st, 1, tmp, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    int status = rc == SQLITE_DONE ? RMN_OK : STORE_SQL_ERROR(s, rc, "copying the store");
    if (status == RMN_OK)
        status = check_copy(tmp, out_path);
    if (status == RMN_OK)
        status = sync_path(tmp, 0);
    /* link() refuses a file that appeared meanwhile; rename() where links are not supported */
    if (status == RMN_OK && link(tmp, out_path) != 0 &&
        (errno == EEXIST || rename(tmp, out_path) != 0))
        status = RMN_ERROR(RMN_EIO, "%s: cannot move the copy into place: %s", out_path,
                           strerror(errno));
    unlink(tmp);
    return status == RMN_OK ? sync_path(dir, O_DIRECTORY) : status;
}
