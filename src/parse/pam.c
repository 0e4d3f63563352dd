/* The Linux-PAM configuration reader; see pam.h. The return value names of a
 * [...] control are libpam's _pam_token_returns[] (pam_handlers.c), the
 * actions its _pam_token_actions[]. */
#define _GNU_SOURCE
#include "pam.h"

#include "line-join.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const pam_returns[] = {
        "success", "open_err", "symbol_err", "service_err", "system_err", "buf_err", "perm_denied", "auth_err",
        "cred_insufficient", "authinfo_unavail", "user_unknown", "maxtries", "new_authtok_reqd", "acct_expired",
        "session_err", "cred_unavail", "cred_expired", "cred_err", "no_module_data", "conv_err", "authtok_err",
        "authtok_recover_err", "authtok_lock_busy", "authtok_disable_aging", "try_again", "ignore", "abort",
        "authtok_expired", "module_unknown", "bad_item", "conv_again", "incomplete", "default",
};

struct pam_file *pam_file_free(struct pam_file *f)
{
        size_t i;

        if (!f)
                return NULL;
        for (i = 0; i < f->n; i++) {
                free(f->v[i].service);
                free(f->v[i].type);
                free(f->v[i].control);
                free(f->v[i].module);
                strv_release(&f->v[i].args);
        }
        free(f->v);
        free(f);
        return NULL;
}

static bool blank(char c)
{
        return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* The next token of *p: blank-separated, or from '[' to the matching ']'
 * (a '\]' inside kept as ']') when bracket is set. NULL at the end. */
static char *token(const char **p, bool bracket, bool *ret_unterminated)
{
        const char *s = *p;
        char *out, *o;

        while (blank(*s))
                s++;
        if (!*s) {
                *p = s;
                return NULL;
        }
        out = o = malloc(strlen(s) + 1);
        if (!out)
                return NULL;
        if (bracket && *s == '[') {
                *o++ = *s++;
                while (*s && *s != ']') {
                        if (*s == '\\' && s[1] == ']')
                                s++;
                        *o++ = *s++;
                }
                if (*s == ']')
                        *o++ = *s++;
                else
                        *ret_unterminated = true;
                /* text right after ']' belongs to the same token */
        }
        while (*s && !blank(*s))
                *o++ = *s++;
        *o = '\0';
        *p = s;
        return out;
}

static bool valid_action(const char *a, size_t n)
{
        static const char *const actions[] = { "ignore", "ok", "done", "bad", "die", "reset" };
        size_t k;

        if (n > 0 && strspn(a, "0123456789") >= n)
                return n <= 3;
        for (k = 0; k < ARRAY_SIZE(actions); k++)
                if (strlen(actions[k]) == n && strncmp(a, actions[k], n) == 0)
                        return true;
        return false;
}

/* Whether "[value=action ...]" is a list libpam takes. */
static bool valid_bracket(const char *c)
{
        size_t n = strlen(c);
        const char *p;

        if (n < 2 || c[0] != '[' || c[n - 1] != ']')
                return false;
        for (p = c + 1; p < c + n - 1;) {
                size_t len, k, eq;
                bool known = false;

                while (p < c + n - 1 && blank(*p))
                        p++;
                if (p >= c + n - 1)
                        break;
                len = strcspn(p, " \t]");
                eq = strcspn(p, "=");
                if (eq >= len || !valid_action(p + eq + 1, len - eq - 1))
                        return false;
                for (k = 0; k < ARRAY_SIZE(pam_returns); k++)
                        known = known || (strlen(pam_returns[k]) == eq && strncasecmp(p, pam_returns[k], eq) == 0);
                if (!known)
                        return false;
                p += len;
        }
        return true;
}

const char *pam_control_action(const char *control, const char *value, char *buf, size_t size)
{
        static const struct { const char *name, *success, *other; } words[] = {
                { "required", "ok", "bad" },      { "requisite", "ok", "die" },   { "sufficient", "done", "ignore" },
                { "optional", "ok", "ignore" },   { "include", "ok", "bad" },     { "substack", "ok", "bad" },
        };
        const char *p, *found = NULL, *def = NULL;
        size_t k, vl = strlen(value);

        for (k = 0; k < ARRAY_SIZE(words); k++)
                if (strcasecmp(control, words[k].name) == 0) {
                        snprintf(buf, size, "%s",
                                 strcmp(value, "success") == 0 || strcmp(value, "new_authtok_reqd") == 0 ?
                                         words[k].success :
                                 strcmp(value, "ignore") == 0 && k < 2 ? "ignore" : words[k].other);
                        return buf;
                }
        for (p = control[0] == '[' ? control + 1 : control; *p;) {
                size_t len = strcspn(p, " \t]"), eq = strcspn(p, "=");

                if (len == 0) {
                        p++;
                        continue;
                }
                if (eq < len && eq == vl && strncasecmp(p, value, vl) == 0)
                        found = p + eq + 1;
                if (eq < len && eq == 7 && strncasecmp(p, "default", 7) == 0)
                        def = p + eq + 1;
                p += len;
        }
        if (!found)
                found = def;
        if (!found)
                snprintf(buf, size, "bad");
        else
                snprintf(buf, size, "%.*s", (int) strcspn(found, " \t]"), found);
        return buf;
}

static int fail(char **error, unsigned line, const char *what, const char *tok)
{
        int n = tok ? (int) printable_word(tok, 32) : 0;

        if (!*error && asprintf(error, "line %u: %s%s%.*s%s", line, what, n ? " '" : "", n, tok ? tok : "",
                                n ? "'" : "") < 0)
                *error = NULL;
        return -EBADMSG;
}

static int parse_line(struct pam_file *f, const char *text, unsigned line, bool conf, char **error)
{
        static const char *const types[] = { "auth", "account", "session", "password" };
        static const char *const controls[] = { "required", "requisite", "sufficient", "optional", "include",
                                                "substack" };
        _cleanup_(freep) char *service = NULL, *type = NULL;
        struct pam_entry e = { .line = line }, *v;
        const char *p = text;
        bool unterminated = false;
        char *t, *tp;
        size_t k;

        if (conf && !(service = token(&p, false, &unterminated)))
                return -ENOMEM;
        if (!(type = token(&p, false, &unterminated)))
                return conf ? fail(error, line, "a service without a type", NULL) : -ENOMEM;
        if (f->n >= PAM_MAX_ENTRIES) {
                fail(error, line, "too many lines", NULL);
                return -E2BIG;
        }
        v = realloc(f->v, (f->n + 1) * sizeof(*v));
        if (!v)
                return -ENOMEM;
        f->v = v;
        if (strcmp(type, "@include") == 0) {
                e.at_include = true;
                if (!(e.module = token(&p, false, &unterminated)))
                        return fail(error, line, "@include without a file", NULL);
        } else {
                tp = type;
                if (*tp == '-') {
                        e.silent = true;
                        tp++;
                }
                for (k = 0; k < ARRAY_SIZE(types); k++)
                        if (strcasecmp(tp, types[k]) == 0)
                                break;
                if (k == ARRAY_SIZE(types))
                        return fail(error, line, "unknown type", type);
                e.type = strdup(types[k]);
                if (!e.type)
                        return -ENOMEM;
                t = token(&p, true, &unterminated);
                if (!t || unterminated) {
                        free(t);
                        free(e.type);
                        return fail(error, line, t ? "unterminated [...] control" : "no control", NULL);
                }
                e.control = t;
                if (t[0] == '[') {
                        if (!valid_bracket(t)) {
                                free(e.type);
                                free(e.control);
                                return fail(error, line, "bad [...] control", NULL);
                        }
                } else {
                        for (k = 0; k < ARRAY_SIZE(controls); k++)
                                if (strcasecmp(t, controls[k]) == 0)
                                        break;
                        if (k == ARRAY_SIZE(controls)) {
                                int r = fail(error, line, "unknown control", t);

                                free(e.type);
                                free(e.control);
                                return r;
                        }
                        for (tp = t; *tp; tp++)
                                *tp = (char) tolower((unsigned char) *tp);
                }
                e.module = token(&p, false, &unterminated);
                if (!e.module) {
                        free(e.type);
                        free(e.control);
                        return fail(error, line, "no module", NULL);
                }
        }
        v = &f->v[f->n++];
        *v = e;
        v->service = TAKE_PTR(service);
        while ((t = token(&p, true, &unterminated))) {
                int r = v->args.n >= PAM_MAX_ARGS ? -E2BIG : strv_push(&v->args, t);

                free(t);
                if (r == -E2BIG) {
                        fail(error, line, "too many arguments", NULL);
                        return r;
                }
                if (r < 0)
                        return -ENOMEM;
        }
        while (blank(*p))
                p++;
        if (*p)
                return -ENOMEM;         /* token() ran out of memory */
        return 0;
}

int pam_parse(const char *buf, size_t len, bool conf, struct pam_file **ret, char **ret_error)
{
        _cleanup_(pam_file_freep) struct pam_file *f = calloc(1, sizeof(*f));
        _cleanup_(line_join_release) struct line_join lj = { 0 };
        _cleanup_(freep) char *error = NULL;
        size_t pos = 0;
        unsigned lineno = 0;
        int r;

        if (!f)
                return -ENOMEM;
        r = line_join_init(&lj, len, PAM_MAX_BYTES, PAM_MAX_LINE, ret_error);
        if (r < 0)
                return r;
        for (;;) {
                _cleanup_(freep) char *p = NULL;
                const char *hash;
                size_t n = 0, i;

                r = line_next(buf, len, &pos, &p, &n);
                lineno++;
                if (r == 0)
                        break;
                if (r == -EBADMSG && asprintf(&error, "line %u: a control character (binary data?)", lineno) < 0)
                        error = NULL;
                if (r < 0)
                        goto failed;
                /* a '#' ends the text wherever it stands, and a commented line does not go on */
                hash = strchr(p, '#');
                r = line_join_add(&lj, p, hash ? (size_t) (hash - p) : n, !hash, lineno);
                if (r == -E2BIG && asprintf(&error, "line %u: a line longer than %d bytes", lj.start, PAM_MAX_LINE) < 0)
                        error = NULL;
                if (r < 0)
                        goto failed;
                if (r == 0)
                        continue;
                for (i = 0; blank(lj.text[i]); i++)
                        ;
                if (!lj.text[i])
                        continue;
                r = parse_line(f, lj.text, lj.start, conf, &error);
                if (r < 0)
                        goto failed;
        }
        if (lj.continued) {     /* libpam takes what it has */
                for (pos = 0; blank(lj.text[pos]); pos++)
                        ;
                if (lj.text[pos]) {
                        r = parse_line(f, lj.text, lj.start, conf, &error);
                        if (r < 0)
                                goto failed;
                }
        }
        *ret = TAKE_PTR(f);
        return 0;
failed:
        if (r != -ENOMEM && ret_error)
                *ret_error = TAKE_PTR(error);
        return r;
}
