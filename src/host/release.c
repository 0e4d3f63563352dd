/* os-release / extension-release parsing and systemd's compatibility rule;
 * see release.h. */
#define _GNU_SOURCE
#include "release.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

struct os_release *os_release_free(struct os_release *r)
{
        size_t i;

        if (!r)
                return NULL;
        for (i = 0; i < r->n; i++) {
                free(r->v[i].key);
                free(r->v[i].value);
        }
        free(r->v);
        free(r);
        return NULL;
}

static bool key_char(char c)
{
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* The value of one line (after '='): quotes removed, escapes in double
 * quotes resolved. Returns a heap string or NULL (ENOMEM). */
static char *unquote(const char *s, size_t n)
{
        char *out = malloc(n + 1), *o = out;
        char q = 0;
        size_t i;

        if (!out)
                return NULL;
        for (i = 0; i < n; i++) {
                char c = s[i];

                if (!q && (c == '"' || c == '\'')) {
                        q = c;
                } else if (q && c == q) {
                        q = 0;
                } else if (q != '\'' && c == '\\' && i + 1 < n) {
                        *o++ = s[++i];
                } else if (!q && c == '#' && (o == out || o[-1] == ' ' || o[-1] == '\t')) {
                        break;
                } else {
                        *o++ = c;
                }
        }
        while (o > out && !q && (o[-1] == ' ' || o[-1] == '\t' || o[-1] == '\r'))
                o--;
        *o = 0;
        return out;
}

int os_release_parse(const char *buf, size_t len, struct os_release **ret)
{
        _cleanup_(os_release_freep) struct os_release *r = NULL;
        const char *p = buf, *end = buf + len;

        if (len > RELEASE_MAX_BYTES)
                return -E2BIG;
        r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t) (end - p)), *le = nl ? nl : end, *k = p, *eq;
                struct release_field *v;

                p = nl ? nl + 1 : end;
                while (k < le && (*k == ' ' || *k == '\t'))
                        k++;
                if (k == le || *k == '#')
                        continue;
                for (eq = k; eq < le && key_char(*eq); eq++)
                        ;
                if (eq == k || eq == le || *eq != '=')
                        continue;       /* not KEY=VALUE: systemd skips it too */
                if (r->n >= RELEASE_MAX_FIELDS)
                        return -E2BIG;
                v = realloc(r->v, (r->n + 1) * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                r->v = v;
                v = &r->v[r->n];
                v->key = strndup(k, (size_t) (eq - k));
                v->value = unquote(eq + 1, (size_t) (le - eq - 1));
                if (!v->key || !v->value) {
                        free(v->key);
                        free(v->value);
                        return -ENOMEM;
                }
                r->n++;
        }
        *ret = TAKE_PTR(r);
        return 0;
}

const char *os_release_get(const struct os_release *r, const char *key)
{
        size_t i;

        for (i = r ? r->n : 0; i > 0; i--)
                if (strcmp(r->v[i - 1].key, key) == 0)
                        return r->v[i - 1].value;
        return NULL;
}

static bool empty(const char *s)
{
        return !s || !*s;
}

/* Whether the whitespace-separated list s holds word. */
static bool list_has(const char *s, const char *word)
{
        size_t n = strlen(word);

        while (*s) {
                size_t k;

                s += strspn(s, " \t");
                k = strcspn(s, " \t");
                if (k == n && strncmp(s, word, n) == 0)
                        return true;
                s += k;
        }
        return false;
}

/* The order follows systemd: scope first (an extension for another scope is
 * skipped whatever its ID), then ARCHITECTURE (v254 and later; v252 does not
 * read it), ID (_any matches every host and ends the check), then the level
 * when both sides have one, else VERSION_ID when the host has one. A host
 * without VERSION_ID and level (a rolling release) matches on ID alone. */
enum release_verdict release_validate(const struct os_release *ext, const struct os_release *host, bool confext,
                                      const char *scope, const char *arch, char *reason, size_t reason_size)
{
        const char *level_key = confext ? "CONFEXT_LEVEL" : "SYSEXT_LEVEL";
        const char *scope_key = confext ? "CONFEXT_SCOPE" : "SYSEXT_SCOPE";
        const char *s, *id, *host_id, *host_level, *host_version, *level, *version;

        reason[0] = 0;
        s = os_release_get(ext, scope_key);
        if (scope && s && !list_has(s, scope)) {
                snprintf(reason, reason_size, "%s=%s does not include %s", scope_key, s, scope);
                return RELEASE_SCOPE_MISMATCH;
        }
        s = os_release_get(ext, "ARCHITECTURE");
        if (!empty(s) && strcmp(s, "_any") != 0 && arch && strcmp(s, arch) != 0) {
                snprintf(reason, reason_size, "ARCHITECTURE=%s, the host is %s", s, arch);
                return RELEASE_ARCH_MISMATCH;
        }
        id = os_release_get(ext, "ID");
        host_id = os_release_get(host, "ID");
        if (empty(id)) {
                snprintf(reason, reason_size, "no ID= (the host's is %s)", host_id ?: "unset");
                return RELEASE_NO_ID;
        }
        if (strcmp(id, "_any") == 0) {
                snprintf(reason, reason_size, "ID=_any");
                return RELEASE_COMPATIBLE;
        }
        if (!host_id || strcmp(id, host_id) != 0) {
                snprintf(reason, reason_size, "ID=%s, the host's is %s", id, host_id ?: "unset");
                return RELEASE_ID_MISMATCH;
        }
        host_level = os_release_get(host, level_key);
        host_version = os_release_get(host, "VERSION_ID");
        if (empty(host_level) && empty(host_version)) {
                snprintf(reason, reason_size, "ID=%s; the host has no VERSION_ID or %s", id, level_key);
                return RELEASE_COMPATIBLE;
        }
        level = os_release_get(ext, level_key);
        if (!empty(host_level) && !empty(level)) {
                snprintf(reason, reason_size, "%s=%s, the host's is %s", level_key, level, host_level);
                return strcmp(level, host_level) == 0 ? RELEASE_COMPATIBLE : RELEASE_LEVEL_MISMATCH;
        }
        if (!empty(host_version)) {
                version = os_release_get(ext, "VERSION_ID");
                if (!version) {
                        snprintf(reason, reason_size, "no VERSION_ID= or %s= (the host's VERSION_ID is %s)",
                                 level_key, host_version);
                        return RELEASE_NO_VERSION;
                }
                snprintf(reason, reason_size, "VERSION_ID=%s, the host's is %s", version, host_version);
                return strcmp(version, host_version) == 0 ? RELEASE_COMPATIBLE : RELEASE_VERSION_MISMATCH;
        }
        snprintf(reason, reason_size, "ID=%s", id);
        return RELEASE_COMPATIBLE;
}

const char *release_verdict_name(enum release_verdict v)
{
        static const char *const names[] = {
                [RELEASE_COMPATIBLE] = "compatible",
                [RELEASE_SCOPE_MISMATCH] = "scope-mismatch",
                [RELEASE_ARCH_MISMATCH] = "architecture-mismatch",
                [RELEASE_NO_ID] = "no-id",
                [RELEASE_ID_MISMATCH] = "id-mismatch",
                [RELEASE_LEVEL_MISMATCH] = "level-mismatch",
                [RELEASE_NO_VERSION] = "no-version",
                [RELEASE_VERSION_MISMATCH] = "version-mismatch",
        };

        return (size_t) v < ARRAY_SIZE(names) ? names[v] : "unknown";
}

const char *release_native_architecture(void)
{
        static const struct { const char *machine, *name; } map[] = {
                { "x86_64", "x86-64" }, { "aarch64", "arm64" }, { "i686", "x86" }, { "i586", "x86" },
                { "i386", "x86" }, { "riscv64", "riscv64" }, { "ppc64le", "ppc64-le" }, { "ppc64", "ppc64" },
                { "s390x", "s390x" }, { "loongarch64", "loongarch64" }, { "armv7l", "arm" },
        };
        static struct utsname u;
        size_t i;

        if (uname(&u) < 0)
                return NULL;
        for (i = 0; i < ARRAY_SIZE(map); i++)
                if (strcmp(u.machine, map[i].machine) == 0)
                        return map[i].name;
        return u.machine;
}
