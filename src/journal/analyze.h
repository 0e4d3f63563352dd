/* Journal analytics: entries in (from an export stream or sd-journal),
 * findings out. What is recognised, each as its writer logs it:
 *  - deployments: rpm-ostree's "Created new deployment" (MESSAGE_ID
 *    9bddbda1..., DEPLOYMENT_REFSPEC) and bootc's staging, switch and
 *    composefs upgrade messages (tracing-journald fields, F_ prefixed):
 *    inside a maintenance window of the policy an event, outside an alert;
 *  - extension merges: systemd-sysext / systemd-confext "Merged extensions
 *    into '/usr'." with the names of the "Using extensions ..." line before
 *    it: each must match a change ticket or a deployment within the merge
 *    window, else an alert;
 *  - soft-reboots, reboots and kexec (logind's shutdown message, PID 1's
 *    start job of systemd-soft-reboot/-reboot/-kexec.service, a new boot
 *    after one that logged no shutdown): each must match a change ticket, a
 *    maintenance window or a deployment just before it, else an alert;
 *  - pipeline health: audit SYSCALL records arriving through journald
 *    (_TRANSPORT=audit) that announce items but get no PATH record;
 *  - the input itself: a field over the size limit, a clock going backwards. */
#pragma once

#include <stdint.h>

#include "image/status-policy.h"
#include "parse/journal-export.h"
#include "report/finding.h"
#include "rules/rules.h"

#define JOURNAL_MERGE_WINDOW_DEFAULT 900        /* seconds between a merge and a deployment */

struct journal_check {
        const struct ruleset *rules;
        struct output *out;
        const struct status_policy *policy;     /* maintenance windows; NULL: none */
        const struct ticket_list *tickets;      /* NULL: none */
        int64_t merge_window_s;
};

struct journal_stats {
        uint64_t entries, deployments, merges, merges_unmatched, audit_path_missing, oversized, clock_backwards;
        uint64_t soft_reboots, reboots, reboots_unscheduled;   /* reboots: kexec too; unscheduled: both */
};

struct journal_analyzer;

int journal_analyzer_new(const struct journal_check *c, struct journal_analyzer **ret);
struct journal_analyzer *journal_analyzer_free(struct journal_analyzer *a);
DEFINE_FREEP(struct journal_analyzer, journal_analyzer_free)

/* A new input begins (its clock is checked on its own); label names it in findings. */
void journal_analyzer_input(struct journal_analyzer *a, const char *label);
/* One entry; 0 or a write error. */
int journal_analyzer_entry(struct journal_analyzer *a, const struct journal_entry *e);
/* A live journal caught up at now_us (the wall clock): merges whose window
 * has passed are decided without waiting for a later entry. 0 or a write error. */
int journal_analyzer_idle(struct journal_analyzer *a, uint64_t now_us);
/* A finding about the journal itself (records lost since a cursor, a
 * corrupt file, a line over the limit): an alert of rule at time us (0:
 * none) with message and one (attr, value) pair; 0 or a write error. */
int journal_analyzer_health(struct journal_analyzer *a, const char *rule, const char *action, uint64_t us,
                            const char *message, const char *attr, const char *value);
/* The end of all input: what waited for more (merges, audit events) is decided. */
int journal_analyzer_finish(struct journal_analyzer *a, struct journal_stats *ret_stats);
