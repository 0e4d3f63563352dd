/* Output URLs taken apart; see output-url.h. */
#define _GNU_SOURCE
#include "agent/output-url.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/hex.h"

void agent_url_release(struct agent_url *u)
{
        if (!u)
                return;
        free(u->scheme);
        free(u->user);
        free(u->password);
        free(u->host);
        free(u->port);
        free(u->path);
        for (size_t i = 0; i < u->n_query; i++) {
                free(u->query[i].key);
                free(u->query[i].value);
        }
        free(u->query);
        *u = (struct agent_url) { 0 };
}

static void agent_url_releasep(struct agent_url *u)
{
        agent_url_release(u);
}

/* s[0..n) with %XX decoded (and '+' as is: these are not form fields); NULL
 * out of memory or on a bad escape or a decoded NUL (*ret_bad set then). */
static char *decode(const char *s, size_t n, bool *ret_bad)
{
        char *out = malloc(n + 1), *p = out;

        *ret_bad = false;
        if (!out)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                if (s[i] != '%') {
                        *p++ = s[i];
                        continue;
                }
                int hi = i + 2 < n ? hex_digit(s[i + 1]) : -1, lo = i + 2 < n ? hex_digit(s[i + 2]) : -1;
                if (hi >= 0 && lo >= 0 && (hi | lo)) {
                        *p++ = (char) (hi << 4 | lo);
                        i += 2;
                        continue;
                }
                free(out);
                *ret_bad = true;
                return NULL;
        }
        *p = '\0';
        return out;
}

/* What an error message quotes: the URL up to its userinfo or query, which
 * may hold a password or a token. */
static int url_error(struct dw_error *e, int r, const char *url, const char *what)
{
        size_t n = strcspn(url, "?");
        const char *at = memchr(url, '@', n), *start = strstr(url, "://");

        if (at && start && start < at)
                return dw_error_set(e, r, NULL, "invalid output URL '%.*s...%.*s': %s", (int) (start + 3 - url),
                                    url, (int) (n - (size_t) (at - url)), at, what);
        return dw_error_set(e, r, NULL, "invalid output URL '%.*s': %s", (int) n, url, what);
}

static int parse_query(const char *q, struct agent_url *u, const char *url, struct dw_error *e)
{
        while (*q) {
                size_t n = strcspn(q, "&"), k = strcspn(q, "=");
                bool bad = false;

                if (n == 0) {
                        q++;
                        continue;
                }
                if (u->n_query >= AGENT_URL_QUERY_MAX)
                        return url_error(e, -E2BIG, url, "more than 32 options in its query");
                if (k > n)
                        k = n;
                if (k == 0)
                        return url_error(e, -EINVAL, url, "an option without a name in its query");
                struct agent_url_option *o = reallocarray(u->query, u->n_query + 1, sizeof(*o));
                if (!o)
                        return -ENOMEM;
                u->query = o;
                o = &u->query[u->n_query];
                *o = (struct agent_url_option) { 0 };
                o->key = decode(q, k, &bad);
                if (o->key)
                        o->value = k < n ? decode(q + k + 1, n - k - 1, &bad) : strdup("");
                if (!o->key || !o->value) {
                        free(o->key);
                        free(o->value);
                        return bad ? url_error(e, -EINVAL, url, "a bad %-escape in its query") : -ENOMEM;
                }
                for (size_t i = 0; i < u->n_query; i++)
                        if (strcmp(u->query[i].key, o->key) == 0) {
                                char *key = o->key;
                                free(o->value);
                                int r = dw_error_set(e, -EINVAL, NULL, "option '%s' given twice in output URL", key);
                                free(key);
                                return r;
                        }
                u->n_query++;
                q += n;
        }
        return 0;
}

int agent_url_parse(const char *url, struct agent_url *ret, struct dw_error *e)
{
        _cleanup_(agent_url_releasep) struct agent_url u = { 0 };
        const char *p, *auth, *auth_end, *host_end, *hp;
        bool bad = false;
        int r;

        if (strlen(url) > AGENT_URL_MAX)
                return url_error(e, -E2BIG, url, "longer than 4096 bytes");
        p = strstr(url, "://");
        if (!p || p == url)
                return url_error(e, -EINVAL, url, "expected scheme://host");
        for (const char *s = url; s < p; s++)
                if (!isalnum((unsigned char) *s) && *s != '+' && *s != '-' && *s != '.')
                        return url_error(e, -EINVAL, url, "a bad character in its scheme");
        for (const char *s = url; *s; s++)
                if ((unsigned char) *s <= ' ' || *s == 0x7f)
                        return url_error(e, -EINVAL, url, "a space or control character");
        u.scheme = strndup(url, (size_t) (p - url));
        if (!u.scheme)
                return -ENOMEM;

        auth = p + 3;
        auth_end = auth + strcspn(auth, "/?#");
        if (*auth_end == '#' || strchr(auth_end, '#'))
                return url_error(e, -EINVAL, url, "a fragment ('#')");
        hp = memrchr(auth, '@', (size_t) (auth_end - auth));
        if (hp) {
                const char *colon = memchr(auth, ':', (size_t) (hp - auth));
                u.user = decode(auth, (size_t) ((colon ? colon : hp) - auth), &bad);
                if (u.user && colon)
                        u.password = decode(colon + 1, (size_t) (hp - colon - 1), &bad);
                if (!u.user || (colon && !u.password))
                        return bad ? url_error(e, -EINVAL, url, "a bad %-escape in its user name or password")
                                   : -ENOMEM;
                hp++;
        } else
                hp = auth;

        if (*hp == '[') {
                host_end = memchr(hp, ']', (size_t) (auth_end - hp));
                if (!host_end || host_end == hp + 1)
                        return url_error(e, -EINVAL, url, "an unterminated IPv6 address");
                u.host = strndup(hp + 1, (size_t) (host_end - hp - 1));
                host_end++;
        } else {
                host_end = memchr(hp, ':', (size_t) (auth_end - hp));
                if (!host_end)
                        host_end = auth_end;
                u.host = strndup(hp, (size_t) (host_end - hp));
        }
        if (!u.host)
                return -ENOMEM;
        if (!u.host[0])
                return url_error(e, -EINVAL, url, "no host");
        if (host_end < auth_end) {
                size_t n = (size_t) (auth_end - host_end - 1);
                if (*host_end != ':' || n == 0 || n > 5 || strspn(host_end + 1, "0123456789") < n)
                        return url_error(e, -EINVAL, url, "a bad port");
                if (atoi(host_end + 1) < 1 || atoi(host_end + 1) > 65535)
                        return url_error(e, -EINVAL, url, "a port out of range");
                u.port = strndup(host_end + 1, n);
                if (!u.port)
                        return -ENOMEM;
        }

        p = auth_end + strcspn(auth_end, "?");
        u.path = strndup(auth_end, (size_t) (p - auth_end));
        if (!u.path)
                return -ENOMEM;
        if (*p == '?') {
                r = parse_query(p + 1, &u, url, e);
                if (r < 0)
                        return r;
        }
        *ret = u;
        u = (struct agent_url) { 0 };
        return 0;
}

const char *agent_url_option(const struct agent_url *u, const char *key)
{
        for (size_t i = 0; i < u->n_query; i++)
                if (strcmp(u->query[i].key, key) == 0)
                        return u->query[i].value;
        return NULL;
}

int agent_url_check_options(const struct agent_url *u, const char *const *allowed, const char *url,
                            struct dw_error *e)
{
        for (size_t i = 0; i < u->n_query; i++) {
                size_t j;
                for (j = 0; allowed[j]; j++)
                        if (strcmp(u->query[i].key, allowed[j]) == 0)
                                break;
                if (!allowed[j])
                        return dw_error_set(e, -EINVAL, NULL, "unknown option '%s' in %s output URL",
                                            u->query[i].key, u->scheme);
        }
        return 0;
}

int agent_url_option_uint(const struct agent_url *u, const char *key, unsigned def, unsigned min, unsigned max,
                          unsigned *ret, const char *url, struct dw_error *e)
{
        const char *v = agent_url_option(u, key);
        char *end;
        unsigned long n;

        if (!v) {
                *ret = def;
                return 0;
        }
        errno = 0;
        n = strtoul(v, &end, 10);
        if (!isdigit((unsigned char) v[0]) || *end || errno || n < min || n > max)
                return dw_error_set(e, -EINVAL, NULL, "option '%s' of %s output URL: '%s' is not a number in %u..%u",
                                    key, u->scheme, v, min, max);
        *ret = (unsigned) n;
        return 0;
}

int agent_url_option_bool(const struct agent_url *u, const char *key, int def, int *ret, const char *url,
                          struct dw_error *e)
{
        const char *v = agent_url_option(u, key);

        if (!v)
                *ret = def;
        else if (strcmp(v, "1") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "true") == 0)
                *ret = 1;
        else if (strcmp(v, "0") == 0 || strcmp(v, "no") == 0 || strcmp(v, "false") == 0)
                *ret = 0;
        else
                return dw_error_set(e, -EINVAL, NULL, "option '%s' of %s output URL: '%s' is not 1 or 0", key,
                                    u->scheme, v);
        return 0;
}
