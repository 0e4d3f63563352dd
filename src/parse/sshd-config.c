/* The sshd_config reader; see sshd-config.h. */
#define _GNU_SOURCE
#include "sshd-config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WHITESPACE " \t\r\n"

static void directive_release(struct sshd_directive *d)
{
        size_t i;

        free(d->keyword);
        for (i = 0; i < d->n_args; i++)
                free(d->args[i]);
        free(d->args);
        free(d->rest);
}

struct sshd_config *sshd_config_free(struct sshd_config *c)
{
        size_t i;

        if (!c)
                return NULL;
        for (i = 0; i < c->n; i++)
                directive_release(&c->v[i]);
        free(c->v);
        free(c);
        return NULL;
}

char *sshd_strdelim(char **s)
{
        char *old = *s;
        int wspace = 0;

        if (!*s)
                return NULL;
        *s = strpbrk(*s, WHITESPACE "\"=");
        if (!*s)
                return old;
        if (**s == '"') {
                memmove(*s, *s + 1, strlen(*s));
                *s = strpbrk(*s, "\"");
                if (!*s)
                        return NULL;    /* no matching quote */
                **s = '\0';
                *s += strspn(*s + 1, WHITESPACE) + 1;
                return old;
        }
        if (**s == '=')                 /* only one '=' is skipped */
                wspace = 1;
        **s = '\0';
        *s += strspn(*s + 1, WHITESPACE) + 1;
        if (**s == '=' && !wspace)
                *s += strspn(*s + 1, WHITESPACE) + 1;
        return old;
}

/* misc.c argv_split(s, ..., terminate_on_comment = 1). */
static int split_args(const char *s, struct sshd_directive *d)
{
        size_t i = 0;

        while (s[i]) {
                size_t j = 0;
                char quote = 0, *arg, **v;

                if (s[i] == ' ' || s[i] == '\t') {
                        i++;
                        continue;
                }
                if (s[i] == '#')
                        break;
                if (d->n_args >= SSHD_CONFIG_MAX_ARGS)
                        return -E2BIG;
                v = reallocarray(d->args, d->n_args + 1, sizeof(*v));
                if (!v)
                        return -ENOMEM;
                d->args = v;
                arg = d->args[d->n_args++] = malloc(strlen(s + i) + 1);
                if (!arg)
                        return -ENOMEM;
                for (; s[i]; i++) {
                        if (s[i] == '\\') {
                                if (s[i + 1] == '\'' || s[i + 1] == '"' || s[i + 1] == '\\' ||
                                    (!quote && s[i + 1] == ' '))
                                        i++;
                                arg[j++] = s[i];
                        } else if (!quote && (s[i] == ' ' || s[i] == '\t')) {
                                break;
                        } else if (!quote && (s[i] == '"' || s[i] == '\'')) {
                                quote = s[i];
                        } else if (quote && s[i] == quote) {
                                quote = 0;
                        } else {
                                arg[j++] = s[i];
                        }
                }
                arg[j] = '\0';
                if (!s[i] && quote)
                        return -EBADMSG;
        }
        return 0;
}

static int fail(char **ret_error, unsigned line, const char *what, const char *keyword, int r)
{
        if (asprintf(ret_error, "line %u: %s%s%.64s%s", line, what, keyword ? " \"" : "", keyword ? keyword : "",
                     keyword ? "\"" : "") < 0)
                *ret_error = NULL;
        return r;
}

/* One line (NUL-terminated, without its '\n', in a buffer of our own). */
static int parse_line(char *line, unsigned lineno, struct sshd_config *c, char **ret_error)
{
        struct sshd_directive d = { .line = lineno };
        char *str, *keyword;
        size_t len;
        int r;

        len = strlen(line);
        while (len > 1 && strchr(WHITESPACE "\f", line[len - 1]))
                line[--len] = '\0';
        str = line;
        keyword = sshd_strdelim(&str);
        if (keyword && !*keyword)
                keyword = sshd_strdelim(&str);
        if (!keyword || !*keyword || *keyword == '#')
                return 0;
        if (!str || !*str)
                return fail(ret_error, lineno, "no argument after keyword", keyword, -EBADMSG);
        if (c->n >= SSHD_CONFIG_MAX_DIRECTIVES)
                return fail(ret_error, lineno, "more than 16384 directives in one file", NULL, -E2BIG);
        d.keyword = strdup(keyword);
        d.rest = strdup(str);
        if (!d.keyword || !d.rest) {
                directive_release(&d);
                return -ENOMEM;
        }
        r = split_args(str, &d);
        if (r == 0 && d.n_args == 0)
                r = -EBADMSG;   /* only a comment after the keyword: sshd finds no argument */
        if (r < 0) {
                directive_release(&d);
                if (r == -ENOMEM)
                        return r;
                return fail(ret_error, lineno,
                            r == -E2BIG ? "more than 1024 arguments after keyword"
                                        : d.n_args ? "invalid quotes after keyword" : "no argument after keyword",
                            keyword, r);
        }
        if (c->n == c->allocated) {
                size_t want = c->allocated ? 2 * c->allocated : 16;
                struct sshd_directive *v = reallocarray(c->v, want, sizeof(*v));

                if (!v) {
                        directive_release(&d);
                        return -ENOMEM;
                }
                c->v = v;
                c->allocated = want;
        }
        c->v[c->n++] = d;
        return 0;
}

/* load_server_config() keeps each line from its first byte that is not
 * blank up to its first NUL: a NUL drops the rest of the line and its
 * newline, so the next line continues this one. The logical lines are
 * numbered here by the file line they start on. */
int sshd_config_parse(const char *buf, size_t len, struct sshd_config **ret, char **ret_error)
{
        _cleanup_(sshd_config_freep) struct sshd_config *c = calloc(1, sizeof(*c));
        _cleanup_(freep) char *line = NULL;
        size_t pos = 0, n = 0;
        unsigned lineno = 0, start = 1;
        int r;

        if (!c)
                return -ENOMEM;
        *ret_error = NULL;
        if (len > SSHD_CONFIG_MAX_BYTES)
                return fail(ret_error, 0, "larger than 1 MiB", NULL, -E2BIG);
        line = malloc(SSHD_CONFIG_MAX_LINE + 1);
        if (!line)
                return -ENOMEM;
        while (pos < len) {
                const char *p = buf + pos, *nl = memchr(p, '\n', len - pos), *end = nl ? nl + 1 : buf + len;
                const char *nul = memchr(p, '\0', (size_t) (end - p));
                size_t take;

                lineno++;
                if (n == 0)
                        start = lineno;
                while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
                        p++;
                take = (size_t) ((nul ? nul : end) - p);
                if (n + take > SSHD_CONFIG_MAX_LINE)
                        return fail(ret_error, start, "longer than 65536 bytes", NULL, -E2BIG);
                memcpy(line + n, p, take);
                n += take;
                pos = (size_t) (end - buf);
                if (n == 0 || line[n - 1] != '\n') {
                        if (pos < len)
                                continue;       /* a NUL took the newline: the next line continues this one */
                } else {
                        n--;
                }
                line[n] = '\0';
                n = 0;
                r = parse_line(line, start, c, ret_error);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(c);
        return 0;
}
