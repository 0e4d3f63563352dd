/* Unit tests for src/basic/escape.c and src/basic/buf.c: UTF-8 validation,
 * JSON and terminal escaping of untrusted bytes, hex encoding, and the hard
 * size limit of struct buf. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "basic/buf.h"
#include "basic/escape.h"

#define S(lit) (lit), (sizeof(lit) - 1)

static size_t seq(const char *s, size_t n, unsigned *cp)
{
        return utf8_sequence((const unsigned char *) s, n, cp);
}

static void test_utf8_sequence_valid(void **state)
{
        unsigned cp = 0;

        assert_int_equal(seq(S("A"), &cp), 1);
        assert_int_equal(cp, 0x41);
        assert_int_equal(seq(S("\xc3\xa9"), &cp), 2);                 /* é */
        assert_int_equal(cp, 0xe9);
        assert_int_equal(seq(S("\xc2\x80"), &cp), 2);                 /* smallest 2-byte */
        assert_int_equal(cp, 0x80);
        assert_int_equal(seq(S("\xe2\x82\xac"), &cp), 3);             /* € */
        assert_int_equal(cp, 0x20ac);
        assert_int_equal(seq(S("\xe0\xa0\x80"), &cp), 3);             /* U+0800 */
        assert_int_equal(cp, 0x800);
        assert_int_equal(seq(S("\xef\xbf\xbd"), &cp), 3);             /* U+FFFD */
        assert_int_equal(cp, 0xfffd);
        assert_int_equal(seq(S("\xf0\x9f\x98\x80"), &cp), 4);         /* U+1F600 */
        assert_int_equal(cp, 0x1f600);
        assert_int_equal(seq(S("\xf4\x8f\xbf\xbf"), &cp), 4);         /* U+10FFFF */
        assert_int_equal(cp, 0x10ffff);
        /* Only the first sequence counts. */
        assert_int_equal(seq(S("\xc3\xa9xyz"), &cp), 2);
        /* ret_cp may be NULL. */
        assert_int_equal(seq(S("\xe2\x82\xac"), NULL), 3);
}

static void test_utf8_sequence_invalid(void **state)
{
        unsigned cp = 0x1234;

        /* Overlong forms. */
        assert_int_equal(seq(S("\xc0\xaf"), &cp), 0);                 /* '/' in 2 bytes */
        assert_int_equal(seq(S("\xc1\xbf"), &cp), 0);
        assert_int_equal(seq(S("\xc0\x80"), &cp), 0);                 /* NUL in 2 bytes */
        assert_int_equal(seq(S("\xe0\x80\xaf"), &cp), 0);
        assert_int_equal(seq(S("\xe0\x9f\xbf"), &cp), 0);             /* U+07FF in 3 bytes */
        assert_int_equal(seq(S("\xf0\x80\x80\xaf"), &cp), 0);
        assert_int_equal(seq(S("\xf0\x8f\xbf\xbf"), &cp), 0);         /* U+FFFF in 4 bytes */
        /* UTF-16 surrogates. */
        assert_int_equal(seq(S("\xed\xa0\x80"), &cp), 0);             /* U+D800 */
        assert_int_equal(seq(S("\xed\xbf\xbf"), &cp), 0);             /* U+DFFF */
        assert_int_equal(seq(S("\xed\x9f\xbf"), &cp), 3);             /* U+D7FF is fine */
        /* Past U+10FFFF. */
        assert_int_equal(seq(S("\xf4\x90\x80\x80"), &cp), 0);
        assert_int_equal(seq(S("\xf5\x80\x80\x80"), &cp), 0);
        assert_int_equal(seq(S("\xf7\xbf\xbf\xbf"), &cp), 0);
        /* Lead bytes that start nothing. */
        assert_int_equal(seq(S("\x80"), &cp), 0);
        assert_int_equal(seq(S("\xbf"), &cp), 0);
        assert_int_equal(seq(S("\xf8\x88\x80\x80\x80"), &cp), 0);
        assert_int_equal(seq(S("\xfe"), &cp), 0);
        assert_int_equal(seq(S("\xff"), &cp), 0);
        /* Truncated sequences: by the length given, and by a non-continuation byte. */
        assert_int_equal(seq("\xc3\xa9", 1, &cp), 0);
        assert_int_equal(seq("\xe2\x82\xac", 2, &cp), 0);
        assert_int_equal(seq("\xf0\x9f\x98\x80", 3, &cp), 0);
        assert_int_equal(seq(S("\xe2\x82" "A"), &cp), 0);
        assert_int_equal(seq(S("\xc3" "A"), &cp), 0);
        assert_int_equal(seq("", 0, &cp), 0);
}

static void test_utf8_valid(void **state)
{
        assert_true(utf8_valid("", 0));
        assert_true(utf8_valid(S("plain/ascii")));
        assert_true(utf8_valid(S("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80")));
        /* NUL is valid UTF-8; the length says where the string ends. */
        assert_true(utf8_valid("a\0b", 3));

        assert_false(utf8_valid(S("abc\xc0\xaf")));
        assert_false(utf8_valid(S("\xed\xa0\x80")));
        assert_false(utf8_valid(S("\xf4\x90\x80\x80")));
        assert_false(utf8_valid(S("ok\xe2\x82")));                    /* truncated at end */
        assert_false(utf8_valid(S("\x80")));
        assert_false(utf8_valid(S("x\xffy")));
        /* The length bounds the scan: a sequence cut by n is invalid. */
        assert_false(utf8_valid("\xc3\xa9", 1));
        assert_true(utf8_valid("ab\xc3\xa9", 2));
}

/* Runs escape_json on n bytes of in and checks output and lossy flag. */
static void check_json(const char *in, size_t n, const char *want, bool want_lossy)
{
        struct buf b;
        bool lossy = !want_lossy;

        buf_init(&b, 0);
        assert_int_equal(escape_json(&b, in, n, &lossy), 0);
        assert_non_null(b.data);
        assert_string_equal(b.data, want);
        assert_int_equal(b.len, strlen(want));
        assert_int_equal(lossy, want_lossy);
        buf_release(&b);
}

static void test_escape_json(void **state)
{
        check_json(S("plain"), "plain", false);
        check_json("", 0, "", false);
        check_json(S("say \"hi\""), "say \\\"hi\\\"", false);
        check_json(S("a\\b"), "a\\\\b", false);
        check_json(S("line1\nline2"), "line1\\nline2", false);
        check_json(S("\t\r"), "\\t\\r", false);
        check_json(S("\x01\x1f\x1b"), "\\u0001\\u001f\\u001b", false);
        check_json("a\0b", 3, "a\\u0000b", false);
        /* '/' needs no escape; DEL is never printed raw. */
        check_json(S("/x\x7f"), "/x\\u007f", false);
        /* Valid UTF-8 passes through untouched. */
        check_json(S("caf\xc3\xa9 \xf0\x9f\x98\x80 \xc2\xa0"), "caf\xc3\xa9 \xf0\x9f\x98\x80 \xc2\xa0", false);
        /* Every invalid byte becomes one U+FFFD. */
        check_json(S("a\xff" "b"), "a\xef\xbf\xbd" "b", true);
        check_json(S("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd", true);
        check_json(S("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", true);
        check_json(S("x\xe2\x82"), "x\xef\xbf\xbd\xef\xbf\xbd", true);
        /* Mixed: escapes and replacements in one string. */
        check_json(S("\"\xfe\"\n"), "\\\"\xef\xbf\xbd\\\"\\n", true);
}

/* The characters the text output shows as escapes are escaped in JSON too:
 * C1 controls, bidi marks, embeddings, overrides and isolates, and the line and
 * paragraph separators. */
static void test_escape_json_never_raw(void **state)
{
        check_json(S("\xc2\x9b" "31m"), "\\u009b31m", false);            /* U+009B CSI */
        check_json(S("\xc2\x80\xc2\x85\xc2\x9f"), "\\u0080\\u0085\\u009f", false);
        check_json(S("evil\xe2\x80\xaetxt.exe"), "evil\\u202etxt.exe", false);  /* U+202E RLO */
        check_json(S("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad"),
                   "\\u202a\\u202b\\u202c\\u202d", false);
        check_json(S("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9"),
                   "\\u2066\\u2067\\u2068\\u2069", false);
        check_json(S("\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c"), "\\u200e\\u200f\\u061c", false);
        check_json(S("a\xe2\x80\xa8" "b\xe2\x80\xa9"), "a\\u2028b\\u2029", false);
        /* Neighbours of the table stay raw. */
        check_json(S("\xe2\x80\x8d\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa\xd8\x9b"),
                   "\xe2\x80\x8d\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa\xd8\x9b", false);
        /* Mixed with an invalid byte and a quote. */
        check_json(S("\"\xc2\x9b\xff"), "\\\"\\u009b\xef\xbf\xbd", true);
}

/* One table: whatever the text output escapes as a character, JSON escapes too. */
static void test_never_raw_table(void **state)
{
        unsigned cp;

        for (cp = 0; cp < 0x3000; cp++) {
                bool expected = cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x061c || cp == 0x200e ||
                                cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);

                assert_int_equal(char_never_raw(cp), expected);
        }
        assert_false(char_never_raw(0x1f600));
}

static void test_has_control(void **state)
{
        assert_true(has_control(S("/etc\n")));
        assert_true(has_control(S("\x1b[2J")));
        assert_true(has_control(S("x\x7f")));
        assert_true(has_control(S("x\xc2\x9b")));
        assert_true(has_control("a\0b", 3));
        assert_false(has_control(S("/etc/caf\xc3\xa9 x\xff")));
        assert_false(has_control(S("\xe2\x80\xae")));  /* a bidi override is no control character */
        assert_false(has_control("", 0));
}

static void test_escape_json_appends_and_null_lossy(void **state)
{
        struct buf b;

        buf_init(&b, 0);
        assert_int_equal(buf_puts(&b, "pre:"), 0);
        assert_int_equal(escape_json(&b, S("\xff\n"), NULL), 0);
        assert_string_equal(b.data, "pre:\xef\xbf\xbd\\n");
        buf_release(&b);

        buf_init(&b, 0);
        assert_int_equal(json_quote(&b, S("a\"b")), 0);
        assert_string_equal(b.data, "\"a\\\"b\"");
        buf_release(&b);
}

static void check_text(const char *in, size_t n, const char *want)
{
        struct buf b;

        buf_init(&b, 0);
        assert_int_equal(escape_text(&b, in, n), 0);
        if (!want[0] && !b.data)
                return;
        assert_non_null(b.data);
        assert_string_equal(b.data, want);
        assert_int_equal(b.len, strlen(want));
        buf_release(&b);
}

static void test_escape_text(void **state)
{
        check_text(S("plain name.txt"), "plain name.txt");
        check_text("", 0, "");
        check_text(S("a\nb"), "a\\nb");
        check_text(S("\t\r"), "\\t\\r");
        check_text(S("\x1b[31mred"), "\\x1b[31mred");
        check_text(S("back\\slash"), "back\\\\slash");
        check_text(S("\x7f"), "\\x7f");
        check_text("a\0b", 3, "a\\x00b");
        /* Invalid UTF-8: each byte as \xHH. */
        check_text(S("bad\xff"), "bad\\xff");
        check_text(S("\xc0\xaf"), "\\xc0\\xaf");
        check_text(S("\xed\xa0\x80"), "\\xed\\xa0\\x80");
        check_text(S("x\xe2\x82"), "x\\xe2\\x82");
        /* Valid UTF-8 passes through. */
        check_text(S("caf\xc3\xa9 \xf0\x9f\x98\x80"), "caf\xc3\xa9 \xf0\x9f\x98\x80");
        /* Bidirectional controls are shown, not obeyed. */
        check_text(S("evil\xe2\x80\xaetxt.exe"), "evil\\u202etxt.exe");  /* U+202E RLO */
        check_text(S("\xe2\x81\xa6"), "\\u2066");                        /* U+2066 LRI */
        check_text(S("\xe2\x80\x8f"), "\\u200f");                        /* U+200F RLM */
        check_text(S("\xd8\x9c"), "\\u061c");                            /* U+061C ALM */
        /* C1 controls (U+0080..U+009F encoded as UTF-8). */
        check_text(S("\xc2\x9b" "31m"), "\\u009b31m");                   /* U+009B CSI */
        check_text(S("\xc2\x85"), "\\u0085");                            /* U+0085 NEL */
        check_text(S("\xc2\xa0"), "\xc2\xa0");                           /* U+00A0 is printable */
        check_text(S("a\xe2\x80\xa8" "b"), "a\\u2028b");                 /* U+2028 LS */
}

static void test_escape_text_alloc(void **state)
{
        char *s = NULL, *big;

        assert_int_equal(escape_text_alloc("/etc\n\x1b[31mX", &s), 0);
        assert_string_equal(s, "/etc\\n\\x1b[31mX");
        free(s);
        s = NULL;
        assert_int_equal(escape_text_alloc("", &s), 0);
        assert_string_equal(s, "");
        free(s);
        /* Past the cap: refused, *ret untouched. */
        big = malloc(ESCAPE_ALLOC_MAX + 2);
        assert_non_null(big);
        memset(big, 'x', ESCAPE_ALLOC_MAX + 1);
        big[ESCAPE_ALLOC_MAX + 1] = '\0';
        s = NULL;
        assert_int_equal(escape_text_alloc(big, &s), -E2BIG);
        assert_null(s);
        free(big);
}

static int message_r(char **ret, size_t max, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = escape_message(ret, max, fmt, ap);
        va_end(ap);
        return r;
}

/* escape_message(max, "%s", in) must give want. */
static void check_message(size_t max, const char *in, const char *want)
{
        char *s = NULL;

        assert_int_equal(message_r(&s, max, "%s", in), 0);
        assert_non_null(s);
        assert_true(strlen(s) <= max);
        assert_string_equal(s, want);
        free(s);
}

static void test_escape_message(void **state)
{
        char *s = NULL;

        assert_int_equal(message_r(&s, 200, "unknown key '%s' at %d", "\x1b[2J\x1b]0;pwn\x07\nline 9: x", 3), 0);
        assert_string_equal(s, "unknown key '\\x1b[2J\\x1b]0;pwn\\x07\\nline 9: x' at 3");
        free(s);
        check_message(200, "caf\xc3\xa9 \xe2\x80\xae \xff", "caf\xc3\xa9 \\u202e \\xff");
        /* Cut with "..." at a character boundary, never inside an escape or a
         * UTF-8 sequence. */
        check_message(10, "abcdefghijklmnop", "abcdefg...");
        check_message(10, "abcdefghij", "abcdefghij");
        check_message(10, "abcde\x1bxyz", "abcde...");
        check_message(10, "abcdef\xc3\xa9xyz", "abcdef...");
        check_message(10, "", "");
        s = NULL;
        assert_int_equal(message_r(&s, 3, "%s", "x"), -EINVAL);
        assert_null(s);
}

static void check_token(const char *in, size_t n, const char *want)
{
        struct buf b;

        buf_init(&b, 0);
        assert_int_equal(escape_text_token(&b, in, n), 0);
        assert_non_null(b.data);
        assert_string_equal(b.data, want);
        buf_release(&b);
}

static void test_escape_text_token(void **state)
{
        check_token(S("/etc/passwd"), "/etc/passwd");
        check_token("", 0, "''");
        check_token(S("my file"), "'my file'");
        check_token(S("it's"), "'it\\'s'");
        check_token(S("'"), "'\\''");
        check_token(S("a b'c"), "'a b\\'c'");
        /* Escaping still applies inside quotes and without them. */
        check_token(S("new\nline"), "new\\nline");
        check_token(S("sp ace\n\xff"), "'sp ace\\n\\xff'");
        check_token(S("\xe2\x80\xae x"), "'\\u202e x'");
}

static void test_hex_encode(void **state)
{
        static const uint8_t bytes[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xff };
        struct buf b;

        buf_init(&b, 0);
        assert_int_equal(hex_encode(&b, bytes, sizeof(bytes)), 0);
        assert_string_equal(b.data, "00017f80abff");
        assert_int_equal(b.len, 12);
        assert_int_equal(hex_encode(&b, "\xde\xad", 2), 0);
        assert_string_equal(b.data, "00017f80abffdead");
        buf_release(&b);

        /* Past the maximum: refused, content kept. */
        buf_init(&b, 5);
        assert_int_equal(hex_encode(&b, "\x01\x02", 2), 0);
        assert_int_equal(hex_encode(&b, "\x03", 1), -E2BIG);
        assert_string_equal(b.data, "0102");
        buf_release(&b);
}

static void test_buf_max(void **state)
{
        struct buf b;

        buf_init(&b, 8);
        assert_int_equal(buf_append(&b, "abcde", 5), 0);
        assert_int_equal(buf_append(&b, "fghi", 4), -E2BIG);
        assert_int_equal(b.len, 5);
        assert_string_equal(b.data, "abcde");
        /* Exactly up to the maximum is allowed. */
        assert_int_equal(buf_append(&b, "fgh", 3), 0);
        assert_int_equal(b.len, 8);
        assert_string_equal(b.data, "abcdefgh");
        assert_int_equal(buf_putc(&b, 'x'), -E2BIG);
        assert_int_equal(buf_puts(&b, "y"), -E2BIG);
        assert_int_equal(buf_printf(&b, "%d", 1), -E2BIG);
        assert_int_equal(buf_append(&b, "", 0), 0);
        assert_string_equal(b.data, "abcdefgh");
        /* A huge request cannot wrap around the size arithmetic. */
        assert_int_equal(buf_reserve(&b, SIZE_MAX), -E2BIG);
        assert_int_equal(buf_reserve(&b, SIZE_MAX - 4), -E2BIG);
        buf_release(&b);

        /* Escapers return -E2BIG past the maximum and keep what was there. */
        buf_init(&b, 6);
        assert_int_equal(buf_puts(&b, "ab"), 0);
        assert_int_equal(escape_json(&b, S("\n\n\n"), NULL), -E2BIG);
        assert_string_equal(b.data, "ab");
        buf_release(&b);

        buf_init(&b, 6);
        assert_int_equal(escape_text(&b, S("\x1b\x1b")), -E2BIG);
        assert_int_equal(b.len, 4);
        assert_string_equal(b.data, "\\x1b");
        buf_release(&b);
}

static void test_buf_basics(void **state)
{
        struct buf b;
        char *s;

        buf_init(&b, 0);
        assert_int_equal(b.max, BUF_DEFAULT_MAX);
        assert_int_equal(buf_printf(&b, "%s-%d", "x", 42), 0);
        assert_string_equal(b.data, "x-42");
        buf_reset(&b);
        assert_int_equal(b.len, 0);
        assert_string_equal(b.data, "");
        assert_int_equal(buf_puts(&b, "kept"), 0);
        s = buf_steal(&b);
        assert_string_equal(s, "kept");
        assert_null(b.data);
        assert_int_equal(b.len, 0);
        free(s);
        buf_release(&b);

        /* Growth across many appends keeps every byte. */
        buf_init(&b, 0);
        for (int i = 0; i < 1000; i++)
                assert_int_equal(buf_putc(&b, (char) ('a' + i % 26)), 0);
        assert_int_equal(b.len, 1000);
        assert_int_equal(b.data[999], 'a' + 999 % 26);
        assert_int_equal(b.data[1000], '\0');
        buf_release(&b);
}

/* buf.h: buf_steal hands over "NUL-terminated, never NULL" data, also for a
 * buffer that never held anything. */
static void test_buf_steal_empty(void **state)
{
        struct buf b;
        char *s;

        buf_init(&b, 0);
        s = buf_steal(&b);
        assert_non_null(s);
        assert_int_equal(s[0], '\0');
        free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_utf8_sequence_valid),
                cmocka_unit_test(test_utf8_sequence_invalid),
                cmocka_unit_test(test_utf8_valid),
                cmocka_unit_test(test_escape_json),
                cmocka_unit_test(test_escape_json_never_raw),
                cmocka_unit_test(test_never_raw_table),
                cmocka_unit_test(test_has_control),
                cmocka_unit_test(test_escape_text_alloc),
                cmocka_unit_test(test_escape_message),
                cmocka_unit_test(test_escape_json_appends_and_null_lossy),
                cmocka_unit_test(test_escape_text),
                cmocka_unit_test(test_escape_text_token),
                cmocka_unit_test(test_hex_encode),
                cmocka_unit_test(test_buf_max),
                cmocka_unit_test(test_buf_basics),
                cmocka_unit_test(test_buf_steal_empty),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
