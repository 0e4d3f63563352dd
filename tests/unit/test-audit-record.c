/* Unit tests for src/parse/audit-record.c: the record header (node= prefix,
 * type names, timestamps, serials), field syntax (quotes, hex, (null), ?, nested
 * msg='...', the ENRICHED 0x1D separator, free words), hostile bytes, limits and
 * malformed input. */
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

#include "parse/audit-record.h"

#define S(lit) (lit), (sizeof(lit) - 1)

static struct audit_record rec;         /* large: not on the stack */

static void assert_str(struct audit_str s, const char *want, size_t n)
{
        assert_int_equal(s.len, n);
        assert_memory_equal(s.s, want, n);
}

#define assert_lit(s, lit) assert_str((s), (lit), sizeof(lit) - 1)

static const struct audit_field *field(const char *name)
{
        const struct audit_field *f = audit_record_find(&rec, name);

        assert_non_null(f);
        return f;
}

static struct audit_str raw(const char *name)
{
        return audit_field_raw(rec.line, field(name));
}

static void test_header(void **state)
{
        static const char line[] = "type=SYSCALL msg=audit(1700000000.123:4567): arch=c000003e syscall=257";

        assert_int_equal(audit_record_parse(S(line), &rec), 0);
        assert_int_equal(rec.type, AUDIT_TYPE_SYSCALL);
        assert_int_equal(rec.sec, 1700000000);
        assert_int_equal(rec.msec, 123);
        assert_int_equal(rec.serial, 4567);
        assert_int_equal(rec.node_len, 0);
        assert_int_equal(rec.n_fields, 2);
        assert_lit(((struct audit_str) { rec.line + rec.type_name, rec.type_len }), "SYSCALL");
        assert_lit(raw("arch"), "c000003e");
        assert_lit(raw("syscall"), "257");
        assert_null(audit_record_find(&rec, "exit"));
        assert_int_equal(rec.flags, 0);
}

static void test_node_prefix(void **state)
{
        static const char line[] = "node=web-07 type=CWD msg=audit(1.5:9):  cwd=\"/root\"";

        assert_int_equal(audit_record_parse(S(line), &rec), 0);
        assert_lit(((struct audit_str) { rec.line + rec.node, rec.node_len }), "web-07");
        assert_int_equal(rec.type, AUDIT_TYPE_CWD);
        assert_int_equal(rec.sec, 1);
        assert_int_equal(rec.msec, 500);        /* ".5" is half a second */
        assert_int_equal(rec.serial, 9);
        assert_lit(raw("cwd"), "/root");
        assert_true(field("cwd")->flags & AUDIT_FIELD_QUOTED);
}

static void test_type_names(void **state)
{
        assert_int_equal(audit_type_from_name(S("USER_LOGIN")), 1112);
        assert_int_equal(audit_type_from_name(S("PROCTITLE")), AUDIT_TYPE_PROCTITLE);
        assert_int_equal(audit_type_from_name(S("VIRT_RESOURCE")), 2501);
        assert_int_equal(audit_type_from_name(S("ACCT_LOCK")), 1135);
        assert_int_equal(audit_type_from_name(S("UNKNOWN[1420]")), 1420);
        assert_int_equal(audit_type_from_name(S("1400")), 1400);
        assert_int_equal(audit_type_from_name(S("NO_SUCH_TYPE")), AUDIT_TYPE_UNKNOWN);
        assert_int_equal(audit_type_from_name(S("UNKNOWN[x]")), AUDIT_TYPE_UNKNOWN);
        assert_int_equal(audit_type_from_name(S("")), AUDIT_TYPE_UNKNOWN);
        assert_string_equal(audit_type_to_name(1300), "SYSCALL");
        assert_null(audit_type_to_name(4242));

        assert_int_equal(audit_record_parse(S("type=UNKNOWN[1420] msg=audit(1.000:2): subj_apparmor=unconfined"), &rec),
                         0);
        assert_int_equal(rec.type, 1420);
}

static void test_malformed(void **state)
{
        static const char *const bad[] = {
                "",
                "hello world",
                "type= msg=audit(1.000:2): x=1",
                "type=SYSCALL",
                "type=SYSCALL msg=audit(): x=1",
                "type=SYSCALL msg=audit(1.000): x=1",
                "type=SYSCALL msg=audit(1:2): x=1",
                "type=SYSCALL msg=audit(x.000:2): x=1",
                "type=SYSCALL msg=audit(1.000:2",
                "type=SYSCALL msg=audit(1.000:-2): x=1",
                "type=SYSCALL msg=audit(99999999999999999999999.000:2): x=1",
                "type=SYSCALL msg=audit(1.000:99999999999999999999999): x=1",
                "type=UNKNOWN[1329] msg=?",
                "node=x",
                "msg=audit(1.000:2): type=SYSCALL",
        };
        size_t i;

        for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                rec.type = -42;
                assert_int_equal(audit_record_parse(bad[i], strlen(bad[i]), &rec), -EBADMSG);
                assert_int_equal(rec.type, -42);        /* untouched */
        }
        /* An old DAEMON record has no colon after the parenthesis; a CR ends a
         * line written on another system. */
        assert_int_equal(audit_record_parse(S("type=DAEMON_CONFIG msg=audit(1490239800.477:34) config changed, auid=0 "
                                              "pid=1512 res=success\r"),
                                            &rec),
                         0);
        assert_int_equal(rec.serial, 34);
        assert_lit(raw("auid"), "0");
        assert_lit(raw("res"), "success");
        /* Numeric types and no "msg=", as in kernel messages. */
        assert_int_equal(audit_record_parse(S("type=1400 audit(1.000:2): apparmor=\"DENIED\""), &rec), 0);
        assert_int_equal(rec.type, 1400);
}

static void test_quoting_and_hex(void **state)
{
        static const char line[] = "type=PATH msg=audit(1.000:2): item=0 name=2F746D702F6120622063 "
                                   "obj=\"with space\" empty=\"\" bare= key=(null) tty=(none) exe=? "
                                   "q=\"ABCD\" odd=ABC nametype=NORMAL";
        char out[64];
        struct audit_str v;

        assert_int_equal(audit_record_parse(S(line), &rec), 0);
        assert_int_equal(audit_value_decode(rec.line, field("name"), out, &v), AUDIT_VALUE_HEX);
        assert_lit(v, "/tmp/a b c");
        assert_int_equal(audit_value_decode(rec.line, field("obj"), out, &v), AUDIT_VALUE_TEXT);
        assert_lit(v, "with space");
        assert_int_equal(audit_value_decode(rec.line, field("empty"), out, &v), AUDIT_VALUE_TEXT);
        assert_int_equal(v.len, 0);
        assert_int_equal(audit_value_decode(rec.line, field("bare"), out, &v), AUDIT_VALUE_TEXT);
        assert_int_equal(v.len, 0);
        assert_int_equal(audit_value_decode(rec.line, field("key"), out, &v), AUDIT_VALUE_NULL);
        assert_int_equal(audit_value_decode(rec.line, field("tty"), out, &v), AUDIT_VALUE_NULL);
        assert_int_equal(audit_value_decode(rec.line, field("exe"), out, &v), AUDIT_VALUE_UNSET);
        /* Quoted means literal, however hex it looks; odd length is not hex. */
        assert_int_equal(audit_value_decode(rec.line, field("q"), out, &v), AUDIT_VALUE_TEXT);
        assert_lit(v, "ABCD");
        assert_int_equal(audit_value_decode(rec.line, field("odd"), out, &v), AUDIT_VALUE_TEXT);
        assert_lit(v, "ABC");
        assert_lit(raw("nametype"), "NORMAL");

        assert_int_equal(audit_unhex(S("41zz"), out), -EBADMSG);
        assert_int_equal(audit_unhex(S("414"), out), -EBADMSG);
        assert_int_equal(audit_unhex(S("00ff7f"), out), 3);
        assert_memory_equal(out, "\x00\xff\x7f", 3);
        assert_true(audit_is_hex(S("abCD09")));
        assert_false(audit_is_hex(S("")));
}

static void test_numbers(void **state)
{
        uint64_t u;
        int64_t i;

        assert_int_equal(audit_parse_u64((struct audit_str) { S("0100755") }, 8, &u), 0);
        assert_int_equal(u, 0100755);
        assert_int_equal(audit_parse_u64((struct audit_str) { S("ffffff9c") }, 16, &u), 0);
        assert_int_equal(u, 0xffffff9c);
        assert_int_equal(audit_parse_u64((struct audit_str) { S("18446744073709551615") }, 10, &u), 0);
        assert_int_equal(audit_parse_u64((struct audit_str) { S("18446744073709551616") }, 10, &u), -EBADMSG);
        assert_int_equal(audit_parse_u64((struct audit_str) { S("") }, 10, &u), -EBADMSG);
        assert_int_equal(audit_parse_u64((struct audit_str) { S("8") }, 8, &u), -EBADMSG);
        assert_int_equal(audit_parse_i64((struct audit_str) { S("-13") }, &i), 0);
        assert_int_equal(i, -13);
        assert_int_equal(audit_parse_i64((struct audit_str) { S("-9223372036854775808") }, &i), 0);
        assert_true(i == INT64_MIN);
        assert_int_equal(audit_parse_i64((struct audit_str) { S("9223372036854775808") }, &i), -EBADMSG);
        assert_int_equal(audit_parse_i64((struct audit_str) { S("-") }, &i), -EBADMSG);
}

static void test_nested_msg(void **state)
{
        static const char line[] =
                "type=USER_ACCT msg=audit(1.000:2): pid=5 uid=0 auid=4294967295 ses=4294967295 "
                "msg='op=PAM:accounting grantors=pam_unix acct=\"o'neil\" exe=\"/usr/sbin/sshd\" hostname=? "
                "addr=10.0.0.1 terminal=ssh res=success'\x1dUID=\"root\" AUID=\"unset\"";
        const struct audit_field *f;

        assert_int_equal(audit_record_parse(S(line), &rec), 0);
        assert_int_equal(rec.flags, 0);
        f = field("msg");
        assert_true(f->flags & AUDIT_FIELD_CONTAINER);
        assert_lit(audit_field_raw(rec.line, f), "op=PAM:accounting grantors=pam_unix acct=\"o'neil\" "
                                                 "exe=\"/usr/sbin/sshd\" hostname=? addr=10.0.0.1 terminal=ssh "
                                                 "res=success");
        assert_true(field("op")->flags & AUDIT_FIELD_NESTED);
        assert_lit(raw("op"), "PAM:accounting");
        assert_lit(raw("acct"), "o'neil");
        assert_lit(raw("exe"), "/usr/sbin/sshd");
        assert_lit(raw("res"), "success");
        assert_false(field("pid")->flags & AUDIT_FIELD_NESTED);
        assert_false(field("res")->flags & AUDIT_FIELD_ENRICHED);
        /* ENRICHED fields are looked up on their own. */
        assert_null(audit_record_find(&rec, "UID"));
        f = audit_fields_find(rec.line, rec.fields, rec.n_fields, "UID", true);
        assert_non_null(f);
        assert_true(f->flags & AUDIT_FIELD_ENRICHED);
        assert_false(f->flags & AUDIT_FIELD_NESTED);
        assert_lit(audit_field_raw(rec.line, f), "root");
        assert_null(audit_fields_find(rec.line, rec.fields, rec.n_fields, "pid", true));

        /* An unquoted value may hold a quote; the one before a space closes. */
        assert_int_equal(audit_record_parse(S("type=USER_CMD msg=audit(1.000:3): msg='cwd=/home/o'x cmd=6C73 res=ok' "
                                              "after=1"),
                                            &rec),
                         0);
        assert_lit(raw("cwd"), "/home/o'x");
        assert_lit(raw("res"), "ok");
        assert_false(field("after")->flags & AUDIT_FIELD_NESTED);

        /* Empty, and never closed. */
        assert_int_equal(audit_record_parse(S("type=USER_END msg=audit(1.000:4): msg='' x=1"), &rec), 0);
        assert_int_equal(raw("msg").len, 0);
        assert_false(field("x")->flags & AUDIT_FIELD_NESTED);
        assert_int_equal(audit_record_parse(S("type=USER_END msg=audit(1.000:4): msg='op=login res=fa"), &rec), 0);
        assert_true(rec.flags & AUDIT_RECORD_UNTERMINATED);
        assert_lit(raw("res"), "fa");
}

static void test_enriched(void **state)
{
        static const char line[] = "type=SOCKADDR msg=audit(1.000:2): saddr=0200001F7F0000010000000000000000"
                                   "\x1dSADDR={ fam=inet laddr=127.0.0.1 lport=31 } X=1";
        const struct audit_field *f;

        assert_int_equal(audit_record_parse(S(line), &rec), 0);
        assert_lit(raw("saddr"), "0200001F7F0000010000000000000000");
        f = audit_fields_find(rec.line, rec.fields, rec.n_fields, "SADDR", true);
        assert_non_null(f);
        assert_lit(audit_field_raw(rec.line, f), "{ fam=inet laddr=127.0.0.1 lport=31 }");
        f = audit_fields_find(rec.line, rec.fields, rec.n_fields, "X", true);
        assert_non_null(f);
        assert_lit(audit_field_raw(rec.line, f), "1");
        /* Nothing of the braces leaks out as fields. */
        assert_null(audit_fields_find(rec.line, rec.fields, rec.n_fields, "fam", true));
        assert_int_equal(rec.n_fields, 3);
}

static void test_free_words(void **state)
{
        static const char line[] = "type=AVC msg=audit(1.000:2): avc:  denied  { read } for  pid=13010 "
                                   "comm=\"pickup\" name=\"maildrop\" = =x tclass=dir";

        assert_int_equal(audit_record_parse(S(line), &rec), 0);
        assert_lit(raw("pid"), "13010");
        assert_lit(raw("comm"), "pickup");
        assert_lit(raw("tclass"), "dir");
        assert_null(audit_record_find(&rec, "avc:"));
        assert_int_equal(rec.n_fields, 4);
}

static void test_hostile_bytes(void **state)
{
        /* Control characters, invalid UTF-8 and a NUL survive as bytes. */
        static const char line[] = "type=PATH msg=audit(1.000:2): name=\"a\x01\xff\xc3\" x=\"\x00z\" "
                                   "esc=\"\x1b[31m\" nl=0A00";
        char out[8];
        struct audit_str v;

        assert_int_equal(audit_record_parse(S(line), &rec), 0);
        assert_lit(raw("name"), "a\x01\xff\xc3");
        assert_lit(raw("x"), "\x00z");
        assert_lit(raw("esc"), "\x1b[31m");
        assert_int_equal(audit_value_decode(rec.line, field("nl"), out, &v), AUDIT_VALUE_HEX);
        assert_lit(v, "\n\x00");

        /* A quote never closed: the value runs to the end and is flagged. */
        assert_int_equal(audit_record_parse(S("type=PATH msg=audit(1.000:2): item=0 name=\"/etc/pass"), &rec), 0);
        assert_true(rec.flags & AUDIT_RECORD_UNTERMINATED);
        assert_true(field("name")->flags & AUDIT_FIELD_UNTERMINATED);
        assert_lit(raw("name"), "/etc/pass");
}

static void test_field_limit(void **state)
{
        size_t cap = 64 + 8 * (AUDIT_RECORD_MAX_FIELDS + 100), n, i;
        char *line = malloc(cap);

        assert_non_null(line);
        n = (size_t) snprintf(line, cap, "type=EXECVE msg=audit(1.000:2): argc=%d", AUDIT_RECORD_MAX_FIELDS + 100);
        for (i = 0; i < AUDIT_RECORD_MAX_FIELDS + 100; i++)
                n += (size_t) snprintf(line + n, cap - n, " a%zu=\"\"", i % 1000);
        assert_int_equal(audit_record_parse(line, n, &rec), 0);
        assert_int_equal(rec.n_fields, AUDIT_RECORD_MAX_FIELDS);
        assert_true(rec.flags & AUDIT_RECORD_FIELDS_TRUNCATED);
        free(line);

        assert_int_equal(audit_record_parse("x", AUDIT_RECORD_MAX_LEN + 1, &rec), -E2BIG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_header),
                cmocka_unit_test(test_node_prefix),
                cmocka_unit_test(test_type_names),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_quoting_and_hex),
                cmocka_unit_test(test_numbers),
                cmocka_unit_test(test_nested_msg),
                cmocka_unit_test(test_enriched),
                cmocka_unit_test(test_free_words),
                cmocka_unit_test(test_hostile_bytes),
                cmocka_unit_test(test_field_limit),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
