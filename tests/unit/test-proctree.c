/* Unit tests for src/audit/proctree.c, the process tree findings are explained
 * with: ancestry parent first, one entry per (pid, exec event) so a reused pid
 * never inherits another program's arguments or ancestry, a pid reused without
 * an exec we saw, loops in the parent chain, and the fixed capacity. Records go
 * through the real assembler, as in a log. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/event.h"
#include "audit/proctree.h"
#include "basic/buf.h"

static int observe(const struct audit_event *ev, void *userdata)
{
        (void) proctree_observe(userdata, ev);
        return 0;
}

/* Feeds log (lines) to the tree through the assembler. */
static void feed(struct proctree *t, struct buf *log)
{
        struct audit_assembler *a = NULL;
        const char *p = log->data, *end = log->data + log->len;

        assert_int_equal(audit_assembler_new(NULL, observe, t, &a), 0);
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p));

                assert_non_null(nl);
                assert_int_equal(audit_assembler_feed(a, p, (size_t) (nl - p), 0), 0);
                p = nl + 1;
        }
        assert_int_equal(audit_assembler_flush(a), 0);
        audit_assembler_free(a);
        buf_reset(log);
}

/* An execve by pid (child of ppid) of exe with the arguments args (one string,
 * already as EXECVE fields), event serial. */
static void add_exec(struct buf *log, unsigned serial, int pid, int ppid, const char *exe, const char *comm,
                     const char *args)
{
        assert_true(buf_printf(log,
                               "type=SYSCALL msg=audit(1700000000.%03u:%u): arch=c000003e syscall=59 success=yes "
                               "exit=0 a0=1 a1=2 a2=3 a3=0 items=0 ppid=%d pid=%d auid=1000 uid=0 gid=0 euid=0 "
                               "suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=\"%s\" exe=\"%s\" "
                               "key=\"dw-exec\"\n"
                               "type=EXECVE msg=audit(1700000000.%03u:%u): %s\n"
                               "type=EOE msg=audit(1700000000.%03u:%u):\n",
                               serial % 1000, serial, ppid, pid, comm, exe, serial % 1000, serial, args,
                               serial % 1000, serial) >= 0);
}

/* Any other syscall by pid: what a process known only from its records looks like. */
static void add_syscall(struct buf *log, unsigned serial, int pid, int ppid, const char *exe, const char *comm)
{
        assert_true(buf_printf(log,
                               "type=SYSCALL msg=audit(1700000000.%03u:%u): arch=c000003e syscall=2 success=yes "
                               "exit=3 a0=1 a1=2 a2=3 a3=0 items=0 ppid=%d pid=%d auid=1000 uid=0 gid=0 euid=0 "
                               "suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=\"%s\" exe=\"%s\" "
                               "key=(null)\n"
                               "type=EOE msg=audit(1700000000.%03u:%u):\n",
                               serial % 1000, serial, ppid, pid, comm, exe, serial % 1000, serial) >= 0);
}

static void test_ancestry_and_args(void **state)
{
        _cleanup_(proctree_freep) struct proctree *t = NULL;
        _cleanup_(buf_release) struct buf log;
        struct proc *chain[PROC_ANCESTRY_MAX], *p;
        size_t n;

        buf_init(&log, 0);
        assert_int_equal(proctree_new(64, &t), 0);
        add_exec(&log, 1, 100, 1, "/usr/sbin/sshd", "sshd", "argc=2 a0=\"sshd\" a1=\"-D\"");
        add_exec(&log, 2, 200, 100, "/usr/bin/bash", "bash", "argc=1 a0=\"-bash\"");
        add_exec(&log, 3, 300, 200, "/usr/bin/sudo", "sudo", "argc=3 a0=\"sudo\" a1=\"vi\" a2=\"/etc/sudoers\"");
        feed(t, &log);

        p = proctree_get(t, 300);
        assert_non_null(p);
        assert_true(p->exec_seen);
        assert_string_equal(p->exe, "/usr/bin/sudo");
        assert_int_equal(p->n_args, 3);
        assert_string_equal(proc_arg(p, 2), "/etc/sudoers");
        n = proctree_ancestry(t, p->ppid, chain, PROC_ANCESTRY_MAX);
        assert_int_equal(n, 2);
        assert_int_equal(chain[0]->pid, 200);          /* parent first */
        assert_string_equal(chain[0]->exe, "/usr/bin/bash");
        assert_int_equal(chain[1]->pid, 100);
        assert_string_equal(chain[1]->exe, "/usr/sbin/sshd");
        /* max is honoured */
        assert_int_equal(proctree_ancestry(t, p->ppid, chain, 1), 1);
}

static void test_pid_reuse(void **state)
{
        _cleanup_(proctree_freep) struct proctree *t = NULL;
        _cleanup_(buf_release) struct buf log;
        uint64_t first, second;
        struct proc *p;

        buf_init(&log, 0);
        assert_int_equal(proctree_new(64, &t), 0);
        add_exec(&log, 10, 500, 1, "/usr/bin/python3", "python3", "argc=2 a0=\"python3\" a1=\"secret.py\"");
        feed(t, &log);
        p = proctree_get(t, 500);
        assert_non_null(p);
        first = p->generation;

        /* A new exec of the same pid: a new entry, the new arguments only. */
        add_exec(&log, 11, 500, 1, "/usr/bin/true", "true", "argc=1 a0=\"true\"");
        feed(t, &log);
        p = proctree_get(t, 500);
        assert_non_null(p);
        second = p->generation;
        assert_true(second != first);
        assert_string_equal(p->exe, "/usr/bin/true");
        assert_int_equal(p->n_args, 1);
        assert_string_equal(proc_arg(p, 0), "true");

        /* The pid reused by another program without an exec in the log: not the
         * old entry (no arguments inherited). */
        add_syscall(&log, 12, 500, 77, "/usr/sbin/cron", "cron");
        feed(t, &log);
        p = proctree_get(t, 500);
        assert_non_null(p);
        assert_true(p->generation != second);
        assert_string_equal(p->exe, "/usr/sbin/cron");
        assert_false(p->exec_seen);
        assert_int_equal(p->n_args, 0);
        assert_int_equal(p->ppid, 77);
}

static void test_loop_and_capacity(void **state)
{
        _cleanup_(proctree_freep) struct proctree *t = NULL;
        _cleanup_(buf_release) struct buf log;
        struct proc *chain[PROC_ANCESTRY_MAX];
        size_t n;

        buf_init(&log, 0);
        assert_int_equal(proctree_new(64, &t), 0);
        /* 600 and 601 each claim the other as parent (forged or reused pids). */
        add_syscall(&log, 20, 600, 601, "/usr/bin/a", "a");
        add_syscall(&log, 21, 601, 600, "/usr/bin/b", "b");
        feed(t, &log);
        n = proctree_ancestry(t, 601, chain, PROC_ANCESTRY_MAX);
        assert_true(n <= 2);

        /* Fixed capacity (16 at the least): the least recently seen entry
         * makes room; one seen again is kept. */
        proctree_free(TAKE_PTR(t));
        assert_int_equal(proctree_new(16, &t), 0);
        for (int i = 0; i < 16; i++)
                add_syscall(&log, 30 + (unsigned) i, 700 + i, 1, "/usr/bin/worker", "worker");
        add_syscall(&log, 60, 700, 1, "/usr/bin/worker", "worker");
        add_syscall(&log, 61, 716, 1, "/usr/bin/late", "late");
        feed(t, &log);
        assert_int_equal(proctree_size(t), 16);
        assert_non_null(proctree_get(t, 700));
        assert_null(proctree_get(t, 701));
        assert_non_null(proctree_get(t, 716));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ancestry_and_args),
                cmocka_unit_test(test_pid_reuse),
                cmocka_unit_test(test_loop_and_capacity),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
