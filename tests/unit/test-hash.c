/* Unit tests for src/basic/hash.h: the FNV-1a hash every hash table uses
 * (the FIM path index, the audit assembler's nodes, the detector's distinct
 * paths) gives the published FNV-1a 64 values and hashes bytes, NULs and high
 * bytes included. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "basic/hash.h"

static void test_known_values(void **state)
{
        (void) state;
        /* From the FNV reference test vectors. */
        assert_int_equal(hash_bytes("", 0), 0xcbf29ce484222325ULL);
        assert_int_equal(hash_bytes("a", 1), 0xaf63dc4c8601ec8cULL);
        assert_int_equal(hash_bytes("foobar", 6), 0x85944171f73967e8ULL);
}

static void test_bytes(void **state)
{
        (void) state;
        /* The length counts, not a NUL: a name with a NUL inside differs from its prefix. */
        assert_int_equal(hash_bytes("/etc/a\0b", 8), 0x75a42aa217034b76ULL);
        assert_int_equal(hash_bytes("/etc/a\0b", 6), 0x28d997b3917348f0ULL);
        /* Bytes are unsigned: 0xff is not sign-extended into the hash. */
        assert_int_not_equal(hash_bytes("\xff", 1), hash_bytes("\x7f", 1));
        assert_int_equal(hash_bytes("\xff", 1), (0xcbf29ce484222325ULL ^ 0xff) * 0x100000001b3ULL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_known_values),
                cmocka_unit_test(test_bytes),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
