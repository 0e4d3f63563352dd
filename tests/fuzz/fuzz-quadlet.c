/* Fuzz harness for src/parse/unit-file.c and the quadlet check of
 * src/host/quadlet.c: any bytes as a .container file, and as a container's
 * config.json. Entries keep the file's order with non-decreasing lines,
 * sections and keys non-empty, nothing past the limits; grants name a line
 * that exists; a failure is -EBADMSG or -E2BIG with a printable reason. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/escape.h"
#include "host/quadlet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        _cleanup_(unit_file_freep) struct unit_file *u = NULL;
        _cleanup_(strv_release) struct strv grants = { 0 }, oci = { 0 };
        char *reason = NULL;
        unsigned lines = 1, line = 0, prev = 0;
        int r;

        for (size_t i = 0; i < size; i++)
                lines += data[i] == '\n';
        r = unit_file_parse((const char *) data, size, &u, &reason);
        if (r < 0) {
                if (r != -EBADMSG && r != -E2BIG && r != -ENOMEM)
                        abort();
                if (r != -ENOMEM && (!reason || !*reason || has_control(reason, strlen(reason))))
                        abort();
                free(reason);
        } else {
                if (reason || u->n > UNIT_FILE_MAX_ENTRIES)
                        abort();
                for (size_t i = 0; i < u->n; i++) {
                        const struct unit_entry *e = &u->v[i];

                        if (!*e->section || !*e->key || e->line < prev || e->line == 0 || e->line > lines ||
                            strlen(e->value) >= UNIT_FILE_MAX_LINE)
                                abort();
                        prev = e->line;
                }
                if (quadlet_reach(u, &grants, &line) < 0 || line > lines || (grants.n == 0) != (line == 0))
                        abort();
        }
        reason = NULL;
        r = oci_config_reach((const char *) data, size, &oci, &reason);
        if (r < 0 && r != -EBADMSG && r != -ENOMEM)
                abort();
        free(reason);
        return 0;
}
