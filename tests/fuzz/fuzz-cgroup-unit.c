/* Fuzz harness for src/parse/cgroup-unit.c: any bytes as /proc/PID/cgroup.
 * A unit found is a NUL-terminated name shorter than CGROUP_UNIT_MAX made of
 * unit-name characters, ending in a unit suffix; none leaves ret untouched.
 * A container found is 64 lowercase hex digits. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse/cgroup-unit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char unit[CGROUP_UNIT_MAX + 1];
        struct cgroup_container c;
        size_t n, i;

        memset(&c, 0x7f, sizeof(c));
        if (cgroup_container_parse((const char *) data, size, &c) == 1) {
                if (strlen(c.id) != CGROUP_CONTAINER_ID_MAX - 1 ||
                    strspn(c.id, "0123456789abcdef") != CGROUP_CONTAINER_ID_MAX - 1)
                        abort();
        } else if ((unsigned char) c.id[0] != 0x7f) {
                abort();
        }
        memset(unit, 0x7f, sizeof(unit));
        if (cgroup_unit_parse((const char *) data, size, unit) != 1) {
                for (i = 0; i < sizeof(unit); i++)
                        if (unit[i] != 0x7f)
                                abort();
                return 0;
        }
        n = strnlen(unit, CGROUP_UNIT_MAX);
        if (n == 0 || n >= CGROUP_UNIT_MAX || unit[CGROUP_UNIT_MAX] != 0x7f)
                abort();
        for (i = 0; i < n; i++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:-_.\\@", unit[i]))
                        abort();
        return 0;
}
