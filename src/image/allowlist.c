/* The /etc allowlist; see allowlist.h. */
#define _GNU_SOURCE
#include "allowlist.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/hex.h"
#include "basic/time-util.h"
#include "parse/yaml-load.h"
#include "report/finding.h"
#include "rules/rules.h"

struct allowlist *allowlist_free(struct allowlist *a)
{
        size_t i;

        if (!a)
                return NULL;
        for (i = 0; i < a->n; i++) {
                struct allow_entry *e = &a->v[i];

                free(e->path);
                free(e->owner);
                free(e->reason);
                free(e->ticket);
                free(e->expires);
        }
        free(a->v);
        free(a);
        return NULL;
}

static int parse_sha256(const char *s, uint8_t out[SHA256_LEN])
{
        size_t n = strlen(s);

        if (n != 2 * SHA256_LEN || !hex_valid(s, n, true))
                return -EINVAL;
        return hex_decode(s, n, out) < 0 ? -EINVAL : 0;
}

/* A date means the end of that day (UTC); anything longer is RFC 3339. */
static int parse_expiry(const char *s, int64_t *ret)
{
        char full[40];

        if (strlen(s) == 10) {
                snprintf(full, sizeof(full), "%sT23:59:59Z", s);
                return rfc3339_parse(full, strlen(full), ret);
        }
        return rfc3339_parse(s, strlen(s), ret);
}

static int entry_field(struct yaml_loader *l, const char *key, yaml_node_t *v, void *item)
{
        struct allow_entry *e = item;
        _cleanup_(freep) char *hash = NULL;
        int r;

        if (strcmp(key, "path") == 0)
                return yaml_get_string(l, v, "path", &e->path);
        if (strcmp(key, "owner") == 0)
                return yaml_get_string(l, v, "owner", &e->owner);
        if (strcmp(key, "reason") == 0)
                return yaml_get_string(l, v, "reason", &e->reason);
        if (strcmp(key, "ticket") == 0)
                return yaml_get_string(l, v, "ticket", &e->ticket);
        if (strcmp(key, "expires") == 0) {
                r = yaml_get_string(l, v, "expires", &e->expires);
                if (r < 0)
                        return r;
                if (parse_expiry(e->expires, &e->expires_at) < 0)
                        return yaml_fail(l, v, "expires '%s' is not a date (YYYY-MM-DD) or RFC 3339 time",
                                         e->expires);
                return 0;
        }
        if (strcmp(key, "sha256") == 0) {
                r = yaml_get_string(l, v, "sha256", &hash);
                if (r < 0)
                        return r;
                if (e->has_sha256 || parse_sha256(hash, e->sha256) < 0)
                        return yaml_fail(l, v, "sha256 must be 64 lower-case hex digits, given once");
                e->has_sha256 = true;
                return 0;
        }
        return yaml_fail(l, v, "unknown key '%s'", key);
}

static int load_entry(struct yaml_loader *l, yaml_node_t *n, void *userdata)
{
        struct allowlist *a = userdata;
        struct allow_entry *e = realloc(a->v, (a->n + 1) * sizeof(*e));
        int r;

        if (!e)
                return -ENOMEM;
        a->v = e;
        e = &a->v[a->n++];
        *e = (struct allow_entry) { .line = n->start_mark.line + 1 };
        r = yaml_each_pair(l, n, entry_field, e);
        if (r < 0)
                return r;
        if (!e->path || !e->owner || !e->reason || !e->expires)
                return yaml_fail(l, n, "an allowlist entry needs path, owner, reason and expires");
        if (e->path[0] != '/')
                return yaml_fail(l, n, "path '%s' must be absolute", e->path);
        return 0;
}

static int top_field(struct yaml_loader *l, const char *key, yaml_node_t *v, void *item)
{
        if (strcmp(key, "version") == 0)
                return yaml_check_version(l, v);
        if (strcmp(key, "allow") == 0)
                return yaml_each_item(l, v, "allow entries", load_entry, item);
        return yaml_fail(l, v, "unknown key '%s'", key);
}

int allowlist_parse(const char *buf, size_t len, struct allowlist **ret, char **ret_error)
{
        _cleanup_(allowlist_freep) struct allowlist *a = NULL;
        _cleanup_(yaml_loader_release) struct yaml_loader l;
        yaml_node_t *root = NULL;
        int r;

        if (ret_error)
                *ret_error = NULL;
        a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        r = yaml_loader_open(&l, buf, len, ALLOWLIST_MAX_BYTES, &root);
        if (r >= 0 && root)     /* an empty file is an empty list */
                r = yaml_each_pair(&l, root, top_field, a);
        if (r < 0) {
                if (ret_error)
                        *ret_error = TAKE_PTR(l.error);
                return r;
        }
        *ret = TAKE_PTR(a);
        return 0;
}

bool allow_entry_expired(const struct allow_entry *e, int64_t now)
{
        return now > e->expires_at;
}

struct allow_entry *allowlist_match(struct allowlist *a, const char *path, size_t len, const uint8_t *sha256,
                                    int64_t now, bool *ret_expired)
{
        struct allow_entry *expired = NULL;
        size_t i;

        *ret_expired = false;
        for (i = 0; a && i < a->n; i++) {
                struct allow_entry *e = &a->v[i];

                if (!path_glob(e->path, path, len))
                        continue;
                if (e->has_sha256 && (!sha256 || memcmp(e->sha256, sha256, SHA256_LEN) != 0))
                        continue;
                if (!allow_entry_expired(e, now))
                        return e;
                if (!expired)
                        expired = e;
        }
        *ret_expired = expired != NULL;
        return expired;
}

int allowlist_apply(struct allowlist *a, struct finding *f, const uint8_t *sha256, int64_t now, char *buf,
                    size_t size)
{
        struct allow_entry *ae;
        bool expired;

        if (!a || !f->path)
                return 0;
        ae = allowlist_match(a, f->path, f->path_len, sha256, now, &expired);
        if (!ae)
                return 0;
        ae->matches++;
        if (expired) {
                if (f->n_quality < FINDING_MAX_QUALITY)
                        f->quality[f->n_quality++] = "allowlist-entry-expired";
                return 0;
        }
        snprintf(buf, size, "%s (owner %s, expires %s, line %zu)", ae->reason, ae->owner, ae->expires, ae->line);
        f->allowed_by = buf;
        f->alert = false;
        return 1;
}
