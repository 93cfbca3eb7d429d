/* test-owner-live.c -- the liveness oracle of run claims (train/runs.c, rmn_run_owner_live): a
 * live child is live, with its token and without one (an older row); the same child once it has
 * exited, but is not yet reaped (a zombie), holds nothing, with a token and without; a token of
 * another incarnation (a reused pid) is dead; this process's own rows are not live; a holder on
 * another host is live while its heartbeat is fresh. */
#include "core/provenance.h"
#include "train/runs.h"
#include "tap.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* A child that sends its own process id (rmn_process_self) up a pipe, then waits for a byte
 * before exiting. */
static pid_t spawn(rmn_process_id *id, int *release) {
    int up[2], down[2];
    if (pipe(up) != 0 || pipe(down) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        close(up[0]), close(down[1]);
        const rmn_process_id *me = rmn_process_self();
        char b;
        if (write(up[1], me, sizeof *me) != (ssize_t)sizeof *me || read(down[0], &b, 1) < 0)
            _exit(2);
        _exit(0);
    }
    close(up[1]), close(down[0]);
    ssize_t n = pid > 0 ? read(up[0], id, sizeof *id) : -1;
    close(up[0]);
    *release = down[1];
    return n == (ssize_t)sizeof *id ? pid : -1;
}

static rmn_run_claim held_by(const rmn_process_id *id, int with_token, int64_t updated_ms) {
    rmn_run_claim c;
    memset(&c, 0, sizeof c);
    c.owner = *id;
    if (!with_token)
        c.owner.token[0] = '\0';
    c.updated_ms = updated_ms;
    return c;
}

/* the child's state letter from /proc, '?' when unreadable */
static char state_of(pid_t pid) {
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return '?';
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    return p && p[1] == ' ' ? p[2] : '?';
}

int main(void) {
    const int64_t now = rmn_now_ms();
    rmn_process_id child;
    int release = -1;
    pid_t pid = spawn(&child, &release);
    if (!TAP_OK(pid > 0 && child.pid == pid, "a child reports its process id (pid %d)", (int)pid))
        return tap_done();
    TAP_OK(child.token[0] != '\0', "with a token (%s)", child.token);

    rmn_run_claim c = held_by(&child, 1, now);
    TAP_OK(rmn_run_owner_live(&c, NULL) == 1, "a live holder with its token: live");
    c = held_by(&child, 0, now);
    TAP_OK(rmn_run_owner_live(&c, NULL) == 1, "a live holder without a token (an older row): live");
    c = held_by(&child, 1, now);
    snprintf(c.owner.token, sizeof c.owner.token, "another-boot:1");
    TAP_OK(rmn_run_owner_live(&c, NULL) == 0, "its pid with another incarnation's token (a reused pid): dead");

    /* the child exits; unreaped, it stays a zombie until waitpid */
    close(release);
    char st = '?';
    for (int i = 0; i < 2000 && (st = state_of(pid)) != 'Z'; ++i)
        usleep(5000);
    TAP_OK(st == 'Z', "the exited child, not reaped, is a zombie (state %c)", st);
    c = held_by(&child, 1, now);
    TAP_OK(rmn_run_owner_live(&c, NULL) == 0, "a zombie holder with its token: dead");
    c = held_by(&child, 0, now);
    TAP_OK(rmn_run_owner_live(&c, NULL) == 0, "a zombie holder without a token: dead");
    int status;
    waitpid(pid, &status, 0);
    c = held_by(&child, 0, now);
    TAP_OK(rmn_run_owner_live(&c, NULL) == 0, "the reaped holder: dead");

    c = held_by(rmn_process_self(), 1, now);
    TAP_OK(rmn_run_owner_live(&c, NULL) == 0, "this process's own row: not live (left from an earlier failure)");

    rmn_process_id far = *rmn_process_self();
    snprintf(far.host, sizeof far.host, "another-host-%d", (int)getpid());
    c = held_by(&far, 1, now - 1000);
    TAP_OK(rmn_run_owner_live(&c, NULL) == 1, "another host, heartbeat 1 s old: live");
    c = held_by(&far, 1, now - RMN_STALE_MS - 1000);
    TAP_OK(rmn_run_owner_live(&c, NULL) == 0, "another host, heartbeat older than RMN_STALE_MS: dead");
    return tap_done();
}
