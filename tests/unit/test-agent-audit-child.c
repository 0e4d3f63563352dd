/* Unit tests for src/agent/audit-child.c: the records of the audit stream's
 * child as the agent reads them (a finding, an error, a position with its
 * node in hex, the counts; anything else starting with '@' refused), and
 * the child's own writing of them: a stream of a node named with '@' and
 * braces (its saved position given: the events at or before it skipped,
 * counted as resent) comes out as records that read back to the same node
 * and positions, the last one settled at the stream's end. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/audit-child.h"
#include "rules/rules.h"

static int parse(const char *line, struct audit_child_record *rec)
{
        return audit_child_record_parse(line, strlen(line), rec);
}

static void test_parse(void **state)
{
        struct audit_child_record rec;

        assert_int_equal(parse("{\"a\":1}", &rec), 0);
        assert_int_equal(rec.kind, AUDIT_CHILD_RECORD_FINDING);
        assert_int_equal(parse("!cannot read", &rec), 0);
        assert_int_equal(rec.kind, AUDIT_CHILD_RECORD_ERROR);
        assert_int_equal(rec.len, 11);
        assert_memory_equal(rec.text, "cannot read", 11);
        assert_int_equal(parse("@position x6120 1700000001 250 77", &rec), 0);
        assert_int_equal(rec.kind, AUDIT_CHILD_RECORD_POSITION);
        assert_string_equal(rec.node, "a ");
        assert_int_equal(rec.pos.sec, 1700000001);
        assert_int_equal(rec.pos.msec, 250);
        assert_int_equal(rec.pos.serial, 77);
        assert_int_equal(parse("@position x 1 2 3", &rec), 0);
        assert_string_equal(rec.node, "");
        assert_int_equal(parse("@counts 10 3", &rec), 0);
        assert_int_equal(rec.kind, AUDIT_CHILD_RECORD_COUNTS);
        assert_int_equal(rec.events, 10);
        assert_int_equal(rec.resent, 3);
        assert_int_equal(parse("", &rec), 0);
        assert_int_equal(rec.kind, AUDIT_CHILD_RECORD_NONE);
        assert_int_equal(parse("type=SYSCALL msg=audit(1.2:3)", &rec), 0);
        assert_int_equal(rec.kind, AUDIT_CHILD_RECORD_NONE);

        /* none of these is a record */
        static const char *const bad[] = {
                "@position x61 1 2 3 4", "@position x61 1 2", "@position 61 1 2 3", "@position x6 1 2 3",
                "@position x6g 1 2 3", "@position x0061 1 2 3", "@position x61 1 4294967296 3",
                "@position x61  1 2 3", "@position x61 -1 2 3", "@counts 1", "@counts 1 2 3", "@counts a b",
                "@", "@other 1",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(parse(bad[i], &rec), -EBADMSG);
        char longnode[12 + 2 * AUDIT_CHILD_NODE_MAX + 16] = "@position x";
        for (size_t i = 0; i < AUDIT_CHILD_NODE_MAX; i++)
                strcat(longnode, "61");
        strcat(longnode, " 1 2 3");
        assert_int_equal(parse(longnode, &rec), -EBADMSG);
}

/* An event of node NODE: one SYSCALL record and its EOE. */
static void event(FILE *f, const char *node, unsigned sec, unsigned serial)
{
        fprintf(f, "node=%s type=SYSCALL msg=audit(%u.100:%u): arch=c000003e syscall=59 success=yes exit=0 "
                   "ppid=1 pid=2 auid=1000 uid=0 gid=0 euid=0 comm=\"true\" exe=\"/usr/bin/true\" key=(null)\n"
                   "node=%s type=EOE msg=audit(%u.100:%u): \n", node, sec, serial, node, sec, serial);
}

static void test_child_round_trip(void **state)
{
        static const char node[] = "web-01@x{}";
        struct ruleset *rules = NULL;
        struct dw_context ctx = { 0 };
        struct audit_child_saved saved = { .pos = { .sec = 1700000000, .msec = 100, .serial = 5 } };
        int in[2], out[2], status;
        bool seen_pos = false, seen_counts = false;
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        FILE *f;
        pid_t pid;

        assert_int_equal(ruleset_default(&rules, NULL), 0);
        ctx.rules = rules;
        strcpy(saved.node, node);
        assert_int_equal(pipe(in), 0);
        assert_int_equal(pipe(out), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct output o;
                FILE *w = fdopen(out[1], "w");

                close(in[1]);
                close(out[0]);
                output_init(&o, OUTPUT_JSON, w, "host");
                _exit(audit_child_run(&ctx, &saved, 1, in[0], &o, w));
        }
        close(in[0]);
        close(out[1]);
        f = fdopen(in[1], "w");
        /* serial 5 and before: resent; then 60 s of stream time */
        event(f, node, 1700000000, 4);
        event(f, node, 1700000000, 5);
        for (unsigned i = 0; i < 60; i++)
                event(f, node, 1700000001 + i, 6 + i);
        fclose(f);
        f = fdopen(out[0], "r");
        while ((n = getline(&line, &cap, f)) > 0) {
                struct audit_child_record rec;

                line[n - 1] = '\0';
                assert_int_equal(parse(line, &rec), 0);
                assert_true(rec.kind != AUDIT_CHILD_RECORD_NONE && rec.kind != AUDIT_CHILD_RECORD_ERROR);
                if (rec.kind == AUDIT_CHILD_RECORD_POSITION) {
                        assert_string_equal(rec.node, node);
                        assert_true(rec.pos.serial > 5);
                        seen_pos = true;
                        if (rec.pos.serial == 65)
                                assert_int_equal(rec.pos.sec, 1700000060);      /* the end: settled */
                }
                if (rec.kind == AUDIT_CHILD_RECORD_COUNTS) {
                        assert_int_equal(rec.resent, 2);
                        seen_counts = true;
                }
        }
        fclose(f);
        free(line);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        assert_true(seen_pos);
        assert_true(seen_counts);
        ruleset_free(rules);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse),
                cmocka_unit_test(test_child_round_trip),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
