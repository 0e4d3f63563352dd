/* Detection content loaded from YAML: the built-in defaults, then layer files
 * merged over them by id, then the check for the rule ids the code emits; see
 * rules.h and docs/rules.md. */
#define _GNU_SOURCE
#include "rules.h"
#include "rules-internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "basic/array.h"
#include "basic/escape.h"
#include "basic/fd-util.h"
#include "parse/yaml-load.h"

#define RULES_MAX_BYTES ((size_t) 4 << 20)

static const char *const severity_names[] = { NULL, "low", "medium", "high", "critical" };

const char *severity_name(enum severity s)
{
        return s >= SEVERITY_LOW && s <= SEVERITY_CRITICAL ? severity_names[s] : "unknown";
}

int severity_number(enum severity s)
{
        static const int numbers[] = { 0, 21, 47, 73, 99 };

        return s >= SEVERITY_LOW && s <= SEVERITY_CRITICAL ? numbers[s] : 0;
}

int severity_from_name(const char *s, enum severity *ret)
{
        int i;

        for (i = SEVERITY_LOW; i <= SEVERITY_CRITICAL; i++)
                if (strcmp(s, severity_names[i]) == 0) {
                        *ret = (enum severity) i;
                        return 0;
                }
        return -EINVAL;
}

const char *const ruleset_required_ids[] = {
        /* fim/findings.c */
        "DW-FIM-DRIFT", "DW-FIM-MTIME", "DW-FIM-UNREADABLE", "DW-ETC-DRIFT", "DW-FIM-SETUID",
        /* capability/scan.c */
        "DW-FIM-BASELINE-MISSING", "DW-FIM-BASELINE-REPLACED", "DW-FIM-BASELINE-RECORDED",
        /* cli/common.c: every run's summary */
        "DW-RUN-SUMMARY",
        /* capability/accept.c, capability/tree-check.c */
        "DW-FIM-ACCEPTED", "DW-FIM-ALLOW-EXPIRED", "DW-FIM-ALLOW-UNUSED",
        /* capability/package-fold.c */
        "DW-FIM-PACKAGE-CHANGE", "DW-FIM-PACKAGE-DB",
        /* capability/image.c */
        "DW-IMG-DEPLOYMENT", "DW-IMG-VERIFY", "DW-ETC-SUMMARY", "DW-ETC-MERGE-BLOCKED", "DW-ETC-MERGE-REDIRECT",
        "DW-ETC-ALLOW-EXPIRED", "DW-ETC-ALLOW-UNUSED",
        /* image/status-findings.c */
        "DW-IMG-STAGED-NEW", "DW-IMG-STAGED-CHANGED", "DW-IMG-BOOTED-CHANGED", "DW-IMG-ROLLBACK-PERFORMED",
        "DW-IMG-ROLLBACK-TARGET-CHANGED", "DW-IMG-BELOW-MINIMUM", "DW-IMG-DIGEST-NOT-ALLOWED", "DW-IMG-NO-TICKET",
        "DW-IMG-USR-OVERLAY", "DW-IMG-PINNED", "DW-IMG-ROLLBACK-QUEUED",
        /* audit/detect.c */
        "DW-AUD-UPGRADE", "DW-AUD-BULK", "DW-AUD-SILENCE", "DW-AUD-PATH-MISSING", "DW-AUD-LOST",
        "DW-AUD-SEQUENCE-GAP", "DW-AUD-EVENT-SPLIT",
        /* audit/mounts.c */
        "DW-AUD-MOUNT-REMOUNT-RW", "DW-AUD-MOUNT-BIND", "DW-AUD-MOUNT-NEW", "DW-AUD-MOUNT-MOVE",
        "DW-AUD-MOUNT-SETATTR", "DW-AUD-MOUNT-UMOUNT",
        /* journal/analyze.c */
        "DW-JRN-DEPLOYMENT", "DW-JRN-DEPLOYMENT-OUTSIDE-WINDOW", "DW-JRN-EXTENSION-MERGE",
        "DW-JRN-EXTENSION-UNMATCHED", "DW-JRN-AUDIT-PATH-MISSING", "DW-JRN-FIELD-TOO-LARGE",
        "DW-JRN-CLOCK-BACKWARDS", "DW-JRN-SOFT-REBOOT", "DW-JRN-REBOOT",
        /* capability/journal.c: records lost since a saved cursor, a corrupt file */
        "DW-JRN-GAP", "DW-JRN-FILE-CORRUPT",
        /* agent/agent.c */
        "DW-AGENT-HEARTBEAT", "DW-AGENT-SPOOL-FULL", "DW-AGENT-OUTPUT-FAILED", "DW-AGENT-TAMPER",
        "DW-AGENT-AUDIT-FAILED", "DW-AGENT-OUTPUT-REFUSED",
        /* capability/mounts.c */
        "DW-MNT-SNAPSHOT", "DW-MNT-BASELINE", "DW-MNT-OVERLAY-NEW", "DW-MNT-USR-RW", "DW-MNT-USR-RW-IMAGE",
        "DW-MNT-VERITY-REMOVED", "DW-MNT-WATCHED-NEW", "DW-MNT-WATCHED-REMOVED", "DW-MNT-WATCHED-OPTIONS",
        "DW-MNT-COMPOSEFS-VERITY-OPTIONAL", "DW-MNT-COMPOSEFS-VERITY-LOST",
        /* capability/inventory.c */
        "DW-INV-IMAGE", "DW-INV-IMAGE-UNREADABLE", "DW-INV-RUNTIME-IMAGE", "DW-INV-UNAPPROVED",
        "DW-INV-CONFEXT-UNAPPROVED", "DW-INV-RELEASE-INVALID", "DW-INV-INCOMPATIBLE", "DW-INV-UNVERIFIED",
        "DW-INV-SEARCH-PATH-WRITABLE", "DW-INV-PORTABLE-ATTACHED", "DW-INV-APPROVAL-EXPIRED",
        "DW-INV-APPROVAL-UNUSED", "DW-INV-MERGED-WITHOUT-IMAGE", "DW-INV-SIGNATURE-INVALID",
        "DW-INV-SIGNER-UNKNOWN", "DW-INV-VERITY-MISMATCH",
        /* capability/union.c: check and scan under merged extensions */
        "DW-INV-EXTENSION-FILE", "DW-INV-SHADOWS-BASE", "DW-INV-CHANGED-SINCE-MERGE", "DW-INV-MERGE-MARKER",
        /* host/posture-*.c, capability/posture.c */
        "DW-POS-IMAGE", "DW-POS-CONFIG-INVALID", "DW-POS-POLICY-STATE", "DW-POS-POLICY-HOST-IMAGE",
        "DW-POS-POLICY-INSECURE", "DW-POS-POLICY-REJECT", "DW-POS-POLICY-KEY-MISSING", "DW-POS-POLICY-MISSING",
        "DW-POS-POLICY-USER", "DW-POS-OSTREE-REMOTE", "DW-POS-OSTREE-UNVERIFIED", "DW-POS-OSTREE-HTTP",
        "DW-POS-REG-STATE", "DW-POS-REG-INSECURE", "DW-POS-REG-UNBLOCKED", "DW-POS-REG-MIRROR",
        "DW-POS-REG-SHORTNAME",
        /* host/quadlet.c, capability/inventory.c */
        "DW-INV-CONTAINER-REACHES-EXTENSIONS", "DW-INV-CONTAINER-UNREADABLE",
        NULL,
};

void rule_release(struct rule *r)
{
        free(r->id);
        free(r->name);
        strv_release(&r->techniques);
        strv_release(&r->controls);
}

static void surface_release(void *item)
{
        struct surface *s = item;

        free(s->key);
        free(s->surface);
        free(s->name);
        strv_release(&s->paths);
        strv_release(&s->techniques);
        strv_release(&s->controls);
        rule_release(&s->fim);
        rule_release(&s->etc);
        rule_release(&s->aud);
}

struct ruleset *ruleset_free(struct ruleset *rs)
{
        size_t i;

        if (!rs)
                return NULL;
        for (i = 0; i < rs->n_surfaces; i++)
                surface_release(&rs->surfaces[i]);
        free(rs->surfaces);
        for (i = 0; i < rs->n_rules; i++)
                rule_release(&rs->rules[i]);
        free(rs->rules);
        audit_policy_release(&rs->audit);
        strv_release(&rs->mount_watch);
        free(rs);
        return NULL;
}

int rule_get_severity(struct yaml_loader *l, yaml_node_t *n, enum severity *ret)
{
        const char *s = yaml_scalar(n);

        if (!s || severity_from_name(s, ret) < 0)
                return yaml_fail(l, n, "severity must be low, medium, high or critical");
        return 0;
}

bool rule_id_valid(const char *id)
{
        const char *p;

        if (strncmp(id, "DW-", 3) != 0 || !id[3])
                return false;
        for (p = id + 3; *p; p++)
                if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-'))
                        return false;
        return true;
}

int rule_common_field(struct yaml_loader *l, const char *key, yaml_node_t *v, char **name,
                        enum severity *sev, struct strv *tech, struct strv *ctl)
{
        if (strcmp(key, "name") == 0)
                return yaml_get_string(l, v, "name", name);
        if (strcmp(key, "severity") == 0)
                return rule_get_severity(l, v, sev);
        if (strcmp(key, "techniques") == 0)
                return yaml_get_strv(l, v, "techniques", tech);
        if (strcmp(key, "controls") == 0)
                return yaml_get_strv(l, v, "controls", ctl);
        return yaml_fail(l, v, "unknown key '%s'", key);
}

/* ---- merging a layer by id ---- */

static void *item_at(void *items, const struct layer_kind *k, size_t i)
{
        return (char *) items + i * k->size;
}

static bool item_find(void *items, size_t n, const struct layer_kind *k, const char *id, size_t *ret)
{
        size_t i;

        for (i = 0; i < n; i++)
                if (strcmp(k->id(item_at(items, k, i)), id) == 0) {
                        *ret = i;
                        return true;
                }
        return false;
}

/* 1 and the id when n is `{id: X, disabled: true}`, 0 when it is a definition. */
static int item_disabled(struct yaml_loader *l, yaml_node_t *n, const struct layer_kind *k, const char **ret_id)
{
        yaml_node_t *disabled = NULL;
        yaml_node_pair_t *p;
        const char *id = NULL, *s;

        if (!n || n->type != YAML_MAPPING_NODE)
                return yaml_fail(l, n, "expected a mapping");
        for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
                const char *key = yaml_scalar(yaml_document_get_node(&l->doc, p->key));

                if (key && strcmp(key, "id") == 0)
                        id = yaml_scalar(yaml_document_get_node(&l->doc, p->value));
                else if (key && strcmp(key, "disabled") == 0)
                        disabled = yaml_document_get_node(&l->doc, p->value);
        }
        if (!disabled)
                return 0;
        s = yaml_scalar(disabled);
        if (s && strcmp(s, "false") == 0)
                return 0;
        if (!s || strcmp(s, "true") != 0)
                return yaml_fail(l, disabled, "disabled must be true or false");
        if (!id || n->data.mapping.pairs.top - n->data.mapping.pairs.start != 2)
                return yaml_fail(l, n, "a disabled %s takes its id and nothing else", k->what);
        *ret_id = id;
        return 1;
}

/* Each id once per file, whether defined or disabled. */
static int layer_seen(struct rules_layer *ly, yaml_node_t *n, const struct layer_kind *k, const char *id)
{
        struct strv *seen = &ly->seen[k->slot];
        size_t i;

        for (i = 0; i < seen->n; i++)
                if (strcmp(seen->v[i], id) == 0)
                        return yaml_fail(&ly->l, n, "%s '%s' is given twice", k->what, id);
        return strv_push(seen, id);
}

static int item_disable(struct rules_layer *ly, yaml_node_t *n, const struct layer_kind *k, const char *id,
                        void *items, size_t *n_items)
{
        size_t at;

        if (!item_find(items, *n_items, k, id, &at))
                return yaml_fail(&ly->l, n, "cannot disable %s '%s': there is no such %s", k->what, id, k->what);
        if (k->disable) {
                k->disable(item_at(items, k, at));
                return 0;
        }
        k->release(item_at(items, k, at));
        memmove(item_at(items, k, at), item_at(items, k, at + 1), (*n_items - at - 1) * k->size);
        (*n_items)--;
        return 0;
}

/* Moves item into the array: over the item of the same id, else as a new one.
 * On failure the caller still owns item. */
static int item_put(struct rules_layer *ly, yaml_node_t *n, const struct layer_kind *k, void *item, void **items,
                    size_t *n_items)
{
        size_t at, cap;
        void *v;
        int r;

        if (item_find(*items, *n_items, k, k->id(item), &at)) {
                k->release(item_at(*items, k, at));
                memcpy(item_at(*items, k, at), item, k->size);
                return 0;
        }
        if (*n_items >= YAML_MAX_ITEMS)
                return yaml_fail(&ly->l, n, "too many %s", k->plural);
        /* These arrays grow here only, so their capacity follows from their count. */
        v = *items;
        cap = array_capacity(*n_items);
        r = array_reserve(&v, &cap, *n_items + 1, k->size);
        if (r < 0)
                return r;
        *items = v;
        at = k->first ? ly->first_at++ : *n_items;
        memmove(item_at(v, k, at + 1), item_at(v, k, at), (*n_items - at) * k->size);
        memcpy(item_at(v, k, at), item, k->size);
        (*n_items)++;
        return 0;
}

struct item_fields {
        const struct layer_kind *k;
        void *item;
};

static int item_field(struct yaml_loader *l, const char *key, yaml_node_t *v, void *userdata)
{
        struct item_fields *f = userdata;

        if (strcmp(key, "disabled") == 0)
                return 0;       /* false, or item_disabled() would have taken it */
        return f->k->field(l, key, v, f->item);
}

int layer_item(struct rules_layer *ly, yaml_node_t *n, const struct layer_kind *k, void **items, size_t *n_items)
{
        struct item_fields f = { .k = k };
        const char *id = NULL;
        int r;

        r = item_disabled(&ly->l, n, k, &id);
        if (r < 0)
                return r;
        if (r > 0) {
                r = layer_seen(ly, n, k, id);
                return r < 0 ? r : item_disable(ly, n, k, id, *items, n_items);
        }
        f.item = calloc(1, k->size);
        if (!f.item)
                return -ENOMEM;
        k->init(f.item);
        r = yaml_each_pair(&ly->l, n, item_field, &f);
        if (r >= 0)
                r = k->check(&ly->l, n, f.item);
        if (r >= 0)
                r = layer_seen(ly, n, k, k->id(f.item));
        if (r >= 0)
                r = item_put(ly, n, k, f.item, items, n_items);
        if (r < 0)
                k->release(f.item);
        free(f.item);
        return r;
}

/* ---- surfaces ---- */

static int surface_field(struct yaml_loader *l, const char *key, yaml_node_t *v, void *item)
{
        struct surface *s = item;

        if (strcmp(key, "id") == 0)
                return yaml_get_string(l, v, "id", &s->key);
        if (strcmp(key, "surface") == 0)
                return yaml_get_string(l, v, "surface", &s->surface);
        if (strcmp(key, "paths") == 0)
                return yaml_get_strv(l, v, "paths", &s->paths);
        if (strcmp(key, "audit") == 0) {
                const char *a = yaml_scalar(v);

                if (a && strcmp(a, "alert") == 0)
                        s->audit = SURFACE_AUDIT_ALERT;
                else if (a && strcmp(a, "event") == 0)
                        s->audit = SURFACE_AUDIT_EVENT;
                else if (a && (strcmp(a, "off") == 0 || strcmp(a, "false") == 0))     /* YAML 1.1 tools write off as false */
                        s->audit = SURFACE_AUDIT_OFF;
                else
                        return yaml_fail(l, v, "audit must be alert, event or off");
                return 0;
        }
        return rule_common_field(l, key, v, &s->name, &s->severity, &s->techniques, &s->controls);
}

/* The rule of one area (DW-<area>-<key>) for a surface. */
static int surface_rule(struct surface *s, struct rule *rule, const char *area, const char *what)
{
        int r;

        if (asprintf(&rule->id, "DW-%s-%s", area, s->key) < 0) {
                rule->id = NULL;
                return -ENOMEM;
        }
        if (asprintf(&rule->name, "%s %s", s->name, what) < 0) {
                rule->name = NULL;
                return -ENOMEM;
        }
        if (!rule_id_valid(rule->id))
                return -EINVAL;
        rule->severity = s->severity;
        rule->surface = s->surface;
        r = strv_copy(&s->techniques, &rule->techniques);
        if (r >= 0)
                r = strv_copy(&s->controls, &rule->controls);
        return r;
}

static int surface_check(struct yaml_loader *l, yaml_node_t *n, void *item)
{
        struct surface *s = item;
        int r;

        if (!s->key || !s->surface || !s->name || s->paths.n == 0)
                return yaml_fail(l, n, "a surface needs id, surface, name and paths");
        r = surface_rule(s, &s->fim, "FIM", "changed");
        if (r >= 0)
                r = surface_rule(s, &s->etc, "ETC", "differs from the image");
        if (r >= 0)
                r = surface_rule(s, &s->aud, "AUD", "written");
        if (r == -EINVAL)
                return yaml_fail(l, n, "surface id '%s' must be upper-case letters, digits and dashes", s->key);
        return r;
}

static void surface_init(void *item)
{
        *(struct surface *) item = (struct surface) { .severity = SEVERITY_MEDIUM };
}

static const char *surface_id(const void *item)
{
        return ((const struct surface *) item)->key;
}

/* New surfaces go first: a user's more specific surface wins the first match. */
static const struct layer_kind surface_kind = {
        .what = "surface", .plural = "surfaces", .slot = LAYER_SURFACES, .size = sizeof(struct surface),
        .init = surface_init, .field = surface_field, .check = surface_check, .id = surface_id,
        .release = surface_release, .first = true,
};

static int surface_item(struct yaml_loader *l, yaml_node_t *n, void *userdata)
{
        struct rules_layer *ly = userdata;
        void *v = ly->rs->surfaces;
        int r = layer_item(ly, n, &surface_kind, &v, &ly->rs->n_surfaces);

        (void) l;
        ly->rs->surfaces = v;
        return r;
}

/* ---- rules ---- */

static int rule_field(struct yaml_loader *l, const char *key, yaml_node_t *v, void *item)
{
        struct rule *r = item;

        if (strcmp(key, "id") == 0)
                return yaml_get_string(l, v, "id", &r->id);
        return rule_common_field(l, key, v, &r->name, &r->severity, &r->techniques, &r->controls);
}

static int rule_check(struct yaml_loader *l, yaml_node_t *n, void *item)
{
        struct rule *ru = item;

        if (!ru->id || !ru->name)
                return yaml_fail(l, n, "a rule needs id and name");
        if (!rule_id_valid(ru->id))
                return yaml_fail(l, n, "rule id '%s' is not of the form DW-AREA-NAME", ru->id);
        return 0;
}

static void rule_init(void *item)
{
        *(struct rule *) item = (struct rule) { .severity = SEVERITY_MEDIUM };
}

static const char *rule_id(const void *item)
{
        return ((const struct rule *) item)->id;
}

static void rule_release_item(void *item)
{
        rule_release(item);
}

/* A disabled rule stays: the code still finds it by id; output drops its findings. */
static void rule_disable(void *item)
{
        ((struct rule *) item)->disabled = true;
}

static const struct layer_kind rule_kind = {
        .what = "rule", .plural = "rules", .slot = LAYER_RULES, .size = sizeof(struct rule),
        .init = rule_init, .field = rule_field, .check = rule_check, .id = rule_id,
        .release = rule_release_item, .disable = rule_disable,
};

static int rule_item(struct yaml_loader *l, yaml_node_t *n, void *userdata)
{
        struct rules_layer *ly = userdata;
        void *v = ly->rs->rules;
        int r = layer_item(ly, n, &rule_kind, &v, &ly->rs->n_rules);

        (void) l;
        ly->rs->rules = v;
        return r;
}

/* ---- a layer, and the ruleset ---- */

/* mounts: the mount table's watch list (driftwatch mounts). */
static int mounts_field(struct yaml_loader *l, const char *key, yaml_node_t *v, void *item)
{
        struct ruleset *rs = item;

        if (strcmp(key, "watch") == 0) {
                strv_release(&rs->mount_watch);         /* a layer's list replaces the one before */
                return yaml_get_strv(l, v, "watch", &rs->mount_watch);
        }
        return yaml_fail(l, v, "unknown key '%s'", key);
}

static int top_field(struct yaml_loader *l, const char *key, yaml_node_t *v, void *item)
{
        struct rules_layer *ly = item;

        if (strcmp(key, "version") == 0)
                return yaml_check_version(l, v);
        if (strcmp(key, "surfaces") == 0)
                return yaml_each_item(l, v, "surfaces", surface_item, ly);
        if (strcmp(key, "rules") == 0)
                return yaml_each_item(l, v, "rules", rule_item, ly);
        if (strcmp(key, "audit") == 0)
                return audit_policy_load(ly, v);
        if (strcmp(key, "mounts") == 0)
                return yaml_each_pair(l, v, mounts_field, ly->rs);
        return yaml_fail(l, v, "unknown key '%s'", key);
}

int ruleset_new(struct ruleset **ret)
{
        struct ruleset *rs = calloc(1, sizeof(*rs));

        if (!rs)
                return -ENOMEM;
        audit_policy_init(&rs->audit);
        *ret = rs;
        return 0;
}

/* Merges the document ly->l holds (r: how opening it went) into ly->rs. */
static int layer_document(struct rules_layer *ly, yaml_node_t *root, int r, char **ret_error)
{
        struct ruleset *rs = ly->rs;
        size_t i;

        if (r >= 0)
                r = root ? yaml_each_pair(&ly->l, root, top_field, ly) : yaml_fail(&ly->l, NULL, "empty document");
        if (r >= 0)
                r = audit_policy_check(&ly->l, root, rs);
        if (r < 0 && ret_error)
                *ret_error = TAKE_PTR(ly->l.error);
        yaml_loader_release(&ly->l);
        for (i = 0; i < LAYER_SLOTS; i++)
                strv_release(&ly->seen[i]);
        return r;
}

int ruleset_layer(struct ruleset *rs, const char *buf, size_t len, char **ret_error)
{
        struct rules_layer ly = { .rs = rs };
        yaml_node_t *root = NULL;
        int r;

        r = yaml_loader_open(&ly.l, buf, len, RULES_MAX_BYTES, &root);
        return layer_document(&ly, root, r, ret_error);
}

/* rules/default.yaml, compiled into the binary as the document libyaml loads
 * from it (src/rules/compile-rules.c): the same loader, no parse. */
static int layer_builtin(struct ruleset *rs, char **ret_error)
{
        struct rules_layer ly = { .rs = rs };
        yaml_node_t *root;

        yaml_loader_open_document(&ly.l, &default_rules_document, &root);
        return layer_document(&ly, root, 0, ret_error);
}

int ruleset_check(const struct ruleset *rs, char **ret_error)
{
        const char *const *id;

        for (id = ruleset_required_ids; *id; id++)
                if (!ruleset_rule(rs, *id)) {
                        if (ret_error && asprintf(ret_error, "rule '%s' is missing from the rules: the code "
                                                  "emits it, rules/default.yaml defines it", *id) < 0)
                                *ret_error = NULL;
                        return -EBADMSG;
                }
        return 0;
}

/* The defaults and then buf, if given. */
static int ruleset_build(const char *buf, size_t len, struct ruleset **ret, char **ret_error)
{
        _cleanup_(ruleset_freep) struct ruleset *rs = NULL;
        int r;

        if (ret_error)
                *ret_error = NULL;
        r = ruleset_new(&rs);
        if (r >= 0)
                r = layer_builtin(rs, ret_error);
        if (r >= 0 && buf)
                r = ruleset_layer(rs, buf, len, ret_error);
        if (r >= 0)
                r = ruleset_check(rs, ret_error);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(rs);
        return 0;
}

int ruleset_parse(const char *buf, size_t len, struct ruleset **ret, char **ret_error)
{
        return ruleset_build(buf, len, ret, ret_error);
}

int ruleset_default(struct ruleset **ret, char **ret_error)
{
        return ruleset_build(NULL, 0, ret, ret_error);
}

/* ---- layer files ---- */

/* "cannot read rules 'PATH': REASON" into *ret_error; returns r. reason is
 * already escaped (a loader's message) or NULL for strerror. */
static int file_fail(char **ret_error, int r, const char *what, const char *path, const char *reason)
{
        _cleanup_(freep) char *p = NULL;

        if (!ret_error)
                return r;
        if (escape_text_alloc(path, &p) < 0 ||
            asprintf(ret_error, "%s '%s': %s", what, p, reason ? reason : strerror(-r)) < 0)
                *ret_error = NULL;
        return r;
}

/* Merges the text of the file at path into rs; takes text. */
static int layer_text(struct ruleset *rs, char *text, size_t len, const char *path, char **ret_error)
{
        _cleanup_(freep) char *msg = NULL, *t = text;
        int r;

        r = ruleset_layer(rs, t, len, &msg);
        if (r < 0)
                return file_fail(ret_error, r, "cannot load rules", path, msg);
        return 0;
}

/* A file a user names: followed like any path, a pipe too (--rules <(...)). */
static int layer_named_file(struct ruleset *rs, const char *path, char **ret_error)
{
        char *text = NULL;
        size_t len = 0;
        int r;

        r = read_file(path, RULES_MAX_BYTES, &text, &len);
        if (r < 0)
                return file_fail(ret_error, r, "cannot read rules", path, NULL);
        return layer_text(rs, text, len, path, ret_error);
}

/* A file of the rules directory: only a regular one is read; a FIFO or a
 * device dropped there is refused, not waited on. */
static int layer_dir_entry(struct ruleset *rs, int dirfd, const char *name, const char *path, char **ret_error)
{
        _cleanup_(closep) int fd = -1;
        char *text = NULL;
        struct stat st;
        size_t len = 0;
        int r;

        fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0 || fstat(fd, &st) < 0)
                return file_fail(ret_error, negative_errno(), "cannot read rules", path, NULL);
        if (!S_ISREG(st.st_mode))
                return file_fail(ret_error, -EINVAL, "cannot read rules", path, "not a regular file");
        r = read_fd_all(fd, RULES_MAX_BYTES, &text, &len);
        if (r < 0)
                return file_fail(ret_error, r, "cannot read rules", path, NULL);
        return layer_text(rs, text, len, path, ret_error);
}

static int layer_dir(struct ruleset *rs, const char *dir, size_t max, char **ret_error)
{
        _cleanup_(strv_release) struct strv names = { 0 };
        _cleanup_(closep) int fd = -1;
        size_t i;
        int r;

        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT)
                return 0;
        if (fd < 0)
                return file_fail(ret_error, negative_errno(), "cannot open rules directory", dir, NULL);
        r = dir_names_with_suffix(fd, ".yaml", max, &names);
        if (r == -E2BIG)
                return file_fail(ret_error, r, "cannot load rules directory", dir, "too many rules files");
        if (r < 0)
                return file_fail(ret_error, r, "cannot read rules directory", dir, NULL);
        for (i = 0; i < names.n; i++) {
                _cleanup_(freep) char *path = NULL;

                if (asprintf(&path, "%s/%s", dir, names.v[i]) < 0)
                        return -ENOMEM;
                r = layer_dir_entry(rs, fd, names.v[i], path, ret_error);
                if (r < 0)
                        return r;
        }
        return 0;
}

int ruleset_load(const char *const *files, size_t n_files, const char *dir, struct ruleset **ret,
                 char **ret_error)
{
        _cleanup_(ruleset_freep) struct ruleset *rs = NULL;
        _cleanup_(freep) char *msg = NULL;
        size_t i;
        int r;

        if (ret_error)
                *ret_error = NULL;
        if (n_files > RULES_MAX_LAYERS)
                return file_fail(ret_error, -E2BIG, "cannot load rules", files[RULES_MAX_LAYERS],
                                 "too many rules files");
        r = ruleset_new(&rs);
        if (r < 0)
                return r;
        r = layer_builtin(rs, &msg);
        if (r < 0)
                return file_fail(ret_error, r, "cannot load rules", "(built-in)", msg);
        for (i = 0; i < n_files; i++) {
                r = layer_named_file(rs, files[i], ret_error);
                if (r < 0)
                        return r;
        }
        if (dir) {
                r = layer_dir(rs, dir, RULES_MAX_LAYERS - n_files, ret_error);
                if (r < 0)
                        return r;
        }
        r = ruleset_check(rs, ret_error);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(rs);
        return 0;
}

/* The first component of path (len bytes, no leading '/'): its length. */
static size_t component_len(const char *path, size_t len)
{
        const char *slash = memchr(path, '/', len);

        return slash ? (size_t) (slash - path) : len;
}

/* Iterative, with one resume point: the last '**' seen. On a mismatch that
 * '**' takes one more component and matching resumes after it; earlier ones
 * never need to, since the last '**' can take whatever they would have. Time
 * is pattern components times path components, where trying every split for
 * every '**' was exponential in their number (a 250-byte allowlist entry
 * matched against an eight-component path did not finish in a minute). */
bool path_glob(const char *pattern, const char *path, size_t len)
{
        const char *star_pattern = NULL, *star_path = NULL;
        size_t plen, slen, star_len = 0;
        char pseg[256], sseg[256];

        for (;;) {
                while (*pattern == '/')
                        pattern++;
                while (len && *path == '/')
                        path++, len--;
                if (!*pattern && len == 0)
                        return true;
                plen = strcspn(pattern, "/");
                if (plen == 2 && pattern[0] == '*' && pattern[1] == '*') {
                        /* Zero components first; more on a later mismatch. */
                        pattern += plen;
                        star_pattern = pattern, star_path = path, star_len = len;
                        continue;
                }
                slen = len ? component_len(path, len) : 0;
                if (*pattern && len && plen < sizeof(pseg) && slen < sizeof(sseg) && !memchr(path, '\0', slen)) {
                        memcpy(pseg, pattern, plen);
                        pseg[plen] = '\0';
                        memcpy(sseg, path, slen);
                        sseg[slen] = '\0';
                        if (fnmatch(pseg, sseg, 0) == 0) {
                                pattern += plen;
                                path += slen;
                                len -= slen;
                                continue;
                        }
                }
                /* A mismatch: the last '**' takes one more component. */
                while (star_len && *star_path == '/')
                        star_path++, star_len--;
                if (!star_pattern || star_len == 0)
                        return false;
                slen = component_len(star_path, star_len);
                star_path += slen, star_len -= slen;
                pattern = star_pattern, path = star_path, len = star_len;
        }
}

const struct surface *ruleset_match(const struct ruleset *rs, const char *path, size_t len)
{
        size_t i, j;

        for (i = 0; i < rs->n_surfaces; i++)
                for (j = 0; j < rs->surfaces[i].paths.n; j++)
                        if (path_glob(rs->surfaces[i].paths.v[j], path, len))
                                return &rs->surfaces[i];
        return NULL;
}

const struct rule *ruleset_rule(const struct ruleset *rs, const char *id)
{
        size_t i;

        for (i = 0; i < rs->n_rules; i++)
                if (strcmp(rs->rules[i].id, id) == 0)
                        return &rs->rules[i];
        for (i = 0; i < rs->audit.n_commands; i++)
                if (strcmp(rs->audit.commands[i].rule.id, id) == 0)
                        return &rs->audit.commands[i].rule;
        return NULL;
}
