/* Unit tests for src/parse/passwd.c: names by uid as getpwuid() finds them in
 * one file (the first line of a uid wins), lines that name no user skipped,
 * and the limits. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parse/passwd.h"

static void test_names(void **state)
{
        static const char text[] =
                "# a comment\n"
                "root:x:0:0:root:/root:/bin/bash\n"
                "+nis::::::\n"
                "alice:x:1000:1000::/home/alice:/bin/sh\n"
                "alias:x:1000:1000::/:/bin/sh\n"
                "bad:x:12a:1::/:/bin/sh\n"
                "big:x:4294967295:1::/:/bin/sh\n"
                ":x:7:7::/:/bin/sh\n"
                "nouid\n"
                "last:x:65534:65534::/:";        /* no newline at the end */
        struct passwd_map m = { 0 };

        assert_int_equal(passwd_map_parse(text, strlen(text), &m), 0);
        assert_int_equal(m.n, 3);
        assert_string_equal(passwd_map_name(&m, 0), "root");
        assert_string_equal(passwd_map_name(&m, 1000), "alice");
        assert_string_equal(passwd_map_name(&m, 65534), "last");
        assert_null(passwd_map_name(&m, 12));
        assert_null(passwd_map_name(&m, 7));
        assert_null(passwd_map_name(&m, -1));
        assert_null(passwd_map_name(&m, 4294967295LL));
        assert_null(passwd_map_name(NULL, 0));
        passwd_map_release(&m);

        assert_int_equal(passwd_map_parse("", 0, &m), 0);
        assert_int_equal(m.n, 0);
        assert_null(passwd_map_name(&m, 0));
        passwd_map_release(&m);
}

static void test_limits(void **state)
{
        struct passwd_map m = { 0 };
        size_t n = PASSWD_MAX_NAME + 1, len;
        char *line = malloc(n + 16);

        assert_non_null(line);
        /* A name longer than any user name: not a user. */
        memset(line, 'a', n);
        len = n + (size_t) sprintf(line + n, ":x:5:5::/:");
        assert_int_equal(passwd_map_parse(line, len, &m), 0);
        assert_int_equal(m.n, 0);
        passwd_map_release(&m);
        free(line);
        assert_int_equal(passwd_map_parse("x", PASSWD_MAX_BYTES + 1, &m), -EFBIG);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_limits),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
