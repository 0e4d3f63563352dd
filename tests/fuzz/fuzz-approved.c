/* Fuzz harness for the approved image manifest (src/container/approved.h):
 * any bytes give a list of references with digests or an error with a
 * one-line printable reason; every entry found is found again by its name
 * and digest. Never a crash, a leak or a hang. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/escape.h"
#include "container/approved.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct approved *a = NULL;
        char *err = NULL;
        int r;

        r = approved_parse((const char *) data, size, &a, &err);
        if (r < 0) {
                if ((r != -EBADMSG && r != -E2BIG && r != -ENODATA && r != -ENOMEM) || a)
                        abort();
                if (err && has_control(err, strlen(err)))
                        abort();
                free(err);
                return 0;
        }
        if (a->n == 0)
                abort();
        for (size_t i = 0; i < a->n; i++) {
                const struct approved_entry *e = &a->v[i];

                if (!e->ref.digest || !approved_find(a, e->ref.name, e->ref.digest) ||
                    !approved_find_name(a, e->ref.name))
                        abort();
        }
        approved_free(a);
        return 0;
}
