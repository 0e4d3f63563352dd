/* Posture: the registries configuration (containers-registries.conf(5)) as
 * containers/image reads it (pkg/sysregistriesv2/system_registries_v2.go):
 * the user's $HOME/.config/containers/registries.conf when it exists (then
 * only the user's registries.conf.d), else /etc/containers/registries.conf;
 * then the *.conf drop-ins of /etc/containers/registries.conf.d and the
 * user's directory in lexical order (dropInConfigs). A drop-in's [[registry]]
 * replaces the whole entry of the same prefix, and its
 * unqualified-search-registries and short-name-mode replace the earlier ones
 * when set (updateWithConfigurationFrom). Version 1 files ([registries.search],
 * [registries.insecure], [registries.block]) are turned into version 2 as
 * ConvertToV2 does; mixing both in one file is an error. The host image's
 * registry entry is the longest matching prefix (findRegistryWithParsedConfig,
 * refMatchingPrefix: a whole-component match, or "*.domain" for subdomains). */
#define _GNU_SOURCE
#include "posture-check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/toml.h"

#define REG_SYSTEM "/etc/containers/registries.conf"
#define REG_SYSTEM_D "/etc/containers/registries.conf.d"
#define REG_USER "/root/.config/containers/registries.conf"
#define REG_USER_D "/root/.config/containers/registries.conf.d"
#define REG_MAX_ENTRIES 4096

struct reg_entry {
        char *prefix, *location;
        bool insecure, blocked;
        struct strv mirrors;            /* locations */
        bool mirror_insecure;
        char *file;
        unsigned line;
        bool base_blocked;              /* the main file blocked this prefix */
};

struct reg_config {
        struct reg_entry *v;
        size_t n;
        bool has_search;
        struct strv search;
        char *search_file;
        unsigned search_line;
        char *mode, *mode_file;
        unsigned mode_line;
};

static void entry_release(struct reg_entry *e)
{
        free(e->prefix);
        free(e->location);
        strv_release(&e->mirrors);
        free(e->file);
}

static void config_release(struct reg_config *c)
{
        size_t i;

        for (i = 0; i < c->n; i++)
                entry_release(&c->v[i]);
        free(c->v);
        strv_release(&c->search);
        free(c->search_file);
        free(c->mode);
        free(c->mode_file);
}

struct file_ctx {
        struct posture *pc;
        const char *file;
        char *error;
};

static int bad(struct file_ctx *fc, const struct toml_value *v, const char *what)
{
        free(fc->error);
        if (asprintf(&fc->error, "line %u: %s", v ? v->line : 0, what) < 0)
                fc->error = NULL;
        return -EBADMSG;
}

static int get_str(struct file_ctx *fc, const struct toml_value *t, const char *key, const char **ret)
{
        const struct toml_value *v = toml_get(t, key);

        *ret = NULL;
        if (!v)
                return 0;
        if (v->type != TOML_STRING)
                return bad(fc, v, "expected a string");
        *ret = v->str;
        return 0;
}

static int get_bool(struct file_ctx *fc, const struct toml_value *t, const char *key, bool *ret)
{
        const struct toml_value *v = toml_get(t, key);

        *ret = false;
        if (!v)
                return 0;
        if (v->type != TOML_BOOL)
                return bad(fc, v, "expected a boolean");
        *ret = v->boolean;
        return 0;
}

static int get_strings(struct file_ctx *fc, const struct toml_value *v, struct strv *ret)
{
        size_t i;

        if (v->type != TOML_ARRAY || v->table_array)
                return bad(fc, v, "expected an array of strings");
        for (i = 0; i < v->n_items; i++) {
                if (v->items[i]->type != TOML_STRING)
                        return bad(fc, v->items[i], "expected a string");
                if (strv_push(ret, v->items[i]->str) < 0)
                        return -ENOMEM;
        }
        return 0;
}

/* One file's settings: its entries (replacing those of the same prefix). */
static int put_entry(struct reg_config *c, struct reg_entry *e)
{
        struct reg_entry *v;
        size_t i;

        for (i = 0; i < c->n; i++)
                if (strcmp(c->v[i].prefix, e->prefix) == 0) {
                        e->base_blocked = c->v[i].base_blocked;
                        entry_release(&c->v[i]);
                        c->v[i] = *e;
                        *e = (struct reg_entry) { 0 };
                        return 0;
                }
        if (c->n >= REG_MAX_ENTRIES)
                return -E2BIG;
        v = reallocarray(c->v, c->n + 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        c->v = v;
        c->v[c->n++] = *e;
        *e = (struct reg_entry) { 0 };
        return 0;
}

static int v2_entry(struct file_ctx *fc, struct reg_config *c, const struct toml_value *t, bool base)
{
        _cleanup_(entry_release) struct reg_entry e = { 0 };
        const struct toml_value *mirrors = toml_get(t, "mirror");
        const char *prefix, *location;
        size_t i;
        int r;

        if (t->type != TOML_TABLE)
                return bad(fc, t, "[[registry]] expected a table");
        r = get_str(fc, t, "prefix", &prefix);
        r = r ?: get_str(fc, t, "location", &location);
        r = r ?: get_bool(fc, t, "insecure", &e.insecure);
        r = r ?: get_bool(fc, t, "blocked", &e.blocked);
        if (r < 0)
                return r;
        /* postProcessRegistries: the prefix defaults to the location. */
        if ((!prefix || !*prefix) && (!location || !*location))
                return bad(fc, t, "a [[registry]] with neither prefix nor location");
        e.prefix = strdup(prefix && *prefix ? prefix : location);
        e.location = strdup(location && *location ? location : e.prefix ? e.prefix : "");
        e.file = strdup(fc->file);
        if (!e.prefix || !e.location || !e.file)
                return -ENOMEM;
        e.line = t->line;
        e.base_blocked = base && e.blocked;
        if (mirrors) {
                if (mirrors->type != TOML_ARRAY)
                        return bad(fc, mirrors, "mirror: expected an array of tables");
                for (i = 0; i < mirrors->n_items; i++) {
                        const struct toml_value *m = mirrors->items[i];
                        const char *loc;
                        bool insecure;

                        if (m->type != TOML_TABLE)
                                return bad(fc, m, "mirror: expected a table");
                        r = get_str(fc, m, "location", &loc);
                        r = r ?: get_bool(fc, m, "insecure", &insecure);
                        if (r < 0)
                                return r;
                        if (!loc || !*loc)
                                return bad(fc, m, "a mirror without a location");
                        if (strv_push(&e.mirrors, loc) < 0)
                                return -ENOMEM;
                        e.mirror_insecure |= insecure;
                }
        }
        r = put_entry(c, &e);
        return r == -E2BIG ? bad(fc, t, "too many registries") : r;
}

/* ConvertToV2: each location of the v1 lists becomes (or updates) an entry. */
static int v1_list(struct file_ctx *fc, struct reg_config *c, const struct toml_value *v1, const char *list,
                   bool base)
{
        const struct toml_value *t = toml_get(v1, list), *regs;
        size_t i, k;
        int r;

        if (!t)
                return 0;
        regs = toml_get(t, "registries");
        if (!regs)
                return 0;
        if (strcmp(list, "search") == 0) {
                strv_release(&c->search);
                c->has_search = true;
                free(c->search_file);
                c->search_file = strdup(fc->file);
                c->search_line = regs->line;
                return c->search_file ? get_strings(fc, regs, &c->search) : -ENOMEM;
        }
        {
                _cleanup_(strv_release) struct strv locs = { 0 };

                r = get_strings(fc, regs, &locs);
                if (r < 0)
                        return r;
                for (i = 0; i < locs.n; i++) {
                        struct reg_entry *e = NULL;

                        for (k = 0; k < c->n && !e; k++)
                                if (strcmp(c->v[k].prefix, locs.v[i]) == 0 && strcmp(c->v[k].file, fc->file) == 0)
                                        e = &c->v[k];
                        if (!e) {
                                struct reg_entry n = { .prefix = strdup(locs.v[i]), .location = strdup(locs.v[i]),
                                                       .file = strdup(fc->file), .line = regs->line };

                                if (!n.prefix || !n.location || !n.file) {
                                        entry_release(&n);
                                        return -ENOMEM;
                                }
                                r = put_entry(c, &n);
                                entry_release(&n);
                                if (r < 0)
                                        return r == -E2BIG ? bad(fc, regs, "too many registries") : r;
                                for (k = 0; k < c->n && !e; k++)
                                        if (strcmp(c->v[k].prefix, locs.v[i]) == 0)
                                                e = &c->v[k];
                        }
                        if (strcmp(list, "insecure") == 0) {
                                e->insecure = true;
                        } else {
                                e->blocked = true;
                                e->base_blocked = base;
                        }
                }
        }
        return 0;
}

static int load_file(struct file_ctx *fc, struct reg_config *c, const struct toml_value *root, bool base)
{
        const struct toml_value *v1 = toml_get(root, "registries"), *regs = toml_get(root, "registry"), *v;
        const char *mode;
        size_t i;
        int r;

        if (v1 && v1->type != TOML_TABLE)
                return bad(fc, v1, "registries: expected a table");
        if (v1 && (regs || toml_get(root, "unqualified-search-registries")))
                return bad(fc, v1, "mixing sysregistry v1/v2 is not supported");
        if (v1) {
                r = v1_list(fc, c, v1, "search", base);
                r = r ?: v1_list(fc, c, v1, "insecure", base);
                r = r ?: v1_list(fc, c, v1, "block", base);
                return r;
        }
        v = toml_get(root, "unqualified-search-registries");
        if (v) {
                strv_release(&c->search);
                c->has_search = true;
                free(c->search_file);
                c->search_file = strdup(fc->file);
                c->search_line = v->line;
                if (!c->search_file)
                        return -ENOMEM;
                r = get_strings(fc, v, &c->search);
                if (r < 0)
                        return r;
        }
        r = get_str(fc, root, "short-name-mode", &mode);
        if (r < 0)
                return r;
        if (mode && *mode) {
                if (strcmp(mode, "enforcing") != 0 && strcmp(mode, "permissive") != 0 &&
                    strcmp(mode, "disabled") != 0)
                        return bad(fc, toml_get(root, "short-name-mode"), "invalid short-name-mode");
                free(c->mode);
                free(c->mode_file);
                c->mode = strdup(mode);
                c->mode_file = strdup(fc->file);
                c->mode_line = toml_get(root, "short-name-mode")->line;
                if (!c->mode || !c->mode_file)
                        return -ENOMEM;
        }
        if (regs) {
                if (regs->type != TOML_ARRAY)
                        return bad(fc, regs, "registry: expected an array of tables");
                for (i = 0; i < regs->n_items; i++) {
                        r = v2_entry(fc, c, regs->items[i], base);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int parse_toml(const char *buf, size_t len, void *ret, char **ret_error)
{
        return toml_parse(buf, len, ret, ret_error);
}

static int read_one(struct posture *pc, struct reg_config *c, const char *file, bool base, bool *ret_found)
{
        _cleanup_(toml_freep) struct toml_value *root = NULL;
        struct file_ctx fc = { .pc = pc, .file = file };
        int r;

        r = posture_load(pc, "registries", file, TOML_MAX_BYTES, parse_toml, &root);
        if (ret_found)
                *ret_found = r != POSTURE_MISSING;
        if (r != POSTURE_LOADED)
                return r < 0 ? r : 0;
        r = load_file(&fc, c, root, base);
        if (r == -EBADMSG) {
                r = posture_invalid(pc, "registries", file, fc.error ? fc.error : "invalid");
                free(fc.error);
                return r;
        }
        free(fc.error);
        return r;
}

static int read_dir(struct posture *pc, struct reg_config *c, const char *dir)
{
        _cleanup_(strv_release) struct strv names = { 0 };
        size_t i;
        int r = posture_list(pc, dir, ".conf", &names);

        if (r < 0)
                return posture_invalid(pc, "registries", dir,
                                       r == -E2BIG ? "more than 1024 drop-in files" : strerror(-r));
        for (i = 0; i < names.n; i++) {
                _cleanup_(freep) char *path = NULL;

                if (asprintf(&path, "%s/%s", dir, names.v[i]) < 0)
                        return -ENOMEM;
                r = read_one(pc, c, path, false, NULL);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* refMatchingPrefix: prefix matches ref as a whole component (followed by
 * ':', '/', '@' or the end), or "*.domain" matches a host below domain. */
static bool prefix_matches(const char *ref, const char *prefix)
{
        size_t n = strlen(prefix);
        const char *at;

        if (strncmp(prefix, "*.", 2) == 0) {
                at = strstr(ref, prefix + 1);
                if (!at || memchr(ref, '/', (size_t) (at - ref)))
                        return false;
                at += n - 1;
                return !*at || *at == ':' || *at == '/' || *at == '@';
        }
        if (strncmp(ref, prefix, n) != 0)
                return false;
        return !ref[n] || ref[n] == ':' || ref[n] == '/' || ref[n] == '@';
}

static const struct reg_entry *find_registry(const struct reg_config *c, const char *ref)
{
        const struct reg_entry *best = NULL;
        size_t i;

        for (i = 0; i < c->n; i++)
                if (prefix_matches(ref, c->v[i].prefix) && (!best || strlen(c->v[i].prefix) > strlen(best->prefix)))
                        best = &c->v[i];
        return best;
}

static int report_entry(struct posture *pc, const struct reg_entry *e, bool host)
{
        _cleanup_(freep) char *mirrors = strv_join(&e->mirrors, ", "), *value = NULL, *message = NULL, *setting = NULL;
        int r;

        if (!mirrors || asprintf(&setting, "registry \"%s\"", e->prefix) < 0 ||
            asprintf(&value, "location=%s insecure=%s blocked=%s mirrors=[%s]", e->location,
                     e->insecure ? "true" : "false", e->blocked ? "true" : "false", mirrors) < 0 ||
            asprintf(&message, "registry %s%s: %s", e->prefix, host ? " (the host image's)" : "", value) < 0)
                return -ENOMEM;
        r = posture_emit(pc, &(struct posture_finding) {
                .rule_id = "DW-POS-REG-STATE", .check = "registries", .action = "registry", .file = e->file,
                .line = e->line, .setting = setting, .value = value, .message = message,
        });
        if (r >= 0 && (e->insecure || e->mirror_insecure)) {
                free(message);
                if (asprintf(&message, "registry %s%s is reached without TLS verification or over plain http "
                                       "(insecure=true%s)", e->prefix, host ? ", the host image's," : "",
                             e->mirror_insecure ? " on a mirror" : "") < 0)
                        return -ENOMEM;
                r = posture_emit(pc, &(struct posture_finding) {
                        .rule_id = "DW-POS-REG-INSECURE", .alert = true, .severity = host ? 0 : SEVERITY_MEDIUM,
                        .check = "registries", .action = "registry-insecure", .file = e->file, .line = e->line,
                        .setting = setting, .value = value, .message = message,
                });
        }
        if (r >= 0 && e->base_blocked && !e->blocked) {
                free(message);
                if (asprintf(&message, "registry %s is blocked in " REG_SYSTEM " but this file lifts the block",
                             e->prefix) < 0)
                        return -ENOMEM;
                r = posture_emit(pc, &(struct posture_finding) {
                        .rule_id = "DW-POS-REG-UNBLOCKED", .alert = true, .check = "registries",
                        .action = "registry-unblocked", .file = e->file, .line = e->line, .setting = setting,
                        .value = value, .message = message,
                });
        }
        if (r >= 0 && host && (e->mirrors.n || strcmp(e->location, e->prefix) != 0)) {
                free(message);
                if (asprintf(&message, "pulls of the host image %s are redirected: %s%s%s%s", pc->image.ref,
                             e->mirrors.n ? "mirrors " : "", mirrors, e->mirrors.n &&
                             strcmp(e->location, e->prefix) != 0 ? "; " : "",
                             strcmp(e->location, e->prefix) != 0 ? "location rewritten" : "") < 0)
                        return -ENOMEM;
                r = posture_emit(pc, &(struct posture_finding) {
                        .rule_id = "DW-POS-REG-MIRROR", .alert = true, .check = "registries",
                        .action = "registry-redirect", .file = e->file, .line = e->line, .setting = setting,
                        .value = value, .message = message,
                });
        }
        return r;
}

static int report_search(struct posture *pc, const struct reg_config *c)
{
        _cleanup_(freep) char *list = strv_join(&c->search, ", "), *value = NULL, *message = NULL;
        const char *mode = c->mode ? c->mode : "enforcing";
        bool loose = strcmp(mode, "enforcing") != 0;
        int r;

        if (!list || asprintf(&value, "unqualified-search-registries=[%s] short-name-mode=%s%s", list, mode,
                              c->mode ? "" : " (default)") < 0 ||
            asprintf(&message, "short names: %s", value) < 0)
                return -ENOMEM;
        r = posture_emit(pc, &(struct posture_finding) {
                .rule_id = "DW-POS-REG-STATE", .check = "registries", .action = "short-names",
                .file = c->search_file ? c->search_file : c->mode_file,
                .line = c->search_file ? c->search_line : c->mode_line, .setting = "unqualified-search-registries",
                .value = value, .message = message,
        });
        if (r < 0 || (c->search.n <= 1 && !loose))
                return r;
        free(message);
        if (asprintf(&message, "a short image name resolves through %zu search registr%s with short-name-mode %s: "
                               "whoever publishes the name first in a registry tried earlier serves the image",
                     c->search.n, c->search.n == 1 ? "y" : "ies", mode) < 0)
                return -ENOMEM;
        return posture_emit(pc, &(struct posture_finding) {
                .rule_id = "DW-POS-REG-SHORTNAME", .alert = true, .severity = loose ? 0 : SEVERITY_LOW,
                .check = "registries", .action = "short-name-spoofing",
                .file = loose ? c->mode_file : c->search_file, .line = loose ? c->mode_line : c->search_line,
                .setting = loose ? "short-name-mode" : "unqualified-search-registries", .value = value,
                .message = message,
        });
}

int posture_check_registries(struct posture *pc)
{
        _cleanup_(config_release) struct reg_config c = { 0 };
        const struct reg_entry *host = NULL;
        bool user = false;
        size_t i;
        int r;

        r = read_one(pc, &c, REG_USER, true, &user);
        if (r >= 0 && !user)
                r = read_one(pc, &c, REG_SYSTEM, true, NULL);
        if (r >= 0 && !user)
                r = read_dir(pc, &c, REG_SYSTEM_D);
        if (r >= 0)
                r = read_dir(pc, &c, REG_USER_D);
        if (r < 0)
                return r;
        if (pc->image.identity)
                host = find_registry(&c, pc->image.identity);
        for (i = 0; i < c.n && r >= 0; i++)
                r = report_entry(pc, &c.v[i], &c.v[i] == host);
        if (r >= 0 && (c.has_search || c.mode))
                r = report_search(pc, &c);
        return r;
}
