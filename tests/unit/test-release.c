/* Unit tests for src/host/release.c: the os-release parser (quotes, escapes,
 * comments, malformed lines, limits) and the compatibility rule systemd-sysext
 * applies between an extension-release and the host's os-release. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/release.h"

static struct os_release *parse(const char *s)
{
        struct os_release *r = NULL;

        assert_int_equal(os_release_parse(s, strlen(s), &r), 0);
        assert_non_null(r);
        return r;
}

static void test_parse(void **state)
{
        struct os_release *r = parse("# comment\n"
                                     "ID=fedora\n"
                                     "  VERSION_ID=\"40\"\n"
                                     "PRETTY_NAME='Fedora Linux 40 (\"Forty\")'\n"
                                     "QUOTED=\"a \\\"b\\\" \\\\c\"\n"
                                     "not a field\n"
                                     "=novalue\n"
                                     "TRAIL=x   \n"
                                     "ID=override\n"
                                     "EMPTY=\n"
                                     "LAST=noeol");

        assert_string_equal(os_release_get(r, "ID"), "override");      /* the last one wins */
        assert_string_equal(os_release_get(r, "VERSION_ID"), "40");
        assert_string_equal(os_release_get(r, "PRETTY_NAME"), "Fedora Linux 40 (\"Forty\")");
        assert_string_equal(os_release_get(r, "QUOTED"), "a \"b\" \\c");
        assert_string_equal(os_release_get(r, "TRAIL"), "x");
        assert_string_equal(os_release_get(r, "EMPTY"), "");
        assert_string_equal(os_release_get(r, "LAST"), "noeol");
        assert_null(os_release_get(r, "not"));
        assert_null(os_release_get(r, "MISSING"));
        os_release_free(r);
}

static void test_limits(void **state)
{
        struct os_release *r = NULL;
        size_t n = RELEASE_MAX_BYTES + 1, i;
        char *big = malloc(n + 1), *many;

        assert_non_null(big);
        memset(big, 'A', n);
        big[n] = 0;
        assert_int_equal(os_release_parse(big, n, &r), -E2BIG);
        assert_null(r);
        free(big);

        many = malloc((RELEASE_MAX_FIELDS + 1) * 16);
        assert_non_null(many);
        many[0] = 0;
        for (i = 0; i <= RELEASE_MAX_FIELDS; i++)
                sprintf(many + strlen(many), "K%zu=v\n", i);
        assert_int_equal(os_release_parse(many, strlen(many), &r), -E2BIG);
        assert_null(r);
        free(many);

        /* NUL bytes and binary junk: parsed line by line, no crash. */
        assert_int_equal(os_release_parse("ID=a\0b\nX=\xff\n", 12, &r), 0);
        os_release_free(r);
}

struct verdict_case {
        const char *ext, *host;
        bool confext;
        const char *scope, *arch;
        enum release_verdict want;
};

static void test_validate(void **state)
{
        static const struct verdict_case cases[] = {
                { "ID=debian\nVERSION_ID=12", "ID=debian\nVERSION_ID=12", false, "system", "x86-64", RELEASE_COMPATIBLE },
                { "ID=debian\nVERSION_ID=11", "ID=debian\nVERSION_ID=12", false, "system", "x86-64",
                  RELEASE_VERSION_MISMATCH },
                { "ID=debian", "ID=debian\nVERSION_ID=12", false, "system", "x86-64", RELEASE_NO_VERSION },
                { "ID=fedora\nVERSION_ID=12", "ID=debian\nVERSION_ID=12", false, "system", "x86-64",
                  RELEASE_ID_MISMATCH },
                { "VERSION_ID=12", "ID=debian\nVERSION_ID=12", false, "system", "x86-64", RELEASE_NO_ID },
                /* _any matches every host and skips the version */
                { "ID=_any", "ID=debian\nVERSION_ID=12", false, "system", "x86-64", RELEASE_COMPATIBLE },
                /* a level on both sides decides, VERSION_ID aside */
                { "ID=os\nSYSEXT_LEVEL=2\nVERSION_ID=1", "ID=os\nSYSEXT_LEVEL=2\nVERSION_ID=9", false, "system", NULL,
                  RELEASE_COMPATIBLE },
                { "ID=os\nSYSEXT_LEVEL=1", "ID=os\nSYSEXT_LEVEL=2", false, "system", NULL, RELEASE_LEVEL_MISMATCH },
                /* the extension has a level, the host only VERSION_ID: VERSION_ID decides */
                { "ID=os\nSYSEXT_LEVEL=1", "ID=os\nVERSION_ID=3", false, "system", NULL, RELEASE_NO_VERSION },
                /* a rolling release host: ID alone */
                { "ID=arch", "ID=arch", false, "system", NULL, RELEASE_COMPATIBLE },
                /* confext reads CONFEXT_*, not SYSEXT_* */
                { "ID=os\nCONFEXT_LEVEL=1\nSYSEXT_LEVEL=9", "ID=os\nCONFEXT_LEVEL=1\nSYSEXT_LEVEL=1", true, "system",
                  NULL, RELEASE_COMPATIBLE },
                { "ID=os\nCONFEXT_SCOPE=initrd", "ID=os", true, "system", NULL, RELEASE_SCOPE_MISMATCH },
                /* scope: a list; absent fits every scope */
                { "ID=os\nSYSEXT_SCOPE=initrd portable", "ID=os", false, "system", NULL, RELEASE_SCOPE_MISMATCH },
                { "ID=os\nSYSEXT_SCOPE=initrd system", "ID=os", false, "system", NULL, RELEASE_COMPATIBLE },
                /* the scope is checked before the ID, as systemd does */
                { "ID=_any\nSYSEXT_SCOPE=initrd", "ID=os", false, "system", NULL, RELEASE_SCOPE_MISMATCH },
                /* architecture */
                { "ID=os\nARCHITECTURE=arm64", "ID=os", false, "system", "x86-64", RELEASE_ARCH_MISMATCH },
                { "ID=os\nARCHITECTURE=_any", "ID=os", false, "system", "x86-64", RELEASE_COMPATIBLE },
                { "ID=os\nARCHITECTURE=x86-64", "ID=os", false, "system", "x86-64", RELEASE_COMPATIBLE },
        };
        size_t i;

        for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct os_release *ext = parse(cases[i].ext), *host = parse(cases[i].host);
                char reason[256];
                enum release_verdict v = release_validate(ext, host, cases[i].confext, cases[i].scope, cases[i].arch,
                                                          reason, sizeof(reason));

                if (v != cases[i].want)
                        fail_msg("case %zu: %s, want %s (%s)", i, release_verdict_name(v),
                                 release_verdict_name(cases[i].want), reason);
                assert_true(reason[0] != 0);
                os_release_free(ext);
                os_release_free(host);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse),
                cmocka_unit_test(test_limits),
                cmocka_unit_test(test_validate),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
