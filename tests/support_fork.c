/*
 * tests/support_fork.c - the fork harness of the multi-process suites
 * (check_stress.c, check_ledger_stress.c): see support.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.h"

int sl_test_write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n > 0) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

size_t sl_test_read_to_eof(int fd, char **buf)
{
    size_t n = 0, cap = 4096;
    *buf = malloc(cap);
    ck_assert_ptr_nonnull(*buf);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            *buf = realloc(*buf, cap);
            ck_assert_ptr_nonnull(*buf);
        }
        ssize_t r = read(fd, *buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        ck_assert_msg(r >= 0, "read: %s", strerror(errno));
        if (r == 0)
            return n;
        n += (size_t)r;
    }
}

void sl_test_wait_child_ok(pid_t pid)
{
    int status = 0;
    pid_t w;
    while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
        ;
    ck_assert_int_eq(w, pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child %d ended with status 0x%x", (int)pid,
                  status);
}

void sl_test_wait_go(int go)
{
    char c;
    while (read(go, &c, 1) < 0 && errno == EINTR)
        ;
}

/* The child side: run fn, send the report, never return. */
static void child_main(int idx, int go, int out, size_t report_size, sl_test_child_fn fn, void *ctx)
{
    void *report = report_size ? calloc(1, report_size) : NULL;
    if (report_size && !report)
        _exit(3);
    int rc = fn(idx, go, ctx, report);
    if (rc == 0 && report_size && sl_test_write_all(out, report, report_size) != 0)
        rc = 4;
    free(report);
    _exit(rc);
}

void sl_test_fork_children(int n, sl_test_child_fn fn, void *ctx, void *reports, size_t report_size)
{
    int go[2];
    pid_t *pids = calloc((size_t)n, sizeof(*pids));
    int *fds = calloc((size_t)n, sizeof(*fds));
    ck_assert_ptr_nonnull(pids);
    ck_assert_ptr_nonnull(fds);
    ck_assert_int_eq(pipe(go), 0);
    for (int i = 0; i < n; i++) {
        int p[2];
        ck_assert_int_eq(pipe(p), 0);
        fflush(NULL);
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            close(p[0]);
            close(go[1]);
            free(fds); /* the parent's bookkeeping: a child that exits with */
            free(pids); /* it still allocated leaks it (valgrind) */
            child_main(i, go[0], p[1], report_size, fn, ctx);
        }
        close(p[1]);
        pids[i] = pid;
        fds[i] = p[0];
    }
    close(go[0]);
    close(go[1]); /* EOF on go: every child starts at once */
    for (int i = 0; i < n; i++) {
        char *buf;
        size_t len = sl_test_read_to_eof(fds[i], &buf);
        close(fds[i]);
        ck_assert_msg(len == report_size, "child %d reported %zu bytes, expected %zu", i, len, report_size);
        if (report_size)
            memcpy((char *)reports + (size_t)i * report_size, buf, len);
        free(buf);
    }
    for (int i = 0; i < n; i++)
        sl_test_wait_child_ok(pids[i]);
    free(fds);
    free(pids);
}

pid_t sl_test_fork_piped(int *fd)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    close(p[pid == 0 ? 0 : 1]);
    *fd = p[pid == 0 ? 1 : 0];
    return pid;
}
