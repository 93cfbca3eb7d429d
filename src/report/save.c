/* save.c -- writing a report file atomically (report.h): a temporary file in the same
 * directory, written, flushed to disk and renamed over the target, so a reader sees the old
 * file or the new one, never half of one. */
#include "report/report.h"

#include "core/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int rmn_report_save(const char *path, const char *data, size_t len) {
    static unsigned counter;
    char tmp[4200];
    if (snprintf(tmp, sizeof tmp, "%s.tmp-%ld-%u", path, (long)getpid(), counter++) >=
        (int)sizeof tmp)
        return RMN_ERROR(RMN_EINVAL, "output path too long: %s", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666); /* umask applies */
    if (fd < 0)
        return RMN_ERROR(RMN_EIO, "%s: cannot create: %s", path, strerror(errno));
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int err = errno;
            close(fd);
            unlink(tmp);
            return RMN_ERROR(RMN_EIO, "%s: write failed: %s", path, strerror(err));
        }
        done += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        int err = errno;
        unlink(tmp);
        return RMN_ERROR(RMN_EIO, "%s: write failed: %s", path, strerror(err));
    }
    if (rename(tmp, path) != 0) {
        int err = errno;
        unlink(tmp);
        return RMN_ERROR(RMN_EIO, "%s: cannot rename the temporary file into place: %s", path,
                         strerror(err));
    }
    return RMN_OK;
}
