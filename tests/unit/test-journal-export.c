/* The journal export parser (parse/journal-export.h): text and binary fields,
 * any chunking of the stream, fields over the limit skipped with their
 * declared size, entry limits, and one-line reasons for what is not the format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parse/journal-export.h"

struct seen {
        size_t entries;
        char first_message[256];
        size_t first_message_len;
        uint64_t realtime;
        char oversized[JOURNAL_NAME_MAX + 1];
        uint64_t oversized_size;
        size_t fields, dropped;
};

static int collect(const struct journal_entry *e, void *userdata)
{
        struct seen *s = userdata;
        size_t len = 0;
        const char *m = journal_entry_get(e, "MESSAGE", &len);

        if (s->entries++ == 0) {
                if (m) {
                        memcpy(s->first_message, m, len < sizeof(s->first_message) ? len : sizeof(s->first_message));
                        s->first_message_len = len;
                }
                s->realtime = e->realtime_us;
                memcpy(s->oversized, e->oversized, sizeof(s->oversized));
                s->oversized_size = e->oversized_size;
                s->fields = e->n_fields;
                s->dropped = e->n_dropped;
        }
        return 0;
}

/* Feeds buf in chunks of 'chunk' bytes; returns the parse's result. */
static int parse(const char *buf, size_t len, size_t chunk, struct seen *s)
{
        _cleanup_(export_parser_freep) struct export_parser *p = NULL;
        int r;

        memset(s, 0, sizeof(*s));
        assert_int_equal(export_parser_new(&p), 0);
        for (size_t i = 0; i < len; i += chunk) {
                r = export_parser_feed(p, buf + i, len - i < chunk ? len - i : chunk, collect, s);
                if (r < 0)
                        return r;
        }
        return export_parser_finish(p, collect, s);
}

static const char stream[] = "__REALTIME_TIMESTAMP=1764100000000000\nMESSAGE=hello\nPRIORITY=6\n\n"
                             "MESSAGE\n\x05\0\0\0\0\0\0\0a\nb\0c\n_PID=1\n\n"
                             "MESSAGE=last, not closed\n";

static void test_chunks(void **state)
{
        struct seen s;

        for (size_t chunk = 1; chunk <= sizeof(stream); chunk++) {
                assert_int_equal(parse(stream, sizeof(stream) - 1, chunk, &s), 0);
                assert_int_equal(s.entries, 3);
                assert_int_equal(s.first_message_len, 5);
                assert_memory_equal(s.first_message, "hello", 5);
                assert_true(s.realtime == 1764100000000000ULL);
                assert_int_equal(s.fields, 3);
                assert_int_equal(s.dropped, 0);
        }
}

static int second_binary(const struct journal_entry *e, void *userdata)
{
        size_t len = 0;
        const char *m = journal_entry_get(e, "MESSAGE", &len);

        if (journal_entry_get(e, "_PID", NULL)) {
                assert_int_equal(len, 5);
                assert_memory_equal(m, "a\nb\0c", 5);
                assert_null(journal_entry_str(e, "MESSAGE"));   /* a NUL inside: not a string */
                assert_string_equal(journal_entry_str(e, "_PID"), "1");
                (*(int *) userdata)++;
        }
        return 0;
}

static void test_binary(void **state)
{
        _cleanup_(export_parser_freep) struct export_parser *p = NULL;
        int n = 0;

        assert_int_equal(export_parser_new(&p), 0);
        assert_int_equal(export_parser_feed(p, stream, sizeof(stream) - 1, second_binary, &n), 0);
        assert_int_equal(export_parser_finish(p, second_binary, &n), 0);
        assert_int_equal(n, 1);
}

static void test_oversized(void **state)
{
        /* A binary field declaring 1 GiB with only part of it present: an
         * error at the end, but the size is noted while skipping. */
        static const char huge[] = "MESSAGE\n\0\0\0\x40\0\0\0\0";
        size_t big = JOURNAL_FIELD_MAX + 10;
        char *text = malloc(big + 64);
        struct seen s;
        size_t n;

        assert_int_equal(parse(huge, sizeof(huge) - 1, 7, &s), -EBADMSG);
        /* A text field just over the limit: dropped, the rest kept. */
        assert_non_null(text);
        n = (size_t) sprintf(text, "MESSAGE=");
        memset(text + n, 'x', big);
        n += big;
        n += (size_t) sprintf(text + n, "\nPRIORITY=3\n\n");
        assert_int_equal(parse(text, n, 4096, &s), 0);
        assert_int_equal(s.entries, 1);
        assert_string_equal(s.oversized, "MESSAGE");
        assert_true(s.oversized_size == big);
        assert_int_equal(s.fields, 1);
        assert_int_equal(s.dropped, 1);
        free(text);
}

static void test_many_fields(void **state)
{
        size_t n = 0, cap = (JOURNAL_FIELDS_MAX + 10) * 8 + 2;
        char *text = malloc(cap);
        struct seen s;

        assert_non_null(text);
        for (int i = 0; i < JOURNAL_FIELDS_MAX + 10; i++)
                n += (size_t) snprintf(text + n, cap - n, "A%04d=\n", i % 10000);
        text[n++] = '\n';
        assert_int_equal(parse(text, n, 100, &s), 0);
        assert_int_equal(s.fields, JOURNAL_FIELDS_MAX);
        assert_int_equal(s.dropped, 10);
        free(text);
}

static void fails(const char *text, size_t len, const char *want)
{
        _cleanup_(export_parser_freep) struct export_parser *p = NULL;
        struct seen s = { 0 };
        int r;

        assert_int_equal(export_parser_new(&p), 0);
        r = export_parser_feed(p, text, len, collect, &s);
        if (r == 0)
                r = export_parser_finish(p, collect, &s);
        assert_int_equal(r, -EBADMSG);
        if (strcmp(export_parser_error(p), want) != 0)
                fail_msg("reason '%s', want '%s'", export_parser_error(p), want);
}

static void test_bad(void **state)
{
        fails("hello world\n", 12, "invalid byte in a field name after ''");
        fails("message=x\n", 10, "invalid byte in a field name after ''");
        fails("1A=x\n", 5, "invalid byte in a field name after ''");
        fails("MESSAGE=x", 9, "ends in the middle of field 'MESSAGE'");
        fails("MESSAGE\n\x01\0\0\0\0\0\0\0ab", 18, "binary field 'MESSAGE' not followed by a newline");
        fails("MESSAGE\n\x01\0\0", 11, "ends in the middle of field 'MESSAGE'");
        fails("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=x\n", 74,
              "field name 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA...' longer than 64 bytes");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_chunks),
                cmocka_unit_test(test_binary),
                cmocka_unit_test(test_oversized),
                cmocka_unit_test(test_many_fields),
                cmocka_unit_test(test_bad),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
