/* Unit tests for src/audit/rules-gen.c: the auditd rules generated from the
 * detection content. More specific watches come before the directories that
 * contain them (the kernel keys an event by the first rule that matches), each
 * keyed by the surface the analytics give the path; globs and paths a rules
 * line cannot hold become comments, annotated with the watch that covers them;
 * surfaces with 'audit: off' are left out, and so are the paths they take from
 * later surfaces; --existing leaves out what does not exist; the execve rules
 * follow the machine's ABIs; an id too long for an audit key is refused. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/rules-gen.h"
#include "tmpdir.h"

struct fixture {
        char dir[TMPDIR_LEN];
        struct ruleset *rules;
};

/* The surfaces, with @ standing for the fixture's directory. */
static const char rules_yaml[] =
        "version: 1\n"
        "surfaces:\n"
        "  - id: EARLY-OFF\n"
        "    surface: early-off\n"
        "    name: not watched\n"
        "    audit: off\n"
        "    paths: [\"@/etc/app.d/off/**\", \"@/quiet\"]\n"
        "  - id: APP\n"
        "    surface: app\n"
        "    name: application configuration\n"
        "    paths: [\"@/etc/app.d/**\", \"@/etc/app.conf\", \"@/etc/app.d/off\"]\n"
        "  - id: WIDE\n"
        "    surface: wide\n"
        "    name: everything else\n"
        "    paths: [\"@/etc\", \"@/etc/app.d/inner\", \"@/etc/*.glob\", \"@/gone/sub/x\", \"@/with space\"]\n";

/* s with every @ replaced by dir, in a new string. */
static char *expand(const char *s, const char *dir)
{
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);

        assert_non_null(f);
        for (; *s; s++)
                if (*s == '@')
                        fputs(dir, f);
                else
                        fputc(*s, f);
        assert_int_equal(fclose(f), 0);
        return out;
}

static int setup(void **state)
{
        struct fixture *fx = calloc(1, sizeof(*fx));
        char *yaml, *msg = NULL, p[128];

        assert_non_null(fx);
        tmpdir_make(fx->dir, "rules");
        snprintf(p, sizeof(p), "%s/etc", fx->dir);
        assert_int_equal(mkdir(p, 0700), 0);
        snprintf(p, sizeof(p), "%s/etc/app.d", fx->dir);
        assert_int_equal(mkdir(p, 0700), 0);
        snprintf(p, sizeof(p), "%s/etc/app.d/inner", fx->dir);
        assert_int_equal(mkdir(p, 0700), 0);
        yaml = expand(rules_yaml, fx->dir);
        /* This file alone, not layered over the defaults: the test knows every surface. */
        assert_int_equal(ruleset_new(&fx->rules), 0);
        if (ruleset_layer(fx->rules, yaml, strlen(yaml), &msg) < 0)
                fail_msg("rules refused: %s", msg ? msg : "?");
        free(yaml);
        *state = fx;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *fx = *state;

        ruleset_free(fx->rules);
        tmpdir_remove(fx->dir);
        free(fx);
        return 0;
}

/* The rules for fx's ruleset, in a new string. */
static char *generate(const struct fixture *fx, const struct audit_rules_options *o)
{
        struct dw_error err = { 0 };
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);

        assert_non_null(f);
        if (audit_rules_write(fx->rules, o, f, &err) < 0)
                fail_msg("audit_rules_write: %s", dw_error_reason(&err));
        assert_int_equal(fclose(f), 0);
        return out;
}

/* The lines of text starting with prefix, joined by '|'. */
static char *lines_starting(const char *text, const char *prefix)
{
        char *out = NULL;
        size_t len = 0, n = strlen(prefix);
        FILE *f = open_memstream(&out, &len);
        const char *p, *end;
        bool first = true;

        assert_non_null(f);
        for (p = text; *p; p = *end ? end + 1 : end) {
                end = strchrnul(p, '\n');
                if (strncmp(p, prefix, n) != 0)
                        continue;
                fprintf(f, "%s%.*s", first ? "" : "|", (int) (end - p), p);
                first = false;
        }
        assert_int_equal(fclose(f), 0);
        return out;
}

/* Whether text holds s, @ standing for the fixture's directory; as a whole
 * line of its own with whole_line. */
static bool holds(const struct fixture *fx, const char *text, const char *s, bool whole_line)
{
        char *want = expand(s, fx->dir);
        size_t n = strlen(want);
        const char *p;
        bool found = false;

        for (p = strstr(text, want); p && !found; p = strstr(p + 1, want))
                found = !whole_line || ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'));
        free(want);
        return found;
}

static void test_order_and_keys(void **state)
{
        struct fixture *fx = *state;
        struct audit_rules_options o = { .machine = "x86_64" };
        char *text = generate(fx, &o);
        char *watches = lines_starting(text, "-w ");
        char *want = expand("-w @/etc/app.d/inner -p wa -k dw-app|"
                            "-w @/etc/app.d -p wa -k dw-app|"
                            "-w @/etc/app.conf -p wa -k dw-app|"
                            "-w @/etc -p wa -k dw-wide", fx->dir);

        /* inner is WIDE's path, but the analytics give it to APP, whose glob
         * under app.d matches it first; app.conf does not exist, its
         * directory does: the kernel watches the name. */
        assert_string_equal(watches, want);
        free(watches);
        free(want);
        watches = lines_starting(text, "-a ");
        assert_string_equal(watches, "-a always,exit -F arch=b64 -S execve,execveat -F key=dw-exec|"
                                     "-a always,exit -F arch=b32 -S execve,execveat -F key=dw-exec|"
                                     "-a always,exit -F arch=b64 -S mount,umount2,move_mount,fsmount,mount_setattr "
                                     "-F key=dw-mount|"
                                     "-a always,exit -F arch=b32 -S mount,umount,umount2,move_mount,fsmount,"
                                     "mount_setattr -F key=dw-mount");
        free(watches);
        assert_true(holds(fx, text, "from the built-in rules", false));
        free(text);
}

static void test_comments(void **state)
{
        struct fixture *fx = *state;
        struct audit_rules_options o = { .machine = "x86_64" };
        char *text = generate(fx, &o);

        /* A glob, with the watch that covers it; a path whose parent is
         * missing; one a rules line cannot hold. */
        assert_true(holds(fx, text, "#   @/etc/*.glob", false));
        assert_true(holds(fx, text, "under the watch on @/etc (dw-wide)", false));
        assert_true(holds(fx, text, "#   @/gone/sub/x", true));
        assert_true(holds(fx, text, "#   @/with space", true));
        free(text);
}

static void test_audit_off(void **state)
{
        struct fixture *fx = *state;
        struct audit_rules_options o = { .machine = "x86_64" };
        char *text = generate(fx, &o);

        /* No watch for an 'audit: off' surface, nor for a later surface's
         * path that it takes; both listed. */
        assert_false(holds(fx, text, "-w @/quiet ", false));
        assert_false(holds(fx, text, "-w @/etc/app.d/off ", false));
        assert_false(holds(fx, text, "dw-early-off", false));
        assert_true(holds(fx, text, "#   EARLY-OFF: @/etc/app.d/off/** @/quiet", true));
        assert_true(holds(fx, text, "## Paths an earlier surface with 'audit: off' takes, so not watched:", true));
        assert_true(holds(fx, text, "#   @/etc/app.d/off ", false));
        free(text);
}

static void test_existing(void **state)
{
        struct fixture *fx = *state;
        struct audit_rules_options o = { .existing = true, .machine = "x86_64", .rules_source = "/r/x.yaml" };
        char *text = generate(fx, &o);

        assert_false(holds(fx, text, "-w @/etc/app.conf ", false));
        assert_true(holds(fx, text, "-w @/etc/app.d -p wa -k dw-app", true));
        assert_true(holds(fx, text, "## Not on this host (--existing), so not watched:", true));
        assert_true(holds(fx, text, "#   @/etc/app.conf ", false));
        assert_true(holds(fx, text, "from the rules in /r/x.yaml", false));
        free(text);
}

/* The -a lines audit-rules prints for machine, '|'-separated. */
static void check_machine(struct fixture *fx, const char *machine, const char *want)
{
        struct audit_rules_options o = { .machine = machine };
        char *text = generate(fx, &o), *lines = lines_starting(text, "-a ");

        assert_string_equal(lines, want);
        free(lines);
        free(text);
}

static void test_machines(void **state)
{
        struct fixture *fx = *state;

        check_machine(fx, "riscv64", "-a always,exit -F arch=b64 -S execve,execveat -F key=dw-exec|"
                                     "-a always,exit -F arch=b64 -S mount,umount2,move_mount,fsmount,mount_setattr "
                                     "-F key=dw-mount");
        check_machine(fx, "i686", "-a always,exit -F arch=b32 -S execve,execveat -F key=dw-exec|"
                                  "-a always,exit -F arch=b32 -S mount,umount,umount2,move_mount,fsmount,"
                                  "mount_setattr -F key=dw-mount");
        /* The old umount(2) is in the i386 table only, not in arm's; aarch64
         * numbers umount2 before mount (auditctl -l lists them by number). */
        check_machine(fx, "aarch64", "-a always,exit -F arch=b64 -S execve,execveat -F key=dw-exec|"
                                     "-a always,exit -F arch=b32 -S execve,execveat -F key=dw-exec|"
                                     "-a always,exit -F arch=b64 -S umount2,mount,move_mount,fsmount,mount_setattr "
                                     "-F key=dw-mount|"
                                     "-a always,exit -F arch=b32 -S mount,umount2,move_mount,fsmount,mount_setattr "
                                     "-F key=dw-mount");
}

static void test_long_key(void **state)
{
        struct ruleset *rs = NULL;
        struct audit_rules_options o = { .machine = "x86_64" };
        struct dw_error err = { 0 };
        char yaml[1024], id[300], *msg = NULL, *out = NULL;
        size_t len = 0;
        FILE *f;

        memset(id, 'K', 299);
        id[299] = '\0';
        snprintf(yaml, sizeof(yaml), "version: 1\nsurfaces:\n  - id: %s\n    surface: s\n    name: n\n"
                                     "    paths: [/etc/x]\n", id);
        if (ruleset_parse(yaml, strlen(yaml), &rs, &msg) < 0)
                fail_msg("rules refused: %s", msg ? msg : "?");
        f = open_memstream(&out, &len);
        assert_non_null(f);
        assert_int_equal(audit_rules_write(rs, &o, f, &err), -E2BIG);
        assert_string_equal(err.input, id);
        fclose(f);
        assert_int_equal(len, 0);       /* nothing written before the refusal */
        free(out);
        dw_error_release(&err);
        ruleset_free(rs);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_order_and_keys, setup, teardown),
                cmocka_unit_test_setup_teardown(test_comments, setup, teardown),
                cmocka_unit_test_setup_teardown(test_audit_off, setup, teardown),
                cmocka_unit_test_setup_teardown(test_existing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_machines, setup, teardown),
                cmocka_unit_test(test_long_key),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
