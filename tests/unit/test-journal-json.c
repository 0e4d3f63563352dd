/* `journalctl -o json` lines (parse/journal-json.h): strings, null, byte
 * arrays and repeated fields as journalctl writes them, any chunking, a line
 * over the limit skipped and reported without being stored, one-line reasons
 * for what is not the format; and journal cursors (journal/cursor.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "journal/cursor.h"
#include "parse/journal-json.h"

struct seen {
        size_t entries, fields, dropped, skipped_lines;
        uint64_t realtime, skipped_line, skipped_size;
        char oversized[JOURNAL_NAME_MAX + 1];
        uint64_t oversized_size;
        char message[128];
        size_t message_len;
        char ids[128];          /* the values of every REPEATED field, joined by '|' */
};

static int collect(const struct journal_entry *e, void *userdata)
{
        struct seen *s = userdata;
        size_t len = 0;
        const char *m = journal_entry_get(e, "MESSAGE", &len);

        s->entries++;
        s->fields = e->n_fields;
        s->dropped = e->n_dropped;
        s->realtime = e->realtime_us;
        memcpy(s->oversized, e->oversized, sizeof(s->oversized));
        s->oversized_size = e->oversized_size;
        if (m) {
                s->message_len = len < sizeof(s->message) ? len : sizeof(s->message);
                memcpy(s->message, m, s->message_len);
        }
        s->ids[0] = '\0';
        for (size_t i = 0; i < e->n_fields; i++)
                if (strcmp(e->fields[i].name, "REPEATED") == 0) {
                        if (s->ids[0])
                                strcat(s->ids, "|");
                        strncat(s->ids, e->fields[i].value, 16);
                }
        return 0;
}

static int on_skip(uint64_t line, uint64_t size, void *userdata)
{
        struct seen *s = userdata;

        s->skipped_lines++;
        s->skipped_line = line;
        s->skipped_size = size;
        return 0;
}

static int parse(const char *buf, size_t len, size_t chunk, struct seen *s, char *error, size_t error_size)
{
        _cleanup_(export_parser_freep) struct export_parser *p = NULL;
        _cleanup_(journal_json_freep) struct journal_json *j = NULL;
        int r = 0;

        memset(s, 0, sizeof(*s));
        assert_int_equal(export_parser_new(&p), 0);
        assert_int_equal(journal_json_new(&j), 0);
        for (size_t i = 0; i < len && r >= 0; i += chunk)
                r = journal_json_feed(j, p, buf + i, len - i < chunk ? len - i : chunk, collect, on_skip, s);
        if (r >= 0)
                r = journal_json_finish(j, p, collect, on_skip, s);
        if (r < 0 && error)
                snprintf(error, error_size, "%s (line %llu)", journal_json_error(j),
                         (unsigned long long) journal_json_line(j));
        return r;
}

/* As journalctl 252 writes them: a text field, a binary MESSAGE (a newline
 * and a NUL), a repeated field with a text and a binary value, null. */
static const char LINES[] =
        "{\"__CURSOR\":\"s=285b07795532464b9e973ecc849dd691;i=1;b=5f2c8e0d6b5a4c3e9d1f0a2b3c4d5e6f;m=3e8;"
        "t=6611a3e263800;x=120d26ed7eb420ac\",\"__REALTIME_TIMESTAMP\":\"1764079200000000\","
        "\"MESSAGE\":[65,10,0,66],\"REPEATED\":[\"one\",[116,119,111]],\"BIG\":null,\"_PID\":\"12\"}\n"
        "\n"
        "{\"MESSAGE\":\"second\"}";

static void test_fields(void **state)
{
        static const size_t chunks[] = { 1, 3, 7, 64, sizeof(LINES) };
        struct seen s;

        (void) state;
        for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
                assert_int_equal(parse(LINES, sizeof(LINES) - 1, chunks[i], &s, NULL, 0), 0);
                assert_int_equal(s.entries, 2);
                /* the second entry: its line ended by the end of the stream */
                assert_int_equal(s.message_len, 6);
                assert_memory_equal(s.message, "second", 6);
        }
        /* the first entry alone */
        assert_int_equal(parse(LINES, strchr(LINES, '\n') - LINES + 1, 5, &s, NULL, 0), 0);
        assert_int_equal(s.entries, 1);
        assert_int_equal(s.realtime, 1764079200000000ULL);
        assert_int_equal(s.message_len, 4);
        assert_memory_equal(s.message, "A\n\0B", 4);
        assert_string_equal(s.ids, "one|two");
        assert_int_equal(s.fields, 6);          /* __CURSOR, __REALTIME_TIMESTAMP, MESSAGE, REPEATED x2, _PID */
        assert_int_equal(s.dropped, 1);         /* BIG: null */
}

/* A byte array over the field limit is dropped with its size; a line over
 * the line limit is skipped whole, reported, and the next line still read. */
static void test_limits(void **state)
{
        size_t n = JOURNAL_FIELD_MAX + 10, len = 0;
        char *buf = malloc(JOURNAL_JSON_LINE_MAX * 2 + 256);
        struct seen s;

        (void) state;
        assert_non_null(buf);
        len += (size_t) sprintf(buf, "{\"MESSAGE\":\"x\",\"BLOB\":[");
        for (size_t i = 0; i < n; i++)
                len += (size_t) sprintf(buf + len, i ? ",1" : "1");
        len += (size_t) sprintf(buf + len, "]}\n");
        assert_int_equal(parse(buf, len, 65536, &s, NULL, 0), 0);
        assert_int_equal(s.entries, 1);
        assert_string_equal(s.oversized, "BLOB");
        assert_int_equal(s.oversized_size, n);

        len = (size_t) sprintf(buf, "{\"MESSAGE\":\"");
        memset(buf + len, 'a', JOURNAL_JSON_LINE_MAX);
        len += JOURNAL_JSON_LINE_MAX;
        len += (size_t) sprintf(buf + len, "\"}\n{\"MESSAGE\":\"after\"}\n");
        assert_int_equal(parse(buf, len, 4096, &s, NULL, 0), 0);
        assert_int_equal(s.skipped_lines, 1);
        assert_int_equal(s.skipped_line, 1);
        assert_int_equal(s.skipped_size, JOURNAL_JSON_LINE_MAX + 14);
        assert_int_equal(s.entries, 1);
        assert_memory_equal(s.message, "after", 5);
        free(buf);
}

static void fails(const char *text, const char *want)
{
        char error[300];
        struct seen s;

        assert_int_equal(parse(text, strlen(text), 2, &s, error, sizeof(error)), -EBADMSG);
        assert_string_equal(error, want);
}

static void test_bad(void **state)
{
        (void) state;
        fails("{\"MESSAGE\":\"a\"}\n[1,2]\n", "not a JSON object (line 2)");
        fails("{\"MESSAGE\":1}\n", "field 'MESSAGE' is not a string, null or an array of bytes (line 1)");
        fails("{\"MESSAGE\":[1,256]}\n", "field 'MESSAGE' is not a string, null or an array of bytes (line 1)");
        fails("__CURSOR=x\n", "'[' or '{' expected near '_' (column 1) (line 1)");
}

static void test_cursor(void **state)
{
        static const char c[] = "s=285b07795532464b9e973ecc849dd691;i=1f;b=5f2c8e0d6b5a4c3e9d1f0a2b3c4d5e6f;m=3e8;"
                                "t=6611a3e263800;x=120d26ed7eb420ac";
        static const char *const bad[] = {
                "", "hello", "s=285b07795532464b9e973ecc849dd691", "i=1", "s=zz;i=1",
                "s=285b07795532464b9e973ecc849dd691;i=1;", "s=285b07795532464b9e973ecc849dd691;i=1;i=2",
                "s=285b07795532464b9e973ecc849dd691;i=1;q=1", "s=285b07795532464b9e973ecc849dd691;i=g",
                "s=285b07795532464b9e973ecc849dd691;i=11111111111111111",
        };
        struct journal_cursor cur;

        (void) state;
        assert_int_equal(journal_cursor_parse(c, strlen(c), &cur), 0);
        assert_string_equal(cur.seqnum_id, "285b07795532464b9e973ecc849dd691");
        assert_int_equal(cur.seqnum, 0x1f);
        assert_true(cur.has_realtime);
        assert_int_equal(cur.realtime_us, 0x6611a3e263800ULL);
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                assert_int_equal(journal_cursor_parse(bad[i], strlen(bad[i]), &cur), -EBADMSG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_fields),
                cmocka_unit_test(test_limits),
                cmocka_unit_test(test_cursor),
                cmocka_unit_test(test_bad),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
