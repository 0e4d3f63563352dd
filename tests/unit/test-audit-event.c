/* Unit tests for src/audit/event.c and src/audit/reader.c: grouping records into
 * events (interleaving, the reorder window, EOE, node=), EXECVE argv
 * reassembly (hex, aN_len/aN[i] pieces across records, empty and missing
 * arguments), PROCTITLE, PATH resolution against CWD and PARENT, the syscall
 * summary, data-quality flags (gaps, lost events, truncation, malformed lines,
 * limits), completion of idle events by the caller's clock, and the line
 * reader (chunking, over-long lines, NUL bytes). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/event.h"
#include "audit/reader.h"

/* What a test looks at, copied out of the callback (events live only during it). */
#define MAX_EVENTS 16
#define MAX_ITEMS 8

struct copy {
        size_t n;
        char *s[MAX_ITEMS];
        size_t len[MAX_ITEMS];
};

struct seen {
        uint64_t serial, sec;
        uint32_t msec;
        char node[32];
        size_t n_records, n_records_seen;
        uint64_t quality, gap_first, gap_missing, lost, malformed_before;
        int64_t execve_argc;
        bool has_execve, has_syscall, resolved[MAX_ITEMS];
        struct audit_syscall sc;        /* strings below, not these pointers */
        struct copy argv, proctitle, paths, names, strs; /* strs: comm, exe, key, syscall name, cwd */
        int nametype[MAX_ITEMS];
};

static struct seen seen[MAX_EVENTS];
static size_t n_seen, n_total;          /* kept, and all */

static void copy_str(struct copy *c, struct audit_str s)
{
        assert_true(c->n < MAX_ITEMS);
        c->len[c->n] = s.len;
        c->s[c->n] = malloc(s.len + 1);
        assert_non_null(c->s[c->n]);
        if (s.len)
                memcpy(c->s[c->n], s.s, s.len);
        c->s[c->n][s.len] = '\0';
        c->n++;
}

static int on_event(const struct audit_event *ev, void *userdata)
{
        struct seen *e;
        size_t i;

        if (n_total++ >= MAX_EVENTS)
                return 0;
        e = &seen[n_seen++];
        memset(e, 0, sizeof(*e));
        e->serial = ev->serial;
        e->sec = ev->sec;
        e->msec = ev->msec;
        snprintf(e->node, sizeof(e->node), "%.*s", (int) ev->node.len, ev->node.s ? ev->node.s : "");
        e->n_records = ev->n_records;
        e->n_records_seen = ev->n_records_seen;
        e->quality = ev->quality;
        e->gap_first = ev->gap_first;
        e->gap_missing = ev->gap_missing;
        e->lost = ev->lost;
        e->malformed_before = ev->malformed_before;
        e->execve_argc = ev->execve_argc;
        e->has_execve = ev->has_execve;
        e->has_syscall = ev->has_syscall;
        for (i = 0; i < ev->argc && i < MAX_ITEMS; i++)
                copy_str(&e->argv, ev->argv[i]);
        for (i = 0; i < ev->proctitle_argc && i < MAX_ITEMS; i++)
                copy_str(&e->proctitle, ev->proctitle_argv[i]);
        for (i = 0; i < ev->n_paths && i < MAX_ITEMS; i++) {
                copy_str(&e->paths, ev->paths[i].path);
                copy_str(&e->names, ev->paths[i].name);
                e->resolved[i] = ev->paths[i].resolved;
                e->nametype[i] = ev->paths[i].nametype;
        }
        if (ev->has_syscall) {
                e->sc = ev->syscall;
                copy_str(&e->strs, ev->syscall.comm);
                copy_str(&e->strs, ev->syscall.exe);
                copy_str(&e->strs, ev->syscall.key);
                copy_str(&e->strs, audit_syscall_get_name(&ev->syscall));
                copy_str(&e->strs, ev->cwd);
        }
        return 0;
}

static void free_copy(struct copy *c)
{
        size_t i;

        for (i = 0; i < c->n; i++)
                free(c->s[i]);
        c->n = 0;
}

static void reset_seen(void)
{
        size_t i;

        for (i = 0; i < n_seen; i++) {
                free_copy(&seen[i].argv);
                free_copy(&seen[i].proctitle);
                free_copy(&seen[i].paths);
                free_copy(&seen[i].names);
                free_copy(&seen[i].strs);
        }
        n_seen = n_total = 0;
}

static int teardown(void **state)
{
        reset_seen();
        return 0;
}

static struct audit_assembler *assembler_ms(size_t window, uint64_t window_ms)
{
        struct audit_assembler *a = NULL;
        struct audit_limits lim;

        audit_limits_default(&lim);
        lim.window_events = window;
        lim.window_ms = window_ms;
        assert_int_equal(audit_assembler_new(&lim, on_event, NULL, &a), 0);
        return a;
}

static struct audit_assembler *assembler(size_t window)
{
        return assembler_ms(window, 0);
}

static void feed(struct audit_assembler *a, const char *line)
{
        assert_int_equal(audit_assembler_feed(a, line, strlen(line), 0), 0);
}

/* Feeds lines, flushes, frees. */
static void feed_all(struct audit_assembler *a, const char *const *lines)
{
        for (; *lines; lines++)
                feed(a, *lines);
        assert_int_equal(audit_assembler_flush(a), 0);
        audit_assembler_free(a);
}

static struct seen *event(uint64_t serial)
{
        size_t i;

        for (i = 0; i < n_seen; i++)
                if (seen[i].serial == serial)
                        return &seen[i];
        fail_msg("no event with serial %llu", (unsigned long long) serial);
        return NULL;
}

#define assert_item(c, i, lit)                                          \
        do {                                                            \
                assert_int_equal((c).len[i], sizeof(lit) - 1);         \
                assert_memory_equal((c).s[i], lit, sizeof(lit) - 1);   \
        } while (0)

static void test_syscall_summary(void **state)
{
        static const char *const lines[] = {
                "node=web type=SYSCALL msg=audit(1700000000.123:10): arch=c000003e syscall=257 success=no exit=-13 "
                "a0=ffffff9c a1=7ffd a2=241 a3=1b6 items=1 ppid=99 pid=100 auid=1000 uid=0 gid=0 euid=0 suid=0 "
                "fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm=76696D0A exe=\"/usr/bin/vim\" "
                "key=6B31016B32\x1d" "ARCH=x86_64 SYSCALL=openat AUID=\"alice\" UID=\"root\"",
                "node=web type=CWD msg=audit(1700000000.123:10): cwd=2F726F6F74",
                "node=web type=PATH msg=audit(1700000000.123:10): item=0 name=\"/etc/shadow\" inode=5 "
                "mode=0100640 ouid=0 ogid=42 nametype=NORMAL",
                NULL,
        };
        struct seen *e;

        feed_all(assembler(64), lines);
        assert_int_equal(n_seen, 1);
        e = event(10);
        assert_string_equal(e->node, "web");
        assert_int_equal(e->sec, 1700000000);
        assert_int_equal(e->msec, 123);
        assert_int_equal(e->n_records, 3);
        assert_true(e->has_syscall);
        assert_int_equal(e->sc.number, 257);
        assert_int_equal(e->sc.arch, 0xc000003e);
        assert_int_equal(e->sc.success, 0);
        assert_true(e->sc.has_exit);
        assert_int_equal(e->sc.exit, -13);
        assert_int_equal(e->sc.has_a, 0xf);
        assert_int_equal(e->sc.a[0], 0xffffff9c);
        assert_int_equal(e->sc.a[3], 0x1b6);
        assert_int_equal(e->sc.pid, 100);
        assert_int_equal(e->sc.ppid, 99);
        assert_int_equal(e->sc.auid, 1000);
        assert_int_equal(e->sc.uid, 0);
        assert_int_equal(e->sc.euid, 0);
        assert_int_equal(e->sc.ses, 3);
        assert_int_equal(e->sc.items, 1);
        assert_item(e->strs, 0, "vim\n");               /* comm, hex: a newline survives */
        assert_item(e->strs, 1, "/usr/bin/vim");
        assert_item(e->strs, 2, "k1\001k2");            /* two keys, \001 between */
        assert_item(e->strs, 3, "openat");              /* ENRICHED */
        assert_item(e->strs, 4, "/root");
        assert_item(e->paths, 0, "/etc/shadow");
        assert_int_equal(e->quality, 0);
        reset_seen();

        /* Raw logs: the name from the syscall table; unknown arches have none. */
        assert_string_equal(audit_syscall_name(0xc000003e, 59), "execve");
        assert_string_equal(audit_syscall_name(0xc00000b7, 56), "openat");
        assert_string_equal(audit_syscall_name(0x40000003, 11), "execve");
        assert_null(audit_syscall_name(0xc000003e, 100000));
        assert_null(audit_syscall_name(0xc000003e, -1));
        assert_null(audit_syscall_name(0x12345678, 1));
}

static void test_execve_simple_hex_empty(void **state)
{
        static const char *const lines[] = {
                "type=SYSCALL msg=audit(1.000:20): arch=c000003e syscall=59 success=yes exit=0 items=2 pid=1",
                "type=EXECVE msg=audit(1.000:20): argc=5 a0=\"sh\" a1=\"-c\" a2=6563686F2022612062220A a3=\"\" "
                "a4=(null)",
                "type=EOE msg=audit(1.000:20): ",
                NULL,
        };
        struct seen *e;

        feed_all(assembler(64), lines);
        e = event(20);
        assert_true(e->has_execve);
        assert_int_equal(e->execve_argc, 5);
        assert_int_equal(e->argv.n, 5);
        assert_item(e->argv, 0, "sh");
        assert_item(e->argv, 1, "-c");
        assert_item(e->argv, 2, "echo \"a b\"\n");
        assert_item(e->argv, 3, "");
        assert_item(e->argv, 4, "");
        assert_int_equal(e->n_records_seen, 2);        /* EOE is not a record */
        assert_false(e->quality & (AUDIT_Q_EXECVE_TRUNCATED | AUDIT_Q_EXECVE_MALFORMED));
        /* items=2 and no PATH record. */
        assert_true(e->quality & AUDIT_Q_PATH_MISSING);
}

static void test_execve_pieces_across_records(void **state)
{
        /* a1 is hex in pieces over two EXECVE records (aN_len counts hex digits),
         * a2 quoted pieces, a3 hex with control characters. */
        static const char *const lines[] = {
                "type=EXECVE msg=audit(2.000:30): argc=4 a0=\"/bin/echo\" a1_len=12 a1[0]=414243",
                "type=SYSCALL msg=audit(2.000:30): arch=c000003e syscall=59 success=yes exit=0 items=0 pid=1",
                "type=EXECVE msg=audit(2.000:30): a1[1]=444546 a2_len=5 a2[0]=\"hel\"",
                "type=EXECVE msg=audit(2.000:30): a2[1]=\"lo\" a3_len=6 a3[0]=01FF00",
                NULL,
        };
        struct seen *e;

        feed_all(assembler(64), lines);
        e = event(30);
        assert_int_equal(e->argv.n, 4);
        assert_item(e->argv, 0, "/bin/echo");
        assert_item(e->argv, 1, "ABCDEF");
        assert_item(e->argv, 2, "hello");
        assert_item(e->argv, 3, "\001\377\000");
        assert_false(e->quality & (AUDIT_Q_EXECVE_TRUNCATED | AUDIT_Q_EXECVE_MALFORMED));
        assert_false(e->quality & AUDIT_Q_PROCTITLE_ONLY);
}

static void test_execve_truncated(void **state)
{
        static const char *const lines[] = {
                /* argc=4, two arguments arrived */
                "type=EXECVE msg=audit(3.000:40): argc=4 a0=\"ls\" a1=\"-l\"",
                /* a piece missing: a1_len promises 8 hex digits, 4 arrived */
                "type=EXECVE msg=audit(3.000:41): argc=2 a0=\"cat\" a1_len=8 a1[0]=41424344",
                "type=EXECVE msg=audit(3.000:42): argc=2 a0=\"cat\" a1_len=16 a1[0]=41424344",
                /* pieces out of order, an argument past argc, no argc */
                "type=EXECVE msg=audit(3.000:43): argc=2 a0=\"x\" a1_len=4 a1[1]=4142 a5=\"y\"",
                "type=EXECVE msg=audit(3.000:44): a0=\"x\" a1=\"y\"",
                NULL,
        };

        feed_all(assembler(64), lines);
        assert_true(event(40)->quality & AUDIT_Q_EXECVE_TRUNCATED);
        assert_int_equal(event(40)->argv.n, 2);
        assert_item(event(40)->argv, 1, "-l");
        assert_false(event(41)->quality & (AUDIT_Q_EXECVE_TRUNCATED | AUDIT_Q_EXECVE_MALFORMED));
        assert_item(event(41)->argv, 1, "ABCD");
        assert_true(event(42)->quality & AUDIT_Q_EXECVE_TRUNCATED);
        assert_item(event(42)->argv, 1, "ABCD");
        assert_true(event(43)->quality & AUDIT_Q_EXECVE_MALFORMED);
        assert_true(event(44)->quality & AUDIT_Q_EXECVE_MALFORMED);
        assert_int_equal(event(44)->execve_argc, -1);
        assert_int_equal(event(44)->argv.n, 2);
}

static void test_proctitle(void **state)
{
        static const char *const lines[] = {
                "type=SYSCALL msg=audit(4.000:50): arch=c000003e syscall=59 success=yes exit=0 items=0 pid=1",
                "type=PROCTITLE msg=audit(4.000:50): proctitle=7368002D630065636801",
                "type=SYSCALL msg=audit(4.000:51): arch=c000003e syscall=2 success=yes exit=3 items=0 pid=1",
                "type=PROCTITLE msg=audit(4.000:51): proctitle=\"bash\"",
                "type=SYSCALL msg=audit(4.000:52): arch=c000003e syscall=59 success=no exit=-2 items=0 pid=1",
                "type=PROCTITLE msg=audit(4.000:52): proctitle=62617368",
                NULL,
        };
        struct seen *e;

        feed_all(assembler(64), lines);
        e = event(50);
        assert_int_equal(e->proctitle.n, 3);
        assert_item(e->proctitle, 0, "sh");
        assert_item(e->proctitle, 1, "-c");
        assert_item(e->proctitle, 2, "ech\001");
        /* An exec with PROCTITLE alone: its argv is not taken from it. */
        assert_true(e->quality & AUDIT_Q_PROCTITLE_ONLY);
        assert_false(e->has_execve);
        assert_int_equal(e->argv.n, 0);
        e = event(51);
        assert_int_equal(e->proctitle.n, 1);
        assert_item(e->proctitle, 0, "bash");
        assert_false(e->quality & AUDIT_Q_PROCTITLE_ONLY);     /* not an exec */
        assert_false(event(52)->quality & AUDIT_Q_PROCTITLE_ONLY);      /* a failed exec has no EXECVE */
}

static void test_paths(void **state)
{
        static const char *const lines[] = {
                /* relative to the CWD, with "." and ".." */
                "type=SYSCALL msg=audit(5.000:60): arch=c000003e syscall=2 success=yes exit=3 items=1 pid=1",
                "type=CWD msg=audit(5.000:60): cwd=\"/var/spool/postfix\"",
                "type=PATH msg=audit(5.000:60): item=0 name=\"./../mail//x\" inode=1 mode=0100644 nametype=NORMAL",
                /* no CWD: the PARENT item gives the directory */
                "type=SYSCALL msg=audit(5.000:61): arch=c000003e syscall=83 success=yes exit=0 items=2 pid=1",
                "type=PATH msg=audit(5.000:61): item=0 name=\"/etc/sudoers.d/\" inode=2 mode=040750 nametype=PARENT",
                "type=PATH msg=audit(5.000:61): item=1 name=\"zz\" inode=3 mode=040700 nametype=CREATE",
                /* openat(dirfd 3, "x"): relative to a directory the log does not name */
                "type=SYSCALL msg=audit(5.000:62): arch=c000003e syscall=257 success=yes exit=4 a0=3 a1=1 items=1 "
                "pid=1",
                "type=CWD msg=audit(5.000:62): cwd=\"/root\"",
                "type=PATH msg=audit(5.000:62): item=0 name=\"x\" objtype=NORMAL",
                /* openat(AT_FDCWD, "y"), sign-extended, old objtype= */
                "type=SYSCALL msg=audit(5.000:63): arch=c000003e syscall=257 success=yes exit=4 "
                "a0=ffffffffffffff9c items=1 pid=1",
                "type=CWD msg=audit(5.000:63): cwd=\"/root\"",
                "type=PATH msg=audit(5.000:63): item=0 name=79 objtype=DELETE",
                /* nothing to resolve against; (null) needs nothing */
                "type=PATH msg=audit(5.000:64): item=0 name=\"rel\" nametype=NORMAL",
                "type=PATH msg=audit(5.000:64): item=1 name=(null) inode=9 nametype=NORMAL",
                "type=PATH msg=audit(5.000:64): item=2 name=\"/a/b/../../..\" nametype=NORMAL",
                NULL,
        };
        struct seen *e;

        feed_all(assembler(64), lines);
        e = event(60);
        assert_item(e->paths, 0, "/var/spool/mail/x");
        assert_item(e->names, 0, "./../mail//x");
        assert_true(e->resolved[0]);
        assert_int_equal(e->quality, 0);
        e = event(61);
        assert_item(e->paths, 0, "/etc/sudoers.d");
        assert_item(e->paths, 1, "/etc/sudoers.d/zz");
        assert_int_equal(e->nametype[0], AUDIT_NAMETYPE_PARENT);
        assert_int_equal(e->nametype[1], AUDIT_NAMETYPE_CREATE);
        assert_false(e->quality & AUDIT_Q_PATH_UNRESOLVED);
        e = event(62);
        assert_false(e->resolved[0]);
        assert_item(e->paths, 0, "x");
        assert_true(e->quality & AUDIT_Q_PATH_UNRESOLVED);
        e = event(63);
        assert_item(e->paths, 0, "/root/y");
        assert_int_equal(e->nametype[0], AUDIT_NAMETYPE_DELETE);
        assert_false(e->quality & AUDIT_Q_PATH_UNRESOLVED);
        e = event(64);
        assert_false(e->resolved[0]);
        assert_true(e->quality & AUDIT_Q_PATH_UNRESOLVED);
        assert_int_equal(e->paths.len[1], 0);
        assert_false(e->resolved[1]);
        assert_item(e->paths, 2, "/");
}

static void test_interleaved_and_window(void **state)
{
        static const char *const lines[] = {
                "type=SYSCALL msg=audit(6.000:70): arch=c000003e syscall=2 items=1 pid=1",
                "type=SYSCALL msg=audit(6.000:71): arch=c000003e syscall=2 items=1 pid=2",
                "type=PATH msg=audit(6.000:70): item=0 name=\"/a\"",
                "type=PATH msg=audit(6.000:71): item=0 name=\"/b\"",
                "type=SYSCALL msg=audit(6.000:72): arch=c000003e syscall=2 items=0 pid=3",
                "type=SYSCALL msg=audit(6.000:73): arch=c000003e syscall=2 items=0 pid=4",
                /* 70 is complete now (window 3: 71, 72, 73 began after it); this
                 * late record makes a second, flagged event. */
                "type=CWD msg=audit(6.000:70): cwd=\"/\"",
                NULL,
        };

        feed_all(assembler(3), lines);
        assert_int_equal(n_seen, 5);
        assert_int_equal(seen[0].serial, 70);
        assert_int_equal(seen[0].n_records, 2);
        assert_false(seen[0].quality & AUDIT_Q_SPLIT);
        assert_int_equal(event(71)->n_records, 2);
        assert_item(event(71)->paths, 0, "/b");
        assert_int_equal(seen[4].serial, 70);
        assert_int_equal(seen[4].n_records, 1);
        assert_true(seen[4].quality & AUDIT_Q_SPLIT);
        /* The late event is no gap and no reset either. */
        assert_false(seen[4].quality & (AUDIT_Q_SEQUENCE_GAP | AUDIT_Q_SERIAL_RESET));
}

static void test_eoe_and_nodes(void **state)
{
        struct audit_assembler *a = assembler(64);

        feed(a, "type=SYSCALL msg=audit(7.000:80): arch=c000003e syscall=2 items=0 pid=1");
        feed(a, "node=a type=SYSCALL msg=audit(7.000:80): arch=c000003e syscall=2 items=0 pid=2");
        feed(a, "node=b type=SYSCALL msg=audit(7.000:80): arch=c000003e syscall=2 items=0 pid=3");
        assert_int_equal(n_seen, 0);
        /* EOE completes its event at once, not the others of the same serial. */
        feed(a, "node=a type=EOE msg=audit(7.000:80): ");
        assert_int_equal(n_seen, 1);
        assert_string_equal(seen[0].node, "a");
        assert_int_equal(seen[0].sc.pid, 2);
        assert_int_equal(seen[0].n_records_seen, 1);
        /* A stray EOE (its event already complete) is ignored. */
        feed(a, "node=a type=EOE msg=audit(7.000:80): ");
        assert_int_equal(n_seen, 1);
        /* Same serial, another time: another event. */
        feed(a, "type=SYSCALL msg=audit(7.001:80): arch=c000003e syscall=2 items=0 pid=4");
        assert_int_equal(audit_assembler_flush(a), 0);
        assert_int_equal(n_seen, 4);
        assert_int_equal(audit_assembler_stats(a)->events, 4);
        audit_assembler_free(a);
}

static void test_gaps_and_lost(void **state)
{
        static const char *const lines[] = {
                "type=SYSCALL msg=audit(8.000:100100): items=0 pid=1",
                "type=SYSCALL msg=audit(8.000:100101): items=0 pid=1",
                "type=SYSCALL msg=audit(8.000:100105): items=0 pid=1", /* 100102..100104 missing */
                "type=SYSCALL msg=audit(8.000:100108): items=0 pid=1", /* 100106, 100107 missing ... */
                "type=SYSCALL msg=audit(8.000:100107): items=0 pid=1", /* ... 100107 arrives late */
                "node=other type=SYSCALL msg=audit(8.000:5): items=0 pid=1",   /* other node: own serials */
                "type=SYSCALL msg=audit(9.000:3): items=0 pid=1",      /* back to 3: reboot */
                "type=DAEMON_ERR msg=audit(9.000:4): op=queue lost=17 res=failed",
                NULL,
        };

        feed_all(assembler(8), lines);
        assert_false(event(100100)->quality & AUDIT_Q_SEQUENCE_GAP);
        assert_false(event(100101)->quality & AUDIT_Q_SEQUENCE_GAP);
        assert_true(event(100105)->quality & AUDIT_Q_SEQUENCE_GAP);
        assert_int_equal(event(100105)->gap_first, 100102);
        assert_int_equal(event(100105)->gap_missing, 3);
        assert_true(event(100108)->quality & AUDIT_Q_SEQUENCE_GAP);
        assert_int_equal(event(100108)->gap_first, 100106);
        assert_int_equal(event(100108)->gap_missing, 1);
        assert_false(event(100107)->quality & (AUDIT_Q_SEQUENCE_GAP | AUDIT_Q_SERIAL_RESET | AUDIT_Q_SPLIT));
        assert_false(event(5)->quality & (AUDIT_Q_SEQUENCE_GAP | AUDIT_Q_SERIAL_RESET));
        assert_true(event(3)->quality & AUDIT_Q_SERIAL_RESET);
        assert_true(event(4)->quality & AUDIT_Q_LOST);
        assert_int_equal(event(4)->lost, 17);
        assert_false(event(4)->quality & AUDIT_Q_SEQUENCE_GAP);
}

static void test_malformed_and_truncated(void **state)
{
        static const char junk[] = "\xff\xfe\x00type=SYSCALL";
        struct audit_assembler *a = assembler(64);
        const char *line;

        feed(a, "");
        feed(a, "   ");
        feed(a, "# a comment");
        feed(a, "garbage");
        assert_int_equal(audit_assembler_feed(a, junk, sizeof(junk) - 1, 0), 0);
        feed(a, "type=SYSCALL msg=audit(10.000:90): arch=c000003e syscall=2 items=0 pid=1 comm=\"ca");
        line = "type=PATH msg=audit(10.000:90): item=0 name=\"/etc/pas";
        assert_int_equal(audit_assembler_feed(a, line, strlen(line), LINE_TRUNCATED), 0);
        assert_int_equal(audit_assembler_flush(a), 0);
        assert_int_equal(n_seen, 1);
        assert_true(seen[0].quality & AUDIT_Q_MALFORMED_SKIPPED);
        assert_int_equal(seen[0].malformed_before, 2);
        assert_true(seen[0].quality & AUDIT_Q_RECORD_TRUNCATED);
        assert_item(seen[0].strs, 0, "ca");
        assert_item(seen[0].paths, 0, "/etc/pas");
        assert_int_equal(audit_assembler_stats(a)->malformed, 2);
        assert_int_equal(audit_assembler_stats(a)->blank, 2);
        assert_int_equal(audit_assembler_stats(a)->comments, 1);
        assert_int_equal(audit_assembler_stats(a)->truncated_lines, 1);
        audit_assembler_free(a);
}

static void test_hostile_values(void **state)
{
        static const char line[] = "type=SYSCALL msg=audit(11.000:95): arch=c000003e syscall=59 items=0 pid=1 "
                                   "comm=\"a\x1b[2J\xff\" exe=\"/tmp/\xc3\x28\"";
        static const char line2[] = "type=EXECVE msg=audit(11.000:95): argc=2 a0=\"x\x00y\" a1=0A0D1B00";
        struct audit_assembler *a = assembler(64);

        assert_int_equal(audit_assembler_feed(a, line, sizeof(line) - 1, 0), 0);
        assert_int_equal(audit_assembler_feed(a, line2, sizeof(line2) - 1, 0), 0);
        assert_int_equal(audit_assembler_flush(a), 0);
        audit_assembler_free(a);
        assert_item(seen[0].strs, 0, "a\x1b[2J\xff");
        assert_item(seen[0].strs, 1, "/tmp/\xc3\x28");
        assert_item(seen[0].argv, 0, "x\x00y");
        assert_item(seen[0].argv, 1, "\n\r\x1b\x00");
}

static void test_limits(void **state)
{
        struct audit_assembler *a = NULL;
        struct audit_limits lim;
        char line[256];
        int i;

        audit_limits_default(&lim);
        lim.max_records = 3;
        lim.max_pending_bytes = 2000;
        assert_int_equal(audit_assembler_new(&lim, on_event, NULL, &a), 0);
        for (i = 0; i < 5; i++) {
                snprintf(line, sizeof(line), "type=PATH msg=audit(12.000:1): item=%d name=\"/x\"", i);
                feed(a, line);
        }
        /* Over max_pending_bytes: the oldest events are completed early. */
        for (i = 2; i < 40; i++) {
                snprintf(line, sizeof(line), "type=SYSCALL msg=audit(12.000:%d): arch=c000003e syscall=2 "
                                             "items=0 pid=1 comm=\"padding padding padding padding\"", i);
                feed(a, line);
        }
        assert_true(n_seen > 0);
        assert_int_equal(seen[0].serial, 1);
        assert_int_equal(seen[0].n_records, 3);
        assert_int_equal(seen[0].n_records_seen, 5);
        assert_true(seen[0].quality & AUDIT_Q_RECORDS_DROPPED);
        assert_true(seen[0].quality & AUDIT_Q_EARLY);
        assert_int_equal(audit_assembler_flush(a), 0);
        assert_int_equal(audit_assembler_stats(a)->dropped_records, 2);
        assert_true(audit_assembler_stats(a)->early_events > 0);
        assert_int_equal(n_total, 39);
        audit_assembler_free(a);

        lim.window_events = 0;
        assert_int_equal(audit_assembler_new(&lim, on_event, NULL, &a), -EINVAL);
}

/* Counts complete events: two records each, none split. */
static int count_whole(const struct audit_event *ev, void *userdata)
{
        size_t *n = userdata;

        if (ev->n_records == 2 && ev->n_paths == 1 && !(ev->quality & (AUDIT_Q_SPLIT | AUDIT_Q_EARLY)))
                (*n)++;
        return 0;
}

static void test_window_per_node(void **state)
{
        struct audit_assembler *a = NULL;
        size_t whole = 0;
        char line[256];
        int n;

        /* 200 nodes (more than the window of 64) begin an event each before
         * any event gets its PATH record: the window counts per node. */
        assert_int_equal(audit_assembler_new(NULL, count_whole, &whole, &a), 0);
        for (n = 0; n < 200; n++) {
                snprintf(line, sizeof(line), "node=n%d type=SYSCALL msg=audit(7.000:5): arch=c000003e syscall=2 "
                                             "items=1 pid=1", n);
                feed(a, line);
        }
        for (n = 0; n < 200; n++) {
                snprintf(line, sizeof(line), "node=n%d type=PATH msg=audit(7.000:5): item=0 name=\"/etc/x\"", n);
                feed(a, line);
        }
        assert_int_equal(audit_assembler_flush(a), 0);
        assert_int_equal(whole, 200);
        assert_int_equal(audit_assembler_stats(a)->events, 200);
        assert_int_equal(audit_assembler_stats(a)->split_events, 0);
        audit_assembler_free(a);
}

static void test_hostile_time(void **state)
{
        static const char *const lines[] = {
                "type=SYSCALL msg=audit(99999999999999999.000:1): arch=c000003e syscall=2 items=0 pid=1",
                "type=SYSCALL msg=audit(18446744073709552.000:2): arch=c000003e syscall=2 items=0 pid=1",
                "type=SYSCALL msg=audit(1700000000.250:3): arch=c000003e syscall=2 items=0 pid=1",
                NULL,
        };
        struct audit_event ev = { .sec = 1700000000, .msec = 250 };

        /* Saturated, never wrapped round into the past. */
        assert_int_equal(audit_event_ms(&ev), 1700000000250ULL);
        feed_all(assembler(64), lines);
        assert_int_equal(n_seen, 3);
        ev = (struct audit_event) { .sec = seen[0].sec, .msec = seen[0].msec };
        assert_true(audit_event_ms(&ev) == UINT64_MAX);
        ev = (struct audit_event) { .sec = seen[1].sec, .msec = seen[1].msec };
        assert_true(audit_event_ms(&ev) == UINT64_MAX);
        assert_true(audit_ms(UINT64_MAX, 999) == UINT64_MAX);
        assert_true(audit_ms_add(UINT64_MAX - 5, 1000) == UINT64_MAX);
        assert_true(audit_ms_add(5, 1000) == 1005);
}

static int stop_cb(const struct audit_event *ev, void *userdata)
{
        return -ECANCELED;
}

static void test_callback_error(void **state)
{
        struct audit_assembler *a = NULL;

        assert_int_equal(audit_assembler_new(NULL, stop_cb, NULL, &a), 0);
        feed(a, "type=SYSCALL msg=audit(13.000:1): items=0");
        assert_int_equal(audit_assembler_feed(a, "type=EOE msg=audit(13.000:1):", 29, 0), -ECANCELED);
        feed(a, "type=SYSCALL msg=audit(13.000:2): items=0");
        assert_int_equal(audit_assembler_flush(a), -ECANCELED);
        audit_assembler_free(a);
}

/* ---- completion by the caller's clock (audit_assembler_tick) ---- */

static void test_tick_idle(void **state)
{
        struct audit_assembler *a = assembler_ms(64, 1000);

        feed(a, "type=SYSCALL msg=audit(20.000:1): arch=c000003e syscall=2 items=1 pid=1");
        feed(a, "type=SYSCALL msg=audit(20.000:2): arch=c000003e syscall=2 items=0 pid=2");
        /* Records fed before a tick count as arrived at it. */
        assert_int_equal(audit_assembler_tick(a, 5000), 0);
        assert_int_equal(audit_assembler_tick(a, 5500), 0);
        assert_int_equal(n_seen, 0);
        /* Event 1 gets another record: its wait starts again at the next tick. */
        feed(a, "type=PATH msg=audit(20.000:1): item=0 name=\"/etc/shadow\" nametype=NORMAL");
        assert_int_equal(audit_assembler_tick(a, 5600), 0);
        assert_int_equal(audit_assembler_tick(a, 5999), 0);
        assert_int_equal(n_seen, 0);
        assert_int_equal(audit_assembler_tick(a, 6000), 0);
        assert_int_equal(n_seen, 1);
        assert_int_equal(seen[0].serial, 2);
        assert_int_equal(audit_assembler_tick(a, 6599), 0);
        assert_int_equal(n_seen, 1);
        assert_int_equal(audit_assembler_tick(a, 6600), 0);
        assert_int_equal(n_seen, 2);
        assert_int_equal(seen[1].serial, 1);
        assert_int_equal(seen[1].n_records, 2);
        assert_int_equal(seen[1].quality, 0);
        /* Nothing left: ticks do nothing, and a record for a completed event
         * makes a new one, flagged as split, as with the other windows. */
        assert_int_equal(audit_assembler_tick(a, 100000), 0);
        feed(a, "type=CWD msg=audit(20.000:1): cwd=\"/\"");
        assert_int_equal(audit_assembler_tick(a, 100001), 0);
        assert_int_equal(audit_assembler_tick(a, 101001), 0);
        assert_int_equal(n_seen, 3);
        assert_true(seen[2].quality & AUDIT_Q_SPLIT);
        assert_int_equal(audit_assembler_stats(a)->events, 3);
        assert_int_equal(audit_assembler_flush(a), 0);
        assert_int_equal(n_seen, 3);
        audit_assembler_free(a);
}

static void test_tick_clock_and_off(void **state)
{
        struct audit_assembler *a = assembler_ms(64, 1000);

        /* A clock that goes back restarts the wait rather than completing early
         * or never. */
        feed(a, "type=SYSCALL msg=audit(21.000:1): arch=c000003e syscall=2 items=0 pid=1");
        assert_int_equal(audit_assembler_tick(a, 9000), 0);
        assert_int_equal(audit_assembler_tick(a, 100), 0);
        assert_int_equal(audit_assembler_tick(a, 1099), 0);
        assert_int_equal(n_seen, 0);
        assert_int_equal(audit_assembler_tick(a, 1100), 0);
        assert_int_equal(n_seen, 1);
        /* EOE still completes at once; the stream's own time still counts:
         * a record 1.5 s of stream time later completes event 2 (window 1 s). */
        feed(a, "type=SYSCALL msg=audit(21.000:2): arch=c000003e syscall=2 items=0 pid=2");
        feed(a, "type=SYSCALL msg=audit(21.000:3): arch=c000003e syscall=2 items=0 pid=3");
        feed(a, "type=EOE msg=audit(21.000:3): ");
        assert_int_equal(n_seen, 2);
        assert_int_equal(seen[1].serial, 3);
        feed(a, "type=SYSCALL msg=audit(22.500:4): arch=c000003e syscall=2 items=0 pid=4");
        assert_int_equal(n_seen, 3);
        assert_int_equal(seen[2].serial, 2);
        assert_int_equal(audit_assembler_flush(a), 0);
        assert_int_equal(n_seen, 4);
        audit_assembler_free(a);

        /* window_ms 0: ticks never complete anything. */
        a = assembler_ms(64, 0);
        feed(a, "type=SYSCALL msg=audit(23.000:1): arch=c000003e syscall=2 items=0 pid=1");
        assert_int_equal(audit_assembler_tick(a, 0), 0);
        assert_int_equal(audit_assembler_tick(a, UINT64_MAX - 1), 0);
        assert_int_equal(n_seen, 4);
        assert_int_equal(audit_assembler_flush(a), 0);
        assert_int_equal(n_seen, 5);
        audit_assembler_free(a);
}

static int stop_second_cb(const struct audit_event *ev, void *userdata)
{
        int *calls = userdata;

        return ++*calls == 2 ? -ECANCELED : 0;
}

static void test_tick_callback_error(void **state)
{
        struct audit_assembler *a = NULL;
        struct audit_limits lim;
        int calls = 0;

        audit_limits_default(&lim);
        lim.window_ms = 10;
        assert_int_equal(audit_assembler_new(&lim, stop_second_cb, &calls, &a), 0);
        feed(a, "type=SYSCALL msg=audit(24.000:1): items=0");
        feed(a, "type=SYSCALL msg=audit(24.000:2): items=0");
        feed(a, "type=SYSCALL msg=audit(24.000:3): items=0");
        assert_int_equal(audit_assembler_tick(a, 0), 0);
        assert_int_equal(audit_assembler_tick(a, 10), -ECANCELED);
        assert_int_equal(calls, 2);
        /* The event after the failed one is still there for the next tick. */
        assert_int_equal(audit_assembler_tick(a, 10), 0);
        assert_int_equal(calls, 3);
        assert_int_equal(audit_assembler_stats(a)->events, 3);
        assert_int_equal(audit_assembler_flush(a), 0);
        assert_int_equal(calls, 3);
        audit_assembler_free(a);
}

/* ---- the line reader ---- */

struct mem {
        const char *p;
        size_t left, chunk;
};

static ssize_t mem_read(void *userdata, void *p, size_t n)
{
        struct mem *m = userdata;

        if (n > m->chunk)
                n = m->chunk;
        if (n > m->left)
                n = m->left;
        memcpy(p, m->p, n);
        m->p += n;
        m->left -= n;
        return (ssize_t) n;
}

static void test_reader(void **state)
{
        static const char text[] = "one\n\ntwo\x00with nul\n0123456789ABCDEF-too-long\nshort\nlast";
        size_t chunks[] = { 1, 3, 7, 4096 };
        size_t c;

        for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
                struct mem m = { text, sizeof(text) - 1, chunks[c] };
                struct line_reader *r = NULL;
                const char *line;
                size_t len;
                unsigned flags;

                assert_int_equal(line_reader_new_fn(mem_read, &m, 16, &r), 0);
                assert_int_equal(line_reader_next(r, &line, &len, &flags), 1);
                assert_int_equal(len, 3);
                assert_memory_equal(line, "one", 3);
                assert_int_equal(flags, 0);
                assert_int_equal(line_reader_next(r, &line, &len, &flags), 1);
                assert_int_equal(len, 0);
                assert_int_equal(line_reader_next(r, &line, &len, &flags), 1);
                assert_int_equal(len, 12);
                assert_memory_equal(line, "two\x00with nul", 12);
                /* Cut at 16 bytes, the rest of the line skipped. */
                assert_int_equal(line_reader_next(r, &line, &len, &flags), 1);
                assert_int_equal(len, 16);
                assert_memory_equal(line, "0123456789ABCDEF", 16);
                assert_int_equal(flags, LINE_TRUNCATED);
                assert_int_equal(line_reader_next(r, &line, &len, &flags), 1);
                assert_int_equal(len, 5);
                assert_memory_equal(line, "short", 5);
                assert_int_equal(flags, 0);
                assert_int_equal(line_reader_next(r, &line, &len, &flags), 1);
                assert_int_equal(len, 4);
                assert_memory_equal(line, "last", 4);
                assert_int_equal(flags, LINE_NO_NEWLINE);
                assert_int_equal(line_reader_next(r, &line, &len, &flags), 0);
                assert_int_equal(line_reader_next(r, &line, &len, &flags), 0);
                assert_int_equal(line_reader_offset(r), sizeof(text) - 1);
                line_reader_free(r);
        }
}

static void test_reader_long_lines(void **state)
{
        /* A line far longer than the buffer, then a normal one. */
        size_t big = (size_t) 3 << 20, n = big + 8;
        char *text = malloc(n);
        struct mem m = { text, n, (size_t) 1 << 20 };
        struct line_reader *r = NULL;
        const char *line;
        size_t len;
        unsigned flags;

        assert_non_null(text);
        memset(text, 'x', big);
        memcpy(text + big, "\nafter\n", 7);
        m.left = big + 7;
        assert_int_equal(line_reader_new_fn(mem_read, &m, 1000, &r), 0);
        assert_int_equal(line_reader_next(r, &line, &len, &flags), 1);
        assert_int_equal(len, 1000);
        assert_int_equal(flags, LINE_TRUNCATED);
        assert_int_equal(line_reader_next(r, &line, &len, &flags), 1);
        assert_int_equal(len, 5);
        assert_memory_equal(line, "after", 5);
        assert_int_equal(line_reader_next(r, &line, &len, &flags), 0);
        line_reader_free(r);
        free(text);

        assert_int_equal(line_reader_new_fn(mem_read, &m, LINE_READER_MAX_MAX + 1, &r), -EINVAL);
}

/* driftwatch.audit.id: the time and serial of msg=audit(...), the full range. */
static void test_event_id(void **state)
{
        char id[AUDIT_EVENT_ID_MAX];
        struct audit_event ev = { .sec = 1700000001, .msec = 7, .serial = 101 };

        (void) state;
        audit_event_id(id, &ev);
        assert_string_equal(id, "1700000001.007:101");
        audit_event_id_format(id, 0, 0, 0);
        assert_string_equal(id, "0.000:0");
        audit_event_id_format(id, UINT64_MAX, 999, UINT64_MAX);
        assert_string_equal(id, "18446744073709551615.999:18446744073709551615");
        audit_event_id_format(id, UINT64_MAX, UINT32_MAX, UINT64_MAX);
        assert_string_equal(id, "18446744073709551615.4294967295:18446744073709551615");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_teardown(test_syscall_summary, teardown),
                cmocka_unit_test_teardown(test_execve_simple_hex_empty, teardown),
                cmocka_unit_test_teardown(test_execve_pieces_across_records, teardown),
                cmocka_unit_test_teardown(test_execve_truncated, teardown),
                cmocka_unit_test_teardown(test_proctitle, teardown),
                cmocka_unit_test_teardown(test_paths, teardown),
                cmocka_unit_test_teardown(test_interleaved_and_window, teardown),
                cmocka_unit_test(test_window_per_node),
                cmocka_unit_test_teardown(test_hostile_time, teardown),
                cmocka_unit_test_teardown(test_eoe_and_nodes, teardown),
                cmocka_unit_test_teardown(test_gaps_and_lost, teardown),
                cmocka_unit_test_teardown(test_malformed_and_truncated, teardown),
                cmocka_unit_test_teardown(test_hostile_values, teardown),
                cmocka_unit_test_teardown(test_limits, teardown),
                cmocka_unit_test_teardown(test_callback_error, teardown),
                cmocka_unit_test_teardown(test_tick_idle, teardown),
                cmocka_unit_test_teardown(test_tick_clock_and_off, teardown),
                cmocka_unit_test_teardown(test_tick_callback_error, teardown),
                cmocka_unit_test(test_event_id),
                cmocka_unit_test(test_reader),
                cmocka_unit_test(test_reader_long_lines),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
