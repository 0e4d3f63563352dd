/* Unit tests for the text view of src/report/output.c: the summary before the
 * findings held back (counts by severity and kind, plurals, the command's
 * notes), one line per finding and the details only with -v (values on one
 * side on one line, never "(none) -> x" for context), hashes cut to 12 hex
 * digits and times to the second, colour only when asked, and the bound on
 * what is held: past it the lines go out as they come, after a header, and
 * the summary closes them; the columns' header above the first line. */
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

#define HASH_A "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define HASH_B "sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

struct text_run {
        struct output out;
        FILE *mem;
        char *text;
        size_t len;
};

static void start(struct text_run *t, bool verbose, bool color)
{
        *t = (struct text_run) { 0 };
        t->mem = open_memstream(&t->text, &t->len);
        assert_non_null(t->mem);
        output_init(&t->out, OUTPUT_TEXT, t->mem, NULL);
        output_hold(&t->out);
        t->out.command = "check";
        t->out.verbose = verbose;
        t->out.color = color;
}

/* Ends the run: its whole text (free() it). */
static char *finish(struct text_run *t)
{
        assert_int_equal(output_finish(&t->out), 0);
        assert_int_equal(fclose(t->mem), 0);
        return t->text;
}

static void modified(struct output *o, const char *path, enum severity sev)
{
        struct finding f;

        finding_init(&f);
        f.alert = true;
        f.severity = sev;
        f.action = "file-modified";
        f.path = path;
        f.path_len = strlen(path);
        assert_int_equal(finding_add_changed(&f, "content", 7), 0);
        assert_int_equal(finding_add_changed(&f, "mtime", 5), 0);
        assert_int_equal(finding_add_value(&f, "content", HASH_A, strlen(HASH_A), HASH_B, strlen(HASH_B)), 0);
        assert_int_equal(finding_add_value(&f, "mtime", "2026-11-27T10:25:30.251039052Z", 30,
                                           "2026-11-27T10:25:30.999Z", 24), 0);
        assert_int_equal(output_emit(o, &f), 0);
        finding_release(&f);
}

static void added(struct output *o, const char *path)
{
        struct finding f;

        finding_init(&f);
        f.alert = true;
        f.severity = SEVERITY_MEDIUM;
        f.action = "file-added";
        f.path = path;
        f.path_len = strlen(path);
        assert_int_equal(finding_add_value(&f, "mode", NULL, 0, "0644", 4), 0);
        assert_int_equal(finding_add_value(&f, "size", NULL, 0, "2", 1), 0);
        assert_int_equal(output_emit(o, &f), 0);
        finding_release(&f);
}

static void event(struct output *o)
{
        struct finding f;

        finding_init(&f);
        f.action = "baseline-recorded";
        f.message = "recorded a baseline";
        assert_int_equal(output_emit(o, &f), 0);
        finding_release(&f);
}

static void test_summary_first(void **state)
{
        struct text_run t;
        char *text;

        (void) state;
        start(&t, false, false);
        modified(&t.out, "/etc/a", SEVERITY_HIGH);
        assert_int_equal(t.len, 0);     /* held back until the summary */
        added(&t.out, "/etc/b");
        event(&t.out);
        assert_int_equal(output_note(&t.out, "checked %d entries", 3), 0);
        text = finish(&t);
        assert_string_equal(text, "check: 2 alerts (1 high, 1 medium), 1 event; 1 event not shown (-v shows them)\n"
                                  "  file-modified     1 alert\n"
                                  "  file-added        1 alert\n"
                                  "  baseline-recorded 1 event\n"
                                  "checked 3 entries\n"
                                  "\n"
                                  "SEVERITY ACTION         PATH  RULE  [CHANGED]  MESSAGE\n"
                                  "high     file-modified  /etc/a  [content mtime]\n"
                                  "medium   file-added     /etc/b\n");
        free(text);
}

static void test_verbose_details(void **state)
{
        struct text_run t;
        char *text;

        (void) state;
        start(&t, true, false);
        t.out.no_summary = true;
        modified(&t.out, "/etc/a", SEVERITY_HIGH);
        added(&t.out, "/etc/b");
        text = finish(&t);
        assert_string_equal(text, "high     file-modified  /etc/a  [content mtime]\n"
                                  "         content: sha256:0123456789ab -> sha256:fedcba987654\n"
                                  "         mtime: 2026-11-27T10:25:30Z -> 2026-11-27T10:25:30Z (within the second; "
                                  "--format json has the nanoseconds)\n"
                                  "medium   file-added     /etc/b\n"
                                  "         mode 0644, size 2\n");
        assert_null(strstr(text, "(none)"));
        free(text);
}

static void test_plurals_and_color(void **state)
{
        struct text_run t;
        char *text;

        (void) state;
        start(&t, false, true);
        modified(&t.out, "/etc/a", SEVERITY_CRITICAL);
        text = finish(&t);
        assert_non_null(strstr(text, "check: 1 alert (1 critical), 0 events\n"));
        assert_non_null(strstr(text, "\n\033[1;35mcritical\033[0m file-modified  /etc/a"));
        free(text);
}

/* The columns' header: once, above the first finding's line; none when no
 * line is printed (a clean run, events not shown) and none with --quiet
 * (test_verbose_details). */
static void test_header(void **state)
{
        struct text_run t;
        char *text, *header;

        (void) state;
        start(&t, false, false);
        event(&t.out);
        text = finish(&t);
        assert_string_equal(text, "check: 0 alerts, 1 event; 1 event not shown (-v shows them)\n"
                                  "  baseline-recorded 1 event\n");
        free(text);

        start(&t, false, false);
        modified(&t.out, "/etc/a", SEVERITY_LOW);
        modified(&t.out, "/etc/b", SEVERITY_LOW);
        text = finish(&t);
        header = strstr(text, "\n\n" OUTPUT_TEXT_HEADER "\nlow      file-modified  /etc/a");
        assert_non_null(header);
        assert_null(strstr(header + 3 + strlen(OUTPUT_TEXT_HEADER), "SEVERITY"));
        free(text);
}

static void test_bound(void **state)
{
        struct text_run t;
        char *text, *header, *first, *summary;

        (void) state;
        start(&t, false, false);
        t.out.hold_max = 160;   /* the columns' header and two lines of 50 bytes fit, not three */
        modified(&t.out, "/etc/one", SEVERITY_HIGH);
        modified(&t.out, "/etc/two", SEVERITY_HIGH);
        assert_int_equal(t.len, 0);
        modified(&t.out, "/etc/three", SEVERITY_HIGH);
        fflush(t.mem);
        assert_true(t.len > 0);
        text = finish(&t);
        header = strstr(text, "check: more findings than the text view holds");
        first = strstr(text, "/etc/one");
        summary = strstr(text, "check: 3 alerts (3 high)");
        assert_ptr_equal(header, text);
        assert_true(first && summary && first < strstr(text, "/etc/three") && strstr(text, "/etc/three") < summary);
        free(text);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_summary_first),
                cmocka_unit_test(test_verbose_details),
                cmocka_unit_test(test_plurals_and_color),
                cmocka_unit_test(test_header),
                cmocka_unit_test(test_bound),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
