/* Unit tests for src/rules/rules.c: path globs ('*' within a component, '**'
 * across components), the compiled-in default rules and how paths map to
 * surfaces and rule ids, severities, layers over the defaults (replace,
 * disable, add by id; order; settings; rules.d files), the rule ids the code
 * emits, and the YAML loader's rejection of bad input with a line number, its
 * hostile keys and values escaped in the error (rules and allowlists alike). */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tmpdir.h"
#include "image/allowlist.h"
#include "parse/yaml-load.h"
#include "rules/rules.h"
#include "rules/rules-internal.h"

static bool glob(const char *pattern, const char *path)
{
        return path_glob(pattern, path, strlen(path));
}

static void test_glob_star(void **state)
{
        assert_true(glob("/etc/passwd", "/etc/passwd"));
        assert_false(glob("/etc/passwd", "/etc/passwd-"));
        assert_false(glob("/etc/passwd", "/etc"));
        assert_false(glob("/etc", "/etc/passwd"));
        assert_true(glob("/etc/*.conf", "/etc/a.conf"));
        assert_true(glob("/etc/*.conf", "/etc/.conf"));
        assert_false(glob("/etc/*.conf", "/etc/x/a.conf"));        /* '*' stays in one component */
        assert_false(glob("/etc/*", "/etc"));
        assert_true(glob("/etc/*", "/etc/x"));
        assert_false(glob("/etc/*", "/etc/x/y"));
        assert_true(glob("/etc/ssh/authorized_keys*", "/etc/ssh/authorized_keys2"));
        assert_false(glob("/etc/ssh/authorized_keys*", "/etc/ssh/authorized_keys/x"));
        assert_true(glob("/etc/?d", "/etc/rd"));
        assert_false(glob("/etc/?d", "/etc/d"));
        assert_true(glob("/etc/[ab]x", "/etc/bx"));
        assert_false(glob("/etc/[ab]x", "/etc/cx"));
        /* Repeated and trailing slashes in the path do not matter. */
        assert_true(glob("/etc/passwd", "//etc///passwd"));
        assert_true(glob("/etc", "/etc/"));
}

static void test_glob_double_star(void **state)
{
        const char *p = "/etc/sudoers.d/**";

        assert_true(glob(p, "/etc/sudoers.d/x"));
        assert_true(glob(p, "/etc/sudoers.d/a/b"));
        assert_true(glob(p, "/etc/sudoers.d/a/b/c/d"));
        assert_true(glob(p, "/etc/sudoers.d"));                     /* zero components */
        assert_false(glob(p, "/etc/sudoers.dx"));
        assert_false(glob(p, "/etc/sudoers.dx/y"));
        assert_false(glob(p, "/etc/sudoers"));
        assert_false(glob(p, "/etc"));

        p = "/home/*/.ssh/**";
        assert_true(glob(p, "/home/alice/.ssh"));
        assert_true(glob(p, "/home/alice/.ssh/authorized_keys"));
        assert_true(glob(p, "/home/alice/.ssh/a/b"));
        assert_false(glob(p, "/home/.ssh/authorized_keys"));
        assert_false(glob(p, "/home/alice/x/.ssh/authorized_keys"));
        assert_false(glob(p, "/home/alice/.sshx/authorized_keys"));
        assert_false(glob(p, "/root/.ssh/authorized_keys"));

        /* '**' in the middle: zero or more components. */
        p = "/a/**/b";
        assert_true(glob(p, "/a/b"));
        assert_true(glob(p, "/a/x/b"));
        assert_true(glob(p, "/a/x/y/z/b"));
        assert_false(glob(p, "/a/x/c"));
        assert_false(glob(p, "/a/b/c"));
        assert_false(glob(p, "/b"));

        p = "/etc/systemd/*.conf.d/**";
        assert_true(glob(p, "/etc/systemd/system.conf.d/10-x.conf"));
        assert_false(glob(p, "/etc/systemd/system/x.conf.d/y"));

        assert_true(glob("/**", "/"));
        assert_true(glob("/**", "/any/thing/at/all"));
}

static void test_glob_length_and_nul(void **state)
{
        /* Only len bytes of the path count. */
        assert_true(path_glob("/etc/passwd", "/etc/passwdXYZ", 11));
        assert_false(path_glob("/etc/passwd", "/etc/passwdXYZ", 12));
        assert_true(path_glob("/etc/**", "/etc/a/b", 4));
        /* A component with a NUL byte never matches a '*' segment. */
        assert_false(path_glob("/etc/*", "/etc/a\0b", 8));
        assert_false(path_glob("/etc/a*", "/etc/a\0b/c", 10));
}

static void test_glob_many_double_stars(void **state)
{
        char pattern[512] = "", path[2048] = "/etc";
        size_t i;

        /* Each '**' used to try every split of the rest: exponential in their
         * number. Now bounded: a hang here is killed by the alarm. */
        alarm(10);
        for (i = 0; i < 60; i++)
                strcat(pattern, "/**");
        strcat(pattern, "/x");
        assert_false(glob(pattern, "/etc/a/b/c/d/e/f/g"));
        assert_true(glob(pattern, "/etc/a/b/c/d/e/f/x"));

        for (i = 0; i < 400; i++)
                strcat(path, "/x");
        assert_false(glob("/etc/**/x/**/x/**/x/**/y", path));
        strcat(path, "/y");
        assert_true(glob("/etc/**/x/**/x/**/x/**/y", path));
        alarm(0);

        /* A '**' that must take more than its first fit. */
        assert_true(glob("/a/**/b/c", "/a/b/x/b/c"));
        assert_false(glob("/a/**/b/c", "/a/b/x/b/d"));
        assert_true(glob("/**/b/**/c", "/b/x/b/c"));
        assert_true(glob("/a/**/**/b", "/a/b"));
        assert_true(glob("/a/**/**/b", "/a/x/y/b"));
        assert_false(glob("/a/**/b/**", "/a/x/y"));
}

static const struct surface *match(const struct ruleset *rs, const char *path)
{
        return ruleset_match(rs, path, strlen(path));
}

static bool strv_has(const struct strv *v, const char *s)
{
        for (size_t i = 0; i < v->n; i++)
                if (strcmp(v->v[i], s) == 0)
                        return true;
        return false;
}

static void test_default_rules(void **state)
{
        _cleanup_(ruleset_freep) struct ruleset *rs = NULL;
        const struct surface *s;
        const struct rule *r;
        char *error = NULL;

        assert_int_equal(ruleset_default(&rs, &error), 0);
        assert_null(error);
        assert_non_null(rs);
        assert_true(rs->n_surfaces > 10);
        assert_true(rs->n_rules >= 3);          /* every area adds its own */
        r = ruleset_rule(rs, "DW-IMG-USR-OVERLAY");
        assert_non_null(r);
        assert_int_equal(r->severity, SEVERITY_CRITICAL);

        s = match(rs, "/etc/sudoers.d/zzz_local");
        assert_non_null(s);
        assert_string_equal(s->key, "SUDOERS");
        assert_string_equal(s->surface, "sudoers.d");
        assert_string_equal(s->fim.id, "DW-FIM-SUDOERS");
        assert_string_equal(s->fim.name, "sudo policy changed");
        assert_ptr_equal(s->fim.surface, s->surface);
        assert_int_equal(s->severity, SEVERITY_HIGH);
        assert_int_equal(s->fim.severity, SEVERITY_HIGH);
        assert_true(strv_has(&s->fim.techniques, "T1548.003"));
        assert_true(strv_has(&s->fim.controls, "AC-6"));
        assert_ptr_equal(match(rs, "/etc/sudoers"), s);
        assert_ptr_equal(match(rs, "/etc/sudoers.d"), s);

        s = match(rs, "/usr/bin/ls");
        assert_non_null(s);
        assert_string_equal(s->key, "USR");
        assert_string_equal(s->fim.id, "DW-FIM-USR");
        assert_int_equal(s->fim.severity, SEVERITY_HIGH);
        assert_ptr_equal(match(rs, "/usr"), s);

        /* The more specific surface wins over the general one below it. */
        s = match(rs, "/var/lib/extensions/x.raw");
        assert_non_null(s);
        assert_string_equal(s->key, "EXTENSIONS");
        assert_string_equal(s->fim.id, "DW-FIM-EXTENSIONS");
        s = match(rs, "/usr/lib/extensions/y.raw");
        assert_non_null(s);
        assert_string_equal(s->key, "EXTENSIONS");

        s = match(rs, "/etc/containers/policy.json");
        assert_non_null(s);
        assert_string_equal(s->key, "CONTAINERS-POLICY");
        assert_string_equal(s->fim.id, "DW-FIM-CONTAINERS-POLICY");
        assert_int_equal(s->fim.severity, SEVERITY_CRITICAL);

        s = match(rs, "/etc/hostname");
        assert_non_null(s);
        assert_string_equal(s->key, "CONFIG");
        assert_string_equal(s->fim.id, "DW-FIM-CONFIG");
        assert_int_equal(s->fim.severity, SEVERITY_MEDIUM);
        assert_int_equal(s->fim.techniques.n, 0);

        s = match(rs, "/etc/sudoers.dx");
        assert_non_null(s);
        assert_string_equal(s->key, "CONFIG");

        s = match(rs, "/home/alice/.ssh/authorized_keys");
        assert_non_null(s);
        assert_string_equal(s->key, "SSH-KEYS");

        s = match(rs, "/var/tmp/x");
        assert_non_null(s);
        assert_string_equal(s->key, "VAR");
        assert_int_equal(s->fim.severity, SEVERITY_LOW);

        assert_null(match(rs, "/opt/app/bin"));
        assert_null(match(rs, "/"));
        assert_null(match(rs, "/etcetera"));

        r = ruleset_rule(rs, "DW-FIM-MTIME");
        assert_non_null(r);
        assert_int_equal(r->severity, SEVERITY_LOW);
        r = ruleset_rule(rs, "DW-FIM-DRIFT");
        assert_non_null(r);
        assert_int_equal(r->severity, SEVERITY_MEDIUM);
        r = ruleset_rule(rs, "DW-FIM-UNREADABLE");
        assert_non_null(r);
        assert_true(strv_has(&r->techniques, "T1564"));
        assert_null(ruleset_rule(rs, "DW-FIM-NOPE"));
}

static void test_severity(void **state)
{
        enum severity s;

        assert_int_equal(severity_number(SEVERITY_LOW), 21);
        assert_int_equal(severity_number(SEVERITY_MEDIUM), 47);
        assert_int_equal(severity_number(SEVERITY_HIGH), 73);
        assert_int_equal(severity_number(SEVERITY_CRITICAL), 99);
        assert_int_equal(severity_number((enum severity) 0), 0);
        assert_int_equal(severity_number((enum severity) 5), 0);

        assert_string_equal(severity_name(SEVERITY_LOW), "low");
        assert_string_equal(severity_name(SEVERITY_CRITICAL), "critical");
        assert_string_equal(severity_name((enum severity) 9), "unknown");

        assert_int_equal(severity_from_name("high", &s), 0);
        assert_int_equal(s, SEVERITY_HIGH);
        assert_int_equal(severity_from_name("medium", &s), 0);
        assert_int_equal(s, SEVERITY_MEDIUM);
        assert_int_equal(severity_from_name("HIGH", &s), -EINVAL);
        assert_int_equal(severity_from_name("", &s), -EINVAL);
}

static const char custom_yaml[] =
        "version: 1\n"
        "surfaces:\n"
        "  - id: FIRST\n"
        "    surface: first\n"
        "    name: first thing\n"
        "    severity: critical\n"
        "    paths: [/srv/a, \"/srv/a/**\"]\n"
        "    techniques: [T1000]\n"
        "    controls: [CM-1, CM-2]\n"
        "  - id: ALL-SRV\n"
        "    surface: srv\n"
        "    name: everything in srv\n"
        "    paths: [\"/srv/**\"]\n"
        "rules:\n"
        "  - id: DW-X-ONE\n"
        "    name: one\n";

static size_t default_surfaces(void)
{
        _cleanup_(ruleset_freep) struct ruleset *rs = NULL;

        assert_int_equal(ruleset_default(&rs, NULL), 0);
        return rs->n_surfaces;
}

/* A layer's new surfaces come first, in its order; the defaults stay. */
static void test_parse_custom(void **state)
{
        _cleanup_(ruleset_freep) struct ruleset *rs = NULL;
        const struct surface *s;
        const struct rule *r;
        char *error = NULL;

        assert_int_equal(ruleset_parse(custom_yaml, strlen(custom_yaml), &rs, &error), 0);
        assert_null(error);
        assert_int_equal(rs->n_surfaces, default_surfaces() + 2);

        s = &rs->surfaces[0];
        assert_string_equal(s->key, "FIRST");
        assert_string_equal(s->name, "first thing");
        assert_int_equal(s->severity, SEVERITY_CRITICAL);
        assert_int_equal(s->paths.n, 2);
        assert_string_equal(s->paths.v[1], "/srv/a/**");
        assert_string_equal(s->fim.id, "DW-FIM-FIRST");
        assert_string_equal(s->fim.name, "first thing changed");
        assert_int_equal(s->fim.techniques.n, 1);
        assert_string_equal(s->fim.techniques.v[0], "T1000");
        assert_int_equal(s->fim.controls.n, 2);
        assert_string_equal(s->fim.controls.v[1], "CM-2");
        /* The rule's lists are copies, not the surface's own. */
        assert_ptr_not_equal(s->fim.techniques.v, s->techniques.v);

        /* Severity defaults to medium. */
        assert_string_equal(rs->surfaces[1].key, "ALL-SRV");
        assert_int_equal(rs->surfaces[1].severity, SEVERITY_MEDIUM);
        assert_int_equal(rs->surfaces[1].fim.techniques.n, 0);

        /* First matching surface wins. */
        assert_ptr_equal(match(rs, "/srv/a/x"), &rs->surfaces[0]);
        assert_ptr_equal(match(rs, "/srv/a"), &rs->surfaces[0]);
        assert_ptr_equal(match(rs, "/srv/b"), &rs->surfaces[1]);
        assert_ptr_equal(match(rs, "/srv"), &rs->surfaces[1]);
        /* The defaults are still there, after the layer's surfaces. */
        assert_string_equal(match(rs, "/etc/passwd")->key, "ACCOUNTS");
        assert_non_null(ruleset_rule(rs, "DW-FIM-DRIFT"));

        r = ruleset_rule(rs, "DW-X-ONE");
        assert_non_null(r);
        assert_string_equal(r->name, "one");
        assert_int_equal(r->severity, SEVERITY_MEDIUM);
        assert_null(r->surface);
}

/* The defaults hold every rule id the code emits; a ruleset without one is
 * refused, naming the id. */
static void test_required_ids(void **state)
{
        _cleanup_(ruleset_freep) struct ruleset *rs = NULL, *bare = NULL;
        const char *const *id;
        char *error = NULL;

        assert_int_equal(ruleset_default(&rs, NULL), 0);
        for (id = ruleset_required_ids; *id; id++)
                if (!ruleset_rule(rs, *id))
                        fail_msg("rules/default.yaml lacks %s", *id);
        assert_true(id - ruleset_required_ids >= 27);
        assert_int_equal(ruleset_check(rs, NULL), 0);

        /* One file alone, without the defaults: not a complete ruleset. */
        assert_int_equal(ruleset_new(&bare), 0);
        assert_int_equal(ruleset_layer(bare, custom_yaml, strlen(custom_yaml), &error), 0);
        assert_null(error);
        assert_int_equal(ruleset_check(bare, &error), -EBADMSG);
        assert_non_null(error);
        assert_non_null(strstr(error, "rule 'DW-FIM-DRIFT' is missing from the rules"));
        free(error);
}

static size_t surface_index(const struct ruleset *rs, const char *key)
{
        for (size_t i = 0; i < rs->n_surfaces; i++)
                if (strcmp(rs->surfaces[i].key, key) == 0)
                        return i;
        return SIZE_MAX;
}

/* The defaults alone in *ret_def, and with text as a layer over them in *ret. */
static void load_over_defaults(const char *text, struct ruleset **ret_def, struct ruleset **ret)
{
        char *error = NULL;

        assert_int_equal(ruleset_default(ret_def, NULL), 0);
        assert_int_equal(ruleset_parse(text, strlen(text), ret, &error), 0);
        assert_null(error);
}

/* An id that exists is replaced whole, in its place; the counts stay. */
static void test_layer_replace(void **state)
{
        static const char text[] =
                "version: 1\n"
                "surfaces:\n"
                "  - id: SUDOERS\n"
                "    surface: sudo\n"
                "    name: local sudo\n"
                "    severity: low\n"
                "    paths: [\"/srv/sudo/**\"]\n"
                "rules:\n"
                "  - id: DW-FIM-MTIME\n"
                "    name: touched\n"
                "    severity: high\n"
                "audit:\n"
                "  commands:\n"
                "    - id: DW-AUD-BOOTC-SWITCH\n"
                "      name: switched\n"
                "      program: [bootc]\n"
                "  upgraders:\n"
                "    - id: bootc\n"
                "      program: [bootc]\n"
                "      reason: mine\n"
                "  allow:\n"
                "    - id: authselect\n"
                "      comm: [authselect]\n"
                "      reason: mine too\n";
        _cleanup_(ruleset_freep) struct ruleset *def = NULL, *rs = NULL;
        const struct rule *r;
        size_t i;

        load_over_defaults(text, &def, &rs);
        assert_int_equal(rs->n_surfaces, def->n_surfaces);
        assert_int_equal(rs->n_rules, def->n_rules);
        assert_int_equal(rs->audit.n_commands, def->audit.n_commands);
        assert_int_equal(rs->audit.n_upgraders, def->audit.n_upgraders);
        assert_int_equal(rs->audit.n_allow, def->audit.n_allow);

        i = surface_index(rs, "SUDOERS");
        assert_int_equal(i, surface_index(def, "SUDOERS"));
        assert_string_equal(rs->surfaces[i].surface, "sudo");
        assert_int_equal(rs->surfaces[i].fim.severity, SEVERITY_LOW);
        assert_int_equal(rs->surfaces[i].techniques.n, 0);      /* whole: nothing kept from the default */
        assert_string_equal(match(rs, "/etc/sudoers.d/x")->key, "CONFIG");
        assert_ptr_equal(match(rs, "/srv/sudo/x"), &rs->surfaces[i]);

        r = ruleset_rule(rs, "DW-FIM-MTIME");
        assert_string_equal(r->name, "touched");
        assert_int_equal(r->severity, SEVERITY_HIGH);
        assert_int_equal(r->controls.n, 0);
        r = ruleset_rule(rs, "DW-AUD-BOOTC-SWITCH");
        assert_string_equal(r->name, "switched");
        for (i = 0; i < rs->audit.n_upgraders; i++)
                if (strcmp(rs->audit.upgraders[i].id, "bootc") == 0)
                        assert_string_equal(rs->audit.upgraders[i].reason, "mine");
        for (i = 0; i < rs->audit.n_allow; i++)
                if (strcmp(rs->audit.allow[i].id, "authselect") == 0)
                        assert_int_equal(rs->audit.allow[i].auid, AUDIT_AUID_ANY);
}

/* disabled: a surface, command, upgrader or allow entry is removed; a rule
 * stays findable, marked. */
static void test_layer_disable(void **state)
{
        static const char text[] =
                "version: 1\n"
                "surfaces:\n"
                "  - id: SUDOERS\n"
                "    disabled: true\n"
                "rules:\n"
                "  - id: DW-FIM-MTIME\n"
                "    disabled: true\n"
                "  - id: DW-FIM-DRIFT\n"
                "    name: drifted\n"
                "    disabled: false\n"
                "audit:\n"
                "  commands:\n"
                "    - {id: DW-AUD-BOOTC-SWITCH, disabled: true}\n"
                "  upgraders:\n"
                "    - {id: bootc, disabled: true}\n"
                "  allow:\n"
                "    - {id: authselect, disabled: true}\n";
        _cleanup_(ruleset_freep) struct ruleset *def = NULL, *rs = NULL;
        const struct rule *r;
        size_t i;

        load_over_defaults(text, &def, &rs);
        assert_int_equal(rs->n_surfaces, def->n_surfaces - 1);
        assert_int_equal(surface_index(rs, "SUDOERS"), SIZE_MAX);
        assert_string_equal(match(rs, "/etc/sudoers.d/x")->key, "CONFIG");

        r = ruleset_rule(rs, "DW-FIM-MTIME");
        assert_non_null(r);
        assert_true(r->disabled);
        r = ruleset_rule(rs, "DW-FIM-DRIFT");
        assert_false(r->disabled);
        assert_string_equal(r->name, "drifted");
        assert_false(ruleset_rule(def, "DW-FIM-MTIME")->disabled);

        assert_null(ruleset_rule(rs, "DW-AUD-BOOTC-SWITCH"));
        assert_int_equal(rs->audit.n_commands, def->audit.n_commands - 1);
        assert_int_equal(rs->audit.n_upgraders, def->audit.n_upgraders - 1);
        for (i = 0; i < rs->audit.n_upgraders; i++)
                assert_string_not_equal(rs->audit.upgraders[i].id, "bootc");
        assert_int_equal(rs->audit.n_allow, def->audit.n_allow - 1);
        for (i = 0; i < rs->audit.n_allow; i++)
                assert_string_not_equal(rs->audit.allow[i].id, "authselect");
}

/* Settings given in a layer override; the others keep the defaults. */
static void test_layer_settings(void **state)
{
        static const char text[] =
                "audit:\n"
                "  upgrade_idle_seconds: 42\n"
                "  bulk:\n"
                "    surfaces: [sudoers.d]\n"
                "    min_paths: 3\n";
        _cleanup_(ruleset_freep) struct ruleset *def = NULL, *rs = NULL;

        load_over_defaults(text, &def, &rs);
        assert_int_equal(rs->audit.upgrade_idle_s, 42);
        assert_int_equal(rs->audit.bulk_min_paths, 3);
        assert_int_equal(rs->audit.bulk_surfaces.n, 1);
        assert_string_equal(rs->audit.bulk_surfaces.v[0], "sudoers.d");
        assert_int_equal(rs->audit.bulk_window_s, def->audit.bulk_window_s);
        assert_int_equal(rs->audit.health_interval_s, def->audit.health_interval_s);
}

/* The built-in rules are compiled in as the document libyaml loads from
 * rules/default.yaml (src/rules/compile-rules.c): node for node, scalar for
 * scalar and line for line what libyaml makes of the embedded text. */
static void node_equal(yaml_document_t *a, yaml_document_t *b, int i)
{
        yaml_node_t *x = yaml_document_get_node(a, i), *y = yaml_document_get_node(b, i);
        size_t k, n;

        assert_non_null(x);
        assert_non_null(y);
        assert_int_equal(x->type, y->type);
        assert_string_equal((const char *) x->tag, (const char *) y->tag);
        assert_int_equal(x->start_mark.line, y->start_mark.line);
        assert_int_equal(x->start_mark.column, y->start_mark.column);
        assert_int_equal(x->end_mark.index, y->end_mark.index);
        switch (x->type) {
        case YAML_SCALAR_NODE:
                assert_int_equal(x->data.scalar.length, y->data.scalar.length);
                assert_memory_equal(x->data.scalar.value, y->data.scalar.value, x->data.scalar.length + 1);
                assert_int_equal(x->data.scalar.style, y->data.scalar.style);
                break;
        case YAML_SEQUENCE_NODE:
                n = (size_t) (x->data.sequence.items.top - x->data.sequence.items.start);
                assert_int_equal(n, y->data.sequence.items.top - y->data.sequence.items.start);
                for (k = 0; k < n; k++)
                        assert_int_equal(x->data.sequence.items.start[k], y->data.sequence.items.start[k]);
                break;
        case YAML_MAPPING_NODE:
                n = (size_t) (x->data.mapping.pairs.top - x->data.mapping.pairs.start);
                assert_int_equal(n, y->data.mapping.pairs.top - y->data.mapping.pairs.start);
                for (k = 0; k < n; k++) {
                        assert_int_equal(x->data.mapping.pairs.start[k].key, y->data.mapping.pairs.start[k].key);
                        assert_int_equal(x->data.mapping.pairs.start[k].value,
                                         y->data.mapping.pairs.start[k].value);
                }
                break;
        default:
                fail_msg("node %d has no type", i);
        }
}

static void test_compiled_document(void **state)
{
        struct yaml_loader l;
        yaml_node_t *root = NULL;
        int i, n;

        assert_int_equal(yaml_loader_open(&l, default_rules_yaml, default_rules_yaml_len, SIZE_MAX, &root), 0);
        n = (int) (l.doc.nodes.top - l.doc.nodes.start);
        assert_true(n > 1000);
        assert_int_equal(default_rules_document.nodes.top - default_rules_document.nodes.start, n);
        for (i = 1; i <= n; i++)
                node_equal(&l.doc, &default_rules_document, i);
        yaml_loader_release(&l);
}

/* Each later layer's new surfaces go before everything loaded earlier. */
static void test_layer_order(void **state)
{
        static const char one[] = "surfaces:\n  - {id: A, surface: a, name: a, paths: [\"/srv/**\"]}\n"
                                  "  - {id: B, surface: b, name: b, paths: [\"/srv/**\"]}\n";
        static const char two[] = "surfaces:\n  - {id: C, surface: c, name: c, paths: [\"/srv/x/**\"]}\n"
                                  "  - {id: A, surface: a, name: a2, paths: [\"/srv/**\"]}\n";
        _cleanup_(ruleset_freep) struct ruleset *rs = NULL;

        assert_int_equal(ruleset_new(&rs), 0);
        assert_int_equal(ruleset_layer(rs, default_rules_yaml, default_rules_yaml_len, NULL), 0);
        assert_int_equal(ruleset_layer(rs, one, strlen(one), NULL), 0);
        assert_int_equal(ruleset_layer(rs, two, strlen(two), NULL), 0);
        assert_string_equal(rs->surfaces[0].key, "C");
        assert_string_equal(rs->surfaces[1].key, "A");
        assert_string_equal(rs->surfaces[1].name, "a2");      /* replaced in its place */
        assert_string_equal(rs->surfaces[2].key, "B");
        assert_string_equal(rs->surfaces[3].key, "BOOT");
        assert_string_equal(match(rs, "/srv/x/y")->key, "C");
        assert_string_equal(match(rs, "/srv/y")->key, "A");
        assert_int_equal(ruleset_check(rs, NULL), 0);
}

static void expect_bad(const char *text, const char *want_prefix, const char *want_part);

static void test_layer_errors(void **state)
{
        /* Disabling what does not exist names the kind, the id and the line. */
        expect_bad("version: 1\nsurfaces:\n  - id: NOPE\n    disabled: true\n", "line 3:",
                   "cannot disable surface 'NOPE'");
        expect_bad("rules:\n  - {id: DW-X-Y, disabled: true}\n", "line 2:", "cannot disable rule 'DW-X-Y'");
        expect_bad("audit:\n  allow:\n    - {id: nope, disabled: true}\n", "line 3:",
                   "cannot disable allow entry 'nope'");
        expect_bad("audit:\n  commands:\n    - {id: DW-AUD-X, disabled: true}\n", "line 3:", "command");
        expect_bad("audit:\n  upgraders:\n    - {id: x, disabled: true}\n", "line 3:", "upgrader");
        /* A disabled item is just its id. */
        expect_bad("surfaces:\n  - id: SUDOERS\n    disabled: true\n    severity: low\n", "line 2:",
                   "takes its id and nothing else");
        expect_bad("surfaces:\n  - {disabled: true}\n", "line 2:", "id");
        expect_bad("rules:\n  - {id: DW-FIM-MTIME, disabled: maybe}\n", "line 2:", "true or false");
        /* An id once per file. */
        expect_bad("rules:\n  - {id: DW-A-B, name: a}\n  - {id: DW-A-B, name: b}\n", "line 3:",
                   "rule 'DW-A-B' is given twice");
        expect_bad("surfaces:\n  - {id: SUDOERS, disabled: true}\n"
                   "  - {id: SUDOERS, surface: s, name: s, paths: [/s]}\n", "line 3:", "twice");
        /* Disabling a bulk surface leaves it out of the bulk lists. */
        {
                static const char off[] = "version: 1\nsurfaces:\n  - {id: CONFIG, disabled: true}\n";
                _cleanup_(ruleset_freep) struct ruleset *def = NULL, *rs = NULL;

                load_over_defaults(off, &def, &rs);
        }
}

/* ruleset_load: the files in order, then the directory's *.yaml in name
 * order; errors name the file. */
static void test_load_files(void **state)
{
        char dir[TMPDIR_LEN], sub[600], file[600];
        _cleanup_(ruleset_freep) struct ruleset *rs = NULL;
        const char *files[1];
        char *error = NULL;

        tmpdir_make(dir, "rules");
        snprintf(sub, sizeof(sub), "%s/rules.d", dir);
        assert_int_equal(mkdir(sub, 0700), 0);
        snprintf(file, sizeof(file), "%s/user.yaml", dir);
        tmpdir_write(dir, "user.yaml", "surfaces:\n  - {id: X, surface: x, name: x, severity: low, paths: [/x]}\n");
        tmpdir_write(sub, "20-b.yaml", "surfaces:\n  - {id: X, surface: x, name: x, severity: high, paths: [/x]}\n");
        tmpdir_write(sub, "10-a.yaml", "surfaces:\n  - {id: X, surface: x, name: x, severity: medium, paths: [/x]}\n");
        tmpdir_write(sub, "ignored.yml", "not: [yaml\n");
        tmpdir_write(sub, ".hidden.yaml", "not: [yaml\n");
        files[0] = file;

        assert_int_equal(ruleset_load(files, 1, sub, &rs, &error), 0);
        assert_null(error);
        assert_int_equal(match(rs, "/x")->severity, SEVERITY_HIGH);
        rs = ruleset_free(rs);

        /* A missing directory is no layer. */
        assert_int_equal(ruleset_load(files, 1, "/nonexistent/rules.d", &rs, &error), 0);
        assert_int_equal(match(rs, "/x")->severity, SEVERITY_LOW);
        rs = ruleset_free(rs);

        tmpdir_write(sub, "30-bad.yaml", "version: 1\nrules:\n  - {id: DW-NO-SUCH, disabled: true}\n");
        assert_int_equal(ruleset_load(files, 1, sub, &rs, &error), -EBADMSG);
        assert_null(rs);
        assert_non_null(strstr(error, "30-bad.yaml': line 3: cannot disable rule 'DW-NO-SUCH'"));
        free(error);

        tmpdir_remove(dir);
}

/* Parses text and expects -EBADMSG with an error that names a line; when
 * want_prefix is given the error must start with it. */
static void expect_bad(const char *text, const char *want_prefix, const char *want_part)
{
        struct ruleset *rs = NULL;
        char *error = NULL;
        int r;

        r = ruleset_parse(text, strlen(text), &rs, &error);
        if (r != -EBADMSG)
                print_error("input:\n%s\n", text);
        assert_int_equal(r, -EBADMSG);
        assert_null(rs);
        assert_non_null(error);
        assert_non_null(strstr(error, "line"));
        if (want_prefix && strncmp(error, want_prefix, strlen(want_prefix)) != 0)
                fail_msg("error '%s' does not start with '%s'", error, want_prefix);
        if (want_part && !strstr(error, want_part))
                fail_msg("error '%s' does not mention '%s'", error, want_part);
        free(error);

        /* Without ret_error: same result, nothing leaks. */
        assert_int_equal(ruleset_parse(text, strlen(text), &rs, NULL), -EBADMSG);
        assert_null(rs);
}

static void test_parse_errors(void **state)
{
        /* Malformed YAML. */
        expect_bad("version: 1\nsurfaces: [\n  - id: X\n", "line ", NULL);
        expect_bad("version: 1\nsurfaces:\n  - id: X\n   bad indent: [\n", "line ", NULL);
        expect_bad("a: b: c\n", "line 1:", NULL);
        /* Not a mapping at the top, or nothing at all. */
        expect_bad("- a\n- b\n", "line 1:", "mapping");
        expect_bad("", NULL, "empty");
        /* Unknown keys, at the top and in an item. */
        expect_bad("version: 1\nfoo: bar\n", "line 2:", "'foo'");
        expect_bad("version: 1\n"
                   "surfaces:\n"
                   "  - id: X\n"
                   "    surface: x\n"
                   "    name: x\n"
                   "    paths: [/x]\n"
                   "    colour: red\n", "line 7:", "'colour'");
        expect_bad("rules:\n  - id: DW-A-B\n    name: n\n    extra: 1\n", "line 4:", "'extra'");
        /* Bad severity. */
        expect_bad("version: 1\n"
                   "surfaces:\n"
                   "  - id: X\n"
                   "    surface: x\n"
                   "    name: x\n"
                   "    severity: urgent\n"
                   "    paths: [/x]\n", "line 6:", "severity");
        expect_bad("rules:\n  - id: DW-A-B\n    name: n\n    severity: [high]\n", "line 4:", "severity");
        /* Bad rule ids. */
        expect_bad("rules:\n  - id: XX-FOO\n    name: n\n", "line 2:", "XX-FOO");
        expect_bad("rules:\n  - id: DW-\n    name: n\n", "line 2:", NULL);
        expect_bad("rules:\n  - id: DW-fim-lower\n    name: n\n", "line 2:", NULL);
        expect_bad("surfaces:\n  - id: lower\n    surface: x\n    name: x\n    paths: [/x]\n",
                   "line 2:", "lower");
        /* Missing fields, wrong types, wrong version. */
        expect_bad("surfaces:\n  - id: X\n    surface: x\n    name: x\n", "line 2:", "paths");
        expect_bad("rules:\n  - name: n\n", "line 2:", "id");
        expect_bad("surfaces:\n  - id: X\n    surface: x\n    name: x\n    paths: /x\n",
                   "line 5:", "list");
        expect_bad("surfaces:\n  - id: X\n    surface: x\n    name: [a]\n    paths: [/x]\n",
                   "line 4:", "string");
        expect_bad("surfaces: {}\n", "line 1:", "list");
        expect_bad("version: 2\n", "line 1:", "version");
}

/* No control character of the input reaches an error message: it could move
 * the cursor, set a terminal title or forge a line on the terminal. */
static void assert_printable(const char *error)
{
        for (const unsigned char *c = (const unsigned char *) error; *c; c++)
                if (*c < 0x20 || *c == 0x7f)
                        fail_msg("control character 0x%02x in error '%s'", *c, error);
}

/* A refusal with an error that mentions want_part and holds no control character. */
static void expect_escaped_error(int r, char *error, const char *text, const char *want_part)
{
        if (r != -EBADMSG)
                fail_msg("not refused:\n%s", text);
        assert_non_null(error);
        assert_printable(error);
        if (!strstr(error, want_part))
                fail_msg("error '%s' does not mention '%s'", error, want_part);
        free(error);
}

static void expect_escaped(const char *text, const char *want_part)
{
        struct ruleset *rs = NULL;
        char *error = NULL;
        int r = ruleset_parse(text, strlen(text), &rs, &error);

        expect_escaped_error(r, error, text, want_part);
        assert_null(rs);
}

static void test_parse_errors_escaped(void **state)
{
        /* Top-level and item keys (rules.c), audit keys (rules-audit.c). */
        expect_escaped("version: 1\n\"\\e[2J\\e]0;pwn\\a\": x\n", "'\\x1b[2J\\x1b]0;pwn\\x07'");
        expect_escaped("rules:\n  - id: DW-A-B\n    name: n\n    \"x\\ny\": 1\n", "'x\\ny'");
        expect_escaped("rules:\n  - id: \"DW-\\e[31m\\nline 1: ok\"\n    name: n\n", "\\x1b[31m\\nline 1: ok");
        expect_escaped("audit:\n  upgraders:\n    - id: u\n      reason: r\n      \"\\e[2J\": 1\n", "'\\x1b[2J'");
        expect_escaped("audit:\n  allow:\n    - id: a\n      reason: r\n      comm: [x]\n      \"\\a\\b\": 1\n",
                       "'\\x07\\x08'");
        expect_escaped("audit:\n  allow:\n    - id: a\n      reason: r\n      comm: [x]\n      auid: [\"\\e[2J \\r\"]\n",
                       "auid '\\x1b[2J \\r'");
        expect_escaped("audit:\n  \"\\u009b31m\\u202e\": 1\n", "'\\u009b31m\\u202e'");
        /* A long hostile key is cut, still one escaped line. */
        {
                char text[3000] = "version: 1\n\"";
                size_t n = strlen(text);

                for (int i = 0; i < 500; i++, n += 2)
                        memcpy(text + n, "\\e", 2);
                strcpy(text + n, "\": x\n");
                expect_escaped(text, "...");
        }
}

static void expect_allowlist_escaped(const char *text, const char *want_part)
{
        struct allowlist *a = NULL;
        char *error = NULL;
        int r = allowlist_parse(text, strlen(text), &a, &error);

        expect_escaped_error(r, error, text, want_part);
        assert_null(a);
}

static void test_allowlist_errors_escaped(void **state)
{
        static const char entry[] = "allow:\n  - path: /etc/x\n    owner: o\n    reason: r\n    expires: 2030-01-01\n";
        char text[512];

        expect_allowlist_escaped("\"\\e[2J\\e]0;pwn\\a\": 1\n", "unknown key '\\x1b[2J\\x1b]0;pwn\\x07'");
        snprintf(text, sizeof(text), "%s    \"a\\nline 1: fine\": 1\n", entry);
        expect_allowlist_escaped(text, "unknown key 'a\\nline 1: fine'");
        expect_allowlist_escaped("allow:\n  - path: /etc/x\n    owner: o\n    reason: r\n"
                                 "    expires: \"2030\\n\\e[2J\"\n", "expires '2030\\n\\x1b[2J'");
        expect_allowlist_escaped("allow:\n  - path: \"etc\\n\\e[1m\"\n    owner: o\n    reason: r\n"
                                 "    expires: 2030-01-01\n", "path 'etc\\n\\x1b[1m' must be absolute");
}

/* "version: 1\nsurfaces: " and depth levels of '[' (plus the top mapping). */
static char *nested(size_t depth, char open, char close)
{
        static const char head[] = "version: 1\nsurfaces: ";
        char *text = malloc(sizeof(head) + 2 * depth + 1);

        assert_non_null(text);
        memcpy(text, head, sizeof(head) - 1);
        memset(text + sizeof(head) - 1, open, depth);
        memset(text + sizeof(head) - 1 + depth, close, depth);
        strcpy(text + sizeof(head) - 1 + 2 * depth, "\n");
        return text;
}

/* Nesting libyaml would load in quadratic time is refused up front, by depth. */
static void test_parse_nesting_limit(void **state)
{
        struct ruleset *rs = NULL;
        struct allowlist *a = NULL;
        char *text, *error = NULL;
        struct timespec t0, t1;

        /* 64 levels in all: loads (and fails on content, not on depth). */
        text = nested(YAML_MAX_DEPTH - 1, '[', ']');
        assert_int_equal(ruleset_parse(text, strlen(text), &rs, &error), -EBADMSG);
        assert_null(strstr(error, "nested"));
        free(error);
        free(text);
        /* 65: refused, with the line. */
        text = nested(YAML_MAX_DEPTH, '[', ']');
        assert_int_equal(ruleset_parse(text, strlen(text), &rs, &error), -E2BIG);
        assert_string_equal(error, "line 2: collections nested deeper than 64 levels");
        free(error);
        free(text);
        /* 100 k levels of flow sequences, and of flow mappings in an allowlist:
         * refused in well under a second (libyaml alone took 20 s). */
        clock_gettime(CLOCK_MONOTONIC, &t0);
        text = nested(100000, '[', ']');
        assert_int_equal(ruleset_parse(text, strlen(text), &rs, &error), -E2BIG);
        assert_null(rs);
        free(error);
        free(text);
        text = nested(100000, '{', '}');
        assert_int_equal(allowlist_parse(text, strlen(text), &a, &error), -E2BIG);
        assert_null(a);
        assert_non_null(strstr(error, "nested deeper"));
        free(error);
        free(text);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 500);
}

/* A key given twice in one item must not lose (leak) the first value: the
 * second either wins or is refused. Run under LeakSanitizer. */
static void test_parse_duplicate_key(void **state)
{
        static const char text[] =
                "surfaces:\n"
                "  - id: X\n"
                "    id: Y\n"
                "    surface: x\n"
                "    name: first\n"
                "    name: second\n"
                "    paths: [/x]\n";
        struct ruleset *rs = NULL;
        char *error = NULL;
        int r;

        r = ruleset_parse(text, strlen(text), &rs, &error);
        if (r == 0) {
                assert_string_equal(rs->surfaces[0].key, "Y");
                assert_string_equal(rs->surfaces[0].name, "second");
                ruleset_free(rs);
        } else {
                assert_int_equal(r, -EBADMSG);
                free(error);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_glob_star),
                cmocka_unit_test(test_glob_double_star),
                cmocka_unit_test(test_glob_length_and_nul),
                cmocka_unit_test(test_glob_many_double_stars),
                cmocka_unit_test(test_default_rules),
                cmocka_unit_test(test_severity),
                cmocka_unit_test(test_parse_custom),
                cmocka_unit_test(test_required_ids),
                cmocka_unit_test(test_layer_replace),
                cmocka_unit_test(test_layer_disable),
                cmocka_unit_test(test_layer_settings),
                cmocka_unit_test(test_layer_order),
                cmocka_unit_test(test_layer_errors),
                cmocka_unit_test(test_load_files),
                cmocka_unit_test(test_parse_errors),
                cmocka_unit_test(test_parse_duplicate_key),
                cmocka_unit_test(test_parse_errors_escaped),
                cmocka_unit_test(test_allowlist_errors_escaped),
                cmocka_unit_test(test_parse_nesting_limit),
                cmocka_unit_test(test_compiled_document),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
