/* Detection content: surfaces (where a change means something) and rules (id,
 * name, severity, ATT&CK techniques, NIST 800-53 controls), loaded from the
 * YAML format of rules/default.yaml. The default file is compiled in and always
 * loaded first; user files are layers over it that add, replace or disable
 * items by id (docs/rules.md). No rule is defined in C. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum severity {
        SEVERITY_LOW = 1,
        SEVERITY_MEDIUM,
        SEVERITY_HIGH,
        SEVERITY_CRITICAL,
};

const char *severity_name(enum severity s);
/* ECS event.severity: low 21, medium 47, high 73, critical 99. */
int severity_number(enum severity s);
int severity_from_name(const char *s, enum severity *ret);

#include "basic/strv.h"

struct rule {
        char *id;               /* DW-<AREA>-<NAME> */
        char *name;
        enum severity severity;
        const char *surface;    /* borrowed from the surface, or NULL */
        struct strv techniques;
        struct strv controls;
        bool disabled;          /* a layer disabled it: findable, its findings are dropped */
};

/* What a write seen by auditd on a surface is (the surface's `audit:` key). */
enum surface_audit {
        SURFACE_AUDIT_ALERT,    /* an alert (the default) */
        SURFACE_AUDIT_EVENT,    /* recorded, not an alert */
        SURFACE_AUDIT_OFF,      /* not watched, not reported */
};

struct surface {
        char *key;              /* SUDOERS */
        char *surface;          /* sudoers.d */
        char *name;             /* sudo policy */
        enum severity severity;
        struct strv paths;
        struct strv techniques;
        struct strv controls;
        struct rule fim;        /* DW-FIM-<key>: file drift against a baseline */
        struct rule etc;        /* DW-ETC-<key>: /etc against the image's /usr/etc */
        struct rule aud;        /* DW-AUD-<key>: a write seen by auditd */
        enum surface_audit audit;
};

/* A process, as audit analytics match it (commands, upgraders, allow entries).
 * Every list given must match (each by any of its values); see docs/audit.md. */
struct audit_match {
        struct strv programs;   /* base name of the executable, comm or the program argument */
        struct strv exes;       /* executable paths (globs) */
        struct strv comms;      /* comm (the kernel keeps 15 bytes) */
        struct strv verbs;      /* phrases: their words appear after the program, in order */
        struct strv options;    /* every one present: --json matches --json and --json=... */
        int interactive;        /* -1 either, 1 only on a terminal, 0 only without one */
};

/* A program run that is a finding (execve of rpm-ostree usroverlay ...). */
struct audit_command {
        struct rule rule;
        struct audit_match match;
        bool target;            /* report the first argument after the verb (bootc switch IMAGE) */
};

/* A program whose process tree performs upgrades: its tree's writes are one
 * upgrade event, not alerts. */
struct audit_upgrader {
        char *id;
        struct audit_match match;
        char *reason;
};

enum audit_auid {
        AUDIT_AUID_ANY,
        AUDIT_AUID_UNSET,       /* -1: a daemon, nothing logged in */
        AUDIT_AUID_SET,         /* any login user */
        AUDIT_AUID_LIST,        /* one of auids / auid_names */
};

/* An expected writer or caller. Never by auid alone: it names the process
 * (match) or its parent. */
struct audit_allow {
        char *id;
        struct audit_match match;
        struct strv parents;    /* executable of the parent or of any ancestor (globs) */
        struct strv units;      /* systemd unit of the process (globs; live mode only) */
        enum audit_auid auid;
        long long *auids;
        size_t n_auids;
        struct strv auid_names; /* ENRICHED AUID= names */
        struct strv rules;      /* rule id globs it applies to (none: every DW-AUD- write and command) */
        struct strv paths;      /* path globs it applies to (none: any) */
        char *reason;
};

struct audit_policy {
        struct audit_command *commands;
        size_t n_commands;
        struct audit_upgrader *upgraders;
        size_t n_upgraders;
        struct audit_allow *allow;
        size_t n_allow;
        struct strv mount_targets;      /* globs: a mount change there is a DW-AUD-MOUNT-* alert */
        struct strv home_roots;         /* directories of users' homes: audit-rules puts a tree rule on
                                         * each one a surface glob lies below (users' ~/.ssh) */
        unsigned argv_window_s;         /* how long a write inferred from argv waits for its PATH record (5) */
        struct strv bulk_surfaces;      /* surfaces whose writes fold into bulk events */
        struct strv bulk_high_value;    /* among them: a bulk event with one of these is an alert,
                                         * and a burst confined to one of these is never folded */
        unsigned bulk_min_paths;        /* distinct paths that make a bulk event (10) */
        unsigned bulk_window_s;         /* from the first write (60) */
        unsigned upgrade_idle_s;        /* an upgrade event ends after this long without writes (300) */
        unsigned health_interval_s;     /* pipeline-health findings at most this often (300) */
};

struct ruleset {
        struct surface *surfaces;
        size_t n_surfaces;
        struct rule *rules;
        size_t n_rules;
        struct audit_policy audit;
        struct strv mount_watch;        /* mounts.watch: globs a mount over (or above) is a DW-MNT-WATCHED-* finding */
};

/* Loading. Every function below that returns a ruleset returns the built-in
 * defaults with layers merged over them, checked for the rule ids the code
 * emits; on failure *ret is untouched and *ret_error (if given) holds one line
 * (free() it). -EBADMSG: malformed content. */

/* The compiled-in rules/default.yaml alone. */
int ruleset_default(struct ruleset **ret, char **ret_error);
/* The defaults with the YAML text in buf as one layer over them; errors name
 * the line of buf. */
int ruleset_parse(const char *buf, size_t len, struct ruleset **ret, char **ret_error);

/* The defaults, then each of files in order, then every *.yaml of dir in
 * lexical order (dir may be NULL; a missing dir is skipped). Errors name the
 * file and the line. At most RULES_MAX_LAYERS files in all. */
#define RULES_MAX_LAYERS 64
int ruleset_load(const char *const *files, size_t n_files, const char *dir, struct ruleset **ret,
                 char **ret_error);

/* The steps of the above, for tests: an empty ruleset; one layer merged into
 * rs (on failure rs is partly merged: free it); the final check that every id
 * of ruleset_required_ids is there. */
int ruleset_new(struct ruleset **ret);
int ruleset_layer(struct ruleset *rs, const char *buf, size_t len, char **ret_error);
int ruleset_check(const struct ruleset *rs, char **ret_error);

/* The rule ids the code emits by name (NULL-terminated): a ruleset without one
 * of them is refused, so no finding ever goes out without its rule. */
extern const char *const ruleset_required_ids[];

struct ruleset *ruleset_free(struct ruleset *rs);

/* The first surface with a glob matching path, or NULL. */
const struct surface *ruleset_match(const struct ruleset *rs, const char *path, size_t len);
/* The rule with this id (a disabled one too), or NULL. */
const struct rule *ruleset_rule(const struct ruleset *rs, const char *id);

/* Glob match on paths: '*', '?' and '[...]' within one component, '**' as a
 * whole component for any number of components (zero included). */
bool path_glob(const char *pattern, const char *path, size_t len);

extern const char default_rules_yaml[];
extern const size_t default_rules_yaml_len;

#include "basic/macros.h"
DEFINE_FREEP(struct ruleset, ruleset_free)
