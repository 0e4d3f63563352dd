/* Unit tests for src/audit/input.c: the inputs of an audit analysis. A
 * directory gives its audit.log.N ... audit.log.1 audit.log oldest first and
 * nothing else; a glob the same order; "-" and plain files stay as given;
 * errors name the input (an empty directory, a glob without a match, a missing
 * file, an input without a single audit record); the files are fed into the
 * assembler in that order; a cancelled plain read is an error. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/input.h"
#include "tmpdir.h"

struct dir {
        char path[TMPDIR_LEN];
};

/* One SYSCALL record of event 'serial'. */
static void write_record(const char *dir, const char *name, unsigned serial)
{
        char line[256];

        snprintf(line, sizeof(line),
                 "type=SYSCALL msg=audit(1700000100.000:%u): arch=c000003e syscall=2 items=0 pid=1\n", serial);
        tmpdir_write(dir, name, line);
}

static int setup(void **state)
{
        struct dir *d = calloc(1, sizeof(*d));

        assert_non_null(d);
        tmpdir_make(d->path, "input");
        *state = d;
        return 0;
}

static int teardown(void **state)
{
        struct dir *d = *state;

        tmpdir_remove(d->path);
        free(d);
        return 0;
}

/* The files of in, relative to dir, joined by spaces. */
static void expect_files(const struct audit_inputs *in, const char *dir, const char *want)
{
        char got[1024] = "";
        size_t i, n = strlen(dir);

        for (i = 0; i < in->files.n; i++) {
                const char *f = in->files.v[i];

                if (strncmp(f, dir, n) == 0 && f[n] == '/')
                        f += n + 1;
                snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? " " : "", f);
        }
        assert_string_equal(got, want);
}

static void make_rotation(const char *dir)
{
        write_record(dir, "audit.log", 4);
        write_record(dir, "audit.log.1", 3);
        write_record(dir, "audit.log.2", 2);
        write_record(dir, "audit.log.10", 1);
        tmpdir_write(dir, "other.txt", "not a log\n");
        tmpdir_write(dir, "audit.log.old", "not rotated by auditd\n");
        tmpdir_write(dir, "audit.logx", "another name\n");
}

static void test_directory_rotation_order(void **state)
{
        struct dir *d = *state;
        struct audit_inputs in = { 0 };
        struct dw_error err = { 0 };
        size_t i;

        make_rotation(d->path);
        assert_int_equal(audit_inputs_add(&in, d->path, &err), 0);
        expect_files(&in, d->path, "audit.log.10 audit.log.2 audit.log.1 audit.log");
        assert_int_equal(in.sources.n, in.files.n);
        for (i = 0; i < in.sources.n; i++)
                assert_string_equal(in.sources.v[i], d->path);
        assert_int_equal(err.r, 0);
        audit_inputs_release(&in);
}

static void test_glob_order(void **state)
{
        struct dir *d = *state;
        struct audit_inputs in = { 0 };
        struct dw_error err = { 0 };
        char pattern[128];

        make_rotation(d->path);
        snprintf(pattern, sizeof(pattern), "%s/audit.log.[0-9]*", d->path);
        assert_int_equal(audit_inputs_add(&in, pattern, &err), 0);
        expect_files(&in, d->path, "audit.log.10 audit.log.2 audit.log.1");
        assert_string_equal(in.sources.v[0], pattern);
        audit_inputs_release(&in);

        snprintf(pattern, sizeof(pattern), "%s/*", d->path);
        assert_int_equal(audit_inputs_add(&in, pattern, &err), 0);
        /* Each base name on its own, its rotations oldest first, the live log last. */
        expect_files(&in, d->path, "audit.log.10 audit.log.2 audit.log.1 audit.log audit.log.old audit.logx other.txt");
        audit_inputs_release(&in);
}

static void test_plain_inputs(void **state)
{
        struct dir *d = *state;
        struct audit_inputs in = { 0 };
        struct dw_error err = { 0 };
        char p[128];

        write_record(d->path, "a*b.log", 1);    /* an existing name is taken as it is */
        snprintf(p, sizeof(p), "%s/a*b.log", d->path);
        assert_int_equal(audit_inputs_add(&in, "-", &err), 0);
        assert_int_equal(audit_inputs_add(&in, p, &err), 0);
        assert_int_equal(audit_inputs_add(&in, "/nonexistent/audit.log", &err), 0);    /* reported when read */
        assert_int_equal(in.files.n, 3);
        assert_string_equal(in.files.v[0], "-");
        assert_string_equal(in.files.v[1], p);
        assert_string_equal(in.sources.v[2], "/nonexistent/audit.log");
        audit_inputs_release(&in);
}

static void test_expansion_errors(void **state)
{
        struct dir *d = *state;
        struct audit_inputs in = { 0 };
        struct dw_error err = { 0 };
        char p[128];

        tmpdir_write(d->path, "other.txt", "x\n");
        assert_int_equal(audit_inputs_add(&in, d->path, &err), -ENOENT);
        assert_string_equal(err.input, d->path);
        assert_non_null(strstr(dw_error_reason(&err), "no audit.log files in directory"));
        assert_int_equal(in.files.n, 0);
        dw_error_release(&err);

        snprintf(p, sizeof(p), "%s/nothing-*.log", d->path);
        assert_int_equal(audit_inputs_add(&in, p, &err), -ENOENT);
        assert_string_equal(err.input, p);
        assert_non_null(strstr(dw_error_reason(&err), "no audit log matches"));
        dw_error_release(&err);
        audit_inputs_release(&in);
}

/* Serials in the order the assembler completed them. */
struct serials {
        uint64_t v[16];
        size_t n;
};

static int on_event(const struct audit_event *ev, void *userdata)
{
        struct serials *s = userdata;

        if (s->n < 16)
                s->v[s->n++] = ev->serial;
        return 0;
}

static int read_all(const struct audit_inputs *in, struct serials *s, const struct audit_input_options *o,
                    struct dw_error *err)
{
        struct audit_assembler *a = NULL;
        int r;

        assert_int_equal(audit_assembler_new(NULL, on_event, s, &a), 0);
        r = audit_inputs_read(in, a, o, err);
        if (r == 0)
                assert_int_equal(audit_assembler_flush(a), 0);
        audit_assembler_free(a);
        return r;
}

static void test_read_order(void **state)
{
        struct dir *d = *state;
        struct audit_inputs in = { 0 };
        struct dw_error err = { 0 };
        struct serials s = { 0 };

        make_rotation(d->path);
        assert_int_equal(audit_inputs_add(&in, d->path, &err), 0);
        assert_int_equal(read_all(&in, &s, NULL, &err), 0);
        assert_int_equal(s.n, 4);
        assert_int_equal(s.v[0], 1);
        assert_int_equal(s.v[1], 2);
        assert_int_equal(s.v[2], 3);
        assert_int_equal(s.v[3], 4);
        audit_inputs_release(&in);
}

static void test_read_errors(void **state)
{
        struct dir *d = *state;
        struct audit_inputs in = { 0 };
        struct dw_error err = { 0 };
        struct serials s = { 0 };
        char p[128];

        /* An input without a single record: named, whatever came before it. */
        write_record(d->path, "good.log", 1);
        tmpdir_write(d->path, "empty.log", "");
        tmpdir_write(d->path, "garbage.log", "not an audit log\n\n# at all\n");
        snprintf(p, sizeof(p), "%s/good.log", d->path);
        assert_int_equal(audit_inputs_add(&in, p, &err), 0);
        snprintf(p, sizeof(p), "%s/empty.log", d->path);
        assert_int_equal(audit_inputs_add(&in, p, &err), 0);
        assert_int_equal(read_all(&in, &s, NULL, &err), -ENOMSG);
        assert_string_equal(err.input, p);
        assert_non_null(strstr(dw_error_reason(&err), "no audit records in"));
        dw_error_release(&err);
        audit_inputs_release(&in);

        snprintf(p, sizeof(p), "%s/garbage.log", d->path);
        assert_int_equal(audit_inputs_add(&in, p, &err), 0);
        assert_int_equal(read_all(&in, &s, NULL, &err), -ENOMSG);
        dw_error_release(&err);
        audit_inputs_release(&in);

        /* A rotated directory whose live log is still empty has records. */
        assert_int_equal(mkdir(strcat(strcpy(p, d->path), "/rot"), 0700), 0);
        write_record(p, "audit.log.1", 7);
        tmpdir_write(p, "audit.log", "");
        assert_int_equal(audit_inputs_add(&in, p, &err), 0);
        assert_int_equal(read_all(&in, &s, NULL, &err), 0);
        audit_inputs_release(&in);

        /* A missing file, named. */
        snprintf(p, sizeof(p), "%s/missing.log", d->path);
        assert_int_equal(audit_inputs_add(&in, p, &err), 0);
        assert_int_equal(read_all(&in, &s, NULL, &err), -ENOENT);
        assert_string_equal(err.input, p);
        assert_non_null(strstr(dw_error_reason(&err), "cannot open audit log"));
        dw_error_release(&err);
        audit_inputs_release(&in);
}

static void test_cancel(void **state)
{
        struct dir *d = *state;
        volatile sig_atomic_t cancel = 1;
        struct audit_input_options o = { .cancel = &cancel };
        struct audit_inputs in = { 0 };
        struct dw_error err = { 0 };
        struct serials s = { 0 };
        char p[128];

        write_record(d->path, "good.log", 1);
        snprintf(p, sizeof(p), "%s/good.log", d->path);
        assert_int_equal(audit_inputs_add(&in, p, &err), 0);
        /* Reading files: a cancellation is an interruption, never a complete result. */
        assert_int_equal(read_all(&in, &s, &o, &err), -ECANCELED);
        assert_string_equal(dw_error_reason(&err), "interrupted");
        dw_error_release(&err);
        /* Following: the normal end. */
        o.follow = true;
        assert_int_equal(read_all(&in, &s, &o, &err), 0);
        assert_int_equal(err.r, 0);
        audit_inputs_release(&in);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_directory_rotation_order, setup, teardown),
                cmocka_unit_test_setup_teardown(test_glob_order, setup, teardown),
                cmocka_unit_test_setup_teardown(test_plain_inputs, setup, teardown),
                cmocka_unit_test_setup_teardown(test_expansion_errors, setup, teardown),
                cmocka_unit_test_setup_teardown(test_read_order, setup, teardown),
                cmocka_unit_test_setup_teardown(test_read_errors, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
