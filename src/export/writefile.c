/* writefile.c -- atomic whole-file writes for the exporters (writefile.h). */
#define _POSIX_C_SOURCE 200809L
#include "export/writefile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"

int rmn_export_write_file(const char *path, const void *data, size_t n) {
    char tmp[4200];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
        return RMN_ERROR(RMN_EINVAL, "%s: path too long", path);
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return RMN_ERROR(RMN_EIO, "%s: cannot create: %s", tmp, strerror(errno));
    int ok = fwrite(data, 1, n, f) == n;
    ok = fflush(f) == 0 && ok;
    ok = fsync(fileno(f)) == 0 && ok;
    const int err = errno;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        const int e = ok ? errno : err;
        remove(tmp);
        return RMN_ERROR(RMN_EIO, "%s: cannot write: %s", path, strerror(e));
    }
    return RMN_OK;
}
