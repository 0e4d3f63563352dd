/* Fuzz harness for unit_file_parse_systemd() (src/parse/unit-file.c): any
 * bytes as a unit file read with systemd's leniency. Whatever the strict
 * reader accepts, the lenient one accepts with the same entries and nothing
 * ignored; what it accepts has non-empty sections and keys in line order,
 * and ignored lines only when it counted them; a failure is -EBADMSG or
 * -E2BIG with a printable reason. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/escape.h"
#include "parse/unit-file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_(unit_file_freep) struct unit_file *strict = NULL, *lenient = NULL;
        char *reason = NULL, *strict_reason = NULL;
        unsigned prev = 0, lines = 1;
        int r, rs;

        for (size_t i = 0; i < size; i++)
                lines += data[i] == '\n';
        r = unit_file_parse_systemd((const char *) data, size, &lenient, &reason);
        rs = unit_file_parse((const char *) data, size, &strict, &strict_reason);
        free(strict_reason);
        if (r < 0) {
                if (r != -EBADMSG && r != -E2BIG && r != -ENOMEM)
                        abort();
                if (r != -ENOMEM && (!reason || !*reason || has_control(reason, strlen(reason))))
                        abort();
                free(reason);
                if (rs >= 0 && r != -ENOMEM)
                        abort();        /* strict accepted what the lenient reader refused */
                return 0;
        }
        if (reason || lenient->n > UNIT_FILE_MAX_ENTRIES || (lenient->ignored == 0) != (lenient->first_ignored == 0) ||
            lenient->first_ignored > lines)
                abort();
        for (size_t i = 0; i < lenient->n; i++) {
                const struct unit_entry *e = &lenient->v[i];

                if (!*e->section || !*e->key || e->line < prev || e->line == 0 || e->line > lines)
                        abort();
                prev = e->line;
        }
        if (rs >= 0) {
                if (strict->n != lenient->n || lenient->ignored)
                        abort();
                for (size_t i = 0; i < strict->n; i++)
                        if (strcmp(strict->v[i].key, lenient->v[i].key) != 0 ||
                            strcmp(strict->v[i].value, lenient->v[i].value) != 0 ||
                            strict->v[i].line != lenient->v[i].line)
                                abort();
        }
        return 0;
}
