/* faultfs.c -- an LD_PRELOAD shim for fault tests: it counts the writes and syncs a program makes
 * to files whose path contains a given string, and at the k-th one fails it (disk full, I/O
 * error) or kills the process with SIGKILL. Built only for `make check` (tests/faults.mk), never
 * linked into rmn; the programs know nothing of it.
 *
 * Environment (read once, at the first intercepted call):
 *   FAULTFS_PATH    substring of the file's path (/proc/self/fd/N) that selects the files;
 *                   unset or empty: the shim only passes calls through
 *   FAULTFS_OP      write (write, pwrite, pwrite64, writev, pwritev), sync (fsync, fdatasync)
 *                   or any (both; the default)
 *   FAULTFS_AT      k >= 1: the k-th selected call is the fault; 0 or unset: count only
 *   FAULTFS_ACTION  enospc (the default), eio or kill (raise SIGKILL before the call happens)
 *   FAULTFS_STICKY  1: every selected call after the k-th fails too (a disk that stays full);
 *                   0 (the default): only the k-th
 *   FAULTFS_LOG     file appended with one line per injected fault ("faultfs: inject ...") and,
 *                   at exit, the counts ("faultfs: counts writes=W syncs=S")
 * Under AddressSanitizer the ASan runtime must come first: LD_PRELOAD=libasan.so:faultfs.so. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

enum { OP_WRITE = 1, OP_SYNC = 2 };

static int         ready;
static const char *want_path;
static int         want_ops = OP_WRITE | OP_SYNC;
static long        at;
static int         action_errno = ENOSPC; /* 0 = kill */
static int         sticky;
static const char *log_path;
static long        n_selected, n_writes, n_syncs;

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_pwritev)(int, const struct iovec *, int, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);

/* One line to the log with the real write (never counted, never failed). */
static void log_line(const char *line) {
    if (!log_path || !real_write)
        return;
    int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    (void)real_write(fd, line, strlen(line));
    close(fd);
}

static void report_counts(void) {
    char line[128];
    snprintf(line, sizeof line, "faultfs: counts writes=%ld syncs=%ld\n", n_writes, n_syncs);
    log_line(line);
}

static void init(void) {
    if (ready)
        return;
    real_write = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    real_pwrite = (ssize_t(*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite");
    real_pwrite64 = (ssize_t(*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite64");
    real_writev = (ssize_t(*)(int, const struct iovec *, int))dlsym(RTLD_NEXT, "writev");
    real_pwritev = (ssize_t(*)(int, const struct iovec *, int, off_t))dlsym(RTLD_NEXT, "pwritev");
    real_fsync = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    real_fdatasync = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    const char *p = getenv("FAULTFS_PATH");
    want_path = p && *p ? p : NULL;
    const char *op = getenv("FAULTFS_OP");
    if (op && strcmp(op, "write") == 0)
        want_ops = OP_WRITE;
    else if (op && strcmp(op, "sync") == 0)
        want_ops = OP_SYNC;
    const char *k = getenv("FAULTFS_AT");
    at = k ? atol(k) : 0;
    const char *a = getenv("FAULTFS_ACTION");
    if (a && strcmp(a, "eio") == 0)
        action_errno = EIO;
    else if (a && strcmp(a, "kill") == 0)
        action_errno = 0;
    const char *s = getenv("FAULTFS_STICKY");
    sticky = s && strcmp(s, "1") == 0;
    log_path = getenv("FAULTFS_LOG");
    ready = 1;
    if (want_path && log_path)
        atexit(report_counts);
}

/* 1 when fd names a file whose path contains FAULTFS_PATH. */
static int selected(int fd, char *path, size_t cap) {
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, cap - 1);
    if (n <= 0)
        return 0;
    path[n] = '\0';
    return strstr(path, want_path) != NULL;
}

/* 0: let the call happen; else the errno to fail it with (after the kill action, no return). */
static int fault(int fd, int op) {
    init();
    if (!want_path || !(want_ops & op))
        return 0;
    char path[1024];
    if (!selected(fd, path, sizeof path))
        return 0;
    if (op == OP_WRITE)
        __atomic_add_fetch(&n_writes, 1, __ATOMIC_SEQ_CST);
    else
        __atomic_add_fetch(&n_syncs, 1, __ATOMIC_SEQ_CST);
    long i = __atomic_add_fetch(&n_selected, 1, __ATOMIC_SEQ_CST);
    if (at <= 0 || i < at || (i > at && !sticky))
        return 0;
    if (i == at) {
        char line[1200];
        snprintf(line, sizeof line, "faultfs: inject %s at %s call %ld on %.1000s\n",
                 action_errno == 0 ? "SIGKILL" : action_errno == EIO ? "EIO" : "ENOSPC",
                 op == OP_WRITE ? "write" : "sync", i, path);
        log_line(line);
    }
    if (action_errno == 0) {
        raise(SIGKILL);
        _exit(137); /* not reached */
    }
    return action_errno;
}

ssize_t write(int fd, const void *buf, size_t n) {
    int e = fault(fd, OP_WRITE);
    if (e) {
        errno = e;
        return -1;
    }
    return real_write(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) {
    int e = fault(fd, OP_WRITE);
    if (e) {
        errno = e;
        return -1;
    }
    return real_pwrite(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off) {
    int e = fault(fd, OP_WRITE);
    if (e) {
        errno = e;
        return -1;
    }
    return real_pwrite64(fd, buf, n, off);
}

ssize_t writev(int fd, const struct iovec *iov, int n) {
    int e = fault(fd, OP_WRITE);
    if (e) {
        errno = e;
        return -1;
    }
    return real_writev(fd, iov, n);
}

ssize_t pwritev(int fd, const struct iovec *iov, int n, off_t off) {
    int e = fault(fd, OP_WRITE);
    if (e) {
        errno = e;
        return -1;
    }
    return real_pwritev(fd, iov, n, off);
}

int fsync(int fd) {
    int e = fault(fd, OP_SYNC);
    if (e) {
        errno = e;
        return -1;
    }
    return real_fsync(fd);
}

int fdatasync(int fd) {
    int e = fault(fd, OP_SYNC);
    if (e) {
        errno = e;
        return -1;
    }
    return real_fdatasync(fd);
}
