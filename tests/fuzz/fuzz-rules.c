/* Fuzz harness for the detection-content loader: the input is a layer over the
 * built-in rules (ruleset_parse), then applied a second time over the result
 * (every id it defines now exists: the replace and disable paths), and the
 * path globs that loaded are matched. Any bytes in, a ruleset or an error out,
 * never a crash or a leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "rules/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *const paths[] = { "/", "/etc/sudoers.d/x", "/usr/lib/a/b/c", "/srv/x", "" };
        struct ruleset *rs = NULL;
        char *error = NULL;
        size_t j;

        if (ruleset_parse((const char *) data, size, &rs, &error) >= 0) {
                for (j = 0; j < sizeof(paths) / sizeof(paths[0]); j++)
                        (void) ruleset_match(rs, paths[j], __builtin_strlen(paths[j]));
                /* The same layer again: what it added is replaced, what it disabled is gone. */
                if (ruleset_layer(rs, (const char *) data, size, &error) >= 0 && ruleset_check(rs, NULL) < 0)
                        __builtin_trap();       /* a layer never removes a rule */
        }
        ruleset_free(rs);
        free(error);
        return 0;
}
