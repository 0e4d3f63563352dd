/* Fuzz harness for the sudoers reader (src/parse/sudoers.h): any bytes give
 * entries or -EBADMSG / -E2BIG with a one-line printable reason "line N: ...".
 * Entries keep their limits: at most SUDOERS_MAX_ENTRIES, lines in order and
 * within the input's, every string non-NULL and without C0 controls other than a tab,
 * lists within SUDOERS_MAX_ITEMS, alias names that sudoers_is_alias_name()
 * accepts, commands ALL, an alias, list, sudoedit or absolute. Never a
 * crash, a leak or a hang. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/escape.h"
#include "parse/sudoers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Strings hold no C0 control but a tab, and no DEL: binary input is refused.
 * (C1 controls may come out of escapes: the output escapes them.) */
static void check_str(const char *s)
{
        if (!s)
                abort();
        for (; *s; s++)
                if (((unsigned char) *s < 0x20 && *s != '\t') || *s == 0x7f)
                        abort();
}

static void check_strv(const struct strv *v)
{
        if (v->n > SUDOERS_MAX_ITEMS)
                abort();
        for (size_t i = 0; i < v->n; i++)
                check_str(v->v[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct sudoers *s = NULL;
        char *err = NULL;
        unsigned lines = 1, last = 0;
        size_t i, k;
        int r;

        for (i = 0; i < size; i++)
                lines += data[i] == '\n';
        r = sudoers_parse((const char *) data, size, &s, &err);
        if (r < 0) {
                if ((r != -EBADMSG && r != -E2BIG && r != -ENOMEM) || s)
                        abort();
                if (err && has_control(err, strlen(err)))
                        abort();
                free(err);
                return 0;
        }
        if (err || !s || s->n > SUDOERS_MAX_ENTRIES)
                abort();
        for (i = 0; i < s->n; i++) {
                const struct sudoers_entry *e = &s->v[i];

                if (e->line < last || e->line < 1 || e->line > lines)
                        abort();
                last = e->line;
                switch (e->kind) {
                case SUDOERS_INCLUDE:
                case SUDOERS_INCLUDEDIR:
                        check_str(e->path);
                        if (!e->path[0])
                                abort();
                        break;
                case SUDOERS_DEFAULTS:
                        check_strv(&e->bound);
                        if (e->n_defaults < 1 || e->n_defaults > SUDOERS_MAX_ITEMS)
                                abort();
                        for (k = 0; k < e->n_defaults; k++) {
                                check_str(e->defaults[k].name);
                                if ((e->defaults[k].op == 0) != (e->defaults[k].value == NULL))
                                        abort();
                                if (e->defaults[k].value)
                                        check_str(e->defaults[k].value);
                        }
                        break;
                case SUDOERS_ALIAS:
                        check_str(e->alias_type);
                        check_str(e->name);
                        if (!sudoers_is_alias_name(e->name) || e->members.n < 1)
                                abort();
                        check_strv(&e->members);
                        break;
                case SUDOERS_SPEC:
                        check_strv(&e->users);
                        if (e->users.n < 1 || e->n_cmnds < 1 || e->n_cmnds > SUDOERS_MAX_ITEMS)
                                abort();
                        for (k = 0; k < e->n_cmnds; k++) {
                                const struct sudoers_cmnd *c = &e->cmnds[k];

                                check_str(c->hosts);
                                check_str(c->command);
                                if (c->command[0] != '/' && strcmp(c->command, "ALL") != 0 &&
                                    strcmp(c->command, "list") != 0 && strncmp(c->command, "sudoedit", 8) != 0 &&
                                    !sudoers_is_alias_name(c->command))
                                        abort();
                                if (c->nopasswd != (c->tags && strstr(c->tags, "NOPASSWD") != NULL))
                                        abort();
                        }
                        break;
                default:
                        abort();
                }
        }
        sudoers_free(s);
        return 0;
}
