/* Fuzz harness for the sshd_config reader (src/parse/sshd-config.h): any
 * bytes give directives or -EBADMSG / -E2BIG with a one-line printable
 * reason "line N: ...". Every directive has a non-empty keyword that does
 * not start with '#', at least one argument and at most
 * SSHD_CONFIG_MAX_ARGS, lines in order within the input's, and the Match
 * tokenizer (sshd_strdelim) ends on its rest. Includes are not followed
 * here (the reader never opens files). Never a crash, a leak or a hang. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/escape.h"
#include "parse/sshd-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct sshd_config *c = NULL;
        char *err = NULL;
        size_t i, lines = 1;
        unsigned last = 0;
        int r;

        for (i = 0; i < size; i++)
                lines += data[i] == '\n';
        r = sshd_config_parse((const char *) data, size, &c, &err);
        if (r < 0) {
                if ((r != -EBADMSG && r != -E2BIG && r != -ENOMEM) || c)
                        abort();
                if (err && (strncmp(err, "line ", 5) != 0 || has_control(err, strlen(err))))
                        abort();
                free(err);
                return 0;
        }
        if (c->n > SSHD_CONFIG_MAX_DIRECTIVES)
                abort();
        for (i = 0; i < c->n; i++) {
                const struct sshd_directive *d = &c->v[i];
                char *copy, *p, *tok;
                size_t steps = 0;

                if (!d->keyword[0] || d->keyword[0] == '#' || d->n_args == 0 || d->n_args > SSHD_CONFIG_MAX_ARGS ||
                    !d->rest[0] || d->line <= last || d->line > lines)
                        abort();
                last = d->line;
                copy = strdup(d->rest);
                if (!copy)
                        abort();
                for (p = copy; (tok = sshd_strdelim(&p)) && *tok; steps++)
                        if (steps > strlen(d->rest))
                                abort();
                free(copy);
        }
        sshd_config_free(c);
        return 0;
}
