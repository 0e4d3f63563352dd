/* Fuzz harness for src/parse/crontab.c: any bytes as /etc/crontab (a user
 * field), a user's crontab and an anacrontab. Entries keep the file's order
 * with increasing lines within the file; a setting has a non-empty name
 * without blanks, an entry a schedule and a non-empty command (and a user in
 * the system kind, a job id in anacron's); a failure is -EBADMSG or -E2BIG
 * with a printable reason. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/escape.h"
#include "parse/crontab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one(const uint8_t *data, size_t size, enum crontab_kind kind, unsigned lines)
{
        _cleanup_(crontab_freep) struct crontab *c = NULL;
        char *reason = NULL;
        unsigned prev = 0;
        int r = crontab_parse((const char *) data, size, kind, &c, &reason);

        if (r < 0) {
                if (r != -EBADMSG && r != -E2BIG && r != -ENOMEM)
                        abort();
                if (r != -ENOMEM && (!reason || !*reason || has_control(reason, strlen(reason))))
                        abort();
                free(reason);
                return;
        }
        if (reason || c->n > CRONTAB_MAX_ENTRIES)
                abort();
        for (size_t i = 0; i < c->n; i++) {
                const struct crontab_entry *e = &c->v[i];

                if (e->line <= prev || e->line > lines)
                        abort();
                prev = e->line;
                if (e->name) {
                        if (!*e->name || strpbrk(e->name, " \t") || !e->value || e->schedule)
                                abort();
                        continue;
                }
                if (!e->schedule || !*e->schedule || !e->command || !*e->command ||
                    (kind == CRONTAB_SYSTEM) != (e->user != NULL) || (kind == CRONTAB_ANACRON) != (e->job != NULL) ||
                    (e->reboot && strcmp(e->schedule, "@reboot") != 0))
                        abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        unsigned lines = 1;

        for (size_t i = 0; i < size; i++)
                lines += data[i] == '\n';
        one(data, size, CRONTAB_SYSTEM, lines);
        one(data, size, CRONTAB_USER, lines);
        one(data, size, CRONTAB_ANACRON, lines);
        return 0;
}
