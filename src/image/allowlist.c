/* The /etc allowlist; see allowlist.h. */
#define _GNU_SOURCE
#include "allowlist.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/error.h"
#include "basic/fd-util.h"
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
                free(e->roothash);
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

        if (strcmp(key, e->image ? "name" : "path") == 0)
                return yaml_get_string(l, v, key, &e->path);
        if (e->image && strcmp(key, "roothash") == 0) {
                r = yaml_get_string(l, v, "roothash", &e->roothash);
                if (r < 0)
                        return r;
                if (strlen(e->roothash) < 2 * SHA256_LEN || strlen(e->roothash) > 128 ||
                    !hex_valid(e->roothash, strlen(e->roothash), true))
                        return yaml_fail(l, v, "roothash must be 64 to 128 lower-case hex digits");
                return 0;
        }
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

static int load_entry_of(struct yaml_loader *l, yaml_node_t *n, struct allowlist *a, bool image)
{
        struct allow_entry *e = realloc(a->v, (a->n + 1) * sizeof(*e));
        int r;

        if (!e)
                return -ENOMEM;
        a->v = e;
        e = &a->v[a->n++];
        *e = (struct allow_entry) { .line = n->start_mark.line + 1, .image = image };
        r = yaml_each_pair(l, n, entry_field, e);
        if (r < 0)
                return r;
        if (image && (!e->path || !e->owner || !e->reason || !e->expires))
                return yaml_fail(l, n, "an approved image needs name, owner, reason and expires");
        if (!e->path || !e->owner || !e->reason || !e->expires)
                return yaml_fail(l, n, "an allowlist entry needs path, owner, reason and expires");
        if (!image && e->path[0] != '/')
                return yaml_fail(l, n, "path '%s' must be absolute", e->path);
        return 0;
}

static int load_entry(struct yaml_loader *l, yaml_node_t *n, void *userdata)
{
        return load_entry_of(l, n, userdata, false);
}

static int load_image_entry(struct yaml_loader *l, yaml_node_t *n, void *userdata)
{
        return load_entry_of(l, n, userdata, true);
}

static int top_field(struct yaml_loader *l, const char *key, yaml_node_t *v, void *item)
{
        if (strcmp(key, "version") == 0)
                return yaml_check_version(l, v);
        if (strcmp(key, "allow") == 0)
                return yaml_each_item(l, v, "allow entries", load_entry, item);
        return yaml_fail(l, v, "unknown key '%s'", key);
}

static int top_field_images(struct yaml_loader *l, const char *key, yaml_node_t *v, void *item)
{
        if (strcmp(key, "version") == 0)
                return yaml_check_version(l, v);
        if (strcmp(key, "approved") == 0)
                return yaml_each_item(l, v, "approved images", load_image_entry, item);
        return yaml_fail(l, v, "unknown key '%s'", key);
}

static int parse_with(const char *buf, size_t len, yaml_pair_fn top, struct allowlist **ret, char **ret_error)
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
                r = yaml_each_pair(&l, root, top, a);
        if (r < 0) {
                if (ret_error)
                        *ret_error = TAKE_PTR(l.error);
                return r;
        }
        *ret = TAKE_PTR(a);
        return 0;
}

int allowlist_parse(const char *buf, size_t len, struct allowlist **ret, char **ret_error)
{
        return parse_with(buf, len, top_field, ret, ret_error);
}

int allowlist_parse_images(const char *buf, size_t len, struct allowlist **ret, char **ret_error)
{
        return parse_with(buf, len, top_field_images, ret, ret_error);
}

int allowlist_load(const char *path, bool images, struct allowlist **ret, struct dw_error *ret_error)
{
        const char *what = images ? "approved images" : "allowlist";
        _cleanup_(freep) char *text = NULL, *msg = NULL;
        size_t len = 0;
        int r;

        r = read_file(path, ALLOWLIST_MAX_BYTES, &text, &len);
        if (r < 0)
                return dw_error_set(ret_error, r, path, "cannot read %s '%s': %s", what, path,
                                    r == -EFBIG ? "larger than 4 MiB" : strerror(-r));
        r = (images ? allowlist_parse_images : allowlist_parse)(text, len, ret, &msg);
        if (r < 0)
                return dw_error_set(ret_error, r, path, "cannot load %s '%s': %s", what, path, msg ?: strerror(-r));
        return 0;
}

bool allow_entry_expired(const struct allow_entry *e, int64_t now)
{
        return now > e->expires_at;
}

static struct allow_entry *match(struct allowlist *a, const char *path, size_t len, const uint8_t *sha256,
                                 const char *roothash, int64_t now, bool *ret_expired)
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
                if (e->roothash && (!roothash || strcmp(e->roothash, roothash) != 0))
                        continue;
                if (!allow_entry_expired(e, now))
                        return e;
                if (!expired)
                        expired = e;
        }
        *ret_expired = expired != NULL;
        return expired;
}

struct allow_entry *allowlist_match(struct allowlist *a, const char *path, size_t len, const uint8_t *sha256,
                                    int64_t now, bool *ret_expired)
{
        return match(a, path, len, sha256, NULL, now, ret_expired);
}

struct allow_entry *allowlist_match_image(struct allowlist *a, const char *name, const uint8_t *sha256,
                                          const char *roothash, int64_t now, bool *ret_expired)
{
        return match(a, name, strlen(name), sha256, roothash, now, ret_expired);
}

int allowlist_report(struct allowlist *a, int64_t now, const struct rule *expired_rule,
                     const struct rule *unused_rule, const char *what, const char *dataset, struct output *out)
{
        char line[32], action[64];
        size_t i;
        int r = 0;

        for (i = 0; a && i < a->n && r >= 0; i++) {
                struct allow_entry *ae = &a->v[i];
                bool expired = allow_entry_expired(ae, now);
                struct finding f;

                if (!expired && ae->matches)
                        continue;
                finding_init(&f);
                f.alert = true;
                f.rule = expired ? expired_rule : unused_rule;
                f.category = "configuration";
                f.type = "info";
                snprintf(action, sizeof(action), "%s-%s", what, expired ? "expired" : "unused");
                f.action = action;
                f.dataset = dataset;
                f.path = ae->path;
                f.path_len = strlen(ae->path);
                snprintf(line, sizeof(line), "%zu", ae->line);
                r = finding_add_value(&f, "owner", NULL, 0, ae->owner, strlen(ae->owner));
                if (r >= 0)
                        r = finding_add_value(&f, "reason", NULL, 0, ae->reason, strlen(ae->reason));
                if (r >= 0)
                        r = finding_add_value(&f, "expires", NULL, 0, ae->expires, strlen(ae->expires));
                if (r >= 0)
                        r = finding_add_value(&f, "line", NULL, 0, line, strlen(line));
                if (r >= 0)
                        r = output_emit(out, &f);
                finding_release(&f);
        }
        return r;
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
