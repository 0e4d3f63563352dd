/* Fuzz harness for the detection-content parser (ruleset_parse) and the path
 * globs it loads: any bytes in, a ruleset or -EBADMSG out, never a crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "report/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct ruleset *rs = NULL;
        char *error = NULL;
        size_t i, j;

        if (ruleset_parse((const char *) data, size, &rs, &error) >= 0) {
                /* Exercise every glob that loaded against a few paths. */
                static const char *const paths[] = { "/", "/etc/sudoers.d/x", "/usr/lib/a/b/c", "" };

                for (i = 0; i < rs->n_surfaces; i++)
                        for (j = 0; j < sizeof(paths) / sizeof(paths[0]); j++)
                                (void) ruleset_match(rs, paths[j], __builtin_strlen(paths[j]));
        }
        ruleset_free(rs);
        free(error);
        return 0;
}
