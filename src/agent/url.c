/* Output URLs; see url.h. */
#define _GNU_SOURCE
#include "agent/url.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/hex.h"
#include "basic/macros.h"

static int bad(const char **ret_reason, const char *why)
{
        if (ret_reason)
                *ret_reason = why;
        return -EINVAL;
}

/* Decodes %XX in place; -EINVAL for a bad escape or a NUL. */
static int unescape(char *s)
{
        char *w = s;

        for (char *p = s; *p; p++) {
                if (*p == '%') {
                        int hi = hex_digit(p[1]), lo = hi < 0 ? -1 : hex_digit(p[2]);

                        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                                return -EINVAL;
                        *w++ = (char) (hi << 4 | lo);
                        p += 2;
                } else
                        *w++ = *p;
        }
        *w = '\0';
        return 0;
}

void url_release(struct url *u)
{
        free(u->buf);
        free(u->path_buf);
        *u = (struct url) { 0 };
}

int url_parse(const char *s, struct url *ret, const char **ret_reason)
{
        struct url u = { 0 };
        const char *colon;
        char *rest, *query, *save = NULL, *kv;
        size_t n;

        if (strlen(s) > URL_MAX)
                return bad(ret_reason, "longer than 4096 bytes");
        colon = strchr(s, ':');
        n = colon ? (size_t) (colon - s) : 0;
        if (!colon || n == 0 || n >= sizeof(u.scheme))
                return bad(ret_reason, "no scheme (SCHEME:...)");
        for (size_t i = 0; i < n; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '-' ||
                      s[i] == '.'))
                        return bad(ret_reason, "a scheme of other characters than a-z 0-9 + - .");
        memcpy(u.scheme, s, n);
        u.buf = strdup(colon + 1);
        if (!u.buf)
                return -ENOMEM;
        rest = u.buf;
        query = strchr(rest, '?');
        if (query)
                *query++ = '\0';
        if (strncmp(rest, "//", 2) == 0) {
                char *auth = rest + 2, *slash = strchr(auth, '/'), *port = NULL, *end;
                size_t hl;

                /* the path keeps its '/', in a copy of its own: the authority ends before it */
                u.path_buf = strdup(slash ? slash : "");
                if (!u.path_buf) {
                        url_release(&u);
                        return -ENOMEM;
                }
                u.path = u.path_buf;
                if (slash)
                        *slash = '\0';
                if (auth[0] == '[') {
                        char *close = strchr(auth, ']');

                        if (!close)
                                goto fail_host;
                        *close = '\0';
                        auth++;
                        if (close[1] == ':')
                                port = close + 2;
                        else if (close[1])
                                goto fail_host;
                } else {
                        port = strrchr(auth, ':');
                        if (port)
                                *port++ = '\0';
                }
                hl = strlen(auth);
                if (hl == 0 || hl >= sizeof(u.host) || strpbrk(auth, "@ \t"))
                        goto fail_host;
                memcpy(u.host, auth, hl + 1);
                if (port) {
                        unsigned long p;

                        errno = 0;
                        p = strtoul(port, &end, 10);
                        if (errno || !*port || *end || p == 0 || p > 65535) {
                                url_release(&u);
                                return bad(ret_reason, "a port that is not a number from 1 to 65535");
                        }
                        u.port = (unsigned) p;
                }
        } else
                u.path = rest;
        for (kv = query ? strtok_r(query, "&", &save) : NULL; kv; kv = strtok_r(NULL, "&", &save)) {
                char *eq = strchr(kv, '=');

                if (u.n_params >= URL_MAX_PARAMS) {
                        url_release(&u);
                        return bad(ret_reason, "more than 16 query parameters");
                }
                if (eq)
                        *eq++ = '\0';
                if (!*kv || unescape(kv) < 0 || (eq && unescape(eq) < 0)) {
                        url_release(&u);
                        return bad(ret_reason, "a malformed query parameter");
                }
                u.params[2 * u.n_params] = kv;
                u.params[2 * u.n_params + 1] = eq ? eq : kv + strlen(kv);
                u.n_params++;
        }
        if (unescape(u.path) < 0) {
                url_release(&u);
                return bad(ret_reason, "a malformed path");
        }
        *ret = u;
        return 0;
fail_host:
        url_release(&u);
        return bad(ret_reason, "a malformed host");
}

const char *url_param(const struct url *u, const char *key)
{
        for (size_t i = 0; i < u->n_params; i++)
                if (strcmp(u->params[2 * i], key) == 0)
                        return u->params[2 * i + 1];
        return NULL;
}

const char *url_unknown_param(const struct url *u, const char *const *known)
{
        for (size_t i = 0; i < u->n_params; i++) {
                const char *const *k;

                for (k = known; *k && strcmp(*k, u->params[2 * i]) != 0; k++)
                        ;
                if (!*k)
                        return u->params[2 * i];
        }
        return NULL;
}

int url_param_uint(const struct url *u, const char *key, unsigned min, unsigned max, unsigned *ret)
{
        const char *v = url_param(u, key);
        unsigned long n;
        char *end;

        if (!v)
                return 0;
        errno = 0;
        n = strtoul(v, &end, 10);
        if (!*v || *v < '0' || *v > '9' || *end || errno || n < min || n > max)
                return -EINVAL;
        *ret = (unsigned) n;
        return 1;
}

void url_redact(const char *url, char *out, size_t n)
{
        size_t k = strcspn(url, "?");

        snprintf(out, n, "%.*s", (int) (k < 400 ? k : 400), url);
}

/* The query parameters whose values are secrets (output-http.c's). */
static bool secret_key(const char *k, size_t n)
{
        return (n == 5 && memcmp(k, "token", 5) == 0) || (n == 8 && memcmp(k, "password", 8) == 0);
}

/* Appends p[0..len) to out (n bytes, *used of them taken), cut at the end. */
static void append(char *out, size_t n, size_t *used, const char *p, size_t len)
{
        size_t k = MIN(len, n - 1 - *used);

        memcpy(out + *used, p, k);
        *used += k;
        out[*used] = '\0';
}

void url_redact_in(const char *text, const char *url, char *out, size_t n)
{
        size_t base = strcspn(url, "?"), used = 0;
        const char *p = text;

        if (n == 0)
                return;
        out[0] = '\0';
        for (;;) {
                /* the URL to its '?', then its query to a space or a quote (what a
                 * reason cut short kept of it too) */
                const char *hit = url[base] == '?' ? memmem(p, strlen(p), url, base + 1) : NULL;
                const char *q, *end;

                if (!hit) {
                        append(out, n, &used, p, strlen(p));
                        return;
                }
                q = hit + base + 1;
                append(out, n, &used, p, (size_t) (q - p));
                end = q + strcspn(q, " '\"\t\n");
                while (q < end) {
                        const char *amp = memchr(q, '&', (size_t) (end - q)) ?: end;
                        const char *eq = memchr(q, '=', (size_t) (amp - q));

                        if (eq && secret_key(q, (size_t) (eq - q))) {
                                append(out, n, &used, q, (size_t) (eq + 1 - q));
                                append(out, n, &used, "***", 3);
                        } else
                                append(out, n, &used, q, (size_t) (amp - q));
                        if (amp < end)
                                append(out, n, &used, "&", 1);
                        q = amp + (amp < end);
                }
                p = end;
        }
}
