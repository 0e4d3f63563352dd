/* Turns diff-engine changes into findings: the rule by place (surfaces), the
 * ECS action and type, driftwatch.changed with one "xattr:NAME" per differing
 * extended attribute, and before/after values. */
#pragma once

#include "diff.h"
#include "report/finding.h"

struct fim_reporter {
        const struct ruleset *rules;
        struct output *out;
        const char *root;               /* driftwatch.root, or NULL */
        /* Optional: the rule for every change that is not an unreadable entry
         * (image verification has one rule; surfaces still name the place). */
        const struct rule *rule;
        const char *dataset;            /* event.dataset; default driftwatch.fim */
        const char *path_prefix;        /* entries are below this ("/etc"): reported with it */
        bool etc;                       /* surfaces' DW-ETC rules instead of DW-FIM */
        /* Optional: called on each finding once built (an allowlist, a record
         * of what was reported); a negative return fails the change, a
         * positive one says the finding was folded into another (a package's):
         * fim_finding_from_change() returns it and the finding is not emitted. */
        int (*amend)(struct finding *f, const struct fim_change *c, void *userdata);
        void *amend_data;
};

/* Fills a finding (finding_init()ed here; finding_release() it) for c: 0,
 * 1 when the amend folded it (not to be emitted), or -errno. */
int fim_finding_from_change(const struct fim_reporter *rep, const struct fim_change *c, struct finding *ret);

/* A fim_change_fn: emits one finding per change through r->out. */
int fim_report_change(const struct fim_change *c, void *userdata);
