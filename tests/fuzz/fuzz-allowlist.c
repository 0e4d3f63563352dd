/* Fuzz harness for the /etc allowlist (src/image/allowlist.h): any bytes
 * through allowlist_parse give a list or -EBADMSG / -E2BIG with a one-line
 * printable reason. A list is matched against a few paths, with and without
 * content, at times around each entry's expiry: an entry allows up to and
 * including its expiry second and not after, and a match is the entry it
 * says it is. Never a crash, a leak or a hang. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/escape.h"
#include "image/allowlist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const paths[] = {
        "/etc/chrony.conf", "/etc/ssh/sshd_config.d/50-x.conf", "/etc/a/b/c/d/e/f/g", "/etc", "/", "",
        "/etc/\xff\n*[x]",
};

static void check_match(struct allowlist *a, const char *path, const uint8_t *sha256, int64_t now)
{
        struct allow_entry *e;
        bool expired = true;

        e = allowlist_match(a, path, strlen(path), sha256, now, &expired);
        if (!e) {
                if (expired)
                        abort();
                return;
        }
        if (e < a->v || e >= a->v + a->n)
                abort();
        if (expired != allow_entry_expired(e, now))
                abort();
        if (e->has_sha256 && (!sha256 || memcmp(e->sha256, sha256, SHA256_LEN) != 0))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const int64_t nows[] = { 0, 1700000000, INT64_MAX };
        struct allowlist *a = NULL;
        char *error = NULL;
        int r;

        r = allowlist_parse((const char *) data, size, &a, &error);
        if (r < 0) {
                if (a || (r != -EBADMSG && r != -E2BIG && r != -ENOMEM))
                        abort();
                /* The reason quotes the file: one printable line. */
                if (error && (has_control(error, strlen(error)) || strchr(error, '\n')))
                        abort();
                free(error);
                return 0;
        }
        if (!a || error)
                abort();
        for (size_t i = 0; i < a->n; i++) {
                const struct allow_entry *e = &a->v[i];

                if (!e->path || e->path[0] != '/' || !e->owner || !e->reason || !e->expires)
                        abort();
                /* The expiry second itself still allows; the next does not. */
                if (allow_entry_expired(e, e->expires_at) ||
                    (e->expires_at < INT64_MAX && !allow_entry_expired(e, e->expires_at + 1)))
                        abort();
                check_match(a, e->path, e->has_sha256 ? e->sha256 : NULL, e->expires_at);
                check_match(a, e->path, NULL, e->expires_at + (e->expires_at < INT64_MAX));
        }
        for (size_t p = 0; p < sizeof(paths) / sizeof(paths[0]); p++)
                for (size_t t = 0; t < sizeof(nows) / sizeof(nows[0]); t++) {
                        static const uint8_t zero[SHA256_LEN];

                        check_match(a, paths[p], NULL, nows[t]);
                        check_match(a, paths[p], zero, nows[t]);
                        if (a->n && a->v[0].has_sha256)
                                check_match(a, paths[p], a->v[0].sha256, nows[t]);
                }
        allowlist_free(a);
        return 0;
}
