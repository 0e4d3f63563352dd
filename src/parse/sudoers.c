/* The sudoers reader; see sudoers.h. The grammar follows sudoers(5) ("User
 * specification", "Defaults", "Aliases", "Including other files") and sudo's
 * lexer for where words end: a word stops at blanks and at , : = ( ) unless
 * escaped with '\'; a command's arguments run to an unescaped , : = or the
 * end of the line. */
#define _GNU_SOURCE
#include "sudoers.h"

#include "line-join.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void entry_release(struct sudoers_entry *e)
{
        size_t i;

        free(e->path);
        strv_release(&e->bound);
        for (i = 0; i < e->n_defaults; i++) {
                free(e->defaults[i].name);
                free(e->defaults[i].value);
        }
        free(e->defaults);
        free(e->alias_type);
        free(e->name);
        strv_release(&e->members);
        strv_release(&e->users);
        for (i = 0; i < e->n_cmnds; i++) {
                free(e->cmnds[i].hosts);
                free(e->cmnds[i].runas_users);
                free(e->cmnds[i].runas_groups);
                free(e->cmnds[i].tags);
                free(e->cmnds[i].command);
        }
        free(e->cmnds);
}

struct sudoers *sudoers_free(struct sudoers *s)
{
        size_t i;

        if (!s)
                return NULL;
        for (i = 0; i < s->n; i++)
                entry_release(&s->v[i]);
        free(s->v);
        free(s);
        return NULL;
}

bool sudoers_is_alias_name(const char *w)
{
        if (!w[0] || !(w[0] >= 'A' && w[0] <= 'Z') || strcmp(w, "ALL") == 0)
                return false;
        for (; *w; w++)
                if (!((*w >= 'A' && *w <= 'Z') || (*w >= '0' && *w <= '9') || *w == '_'))
                        return false;
        return true;
}

/* The parse of one logical line. */
struct lex {
        const char *s;
        size_t i;
        unsigned line;
        char **error;
};

static int fail(struct lex *l, const char *what)
{
        if (l->error && !*l->error) {
                const char *near = l->s + l->i;
                int n = (int) printable_word(near, 32);

                if (asprintf(l->error, "line %u: %s%s%.*s%s", l->line, what, n ? " near '" : "", n, near,
                             n ? "'" : "") < 0)
                        *l->error = NULL;
        }
        return -EBADMSG;
}

static bool blank(char c)
{
        return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static char peek(struct lex *l)
{
        while (blank(l->s[l->i]))
                l->i++;
        return l->s[l->i];
}

static bool word_end(char c)
{
        return !c || blank(c) || strchr(",:=()", c);
}

/* A word (quoted "..." or up to word_end, '\' escapes undone) into a new string. */
static int read_word(struct lex *l, char **ret)
{
        const char *s = l->s;
        size_t i, n = 0;
        char *w;

        peek(l);
        i = l->i;
        w = malloc(strlen(s + i) + 1);
        if (!w)
                return -ENOMEM;
        if (s[i] == '"') {
                for (i++; s[i] && s[i] != '"'; i++) {
                        if (s[i] == '\\' && s[i + 1])
                                i++;
                        w[n++] = s[i];
                }
                if (s[i] != '"') {
                        free(w);
                        return fail(l, "unterminated quoted string");
                }
                i++;
        } else {
                if (s[i] == '%' && s[i + 1] == ':')     /* %:group, a non-Unix group */
                        w[n++] = s[i++];
                for (; !word_end(s[i]) || (n == 1 && w[0] == '%' && s[i] == ':'); i++) {
                        if (s[i] == '\\' && s[i + 1])
                                i++;
                        w[n++] = s[i];
                }
        }
        w[n] = '\0';
        if (n == 0) {
                free(w);
                return fail(l, "syntax error");
        }
        l->i = i;
        *ret = w;
        return 0;
}

/* "!"* word into a new string, the '!'s kept. */
static int read_operand(struct lex *l, char **ret)
{
        _cleanup_(freep) char *w = NULL;
        size_t bangs = 0;
        char *out;
        int r;

        while (peek(l) == '!') {
                l->i++;
                bangs++;
        }
        r = read_word(l, &w);
        if (r < 0)
                return r;
        if (bangs > 64)
                return fail(l, "too many '!'");
        out = malloc(bangs + strlen(w) + 1);
        if (!out)
                return -ENOMEM;
        memset(out, '!', bangs);
        strcpy(out + bangs, w);
        *ret = out;
        return 0;
}

static int push_owned(struct lex *l, struct strv *v, char *s)
{
        int r;

        if (v->n >= SUDOERS_MAX_ITEMS) {
                free(s);
                return fail(l, "too many items on one line");
        }
        r = strv_push(v, s);
        free(s);
        return r < 0 ? -ENOMEM : 0;
}

/* operand (',' operand)* */
static int read_list(struct lex *l, struct strv *ret)
{
        for (;;) {
                char *w = NULL;
                int r = read_operand(l, &w);

                if (r < 0)
                        return r;
                r = push_owned(l, ret, w);
                if (r < 0)
                        return r;
                if (peek(l) != ',')
                        return 0;
                l->i++;
        }
}

static char *join(const struct strv *v, const char *sep)
{
        size_t i, n = 1;
        char *s;

        for (i = 0; i < v->n; i++)
                n += strlen(v->v[i]) + strlen(sep);
        s = malloc(n);
        if (!s)
                return NULL;
        s[0] = '\0';
        for (i = 0; i < v->n; i++) {
                if (i)
                        strcat(s, sep);
                strcat(s, v->v[i]);
        }
        return s;
}

/* A command's path and arguments: up to an unescaped , : = or the end,
 * escapes undone, blanks at the end dropped. */
static int read_command_text(struct lex *l, const char *prefix, char **ret)
{
        const char *s = l->s;
        size_t i = l->i, n;
        char *w = malloc(strlen(prefix) + strlen(s + i) + 1);

        if (!w)
                return -ENOMEM;
        strcpy(w, prefix);
        n = strlen(w);
        for (; s[i] && !strchr(",:=", s[i]); i++) {
                if (s[i] == '\\' && s[i + 1])
                        i++;
                w[n++] = s[i];
        }
        while (n > 0 && blank(w[n - 1]))
                n--;
        w[n] = '\0';
        l->i = i;
        *ret = w;
        return 0;
}

/* A command: "!"* then ALL, an alias, "list", "sudoedit args", or an absolute
 * path with arguments (after an optional "sha256:digest"). */
static int read_command(struct lex *l, bool *ret_negated, char **ret)
{
        static const char *const digests[] = { "sha224", "sha256", "sha384", "sha512" };
        _cleanup_(freep) char *w = NULL;
        bool negated = false;
        size_t save, k;
        int r;

        while (peek(l) == '!') {
                l->i++;
                negated = !negated;
        }
        if (l->s[l->i] == '/') {
                r = read_command_text(l, "", ret);
                goto done;
        }
        save = l->i;
        r = read_word(l, &w);
        if (r < 0)
                return r;
        for (k = 0; k < ARRAY_SIZE(digests); k++)
                if (strcmp(w, digests[k]) == 0 && peek(l) == ':') {
                        _cleanup_(freep) char *digest = NULL;

                        l->i++;
                        r = read_word(l, &digest);
                        if (r < 0)
                                return r;
                        if (peek(l) != '/')
                                return fail(l, "expected a fully-qualified path name");
                        r = read_command_text(l, "", ret);
                        goto done;
                }
        if (strcmp(w, "sudoedit") == 0) {
                l->i = save;
                while (blank(l->s[l->i]))
                        l->i++;
                r = read_command_text(l, "", ret);
                goto done;
        }
        if (strcmp(w, "ALL") != 0 && strcmp(w, "list") != 0 && !sudoers_is_alias_name(w)) {
                l->i = save;
                peek(l);
                return fail(l, "expected a fully-qualified path name");
        }
        *ret = TAKE_PTR(w);
        r = 0;
done:
        if (r >= 0)
                *ret_negated = negated;
        return r;
}

static const char *const sudo_tags[] = {
        "NOPASSWD", "PASSWD", "NOEXEC", "EXEC", "SETENV", "NOSETENV", "LOG_INPUT", "NOLOG_INPUT",
        "LOG_OUTPUT", "NOLOG_OUTPUT", "MAIL", "NOMAIL", "FOLLOW", "NOFOLLOW", "INTERCEPT", "NOINTERCEPT",
};
static const char *const sudo_options[] = {
        "ROLE", "TYPE", "CWD", "CHROOT", "APPARMOR_PROFILE", "NOTBEFORE", "NOTAFTER", "TIMEOUT",
};

static bool in(const char *w, const char *const *set, size_t n)
{
        size_t k;

        for (k = 0; k < n; k++)
                if (strcmp(w, set[k]) == 0)
                        return true;
        return false;
}

/* The tag set in effect, as "A,B": each tag replaces its opposite. */
static int tag_set(struct strv *tags, const char *tag)
{
        const char *base = strncmp(tag, "NO", 2) == 0 ? tag + 2 : tag;
        size_t i;

        for (i = 0; i < tags->n; i++) {
                const char *t = tags->v[i], *tb = strncmp(t, "NO", 2) == 0 ? t + 2 : t;

                if (strcmp(tb, base) == 0 || (strcmp(tb, "PASSWD") == 0 && strcmp(base, "PASSWD") == 0)) {
                        char *c = strdup(tag);

                        if (!c)
                                return -ENOMEM;
                        free(tags->v[i]);
                        tags->v[i] = c;
                        return 0;
                }
        }
        return strv_push(tags, tag) < 0 ? -ENOMEM : 0;
}

static int add_cmnd(struct lex *l, struct sudoers_entry *e, const char *hosts, const char *ru, const char *rg,
                    const struct strv *tags, bool negated, char *command)
{
        struct sudoers_cmnd *c, *v;
        size_t i;

        if (e->n_cmnds >= SUDOERS_MAX_ITEMS) {
                free(command);
                return fail(l, "too many commands on one line");
        }
        v = realloc(e->cmnds, (e->n_cmnds + 1) * sizeof(*v));
        if (!v) {
                free(command);
                return -ENOMEM;
        }
        e->cmnds = v;
        c = &v[e->n_cmnds++];
        *c = (struct sudoers_cmnd) { .negated = negated, .command = command };
        for (i = 0; i < tags->n; i++)
                if (strcmp(tags->v[i], "NOPASSWD") == 0)
                        c->nopasswd = true;
        if (!(c->hosts = strdup(hosts)) || (ru && !(c->runas_users = strdup(ru))) ||
            (rg && !(c->runas_groups = strdup(rg))) || (tags->n && !(c->tags = join(tags, ","))))
                return -ENOMEM;
        return 0;
}

/* "(" [users] [":" [groups]] ")" */
static int read_runas(struct lex *l, char **ret_users, char **ret_groups)
{
        _cleanup_(strv_release) struct strv users = { 0 }, groups = { 0 };
        bool has_groups = false;
        int r;

        l->i++;
        if (peek(l) != ':' && peek(l) != ')') {
                r = read_list(l, &users);
                if (r < 0)
                        return r;
        }
        if (peek(l) == ':') {
                l->i++;
                has_groups = true;
                if (peek(l) != ')') {
                        r = read_list(l, &groups);
                        if (r < 0)
                                return r;
                }
        }
        if (peek(l) != ')')
                return fail(l, "syntax error");
        l->i++;
        free(*ret_users);
        free(*ret_groups);
        *ret_users = join(&users, ",");
        *ret_groups = has_groups ? join(&groups, ",") : NULL;
        return *ret_users && (!has_groups || *ret_groups) ? 0 : -ENOMEM;
}

/* Whether a word of set[] followed by ch (':' for a tag, '=' for an option) comes next. */
static int take_keyword(struct lex *l, const char *const *set, size_t n, char ch, char **ret)
{
        size_t save = l->i;
        char *w = NULL;

        if (!(l->s[l->i] >= 'A' && l->s[l->i] <= 'Z'))
                return 0;
        if (read_word(l, &w) < 0) {
                l->i = save;
                return 0;
        }
        if (in(w, set, n) && peek(l) == ch) {
                l->i++;
                *ret = w;
                return 1;
        }
        free(w);
        l->i = save;
        return 0;
}

static int parse_spec(struct lex *l, struct sudoers_entry *e)
{
        int r;

        e->kind = SUDOERS_SPEC;
        r = read_list(l, &e->users);
        if (r < 0)
                return r;
        for (;;) {      /* hosts = cmnd_spec, ... [: hosts = ...] */
                _cleanup_(strv_release) struct strv hostv = { 0 }, tags = { 0 };
                _cleanup_(freep) char *hosts = NULL, *ru = NULL, *rg = NULL;

                r = read_list(l, &hostv);
                if (r < 0)
                        return r;
                if (peek(l) != '=')
                        return fail(l, "syntax error");
                l->i++;
                if (!(hosts = join(&hostv, ",")))
                        return -ENOMEM;
                for (;;) {
                        char *w = NULL, *command = NULL;
                        bool negated = false;

                        if (peek(l) == '(') {
                                r = read_runas(l, &ru, &rg);
                                if (r < 0)
                                        return r;
                        }
                        while (peek(l), take_keyword(l, sudo_options, ARRAY_SIZE(sudo_options), '=', &w) > 0) {
                                free(w);
                                w = NULL;
                                r = read_word(l, &w);
                                free(w);
                                if (r < 0)
                                        return r;
                        }
                        while (peek(l), take_keyword(l, sudo_tags, ARRAY_SIZE(sudo_tags), ':', &w) > 0) {
                                r = tag_set(&tags, w);
                                free(w);
                                if (r < 0)
                                        return r;
                        }
                        r = read_command(l, &negated, &command);
                        if (r < 0)
                                return r;
                        r = add_cmnd(l, e, hosts, ru, rg, &tags, negated, command);
                        if (r < 0)
                                return r;
                        if (peek(l) != ',')
                                break;
                        l->i++;
                }
                if (!peek(l))
                        return 0;
                if (peek(l) != ':')
                        return fail(l, "syntax error");
                l->i++;
        }
}

static struct sudoers_entry *new_entry(struct sudoers *s, struct lex *l)
{
        struct sudoers_entry *v;

        if (s->n >= SUDOERS_MAX_ENTRIES) {
                fail(l, "too many entries");
                return NULL;
        }
        v = realloc(s->v, (s->n + 1) * sizeof(*v));
        if (!v)
                return NULL;
        s->v = v;
        v[s->n] = (struct sudoers_entry) { .line = l->line };
        return &v[s->n++];
}

static int parse_alias(struct sudoers *s, struct lex *l, const char *type)
{
        for (;;) {
                struct sudoers_entry *e = new_entry(s, l);
                char *name = NULL;
                int r;

                if (!e)
                        return *l->error ? -E2BIG : -ENOMEM;
                e->kind = SUDOERS_ALIAS;
                if (!(e->alias_type = strdup(type)))
                        return -ENOMEM;
                r = read_word(l, &name);
                if (r < 0)
                        return r;
                e->name = name;
                if (!sudoers_is_alias_name(name))
                        return fail(l, "an alias name must be in capitals");
                if (peek(l) != '=')
                        return fail(l, "syntax error");
                l->i++;
                if (strcmp(type, "Cmnd_Alias") == 0) {
                        for (;;) {
                                _cleanup_(freep) char *c = NULL;
                                char *m;
                                bool negated = false;

                                r = read_command(l, &negated, &c);
                                if (r < 0)
                                        return r;
                                if (asprintf(&m, "%s%s", negated ? "!" : "", c) < 0)
                                        return -ENOMEM;
                                r = push_owned(l, &e->members, m);
                                if (r < 0)
                                        return r;
                                if (peek(l) != ',')
                                        break;
                                l->i++;
                        }
                } else {
                        r = read_list(l, &e->members);
                        if (r < 0)
                                return r;
                }
                if (!peek(l))
                        return 0;
                if (peek(l) != ':')
                        return fail(l, "syntax error");
                l->i++;
        }
}

/* A Defaults value: "quoted" or up to a blank or ',', escapes undone. */
static int read_value(struct lex *l, char **ret)
{
        const char *s = l->s;
        size_t i, n = 0;
        char *w;

        if (peek(l) == '"')
                return read_word(l, ret);
        i = l->i;
        w = malloc(strlen(s + i) + 1);
        if (!w)
                return -ENOMEM;
        for (; s[i] && !blank(s[i]) && s[i] != ','; i++) {
                if (s[i] == '\\' && s[i + 1])
                        i++;
                w[n++] = s[i];
        }
        w[n] = '\0';
        l->i = i;
        *ret = w;
        return 0;
}

static int parse_defaults(struct sudoers_entry *e, struct lex *l)
{
        int r;

        e->kind = SUDOERS_DEFAULTS;
        l->i += strlen("Defaults");
        if (strchr(":@!>", l->s[l->i]) && l->s[l->i]) {
                e->binding = l->s[l->i++];
                if (blank(l->s[l->i]))
                        return fail(l, "syntax error");
                r = read_list(l, &e->bound);
                if (r < 0)
                        return r;
        } else if (!blank(l->s[l->i])) {
                return fail(l, "syntax error");
        }
        for (;;) {
                struct sudoers_default *d, *v;
                size_t start;

                if (e->n_defaults >= SUDOERS_MAX_ITEMS)
                        return fail(l, "too many settings on one line");
                v = realloc(e->defaults, (e->n_defaults + 1) * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                e->defaults = v;
                d = &v[e->n_defaults++];
                *d = (struct sudoers_default) { 0 };
                while (peek(l) == '!') {
                        l->i++;
                        d->negated = !d->negated;
                }
                start = l->i;
                while (isalnum((unsigned char) l->s[l->i]) || l->s[l->i] == '_')
                        l->i++;
                if (l->i == start)
                        return fail(l, "syntax error");
                if (!(d->name = strndup(l->s + start, l->i - start)))
                        return -ENOMEM;
                if (peek(l) == '=' || ((l->s[l->i] == '+' || l->s[l->i] == '-') && l->s[l->i + 1] == '=')) {
                        if (d->negated)
                                return fail(l, "a negated setting takes no value");
                        d->op = l->s[l->i] == '=' ? '=' : l->s[l->i];
                        l->i += d->op == '=' ? 1 : 2;
                        peek(l);
                        r = read_value(l, &d->value);
                        if (r < 0)
                                return r;
                }
                if (!peek(l))
                        return 0;
                if (peek(l) != ',')
                        return fail(l, "syntax error");
                l->i++;
        }
}

static bool starts_word(const char *s, const char *w)
{
        size_t n = strlen(w);

        return strncmp(s, w, n) == 0 && (!s[n] || blank(s[n]));
}

/* A logical line without its comment. */
static int parse_line(struct sudoers *s, struct lex *l)
{
        static const char *const aliases[] = { "User_Alias", "Runas_Alias", "Host_Alias", "Cmnd_Alias",
                                               "Cmd_Alias" };
        struct sudoers_entry *e;
        size_t k;

        if (!peek(l))
                return 0;
        for (k = 0; k < ARRAY_SIZE(aliases); k++)
                if (starts_word(l->s + l->i, aliases[k])) {
                        l->i += strlen(aliases[k]);
                        return parse_alias(s, l, k == 4 ? "Cmnd_Alias" : aliases[k]);
                }
        e = new_entry(s, l);
        if (!e)
                return *l->error ? -E2BIG : -ENOMEM;
        if (strncmp(l->s + l->i, "Defaults", 8) == 0 && (word_end(l->s[l->i + 8]) || strchr("@!>", l->s[l->i + 8])))
                return parse_defaults(e, l);
        return parse_spec(l, e);
}

/* "#include PATH", "@includedir PATH" ... at the start of a physical line. */
static int parse_include(struct sudoers *s, struct lex *l, bool dir)
{
        struct sudoers_entry *e = new_entry(s, l);
        int r;

        if (!e)
                return *l->error ? -E2BIG : -ENOMEM;
        e->kind = dir ? SUDOERS_INCLUDEDIR : SUDOERS_INCLUDE;
        if (!peek(l))
                return fail(l, "an include without a path");
        if (l->s[l->i] == '"')
                r = read_word(l, &e->path);
        else
                r = read_value(l, &e->path);
        if (r < 0)
                return r;
        if (peek(l))
                return fail(l, "syntax error");
        return 0;
}

/* Where the comment of a physical line starts (its length when none). */
static size_t comment_start(const char *s, size_t n)
{
        bool quoted = false;
        size_t i;

        for (i = 0; i < n; i++) {
                if (s[i] == '\\' && i + 1 < n) {
                        i++;
                        continue;
                }
                if (s[i] == '"')
                        quoted = !quoted;
                if (s[i] != '#' || quoted)
                        continue;
                /* #1000, %#1000, (#0): a numeric id, not a comment */
                if ((i == 0 || blank(s[i - 1]) || strchr(",:=(!%", s[i - 1])) &&
                    (isdigit((unsigned char) s[i + 1]) || (s[i + 1] == '-' && isdigit((unsigned char) s[i + 2]))))
                        continue;
                return i;
        }
        return n;
}

/* The directive at the start of a physical line: 1 include, 2 includedir, 0 none; *ret_skip: its length. */
static int directive(const char *s, size_t *ret_skip)
{
        static const char *const names[] = { "#includedir", "@includedir", "#include", "@include" };
        size_t k;

        for (k = 0; k < ARRAY_SIZE(names); k++)
                if (starts_word(s, names[k])) {
                        *ret_skip = strlen(names[k]);
                        return k < 2 ? 2 : 1;
                }
        return 0;
}

int sudoers_parse(const char *buf, size_t len, struct sudoers **ret, char **ret_error)
{
        _cleanup_(sudoers_freep) struct sudoers *s = calloc(1, sizeof(*s));
        _cleanup_(line_join_release) struct line_join lj = { 0 };
        _cleanup_(freep) char *error = NULL;
        size_t pos = 0;
        unsigned lineno = 0;
        int r;

        if (!s)
                return -ENOMEM;
        r = line_join_init(&lj, len, SUDOERS_MAX_BYTES, SUDOERS_MAX_LINE, ret_error);
        if (r < 0)
                return r;
        for (;;) {
                _cleanup_(freep) char *p = NULL;
                size_t n = 0, i, skip = 0;
                struct lex l = { .line = ++lineno, .error = &error };
                int kind;

                r = line_next(buf, len, &pos, &p, &n);
                if (r == 0)
                        break;
                if (r == -EBADMSG && asprintf(&error, "line %u: a control character (binary data?)", lineno) < 0)
                        error = NULL;
                if (r < 0)
                        goto failed;
                for (i = 0; i < n && blank(p[i]); i++)
                        ;
                if (!lj.continued && (kind = directive(p + i, &skip)) > 0) {
                        l.s = p + i + skip;
                        r = parse_include(s, &l, kind == 2);
                        if (r < 0)
                                goto failed;
                        continue;
                }
                r = line_join_add(&lj, p, comment_start(p, n), true, lineno);
                if (r == -E2BIG && asprintf(&error, "line %u: a line longer than %d bytes", lj.start,
                                            SUDOERS_MAX_LINE) < 0)
                        error = NULL;
                if (r <= 0) {
                        if (r < 0)
                                goto failed;
                        continue;
                }
                l.s = lj.text;
                l.line = lj.start;
                r = parse_line(s, &l);
                if (r < 0)
                        goto failed;
        }
        if (lj.continued) {
                r = -EBADMSG;
                if (asprintf(&error, "line %u: the file ends inside a continued line", lineno - 1) < 0)
                        error = NULL;
                goto failed;
        }
        *ret = TAKE_PTR(s);
        return 0;
failed:
        if (r != -ENOMEM && r != -E2BIG)
                r = -EBADMSG;
        if (r != -ENOMEM && ret_error)
                *ret_error = TAKE_PTR(error);
        return r;
}
