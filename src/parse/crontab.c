/* crontab(5) and anacrontab(5), bounded; see crontab.h. */
#define _GNU_SOURCE
#include "crontab.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/error.h"

static const char *const nicknames[] = { "@reboot", "@yearly", "@annually", "@monthly", "@weekly",
                                         "@daily", "@midnight", "@hourly" };

static bool is_blank(char c)
{
        return c == ' ' || c == '\t';
}

struct crontab *crontab_free(struct crontab *c)
{
        if (!c)
                return NULL;
        free(c->v);
        free(c->storage);
        free(c);
        return NULL;
}

/* The next blank-separated word of *s (NUL-terminated in place), or NULL. */
static char *next_word(char **s)
{
        char *w = *s;

        while (is_blank(*w))
                w++;
        if (!*w)
                return NULL;
        *s = w;
        while (**s && !is_blank(**s))
                (*s)++;
        if (**s)
                *(*s)++ = '\0';
        return w;
}

static char *rest(char *s)
{
        size_t n;

        while (is_blank(*s))
                s++;
        n = strlen(s);
        while (n > 0 && is_blank(s[n - 1]))
                s[--n] = '\0';
        return s;
}

/* A time field (entry.c get_list): numbers, names, '*', ranges, lists, steps. */
static bool time_field(const char *w)
{
        if (!*w)
                return false;
        for (; *w; w++)
                if (!((*w >= '0' && *w <= '9') || (*w >= 'a' && *w <= 'z') || (*w >= 'A' && *w <= 'Z') ||
                      *w == '*' || *w == ',' || *w == '-' || *w == '/'))
                        return false;
        return true;
}

static bool is_number(const char *w)
{
        if (!*w)
                return false;
        for (; *w; w++)
                if (*w < '0' || *w > '9')
                        return false;
        return true;
}

/* NAME=VALUE (env.c load_env): the name before '=' (blanks trimmed), the
 * value after it, one pair of matching quotes removed. */
static bool setting(char *s, struct crontab_entry *e)
{
        char *eq = strchr(s, '='), *name = s, *value;
        size_t n;

        if (!eq || eq == s)
                return false;
        *eq = '\0';
        name = rest(name);
        if (!*name || strpbrk(name, " \t"))
                return false;
        value = rest(eq + 1);
        n = strlen(value);
        if (n >= 2 && (value[0] == '"' || value[0] == '\'') && value[n - 1] == value[0]) {
                value[n - 1] = '\0';
                value++;
        }
        e->name = name;
        e->value = value;
        return true;
}

/* One entry line (in place): "" on success, else the reason. */
static const char *entry(char *s, enum crontab_kind kind, struct crontab_entry *e, char *schedule_buf)
{
        char *w = next_word(&s), *p = schedule_buf;

        if (kind == CRONTAB_ANACRON) {
                char *delay = next_word(&s), *job = next_word(&s);

                if (!(w[0] == '@' || is_number(w)) || !delay || !is_number(delay) || !job || strchr(job, '/'))
                        return "expected PERIOD DELAY JOB-ID COMMAND";
                sprintf(p, "%s %s", w, delay);
                e->job = job;
        } else if (w[0] == '@') {
                size_t i;

                for (i = 0; i < ARRAY_SIZE(nicknames); i++)
                        if (strcmp(w, nicknames[i]) == 0)
                                break;
                if (i == ARRAY_SIZE(nicknames))
                        return "an unknown @nickname";
                strcpy(p, w);
                e->reboot = i == 0;
        } else {
                for (int f = 0; f < 5; f++) {
                        if (f && !(w = next_word(&s)))
                                return "fewer than five time fields";
                        if (!time_field(w))
                                return "a time field that is not numbers, names, '*', '-', ',' or '/'";
                        p += sprintf(p, "%s%s", f ? " " : "", w);
                }
        }
        e->schedule = schedule_buf;
        if (kind == CRONTAB_SYSTEM) {
                e->user = next_word(&s);
                if (!e->user)
                        return "no user";
        }
        e->command = rest(s);
        if (!*e->command)
                return "no command";
        return "";
}

int crontab_parse(const char *buf, size_t len, enum crontab_kind kind, struct crontab **ret, char **ret_error)
{
        _cleanup_(crontab_freep) struct crontab *c = NULL;
        size_t pos = 0, cap = 0, w = 0;
        unsigned lineno = 0;

        if (len > CRONTAB_MAX_BYTES)
                return line_error(ret_error, -E2BIG, 0, "larger than 1 MiB");
        if (memchr(buf, '\0', len)) {
                unsigned l = 1;

                for (const char *p = buf; *p; p++)
                        l += *p == '\n';
                return line_error(ret_error, -EBADMSG, l, "a NUL byte");
        }
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        /* Each line is copied once, and its schedule once more (NUL-ended). */
        c->storage = malloc(2 * len + 2);
        if (!c->storage)
                return -ENOMEM;
        while (pos < len) {
                const char *p = buf + pos, *eol = memchr(p, '\n', len - pos);
                size_t n = eol ? (size_t) (eol - p) : len - pos;
                struct crontab_entry e = { 0 };
                char *line = c->storage + w, *s;
                const char *why;

                lineno++;
                pos += n + (eol ? 1 : 0);
                memcpy(line, p, n);
                line[n] = '\0';
                if (n && line[n - 1] == '\r')
                        line[n - 1] = '\0';
                s = line;
                while (is_blank(*s))
                        s++;
                if (!*s || *s == '#')
                        continue;
                w += n + 1;
                e.line = lineno;
                if ((*s == '@' || *s == '*' || (*s >= '0' && *s <= '9'))) {
                        why = entry(s, kind, &e, c->storage + w);
                        if (*why)
                                return line_error(ret_error, -EBADMSG, lineno, why);
                        w += strlen(e.schedule) + 1;
                } else if (!setting(s, &e)) {
                        return line_error(ret_error, -EBADMSG, lineno, "neither a NAME=VALUE setting nor an entry");
                }
                if (c->n == CRONTAB_MAX_ENTRIES)
                        return line_error(ret_error, -E2BIG, lineno, "more than 4096 entries and settings");
                if (c->n == cap) {
                        size_t nc = cap ? cap * 2 : 16;
                        struct crontab_entry *v = reallocarray(c->v, nc, sizeof(*v));

                        if (!v)
                                return -ENOMEM;
                        c->v = v;
                        cap = nc;
                }
                c->v[c->n++] = e;
        }
        *ret = TAKE_PTR(c);
        return 0;
}
