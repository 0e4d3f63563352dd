/* Container image references; see reference.h. The grammar is distribution's
 * (reference/regexp.go), written out as small scanners rather than regular
 * expressions. */
#define _GNU_SOURCE
#include "reference.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macros.h"

static bool is_lower_alnum(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
        return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool is_word(char c)
{
        return is_alnum(c) || c == '_';
}

static bool is_hex_lower(char c)
{
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* path-component: [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)* */
static int check_path_component(const char *s, size_t n, const char **ret_reason)
{
        size_t i = 0;

        for (size_t k = 0; k < n; k++)
                if (s[k] >= 'A' && s[k] <= 'Z') {
                        *ret_reason = "the repository name must be lower case";
                        return -EINVAL;
                }
        for (;;) {
                size_t start = i;

                while (i < n && is_lower_alnum(s[i]))
                        i++;
                if (i == start)
                        break;
                if (i == n)
                        return 0;
                start = i;
                if (s[i] == '.')
                        i++;
                else if (s[i] == '_')
                        i += i + 1 < n && s[i + 1] == '_' ? 2 : 1;
                else
                        while (i < n && s[i] == '-')
                                i++;
                if (i == start)
                        break;
        }
        *ret_reason = "a repository path component is not [a-z0-9] words joined by '.', '_', '__' or '-'";
        return -EINVAL;
}

/* domain-component: [a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])? */
static bool domain_component_ok(const char *s, size_t n)
{
        if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
                return false;
        for (size_t i = 0; i < n; i++)
                if (!is_alnum(s[i]) && s[i] != '-')
                        return false;
        return true;
}

/* host [':' port]: host a domain name, an IPv4 address or [IPv6]. */
static int check_domain(const char *s, size_t n, const char **ret_reason)
{
        const char *colon;
        size_t host_len = n;

        if (n > 0 && s[0] == '[') {
                const char *close = memchr(s, ']', n);

                if (!close || close - s < 3)
                        goto bad;
                for (const char *p = s + 1; p < close; p++)
                        if (!(is_hex_lower(*p) || (*p >= 'A' && *p <= 'F') || *p == ':' || *p == '.'))
                                goto bad;
                host_len = (size_t) (close - s) + 1;
        } else {
                colon = memchr(s, ':', n);
                if (colon)
                        host_len = (size_t) (colon - s);
                for (size_t i = 0; i < host_len;) {
                        const char *dot = memchr(s + i, '.', host_len - i);
                        size_t c = dot ? (size_t) (dot - (s + i)) : host_len - i;

                        if (!domain_component_ok(s + i, c))
                                goto bad;
                        i += c + (dot ? 1 : 0);
                        if (dot && i == host_len)
                                goto bad;       /* a trailing '.' */
                }
                if (host_len == 0)
                        goto bad;
        }
        if (host_len < n) {
                if (s[host_len] != ':' || host_len + 1 == n || n - host_len - 1 > 5)
                        goto bad;
                for (size_t i = host_len + 1; i < n; i++)
                        if (s[i] < '0' || s[i] > '9')
                                goto bad;
        }
        return 0;
bad:
        *ret_reason = "the registry host is not a host name, an IP address or [IPv6], with an optional port";
        return -EINVAL;
}

int image_digest_check(const char *s, size_t len, const char **ret_reason)
{
        static const struct {
                const char *name;
                size_t hex;
        } algorithms[] = { { "sha256", 64 }, { "sha384", 96 }, { "sha512", 128 } };
        const char *colon = memchr(s, ':', len);
        size_t alg_len, hex_len;

        if (!colon) {
                *ret_reason = "the digest has no algorithm (ALGORITHM:HEX)";
                return -EINVAL;
        }
        alg_len = (size_t) (colon - s);
        hex_len = len - alg_len - 1;
        for (size_t i = 0; i < ARRAY_SIZE(algorithms); i++) {
                if (strlen(algorithms[i].name) != alg_len || memcmp(algorithms[i].name, s, alg_len) != 0)
                        continue;
                if (hex_len != algorithms[i].hex) {
                        *ret_reason = "the digest does not have the length of its algorithm";
                        return -EINVAL;
                }
                for (size_t k = 0; k < hex_len; k++)
                        if (!is_hex_lower(colon[1 + k])) {
                                *ret_reason = "the digest is not lower case hex";
                                return -EINVAL;
                        }
                return 0;
        }
        *ret_reason = "unsupported digest algorithm (sha256, sha384, sha512)";
        return -EINVAL;
}

void image_ref_release(struct image_ref *r)
{
        if (!r)
                return;
        free(r->name);
        free(r->tag);
        free(r->digest);
        free(r->string);
        *r = (struct image_ref) { 0 };
}

static bool all_hex64(const char *s, size_t n)
{
        if (n != 64)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!is_hex_lower(s[i]))
                        return false;
        return true;
}

int image_ref_parse(const char *s, size_t len, struct image_ref *ret, const char **ret_reason)
{
        _cleanup_(image_ref_release) struct image_ref r = { 0 };
        const char *at, *slash, *colon, *tag = NULL, *domain = NULL, *path;
        size_t name_len, tag_len = 0, domain_len = 0, path_len, digest_len;
        bool library;
        int k;

        if (len == 0) {
                *ret_reason = "an empty reference";
                return -EINVAL;
        }
        if (len > IMAGE_REF_MAX) {
                *ret_reason = "longer than 4096 bytes";
                return -EINVAL;
        }
        for (size_t i = 0; i < len; i++)
                if ((unsigned char) s[i] <= ' ' || (unsigned char) s[i] >= 0x7f) {
                        *ret_reason = "a space, control or non-ASCII character";
                        return -EINVAL;
                }
        if (all_hex64(s, len)) {
                *ret_reason = "a 64-digit hex string is an image id, not a repository name";
                return -EINVAL;
        }
        at = memchr(s, '@', len);
        name_len = at ? (size_t) (at - s) : len;
        digest_len = at ? len - name_len - 1 : 0;
        if (at) {
                k = image_digest_check(at + 1, digest_len, ret_reason);
                if (k < 0)
                        return k;
        }
        slash = memrchr(s, '/', name_len);
        colon = memrchr(slash ? slash : s, ':', name_len - (size_t) ((slash ? slash : s) - s));
        if (colon) {
                tag = colon + 1;
                tag_len = name_len - (size_t) (tag - s);
                name_len = (size_t) (colon - s);
                if (tag_len == 0 || tag_len > IMAGE_TAG_MAX || !is_word(tag[0])) {
                        *ret_reason = "the tag is not 1 to 128 of [A-Za-z0-9_.-], starting with no '.' or '-'";
                        return -EINVAL;
                }
                for (size_t i = 1; i < tag_len; i++)
                        if (!is_word(tag[i]) && tag[i] != '.' && tag[i] != '-') {
                                *ret_reason = "the tag is not 1 to 128 of [A-Za-z0-9_.-], starting with no '.' or '-'";
                                return -EINVAL;
                        }
        }
        if (name_len == 0) {
                *ret_reason = "no repository name";
                return -EINVAL;
        }
        /* splitDockerDomain: the first component is a registry host when it
         * has '.' or ':', is localhost, or is not all lower case. */
        slash = memchr(s, '/', name_len);
        if (slash) {
                size_t n = (size_t) (slash - s);
                bool upper = false;

                for (size_t i = 0; i < n; i++)
                        upper |= s[i] >= 'A' && s[i] <= 'Z';
                if (memchr(s, '.', n) || memchr(s, ':', n) || (n == 9 && memcmp(s, "localhost", 9) == 0) || upper) {
                        domain = s;
                        domain_len = n;
                }
        }
        if (domain) {
                k = check_domain(domain, domain_len, ret_reason);
                if (k < 0)
                        return k;
                path = domain + domain_len + 1;
        } else {
                path = s;
        }
        path_len = name_len - (size_t) (path - s);
        if (path_len == 0) {
                *ret_reason = "no repository path after the registry host";
                return -EINVAL;
        }
        for (size_t i = 0; i < path_len;) {
                const char *sl = memchr(path + i, '/', path_len - i);
                size_t c = sl ? (size_t) (sl - (path + i)) : path_len - i;

                k = check_path_component(path + i, c, ret_reason);
                if (k < 0)
                        return k;
                i += c + 1;
                if (sl && i == path_len) {
                        *ret_reason = "the repository name ends in '/'";
                        return -EINVAL;
                }
        }
        if (!domain || (domain_len == 15 && memcmp(domain, "index.docker.io", 15) == 0)) {
                domain = "docker.io";
                domain_len = 9;
        }
        library = domain_len == 9 && memcmp(domain, "docker.io", 9) == 0 && !memchr(path, '/', path_len);
        if (asprintf(&r.name, "%.*s/%s%.*s", (int) domain_len, domain, library ? "library/" : "", (int) path_len,
                     path) < 0) {
                r.name = NULL;
                return -ENOMEM;
        }
        if (strlen(r.name) > IMAGE_NAME_MAX) {
                *ret_reason = "the repository name is longer than 255 bytes";
                return -EINVAL;
        }
        r.domain_len = domain_len;
        if (tag)
                r.tag = strndup(tag, tag_len);
        else if (!at) {
                r.tag = strdup("latest");
                r.tag_default = true;
        }
        if ((tag || !at) && !r.tag)
                return -ENOMEM;
        if (at && !(r.digest = strndup(at + 1, digest_len)))
                return -ENOMEM;
        if (asprintf(&r.string, "%s%s%s%s%s", r.name, r.tag ? ":" : "", r.tag ?: "", r.digest ? "@" : "",
                     r.digest ?: "") < 0) {
                r.string = NULL;
                return -ENOMEM;
        }
        *ret = r;
        r = (struct image_ref) { 0 };
        return 0;
}

int image_id_parse(const char *s, struct image_ref *ret, const char **ret_reason)
{
        size_t len = strnlen(s, IMAGE_REF_MAX + 1);
        const char *p = s;
        int k;

        if (len > IMAGE_REF_MAX) {
                *ret_reason = "longer than 4096 bytes";
                return -EINVAL;
        }
        if (strncmp(p, "docker-pullable://", 18) == 0)
                p += 18;
        else if (strncmp(p, "docker://", 9) == 0)
                p += 9;
        if (!strchr(p, '@')) {
                /* A bare image id: the digest of the image's configuration. */
                k = image_digest_check(p, strlen(p), ret_reason);
                return k < 0 ? k : IMAGE_ID_IMAGE_ID;
        }
        k = image_ref_parse(p, strlen(p), ret, ret_reason);
        return k < 0 ? k : IMAGE_ID_REPO_DIGEST;
}

int container_id_split(const char *s, const char **ret_runtime, size_t *ret_runtime_len, const char **ret_id)
{
        const char *sep = strstr(s, "://");

        if (!sep || sep == s || !sep[3])
                return -EINVAL;
        *ret_runtime = s;
        *ret_runtime_len = (size_t) (sep - s);
        *ret_id = sep + 3;
        return 0;
}
