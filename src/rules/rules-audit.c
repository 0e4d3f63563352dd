/* The `audit:` section of the detection content: the program runs that are
 * findings, the upgraders whose process trees are folded into upgrade events,
 * the expected writers, and the bulk and pipeline-health settings. Format in
 * docs/audit.md. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "parse/cgroup-unit.h"
#include "rules-internal.h"

#define MAX_SECONDS_SETTING (7 * 24 * 3600)

void audit_policy_init(struct audit_policy *p)
{
        *p = (struct audit_policy) {
                .bulk_min_paths = 10,
                .bulk_window_s = 60,
                .upgrade_idle_s = 300,
                .health_interval_s = 300,
                .argv_window_s = 5,
        };
}

static void match_release(struct audit_match *m)
{
        strv_release(&m->programs);
        strv_release(&m->exes);
        strv_release(&m->comms);
        strv_release(&m->verbs);
        strv_release(&m->options);
}

static void command_release(void *item);
static void upgrader_release(void *item);
static void allow_release(void *item);

void audit_policy_release(struct audit_policy *p)
{
        size_t i;

        for (i = 0; i < p->n_commands; i++)
                command_release(&p->commands[i]);
        free(p->commands);
        for (i = 0; i < p->n_upgraders; i++)
                upgrader_release(&p->upgraders[i]);
        free(p->upgraders);
        for (i = 0; i < p->n_allow; i++)
                allow_release(&p->allow[i]);
        free(p->allow);
        strv_release(&p->bulk_surfaces);
        strv_release(&p->bulk_high_value);
        strv_release(&p->mount_targets);
        strv_release(&p->home_roots);
        audit_policy_init(p);
}

/* A match field; 1 if key was one, 0 if not. */
static int match_field(struct yaml_loader *l, const char *key, yaml_node_t *v, struct audit_match *m)
{
        const char *s;

        if (strcmp(key, "program") == 0)
                return yaml_get_strv(l, v, "program", &m->programs) ?: 1;
        if (strcmp(key, "exe") == 0)
                return yaml_get_strv(l, v, "exe", &m->exes) ?: 1;
        if (strcmp(key, "comm") == 0)
                return yaml_get_strv(l, v, "comm", &m->comms) ?: 1;
        if (strcmp(key, "verbs") == 0)
                return yaml_get_strv(l, v, "verbs", &m->verbs) ?: 1;
        if (strcmp(key, "options") == 0)
                return yaml_get_strv(l, v, "options", &m->options) ?: 1;
        if (strcmp(key, "interactive") == 0) {
                s = yaml_scalar(v);
                if (s && strcmp(s, "true") == 0)
                        m->interactive = 1;
                else if (s && strcmp(s, "false") == 0)
                        m->interactive = 0;
                else
                        return yaml_fail(l, v, "interactive must be true or false");
                return 1;
        }
        return 0;
}

static bool match_names_process(const struct audit_match *m)
{
        return m->programs.n || m->exes.n || m->comms.n;
}

static int get_seconds(struct yaml_loader *l, yaml_node_t *v, const char *what, unsigned min, unsigned *ret)
{
        const char *s = yaml_scalar(v);
        char *end;
        long n;

        errno = 0;
        n = s ? strtol(s, &end, 10) : -1;
        if (!s || errno || *end || end == s || n < (long) min || n > MAX_SECONDS_SETTING)
                return yaml_fail(l, v, "%s must be a number from %u to %d", what, min, MAX_SECONDS_SETTING);
        *ret = (unsigned) n;
        return 0;
}

/* ---- commands ---- */


static int command_field(struct yaml_loader *l, const char *key, yaml_node_t *v, void *item)
{
        struct audit_command *c = item;
        const char *s;
        int r = match_field(l, key, v, &c->match);

        if (r != 0)
                return r < 0 ? r : 0;
        if (strcmp(key, "id") == 0)
                return yaml_get_string(l, v, "id", &c->rule.id);
        if (strcmp(key, "target") == 0) {
                s = yaml_scalar(v);
                if (!s || (strcmp(s, "true") != 0 && strcmp(s, "false") != 0))
                        return yaml_fail(l, v, "target must be true or false");
                c->target = strcmp(s, "true") == 0;
                return 0;
        }
        return rule_common_field(l, key, v, &c->rule.name, &c->rule.severity, &c->rule.techniques,
                                 &c->rule.controls);
}

static int command_check(struct yaml_loader *l, yaml_node_t *n, void *item)
{
        struct audit_command *c = item;

        if (!c->rule.id || !c->rule.name)
                return yaml_fail(l, n, "a command needs id and name");
        if (!rule_id_valid(c->rule.id))
                return yaml_fail(l, n, "rule id '%s' is not of the form DW-AREA-NAME", c->rule.id);
        if (!match_names_process(&c->match))
                return yaml_fail(l, n, "command %s needs program, exe or comm", c->rule.id);
        return 0;
}

static void command_init(void *item)
{
        *(struct audit_command *) item = (struct audit_command) { .rule.severity = SEVERITY_MEDIUM,
                                                                  .match.interactive = -1 };
}

static const char *command_id(const void *item)
{
        return ((const struct audit_command *) item)->rule.id;
}

static void command_release(void *item)
{
        struct audit_command *c = item;

        rule_release(&c->rule);
        match_release(&c->match);
}

static const struct layer_kind command_kind = {
        .what = "command", .plural = "commands", .slot = LAYER_COMMANDS, .size = sizeof(struct audit_command),
        .init = command_init, .field = command_field, .check = command_check, .id = command_id,
        .release = command_release,
};

static int command_item(struct yaml_loader *l, yaml_node_t *n, void *userdata)
{
        struct rules_layer *ly = userdata;
        void *v = ly->rs->audit.commands;
        int r = layer_item(ly, n, &command_kind, &v, &ly->rs->audit.n_commands);

        (void) l;
        ly->rs->audit.commands = v;
        return r;
}

/* ---- upgraders ---- */

static int upgrader_field(struct yaml_loader *l, const char *key, yaml_node_t *v, void *item)
{
        struct audit_upgrader *u = item;
        int r = match_field(l, key, v, &u->match);

        if (r != 0)
                return r < 0 ? r : 0;
        if (strcmp(key, "id") == 0)
                return yaml_get_string(l, v, "id", &u->id);
        if (strcmp(key, "reason") == 0)
                return yaml_get_string(l, v, "reason", &u->reason);
        return yaml_fail(l, v, "unknown key '%s'", key);
}

static int upgrader_check(struct yaml_loader *l, yaml_node_t *n, void *item)
{
        struct audit_upgrader *u = item;

        if (!u->id || !u->reason)
                return yaml_fail(l, n, "an upgrader needs id and reason");
        if (!match_names_process(&u->match))
                return yaml_fail(l, n, "upgrader '%s' needs program, exe or comm", u->id);
        return 0;
}

static void upgrader_init(void *item)
{
        *(struct audit_upgrader *) item = (struct audit_upgrader) { .match.interactive = -1 };
}

static const char *upgrader_id(const void *item)
{
        return ((const struct audit_upgrader *) item)->id;
}

static void upgrader_release(void *item)
{
        struct audit_upgrader *u = item;

        free(u->id);
        free(u->reason);
        match_release(&u->match);
}

static const struct layer_kind upgrader_kind = {
        .what = "upgrader", .plural = "upgraders", .slot = LAYER_UPGRADERS, .size = sizeof(struct audit_upgrader),
        .init = upgrader_init, .field = upgrader_field, .check = upgrader_check, .id = upgrader_id,
        .release = upgrader_release,
};

static int upgrader_item(struct yaml_loader *l, yaml_node_t *n, void *userdata)
{
        struct rules_layer *ly = userdata;
        void *v = ly->rs->audit.upgraders;
        int r = layer_item(ly, n, &upgrader_kind, &v, &ly->rs->audit.n_upgraders);

        (void) l;
        ly->rs->audit.upgraders = v;
        return r;
}

/* ---- allow ---- */

static int add_auid(struct yaml_loader *l, yaml_node_t *v, struct audit_allow *a)
{
        const char *s = yaml_scalar(v);
        long long n, *ids;
        char *end;

        if (!s || !*s)
                return yaml_fail(l, v, "auid entries must be numbers or names");
        if (strcmp(s, "unset") == 0 || strcmp(s, "set") == 0) {
                if (a->auid != AUDIT_AUID_ANY)
                        return yaml_fail(l, v, "auid: unset and set stand alone");
                a->auid = strcmp(s, "unset") == 0 ? AUDIT_AUID_UNSET : AUDIT_AUID_SET;
                return 0;
        }
        if (a->auid != AUDIT_AUID_ANY && a->auid != AUDIT_AUID_LIST)
                return yaml_fail(l, v, "auid: unset and set stand alone");
        a->auid = AUDIT_AUID_LIST;
        errno = 0;
        n = strtoll(s, &end, 10);
        if (*end || errno) {
                if (strchr(s, ' ') || strlen(s) > 256)
                        return yaml_fail(l, v, "auid '%s' is neither a number nor a user name", s);
                return strv_push(&a->auid_names, s);
        }
        if (n < 0 || n >= 4294967295LL)
                return yaml_fail(l, v, "auid %s is out of range (use unset for -1)", s);
        if (a->n_auids >= YAML_MAX_ITEMS)
                return yaml_fail(l, v, "too many auids");
        ids = reallocarray(a->auids, a->n_auids + 1, sizeof(*ids));
        if (!ids)
                return -ENOMEM;
        a->auids = ids;
        a->auids[a->n_auids++] = n;
        return 0;
}

static int auid_item(struct yaml_loader *l, yaml_node_t *item, void *userdata)
{
        return add_auid(l, item, userdata);
}

/* unit: one name or glob, or a list: systemd's unit name characters and
 * fnmatch's, at most a unit name long. */
static int add_units(struct yaml_loader *l, yaml_node_t *v, struct audit_allow *a)
{
        const char *s = yaml_scalar(v);
        size_t i;
        int r;

        if (s) {
                if (a->units.n)
                        return yaml_fail(l, v, "unit given twice");
                r = strv_push(&a->units, s);
                if (r < 0)
                        return r;
        } else {
                r = yaml_get_strv(l, v, "unit", &a->units);
                if (r < 0)
                        return r;
        }
        for (i = 0; i < a->units.n; i++) {
                s = a->units.v[i];
                if (!*s || strlen(s) >= CGROUP_UNIT_MAX ||
                    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:-_.\\@*?[]!") != strlen(s))
                        return yaml_fail(l, v, "unit '%s' is not a unit name or glob", s);
        }
        return 0;
}

static int allow_field(struct yaml_loader *l, const char *key, yaml_node_t *v, void *item)
{
        struct audit_allow *a = item;
        int r = match_field(l, key, v, &a->match);

        if (r != 0)
                return r < 0 ? r : 0;
        if (strcmp(key, "id") == 0)
                return yaml_get_string(l, v, "id", &a->id);
        if (strcmp(key, "reason") == 0)
                return yaml_get_string(l, v, "reason", &a->reason);
        if (strcmp(key, "parent") == 0)
                return yaml_get_strv(l, v, "parent", &a->parents);
        if (strcmp(key, "unit") == 0)
                return add_units(l, v, a);
        if (strcmp(key, "rules") == 0)
                return yaml_get_strv(l, v, "rules", &a->rules);
        if (strcmp(key, "paths") == 0)
                return yaml_get_strv(l, v, "paths", &a->paths);
        if (strcmp(key, "auid") == 0) {
                if (a->auid != AUDIT_AUID_ANY)
                        return yaml_fail(l, v, "auid given twice");
                if (v && v->type == YAML_SEQUENCE_NODE)
                        return yaml_each_item(l, v, "auid", auid_item, a);
                return add_auid(l, v, a);
        }
        return yaml_fail(l, v, "unknown key '%s'", key);
}

static int allow_check(struct yaml_loader *l, yaml_node_t *n, void *item)
{
        struct audit_allow *a = item;

        if (!a->id || !a->reason)
                return yaml_fail(l, n, "an allow entry needs id and reason");
        /* An auid says who logged in, not what runs: it never allows on its own. */
        if (!match_names_process(&a->match) && a->parents.n == 0 && a->units.n == 0)
                return yaml_fail(l, n, "allow entry '%s' must name the process (program, exe, comm, unit) or its parent; "
                                 "auid alone never allows", a->id);
        return 0;
}

static void allow_init(void *item)
{
        *(struct audit_allow *) item = (struct audit_allow) { .match.interactive = -1 };
}

static const char *allow_id(const void *item)
{
        return ((const struct audit_allow *) item)->id;
}

static void allow_release(void *item)
{
        struct audit_allow *a = item;

        free(a->id);
        free(a->reason);
        free(a->auids);
        match_release(&a->match);
        strv_release(&a->parents);
        strv_release(&a->units);
        strv_release(&a->auid_names);
        strv_release(&a->rules);
        strv_release(&a->paths);
}

static const struct layer_kind allow_kind = {
        .what = "allow entry", .plural = "allow entries", .slot = LAYER_ALLOW, .size = sizeof(struct audit_allow),
        .init = allow_init, .field = allow_field, .check = allow_check, .id = allow_id,
        .release = allow_release,
};

static int allow_item(struct yaml_loader *l, yaml_node_t *n, void *userdata)
{
        struct rules_layer *ly = userdata;
        void *v = ly->rs->audit.allow;
        int r = layer_item(ly, n, &allow_kind, &v, &ly->rs->audit.n_allow);

        (void) l;
        ly->rs->audit.allow = v;
        return r;
}

/* ---- bulk and the section ---- */

static int bulk_field(struct yaml_loader *l, const char *key, yaml_node_t *v, void *item)
{
        struct audit_policy *p = item;

        if (strcmp(key, "surfaces") == 0) {
                strv_release(&p->bulk_surfaces);        /* a layer's list replaces the one before */
                return yaml_get_strv(l, v, "bulk surfaces", &p->bulk_surfaces);
        }
        if (strcmp(key, "high_value") == 0) {
                strv_release(&p->bulk_high_value);
                return yaml_get_strv(l, v, "bulk high_value", &p->bulk_high_value);
        }
        if (strcmp(key, "min_paths") == 0)
                return get_seconds(l, v, "min_paths", 2, &p->bulk_min_paths);
        if (strcmp(key, "window_seconds") == 0)
                return get_seconds(l, v, "window_seconds", 1, &p->bulk_window_s);
        return yaml_fail(l, v, "unknown key '%s'", key);
}

/* audit.home_roots: absolute directories; a layer's list replaces the one
 * before. audit-rules puts one tree rule on each (rules-gen.c), so a
 * wildcard there would have nothing to name. */
static int home_roots_get(struct yaml_loader *l, yaml_node_t *v, struct audit_policy *p)
{
        size_t i;
        int r;

        strv_release(&p->home_roots);
        r = yaml_get_strv(l, v, "home_roots", &p->home_roots);
        if (r < 0)
                return r;
        for (i = 0; i < p->home_roots.n; i++) {
                const char *h = p->home_roots.v[i];

                if (h[0] != '/' || strpbrk(h, "*?[\\"))
                        return yaml_fail(l, v, "home_roots: '%s' is not an absolute directory without wildcards", h);
        }
        return 0;
}

static int audit_field(struct yaml_loader *l, const char *key, yaml_node_t *v, void *item)
{
        struct rules_layer *ly = item;
        struct audit_policy *p = &ly->rs->audit;

        if (strcmp(key, "commands") == 0)
                return yaml_each_item(l, v, "commands", command_item, ly);
        if (strcmp(key, "upgraders") == 0)
                return yaml_each_item(l, v, "upgraders", upgrader_item, ly);
        if (strcmp(key, "allow") == 0)
                return yaml_each_item(l, v, "allow", allow_item, ly);
        if (strcmp(key, "bulk") == 0)
                return yaml_each_pair(l, v, bulk_field, p);
        if (strcmp(key, "upgrade_idle_seconds") == 0)
                return get_seconds(l, v, "upgrade_idle_seconds", 1, &p->upgrade_idle_s);
        if (strcmp(key, "health_interval_seconds") == 0)
                return get_seconds(l, v, "health_interval_seconds", 1, &p->health_interval_s);
        if (strcmp(key, "mount_targets") == 0) {
                strv_release(&p->mount_targets);        /* a layer's list replaces the one before */
                return yaml_get_strv(l, v, "mount_targets", &p->mount_targets);
        }
        if (strcmp(key, "argv_window_seconds") == 0)
                return get_seconds(l, v, "argv_window_seconds", 1, &p->argv_window_s);
        if (strcmp(key, "home_roots") == 0)
                return home_roots_get(l, v, p);
        return yaml_fail(l, v, "unknown key '%s'", key);
}

int audit_policy_load(struct rules_layer *ly, yaml_node_t *map)
{
        return yaml_each_pair(&ly->l, map, audit_field, ly);
}

int audit_policy_check(struct yaml_loader *l, yaml_node_t *root, const struct ruleset *rs)
{
        /* The bulk lists name surfaces by their short name; a name no surface
         * has (a layer disabled or renamed it) matches no write, as a path
         * glob matching no file does, so a layer that disables a persistence
         * surface need not restate the lists. */
        (void) l, (void) root, (void) rs;
        return 0;
}
