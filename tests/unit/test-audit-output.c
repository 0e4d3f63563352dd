/* Unit tests for the audit context of a finding (struct finding_audit in
 * src/report/finding.h) as src/report/output.c renders it: driftwatch.audit
 * with the event's members in their order, each only when set; bytes escaped
 * (control characters, invalid UTF-8); the upgrade, bulk, health and silence
 * summaries; nothing at all without a context. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/finding.h"

/* The driftwatch.audit member of f rendered as JSON ("" when there is none). */
static char *render_audit(const struct finding *f)
{
        struct output out;
        char *json = NULL, *at, *copy;
        size_t len = 0;
        FILE *mem;

        mem = open_memstream(&json, &len);
        assert_non_null(mem);
        output_init(&out, OUTPUT_JSON, mem, NULL);
        assert_int_equal(output_emit(&out, f), 0);
        assert_int_equal(fclose(mem), 0);
        /* The context is the last member of the driftwatch object: "}}\n" follow it. */
        at = strstr(json, "\"audit\":");
        copy = strndup(at ? at : "", at ? strlen(at) - 3 : 0);
        assert_non_null(copy);
        free(json);
        return copy;
}

/* An audit finding with the (empty) context a. */
static void finding_with(struct finding *f, struct finding_audit *a)
{
        finding_init(f);
        f->timestamp = "2023-11-14T22:13:20.000Z";
        f->dataset = "driftwatch.audit";
        finding_audit_init(a);
        f->audit = a;
}

static void test_event(void **state)
{
        static const struct finding_bytes paths[] = { { "/etc/sudoers.d", 14 }, { "/etc/x\0y", 8 }, { "", 0 } };
        struct finding_audit a;
        struct finding f;
        char *s;

        (void) state;
        finding_with(&f, &a);
        s = render_audit(&f);
        assert_string_equal(s, "\"audit\":{}");
        free(s);

        a.id = "1700000001.007:101";
        a.node = (struct finding_bytes) { "web\x1b", 4 };
        a.syscall = (struct finding_bytes) { "openat", 6 };
        a.success = 0;
        a.has_exit = true;
        a.exit = -13;
        a.key = (struct finding_bytes) { "k\x01" "b\xff", 4 };
        a.tty = (struct finding_bytes) { "pts0", 4 };
        a.ses = 3;
        a.has_paths = true;
        a.paths = paths;
        a.n_paths = 3;
        s = render_audit(&f);
        assert_string_equal(s, "\"audit\":{\"id\":\"1700000001.007:101\",\"node\":\"web\\u001b\",\"syscall\":\"openat\","
                               "\"success\":false,\"exit\":-13,\"key\":\"k\\u0001b\xef\xbf\xbd\",\"tty\":\"pts0\","
                               "\"ses\":\"3\",\"paths\":[\"/etc/sudoers.d\",\"/etc/x\\u0000y\",\"\"]}");
        free(s);

        /* Unset: success -1, ses unset (4294967295), no paths; a command's target. */
        a.success = -1;
        a.has_exit = false;
        a.ses = 4294967295LL;
        a.has_paths = false;
        a.node = a.key = a.tty = (struct finding_bytes) { NULL, 0 };
        a.target = "quay.io/example/os:latest";
        s = render_audit(&f);
        assert_string_equal(s, "\"audit\":{\"id\":\"1700000001.007:101\",\"syscall\":\"openat\","
                               "\"target\":\"quay.io/example/os:latest\"}");
        free(s);

        /* No context, no member. */
        f.audit = NULL;
        s = render_audit(&f);
        assert_string_equal(s, "");
        free(s);
}

static void test_summaries(void **state)
{
        struct surface surfaces[3] = { { .surface = (char *) "sudoers.d" }, { .surface = (char *) "etc" },
                                       { .surface = (char *) "pam.d" } };
        const uint64_t counts[3] = { 1, 15, 0 };
        struct finding_fold fold = { .upgrader = "bootc", .reason = "bootc merges /etc", .writes = 16,
                                     .paths_count = 2, .commands = 1, .surfaces = surfaces, .counts = counts,
                                     .n_surfaces = 3, .paths = "/etc/a\0/etc/sudoers.d/b", .n_paths = 2 };
        struct finding_health health = { .count = 2, .amount_name = "missing", .amount = 399, .key = "" };
        struct finding_silence silence = { .from = "2023-11-14T22:13:20.000Z", .seconds = 120 };
        struct finding_audit a;
        struct finding f;
        char *s;

        (void) state;
        finding_with(&f, &a);
        a.id = "1.000:2";
        a.upgrade = &fold;
        s = render_audit(&f);
        assert_string_equal(s, "\"audit\":{\"id\":\"1.000:2\",\"upgrade\":{\"upgrader\":\"bootc\",\"reason\":\"bootc "
                               "merges /etc\",\"writes\":16,\"paths_count\":2,\"commands\":1,\"surfaces\":"
                               "{\"sudoers.d\":1,\"etc\":15},\"paths\":[\"/etc/a\",\"/etc/sudoers.d/b\"]}}");
        free(s);

        a.upgrade = NULL;
        a.bulk = &fold;
        fold.seconds = 7;
        fold.n_paths = 0;
        s = render_audit(&f);
        assert_string_equal(s, "\"audit\":{\"id\":\"1.000:2\",\"bulk\":{\"writes\":16,\"paths_count\":2,"
                               "\"seconds\":7,\"surfaces\":{\"sudoers.d\":1,\"etc\":15},\"paths\":[]}}");
        free(s);

        a.bulk = NULL;
        a.health = &health;
        s = render_audit(&f);
        assert_string_equal(s, "\"audit\":{\"id\":\"1.000:2\",\"health\":{\"count\":2,\"missing\":399}}");
        free(s);
        health.amount = 0;
        health.key = "priv_esc";
        s = render_audit(&f);
        assert_string_equal(s, "\"audit\":{\"id\":\"1.000:2\",\"health\":{\"count\":2,\"key\":\"priv_esc\"}}");
        free(s);

        a.health = NULL;
        a.id = NULL;
        a.silence = &silence;
        s = render_audit(&f);
        assert_string_equal(s, "\"audit\":{\"silence\":{\"from\":\"2023-11-14T22:13:20.000Z\",\"seconds\":120}}");
        free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_event),
                cmocka_unit_test(test_summaries),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
