/* Detection content: surfaces (where a change means something) and rules (id,
 * name, severity, ATT&CK techniques, NIST 800-53 controls), loaded from the
 * YAML format of rules/default.yaml. The default file is compiled in. */
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
};

struct ruleset {
        struct surface *surfaces;
        size_t n_surfaces;
        struct rule *rules;
        size_t n_rules;
};

/* Parses the YAML text in buf. On -EBADMSG, *ret_error (if given) holds a
 * one-line description with the line number; free() it. */
int ruleset_parse(const char *buf, size_t len, struct ruleset **ret, char **ret_error);
/* The compiled-in rules/default.yaml. */
int ruleset_default(struct ruleset **ret, char **ret_error);
struct ruleset *ruleset_free(struct ruleset *rs);

/* The first surface with a glob matching path, or NULL. */
const struct surface *ruleset_match(const struct ruleset *rs, const char *path, size_t len);
const struct rule *ruleset_rule(const struct ruleset *rs, const char *id);

/* Glob match on paths: '*', '?' and '[...]' within one component, '**' as a
 * whole component for any number of components (zero included). */
bool path_glob(const char *pattern, const char *path, size_t len);

extern const char default_rules_yaml[];
extern const size_t default_rules_yaml_len;

#include "basic/macros.h"
DEFINE_FREEP(struct ruleset, ruleset_free)
