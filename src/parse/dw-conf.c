/* driftwatch.conf: the syntax check over the key file reader; see dw-conf.h. */
#define _GNU_SOURCE
#include "dw-conf.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/escape.h"

const struct dw_conf_key dw_conf_keys[] = {
        { "state-dir", "scan status mounts agent" },    /* status and mounts: --state DIR/state.db */
        { "rules", NULL },
        { "rules-dir", NULL },
        { "quiet", NULL },
        { "allowlist", "scan etc-diff posture" },
        { "approved", "scan check inventory" },
        { "format", NULL },
        { "fail-on", NULL },
        { "min-severity", NULL },
        { "verbose", NULL },
        { "color", NULL },
        { "threads", NULL },
        { "passwd", "audit" },
        { "outputs", "" },
        { "rule-reference-base", "" },  /* rule.reference: the URL of a copy of docs/rules.md */
        { NULL, NULL },
};

static const struct dw_conf_key *find_key(const char *key)
{
        const struct dw_conf_key *k;

        for (k = dw_conf_keys; k->key; k++)
                if (strcmp(k->key, key) == 0)
                        return k;
        return NULL;
}

bool dw_conf_applies(const char *key, const char *command)
{
        const struct dw_conf_key *k = find_key(key);
        size_t len = strlen(command);
        const char *p;

        if (!k)
                return false;
        if (!k->commands)
                return true;
        for (p = k->commands; (p = strstr(p, command)); p += len)
                if ((p == k->commands || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0'))
                        return true;
        return false;
}

struct dw_conf *dw_conf_free(struct dw_conf *c)
{
        if (!c)
                return NULL;
        keyfile_free(c->kf);
        free(c->outputs_buf);
        free(c);
        return NULL;
}

/* A name as options and commands spell them: lowercase words joined by '-'. */
static bool is_name(const char *s, size_t n)
{
        size_t i;

        if (n == 0 || n > 64 || s[0] == '-' || s[n - 1] == '-')
                return false;
        for (i = 0; i < n; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
                        return false;
        return true;
}

/* "scan", "etc-diff" or "baseline create". */
static bool is_group(const char *g)
{
        const char *sp = strchr(g, ' ');

        if (!sp)
                return is_name(g, strlen(g));
        return is_name(g, (size_t) (sp - g)) && is_name(sp + 1, strlen(sp + 1));
}

static int fail(char **ret_error, unsigned line, const char *what, const char *value)
{
        _cleanup_(freep) char *e = NULL;

        (void) escape_text_alloc(value, &e);
        if (ret_error && asprintf(ret_error, "line %u: %s '%s'", line, what, e ?: "?") < 0)
                *ret_error = NULL;
        return -EBADMSG;
}

/* The agent's network outputs: a scheme it ships to, then "//" and a host. */
static bool is_output_url(const char *w)
{
        static const char *const schemes[] = { "syslog+tcp://", "syslog+tls://", "relp://", "https://", NULL };

        for (const char *const *s = schemes; *s; s++)
                if (strncmp(w, *s, strlen(*s)) == 0 && w[strlen(*s)] && w[strlen(*s)] != '/')
                        return true;
        return false;
}

/* outputs = file:/var/log/driftwatch/findings.jsonl; syslog+tls://siem:6514?ca=/etc/pki/ca.pem; journal */
static int parse_outputs(struct dw_conf *c, const struct keyfile_entry *e, char **ret_error)
{
        char *save = NULL, *w;

        c->outputs_buf = strdup(e->value);
        if (!c->outputs_buf)
                return -ENOMEM;
        for (w = strtok_r(c->outputs_buf, ";", &save); w; w = strtok_r(NULL, ";", &save)) {
                struct dw_conf_output o = { 0 };
                char *end;

                while (*w == ' ' || *w == '\t')
                        w++;
                for (end = w + strlen(w); end > w && (end[-1] == ' ' || end[-1] == '\t'); end--)
                        ;
                *end = '\0';
                if (!*w)
                        continue;
                if (strcmp(w, "syslog") == 0)
                        o.kind = DW_OUTPUT_SYSLOG;
                else if (strcmp(w, "journal") == 0)
                        o.kind = DW_OUTPUT_JOURNAL;
                else if (strcmp(w, "journal:") == 0)
                        o.kind = DW_OUTPUT_JOURNAL;
                else if (strncmp(w, "file:/", 6) == 0)
                        o = (struct dw_conf_output) { .kind = DW_OUTPUT_FILE, .path = w + 5 };
                else if (is_output_url(w))
                        o = (struct dw_conf_output) { .kind = DW_OUTPUT_URL, .path = w };
                else
                        return fail(ret_error, e->line, "unknown output (file:/PATH, syslog+tcp://HOST:PORT, "
                                    "syslog+tls://HOST:PORT, relp://HOST:PORT, https://HOST/..., journal)", w);
                if (c->n_outputs >= DW_CONF_MAX_OUTPUTS) {
                        if (ret_error && asprintf(ret_error, "line %u: more than %d outputs", e->line,
                                                  DW_CONF_MAX_OUTPUTS) < 0)
                                *ret_error = NULL;
                        return -E2BIG;
                }
                c->outputs[c->n_outputs++] = o;
        }
        return 0;
}

/* A URL rule.reference can put "#<id>" after: scheme "://" rest, no
 * whitespace and no fragment of its own. */
static bool is_url(const char *s)
{
        const char *sep = strstr(s, "://");
        const char *p;

        if (!sep || sep == s || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')) || !sep[3])
                return false;
        for (p = s; p < sep; p++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-", *p))
                        return false;
        return !strpbrk(s, " \t#");
}

int dw_conf_parse(const char *buf, size_t len, struct dw_conf **ret, char **ret_error)
{
        _cleanup_(dw_conf_freep) struct dw_conf *c = calloc(1, sizeof(*c));
        size_t i;
        int r;

        if (!c)
                return -ENOMEM;
        r = keyfile_parse(buf, len, &c->kf, ret_error);
        if (r < 0)
                return r;
        for (i = 0; i < c->kf->n; i++) {
                const struct keyfile_entry *e = &c->kf->v[i];
                bool global = strcmp(e->group, DW_CONF_GROUP) == 0;

                if (!is_group(e->group))
                        return fail(ret_error, e->line, "not a command's name: group", e->group);
                if (!is_name(e->key, strlen(e->key)))
                        return fail(ret_error, e->line, "not an option's name: key", e->key);
                if (global && !find_key(e->key))
                        return fail(ret_error, e->line, "unknown key in [" DW_CONF_GROUP "]:", e->key);
                if (!global && strcmp(e->key, "outputs") == 0)
                        return fail(ret_error, e->line, "outputs belong in [" DW_CONF_GROUP "], not in", e->group);
                if (strlen(e->value) > DW_CONF_MAX_VALUE) {
                        if (ret_error && asprintf(ret_error, "line %u: a value longer than %d bytes", e->line,
                                                  DW_CONF_MAX_VALUE) < 0)
                                *ret_error = NULL;
                        return -E2BIG;
                }
                if (has_control(e->value, strlen(e->value)))
                        return fail(ret_error, e->line, "a control character in the value of", e->key);
                if (global && strcmp(e->key, "rule-reference-base") == 0 && !is_url(e->value))
                        return fail(ret_error, e->line, "rule-reference-base is not a URL (scheme://..., no '#', no spaces):",
                                    e->value);
                if (global && strcmp(e->key, "outputs") == 0) {
                        r = parse_outputs(c, e, ret_error);
                        if (r < 0)
                                return r;
                }
        }
        *ret = TAKE_PTR(c);
        return 0;
}
