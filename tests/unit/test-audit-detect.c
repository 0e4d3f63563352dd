/* Unit tests for the audit analytics (src/audit/detect.c, fold.c): logs
 * written record by record go through the assembler into the detector, and
 * its findings are rendered as JSON Lines. What a bulk bucket holds: the
 * detector is small when created, a held write is reported exactly as an
 * unbucketed one, a write too large for its bucket's bytes is reported at
 * once (never lost or folded), and a bucket of writes by many processes folds
 * at its count of held writes. What waits for the rest of its write (replace.c):
 * at most 64 creates, the oldest reported first when more come, none lost. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/detect.h"
#include "audit/event.h"
#include "basic/buf.h"
#include "report/finding.h"

static struct ruleset *rules;

static int setup(void **state)
{
        (void) state;
        return ruleset_default(&rules, NULL) < 0 ? -1 : 0;
}

static int teardown(void **state)
{
        (void) state;
        ruleset_free(rules);
        return 0;
}

/* An openat(O_WRONLY|O_CREAT|O_TRUNC) of path by pid in session ses (as
 * tests/e2e/audit-gen.sh writes it); type and fields: one more record. */
static void add_write(struct buf *log, unsigned serial, unsigned sec, int pid, int ses, const char *exe,
                      const char *comm, const char *path, const char *type, const char *fields)
{
        char m[64];

        snprintf(m, sizeof(m), "msg=audit(%u.200:%u):", sec, serial);
        assert_true(buf_printf(log,
                               "type=SYSCALL %s arch=c000003e syscall=257 success=yes exit=3 a0=ffffff9c a1=55e0 "
                               "a2=241 a3=1b6 items=2 ppid=1400 pid=%d auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 "
                               "egid=0 sgid=0 fsgid=0 tty=(none) ses=%d comm=\"%s\" exe=\"%s\" key=\"dw-test\"\n"
                               "type=CWD %s cwd=\"/\"\n"
                               "type=PATH %s item=0 name=\"/etc/\" inode=2 dev=fd:00 mode=040755 ouid=0 ogid=0 "
                               "rdev=00:00 nametype=PARENT\n"
                               "type=PATH %s item=1 name=\"%s\" inode=3 dev=fd:00 mode=0100644 ouid=0 ogid=0 "
                               "rdev=00:00 nametype=CREATE\n",
                               m, pid, ses, comm, exe, m, m, m, path) >= 0);
        if (type)
                assert_true(buf_printf(log, "type=%s %s %s\n", type, m, fields) >= 0);
}

/* A login shell in session ses, the parent of the writers. */
static void add_shell(struct buf *log, int ses)
{
        assert_true(buf_printf(log,
                               "type=SYSCALL msg=audit(1700000001.100:100): arch=c000003e syscall=59 success=yes "
                               "exit=0 a0=1 a1=2 a2=3 a3=0 items=0 ppid=1 pid=1400 auid=1000 uid=0 gid=0 euid=0 "
                               "suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts1 ses=%d comm=\"bash\" "
                               "exe=\"/usr/bin/bash\" key=\"dw-exec\"\n"
                               "type=EXECVE msg=audit(1700000001.100:100): argc=1 a0=\"-bash\"\n",
                               ses) >= 0);
}

static size_t count_lines(const char *s, size_t len)
{
        size_t i, n = 0;

        for (i = 0; i < len; i++)
                n += s[i] == '\n';
        return n;
}

static int on_finding(const struct finding *f, void *userdata)
{
        return output_emit(userdata, f);
}

/* The JSON Lines of the findings on log (free() them); *ret_early (if
 * given): how many were reported before the end of input. */
static char *analyse_early(const struct buf *log, bool show_suppressed, size_t *ret_early)
{
        struct audit_detect_options o = { .rules = rules, .show_suppressed = show_suppressed };
        struct audit_assembler *a = NULL;
        struct audit_detect *d = NULL;
        struct output out;
        const char *p, *nl;
        char *json = NULL;
        size_t len = 0;
        FILE *f;

        f = open_memstream(&json, &len);
        assert_non_null(f);
        output_init(&out, OUTPUT_JSON, f, "test");
        assert_int_equal(audit_detect_new(&o, on_finding, &out, &d), 0);
        assert_int_equal(audit_assembler_new(NULL, audit_detect_event, d, &a), 0);
        for (p = log->data; p && *p; p = nl + 1) {
                nl = strchr(p, '\n');
                assert_non_null(nl);
                assert_int_equal(audit_assembler_feed(a, p, (size_t) (nl - p), 0), 0);
        }
        assert_int_equal(audit_assembler_flush(a), 0);
        assert_int_equal(fflush(f), 0);
        if (ret_early)
                *ret_early = len ? count_lines(json, len) : 0;
        assert_int_equal(audit_detect_flush(d), 0);
        audit_assembler_free(a);
        audit_detect_free(d);
        assert_int_equal(fclose(f), 0);
        return json;
}

static char *analyse(const struct buf *log, bool show_suppressed)
{
        return analyse_early(log, show_suppressed, NULL);
}

static size_t count(const char *s, const char *what)
{
        size_t n = 0;

        for (; (s = strstr(s, what)); s += strlen(what))
                n++;
        return n;
}

/* Creating a detector allocates what it needs, not room for every write a
 * bucket might hold (it once embedded 64 x 64 findings: 14 MB). The process
 * tree, allocated up front, is kept small here. */
static void test_new_is_small(void **state)
{
        struct audit_detect_options o = { .rules = rules, .max_processes = 16 };
        struct audit_detect *d = NULL;
        struct mallinfo2 before, after;
        size_t used;

        (void) state;
        before = mallinfo2();
        assert_int_equal(audit_detect_new(&o, on_finding, NULL, &d), 0);
        after = mallinfo2();
        used = (after.uordblks + after.hblkhd) - (before.uordblks + before.hblkhd);
        audit_detect_free(d);
        assert_true(used < ((size_t) 1 << 20));
}

/* Writes held by a bucket that closes without folding are reported as the
 * same writes are when no bucket takes them, byte for byte: each with its
 * own process (three processes of one tree), quality and audit context. */
static void test_held_as_it_was(void **state)
{
        struct buf log;
        size_t n_bulk;
        char *held, *direct;

        (void) state;
        buf_init(&log, 0);
        add_shell(&log, 6);
        add_write(&log, 101, 1700000002, 1401, 6, "/usr/bin/vi", "vi", "/etc/chrony.conf", NULL, NULL);
        add_write(&log, 102, 1700000002, 1402, 6, "/usr/bin/vi", "vi", "/etc/hosts",
                  "PROCTITLE", "proctitle=7669002F6574632F686F737473");
        add_write(&log, 103, 1700000003, 1403, 6, "/usr/bin/sed", "sed", "/etc/hosts", NULL, NULL);
        add_write(&log, 104, 1700000003, 1402, 6, "/usr/bin/vi", "vi", "/etc/motd", NULL, NULL);
        held = analyse(&log, true);

        n_bulk = rules->audit.bulk_surfaces.n;
        rules->audit.bulk_surfaces.n = 0;       /* no bucket takes them */
        direct = analyse(&log, true);
        rules->audit.bulk_surfaces.n = n_bulk;

        assert_int_equal(count(held, "\"kind\":\"alert\""), 4);
        assert_int_equal(count(held, "\"title\":\"vi /etc/hosts\""), 1);
        assert_string_equal(held, direct);
        free(held);
        free(direct);
        buf_release(&log);
}

/* A write whose finding does not fit in what a bucket holds (here a hostile
 * EXECVE record of 600 KB of arguments in the write's event) is reported at
 * once as the alert it is: as the first writer it opens no bucket, later it
 * is not held. The small write between them is held until the end. */
static void test_held_over_budget(void **state)
{
        struct buf log, big;
        char *json, *first, *second, *third;
        int i;

        (void) state;
        buf_init(&log, 0);
        buf_init(&big, 0);
        assert_true(buf_puts(&big, "argc=100") >= 0);
        for (i = 0; i < 100; i++) {
                assert_true(buf_printf(&big, " a%d=\"", i) >= 0);
                assert_true(buf_printf(&big, "%06d%06000d", i, 0) >= 0);
                assert_true(buf_putc(&big, '"') >= 0);
        }
        add_shell(&log, 6);
        add_write(&log, 101, 1700000002, 1401, 6, "/usr/bin/vi", "vi", "/etc/big-first.conf", "EXECVE", big.data);
        add_write(&log, 102, 1700000002, 1402, 6, "/usr/bin/vi", "vi", "/etc/small.conf", NULL, NULL);
        add_write(&log, 103, 1700000003, 1403, 6, "/usr/bin/vi", "vi", "/etc/big-later.conf", "EXECVE", big.data);
        json = analyse(&log, true);

        assert_int_equal(count(json, "\"kind\":\"alert\""), 3);
        assert_int_equal(count(json, "suppressed"), 0);
        first = strstr(json, "/etc/big-first.conf");
        second = strstr(json, "/etc/big-later.conf");
        third = strstr(json, "/etc/small.conf");
        assert_non_null(first);
        assert_non_null(second);
        assert_non_null(third);
        assert_true(first < second && second < third);
        free(json);
        buf_release(&big);
        buf_release(&log);
}

/* 70 writes to 5 paths by 70 processes of one session: the bucket holds 64
 * (each with its own process) and folds; all 70 are suppressed into one bulk
 * event that names the first writer. */
static void test_fold_many_processes(void **state)
{
        struct buf log;
        char path[64], *json;
        int i;

        (void) state;
        buf_init(&log, 0);
        add_shell(&log, 6);
        for (i = 0; i < 70; i++) {
                snprintf(path, sizeof(path), "/etc/app%d.conf", i % 5);
                add_write(&log, 101 + (unsigned) i, 1700000002, 2000 + i, 6, "/usr/bin/cp", "cp", path, NULL, NULL);
        }
        json = analyse(&log, true);
        assert_int_equal(count(json, "\"by\":\"bucket\""), 70);
        assert_int_equal(count(json, "\"kind\":\"alert\""), 0);
        assert_int_equal(count(json, "\"action\":\"bulk-write\""), 1);
        assert_non_null(strstr(json, "\"bulk\":{\"writes\":70,\"paths_count\":5,"));
        assert_non_null(strstr(strstr(json, "bulk-write"), "\"process\":{\"pid\":2000,"));
        free(json);
        buf_release(&log);
}

/* 70 creates by 70 processes (a surface outside the bulk buckets), renamed by
 * none: 64 wait for their process's next write, the 6 oldest are reported as
 * the 65th to 70th come, the rest at the end of input; all 70 as they were,
 * in the order they were made. */
static void test_replace_held_bounded(void **state)
{
        struct buf log;
        char path[64], *json, *p;
        size_t early;
        int i;

        (void) state;
        buf_init(&log, 0);
        add_shell(&log, 6);
        for (i = 0; i < 70; i++) {
                snprintf(path, sizeof(path), "/usr/lib/dw-%02d", i);
                add_write(&log, 101 + (unsigned) i, 1700000002, 2000 + i, 6, "/usr/bin/cp", "cp", path, NULL, NULL);
        }
        json = analyse_early(&log, true, &early);
        assert_int_equal(early, 6);
        assert_int_equal(count(json, "\"kind\":\"alert\""), 70);
        assert_int_equal(count(json, "suppressed"), 0);
        for (i = 0, p = json; i < 70; i++) {
                snprintf(path, sizeof(path), "\"path\":\"/usr/lib/dw-%02d\"", i);
                p = strstr(p, path);
                assert_non_null(p);
        }
        free(json);
        buf_release(&log);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_new_is_small),
                cmocka_unit_test(test_held_as_it_was),
                cmocka_unit_test(test_held_over_budget),
                cmocka_unit_test(test_fold_many_processes),
                cmocka_unit_test(test_replace_held_bounded),
        };

        return cmocka_run_group_tests(tests, setup, teardown);
}
