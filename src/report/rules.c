/* Detection content loaded from YAML; see rules.h. */
#define _GNU_SOURCE
#include "rules.h"
#include "rules-internal.h"

#include <errno.h>
#include <stdarg.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "parse/yaml-load.h"

#define RULES_MAX_BYTES ((size_t) 4 << 20)
#define YAML_MAX_ITEMS 4096

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

void rule_release(struct rule *r)
{
        free(r->id);
        free(r->name);
        strv_release(&r->techniques);
        strv_release(&r->controls);
}

struct ruleset *ruleset_free(struct ruleset *rs)
{
        size_t i;

        if (!rs)
                return NULL;
        for (i = 0; i < rs->n_surfaces; i++) {
                struct surface *s = &rs->surfaces[i];

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
        free(rs->surfaces);
        for (i = 0; i < rs->n_rules; i++)
                rule_release(&rs->rules[i]);
        free(rs->rules);
        audit_policy_release(&rs->audit);
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

static int rule_field(struct yaml_loader *l, const char *key, yaml_node_t *v, void *item)
{
        struct rule *r = item;

        if (strcmp(key, "id") == 0)
                return yaml_get_string(l, v, "id", &r->id);
        return rule_common_field(l, key, v, &r->name, &r->severity, &r->techniques, &r->controls);
}

/* The rule of one area (DW-<area>-<key>) for a surface. */
static int surface_rule(struct surface *s, struct rule *rule, const char *area, const char *what)
{
        int r;

        if (asprintf(&rule->id, "DW-%s-%s", area, s->key) < 0 || asprintf(&rule->name, "%s %s", s->name, what) < 0)
                return -ENOMEM;
        if (!rule_id_valid(rule->id))
                return -EINVAL;
        rule->severity = s->severity;
        rule->surface = s->surface;
        r = strv_copy(&s->techniques, &rule->techniques);
        if (r >= 0)
                r = strv_copy(&s->controls, &rule->controls);
        return r;
}

static int load_surfaces(struct yaml_loader *l, yaml_node_t *seq, struct ruleset *rs)
{
        yaml_node_item_t *it;
        int r;

        if (!seq || seq->type != YAML_SEQUENCE_NODE)
                return yaml_fail(l, seq, "surfaces must be a list");
        for (it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++) {
                yaml_node_t *n = yaml_document_get_node(&l->doc, *it);
                struct surface *s;

                if (rs->n_surfaces >= YAML_MAX_ITEMS)
                        return yaml_fail(l, n, "too many surfaces");
                s = realloc(rs->surfaces, (rs->n_surfaces + 1) * sizeof(*s));
                if (!s)
                        return -ENOMEM;
                rs->surfaces = s;
                s = &rs->surfaces[rs->n_surfaces++];
                *s = (struct surface) { .severity = SEVERITY_MEDIUM };
                r = yaml_each_pair(l, n, surface_field, s);
                if (r < 0)
                        return r;
                if (!s->key || !s->surface || !s->name || s->paths.n == 0)
                        return yaml_fail(l, n, "a surface needs id, surface, name and paths");
                r = surface_rule(s, &s->fim, "FIM", "changed");
                if (r >= 0)
                        r = surface_rule(s, &s->etc, "ETC", "differs from the image");
                if (r >= 0)
                        r = surface_rule(s, &s->aud, "AUD", "written");
                if (r == -EINVAL)
                        return yaml_fail(l, n, "surface id '%s' must be upper-case letters, digits and dashes", s->key);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int load_rules(struct yaml_loader *l, yaml_node_t *seq, struct ruleset *rs)
{
        yaml_node_item_t *it;
        int r;

        if (!seq || seq->type != YAML_SEQUENCE_NODE)
                return yaml_fail(l, seq, "rules must be a list");
        for (it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++) {
                yaml_node_t *n = yaml_document_get_node(&l->doc, *it);
                struct rule *ru;

                if (rs->n_rules >= YAML_MAX_ITEMS)
                        return yaml_fail(l, n, "too many rules");
                ru = realloc(rs->rules, (rs->n_rules + 1) * sizeof(*ru));
                if (!ru)
                        return -ENOMEM;
                rs->rules = ru;
                ru = &rs->rules[rs->n_rules++];
                *ru = (struct rule) { .severity = SEVERITY_MEDIUM };
                r = yaml_each_pair(l, n, rule_field, ru);
                if (r < 0)
                        return r;
                if (!ru->id || !ru->name)
                        return yaml_fail(l, n, "a rule needs id and name");
                if (!rule_id_valid(ru->id))
                        return yaml_fail(l, n, "rule id '%s' is not of the form DW-AREA-NAME", ru->id);
        }
        return 0;
}

static int top_field(struct yaml_loader *l, const char *key, yaml_node_t *v, void *item)
{
        struct ruleset *rs = item;
        if (strcmp(key, "version") == 0)
                return yaml_check_version(l, v);
        if (strcmp(key, "surfaces") == 0)
                return load_surfaces(l, v, rs);
        if (strcmp(key, "rules") == 0)
                return load_rules(l, v, rs);
        if (strcmp(key, "audit") == 0)
                return audit_policy_load(l, v, rs);
        return yaml_fail(l, v, "unknown key '%s'", key);
}

int ruleset_parse(const char *buf, size_t len, struct ruleset **ret, char **ret_error)
{
        _cleanup_(ruleset_freep) struct ruleset *rs = NULL;
        _cleanup_(yaml_loader_release) struct yaml_loader l;
        yaml_node_t *root = NULL;
        int r;

        if (ret_error)
                *ret_error = NULL;
        rs = calloc(1, sizeof(*rs));
        if (!rs)
                return -ENOMEM;
        audit_policy_init(&rs->audit);
        r = yaml_loader_open(&l, buf, len, RULES_MAX_BYTES, &root);
        if (r >= 0)
                r = root ? yaml_each_pair(&l, root, top_field, rs) : yaml_fail(&l, NULL, "empty document");
        if (r >= 0)
                r = audit_policy_check(&l, root, rs);
        if (r < 0) {
                if (ret_error)
                        *ret_error = TAKE_PTR(l.error);
                return r;
        }
        *ret = TAKE_PTR(rs);
        return 0;
}

int ruleset_default(struct ruleset **ret, char **ret_error)
{
        return ruleset_parse(default_rules_yaml, default_rules_yaml_len, ret, ret_error);
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
