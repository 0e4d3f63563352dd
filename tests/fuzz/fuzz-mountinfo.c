/* Fuzz harness for src/host/mount-table.c: any bytes as /proc/self/mountinfo
 * through mount_table_parse (libmount, loaded on first use). A table is
 * within its limits, every string non-NULL and NUL-terminated, ids -1 or
 * non-negative; a failure leaves *ret untouched, and as -EBADMSG or -E2BIG
 * (not -ENOMEM, or libmount missing) has a printable one-line reason. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/escape.h"
#include "host/mount-table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct mount_table *t = (struct mount_table *) (uintptr_t) 1;
        char *reason = NULL;
        int r;

        if (size > MOUNT_TABLE_MAX_BYTES)
                return 0;
        r = mount_table_parse((const char *) data, size, &t, &reason);
        if (r < 0) {
                if (t != (struct mount_table *) (uintptr_t) 1)
                        abort();
                if ((r == -EBADMSG || r == -E2BIG) && (!reason || !*reason || has_control(reason, strlen(reason))))
                        abort();
                free(reason);
                return 0;
        }
        if (!t || t->n > MOUNT_TABLE_MAX_ENTRIES || t->n == 0)
                abort();
        for (size_t i = 0; i < t->n; i++) {
                const struct mount_entry *e = &t->entries[i];
                const char *s[] = { e->root, e->target, e->fstype, e->source, e->options, e->super_options };

                if (e->id < -1 || e->parent < -1)
                        abort();
                for (size_t k = 0; k < sizeof(s) / sizeof(s[0]); k++)
                        if (!s[k] || strlen(s[k]) > MOUNT_LINE_MAX)
                                abort();
        }
        mount_table_free(t);
        free(reason);
        return 0;
}
