/* Fuzz harness for the GLib key file reader (src/parse/keyfile.h): any bytes
 * give entries or -EBADMSG / -E2BIG with a one-line printable reason. Entries
 * stay within KEYFILE_MAX_ENTRIES, groups, keys and values are UTF-8, every
 * entry is what keyfile_get finds for its group and key (a key set twice is
 * one entry), its line within the input's. Never a crash, a leak or a hang. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/escape.h"
#include "parse/keyfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct keyfile *kf = NULL;
        char *err = NULL;
        size_t i, lines = 1;
        bool b;
        int r;

        for (i = 0; i < size; i++)
                lines += data[i] == '\n';
        r = keyfile_parse((const char *) data, size, &kf, &err);
        if (r < 0) {
                if ((r != -EBADMSG && r != -E2BIG && r != -ENOMEM) || kf)
                        abort();
                if (err && (strncmp(err, "line ", 5) != 0 || has_control(err, strlen(err))))
                        abort();
                free(err);
                return 0;
        }
        if (kf->n > KEYFILE_MAX_ENTRIES)
                abort();
        for (i = 0; i < kf->n; i++) {
                const struct keyfile_entry *e = &kf->v[i];

                if (keyfile_get(kf, e->group, e->key) != e || e->line == 0 || e->line > lines ||
                    !utf8_valid(e->group, strlen(e->group)) || !utf8_valid(e->key, strlen(e->key)))
                        abort();
                (void) keyfile_boolean(e->value, &b);
        }
        keyfile_free(kf);
        return 0;
}
