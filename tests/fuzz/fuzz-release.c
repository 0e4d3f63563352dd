/* Fuzz harness for the os-release / extension-release parser and the
 * compatibility rule (src/host/release.h): any bytes parse into at most
 * RELEASE_MAX_FIELDS NUL-terminated fields or fail with -E2BIG; the input's
 * first half and second half, parsed as an extension-release and an
 * os-release, get a known verdict and a non-empty reason of bounded length,
 * as a sysext and as a confext. Never a crash, a leak or a hang. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "host/release.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct os_release *parse(const uint8_t *p, size_t n)
{
        struct os_release *r = NULL;
        int k = os_release_parse((const char *) p, n, &r);

        if (k < 0) {
                if (r || (k != -E2BIG && k != -ENOMEM))
                        abort();
                return NULL;
        }
        if (!r || r->n > RELEASE_MAX_FIELDS)
                abort();
        for (size_t i = 0; i < r->n; i++)
                if (!r->v[i].key[0] || strlen(r->v[i].value) > n)
                        abort();
        return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct os_release *whole = parse(data, size), *ext = parse(data, size / 2),
                          *host = parse(data + size / 2, size - size / 2);

        for (int confext = 0; confext < 2 && ext && host; confext++) {
                char reason[128];
                enum release_verdict v = release_validate(ext, host, confext, "system", "x86-64", reason,
                                                          sizeof(reason));

                if (strcmp(release_verdict_name(v), "unknown") == 0 || !reason[0] ||
                    strlen(reason) >= sizeof(reason))
                        abort();
        }
        os_release_free(whole);
        os_release_free(ext);
        os_release_free(host);
        return 0;
}
