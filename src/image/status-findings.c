/* Host status transitions and state to findings; see status-findings.h.
 *
 * Deployments are matched by deployment_same() (ostree commit, else digest).
 * The natural moves are not transitions: after an upgrade the old booted
 * deployment becomes the rollback, after a rollback the two swap. */
#define _GNU_SOURCE
#include "status-findings.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "basic/buf.h"
#include "basic/escape.h"
#include "basic/time-util.h"

/* "quay.io/x:latest (sha256:...)", or what there is of it. */
static int describe(struct buf *b, const struct deployment *d)
{
        const char *id = d->digest ?: d->checksum;

        if (d->image && id)
                return buf_printf(b, "%s (%s)", d->image, id);
        return buf_puts(b, d->image ?: id ?: "(unknown image)");
}

/* The last three are shown in a change only when they changed. */
static const char *const deployment_attrs[] = { "image", "digest", "version", "timestamp", "checksum",
                                                "transport", "serial", "stateroot" };

/* Attribute i of d into b (cleared first); false when d has no value. */
static bool format_attr(struct buf *b, const struct deployment *d, size_t i)
{
        const char *s = NULL;
        char ts[RFC3339_LEN];

        buf_reset(b);
        if (!d)
                return false;
        switch (i) {
        case 0: s = d->image; break;
        case 1: s = d->digest; break;
        case 2: s = d->version; break;
        case 3:
                if (d->timestamp == HOST_TIME_UNKNOWN)
                        return false;
                rfc3339_format(d->timestamp, ts);
                s = ts;
                break;
        case 4: s = d->checksum; break;
        case 5: s = d->transport; break;
        case 6:
                return d->serial >= 0 && buf_printf(b, "%lld", (long long) d->serial) >= 0;
        case 7: s = d->stateroot; break;
        }
        return s && buf_puts(b, s) >= 0;
}

/* before/after values of the attributes that differ (also listed in
 * driftwatch.changed) and, for context, of the image's identity and age;
 * every attribute when there is no 'before'. */
static int add_deployment_values(struct finding *f, const struct deployment *before,
                                 const struct deployment *after)
{
        _cleanup_(buf_release) struct buf a, b;
        int r = 0;

        buf_init(&a, 0);
        buf_init(&b, 0);
        for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(deployment_attrs); i++) {
                bool has_b = format_attr(&b, before, i), has_a = format_attr(&a, after, i);

                bool changed = before && (has_a != has_b || a.len != b.len ||
                                          (a.len && memcmp(a.data, b.data, a.len) != 0));

                if ((!has_a && !has_b) || (before && !changed && i >= ARRAY_SIZE(deployment_attrs) - 3))
                        continue;
                if (changed)
                        r = finding_add_changed(f, deployment_attrs[i], strlen(deployment_attrs[i]));
                if (r >= 0)
                        r = finding_add_value(f, deployment_attrs[i], has_b ? b.data : NULL, b.len,
                                              has_a ? a.data : NULL, a.len);
        }
        return r;
}

/* The values of a deployment that went away, as before values: what it was,
 * not a list of changes. */
static int add_gone_values(struct finding *f, const struct deployment *d)
{
        _cleanup_(buf_release) struct buf b;
        int r = 0;

        buf_init(&b, 0);
        for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(deployment_attrs); i++)
                if (format_attr(&b, d, i))
                        r = finding_add_value(f, deployment_attrs[i], b.data, b.len, NULL, 0);
        return r;
}

static int add_text_value(struct finding *f, const char *attr, const char *before, const char *after)
{
        return finding_add_value(f, attr, before, before ? strlen(before) : 0, after, after ? strlen(after) : 0);
}

struct emit {
        const char *rule;
        const char *action;
        const char *category;
        const char *type;
        bool alert;
        enum severity severity;         /* 0: the rule's */
        bool gone;                      /* 'before' went away: its values, none listed as changed */
};

/* Emits one finding: message from fmt, with d's values (before may be NULL),
 * and an extra value when extra_attr is given. */
static int emit(const struct status_check *c, const struct emit *e, const struct deployment *before,
                const struct deployment *after, const char *extra_attr, const char *extra_before,
                const char *extra_after, const char *message)
{
        struct finding f;
        int r;

        finding_init(&f);
        f.alert = e->alert;
        f.rule = ruleset_rule(c->rules, e->rule);   /* required by the rules loader */
        f.severity = e->severity;
        f.category = e->category;
        f.type = e->type;
        f.action = e->action;
        f.dataset = "driftwatch.status";
        f.message = message;
        f.text_changed_only = true;     /* the state is printed above the findings */
        if (e->gone)
                r = add_gone_values(&f, before);
        else
                r = add_deployment_values(&f, before, after);
        if (r >= 0 && extra_attr)
                r = add_text_value(&f, extra_attr, extra_before, extra_after);
        if (r >= 0)
                r = output_emit(c->out, &f);
        finding_release(&f);
        return r;
}

enum transition_kind {
        STAGED_NEW,
        STAGED_CHANGED,
        BOOTED_CHANGED,
        ROLLBACK_PERFORMED,
        ROLLBACK_TARGET_CHANGED,
};

static const struct {
        const char *rule, *action, *type, *text;
} transitions[] = {
        [STAGED_NEW] = { "DW-IMG-STAGED-NEW", "image-staged", "creation", "staged for the next boot: " },
        [STAGED_CHANGED] = { "DW-IMG-STAGED-CHANGED", "image-staged-changed", "change",
                             "the staged deployment changed to " },
        [BOOTED_CHANGED] = { "DW-IMG-BOOTED-CHANGED", "image-booted-changed", "change", "booted " },
        [ROLLBACK_PERFORMED] = { "DW-IMG-ROLLBACK-PERFORMED", "image-rollback", "change",
                                 "rolled back: booted the previous rollback deployment " },
        [ROLLBACK_TARGET_CHANGED] = { "DW-IMG-ROLLBACK-TARGET-CHANGED", "image-rollback-target-changed",
                                      "change", "the rollback deployment is now " },
};

/* One transition to 'after' (from 'before', NULL when there was none), with
 * its change ticket: covered, it is recorded as an event; with tickets in
 * use and none covering it, DW-IMG-NO-TICKET follows. 'older_than' (or NULL)
 * is what a newer image must not be older than. */
static int report_transition(const struct status_check *c, enum transition_kind kind,
                             const struct deployment *before, const struct deployment *after,
                             const struct deployment *older_than)
{
        const struct change_ticket *ticket = c->tickets ? ticket_find(c->tickets, after, c->since, c->now) : NULL;
        struct emit e = { .rule = transitions[kind].rule, .action = transitions[kind].action,
                          .category = "configuration", .type = transitions[kind].type, .alert = !ticket };
        _cleanup_(buf_release) struct buf msg;
        int r;

        buf_init(&msg, 0);
        r = buf_puts(&msg, transitions[kind].text);
        r = r ?: describe(&msg, after);
        if (r >= 0 && older_than && after->timestamp != HOST_TIME_UNKNOWN &&
            older_than->timestamp != HOST_TIME_UNKNOWN && after->timestamp < older_than->timestamp) {
                /* A downgrade: the image is older than the one it follows. */
                e.severity = SEVERITY_HIGH;
                r = buf_puts(&msg, ", built before the image it follows (downgrade)");
        }
        if (r >= 0 && ticket)
                r = buf_printf(&msg, "; change ticket %s", ticket->id);
        if (r < 0)
                return r;
        r = emit(c, &e, before, after, ticket ? "ticket" : NULL, NULL, ticket ? ticket->id : NULL, msg.data);
        if (r < 0 || !c->tickets || ticket)
                return r;

        e = (struct emit) { .rule = "DW-IMG-NO-TICKET", .action = "image-change-without-ticket",
                            .category = "configuration", .type = "change", .alert = true };
        buf_reset(&msg);
        r = buf_printf(&msg, "no change ticket covers %s (%s): ", after->digest ?: after->checksum ?: "(no digest)",
                       transitions[kind].rule);
        r = r ?: buf_puts(&msg, transitions[kind].text);
        r = r ?: describe(&msg, after);
        if (r < 0)
                return r;
        return emit(c, &e, before, after, NULL, NULL, NULL, msg.data);
}

static bool same(const struct deployment *a, const struct deployment *b)
{
        return a && b && deployment_same(a, b);
}

static int report_transitions(const struct status_check *c, const struct host_status *prev,
                              const struct host_status *cur)
{
        const struct deployment *ps = host_status_get(prev, ROLE_STAGED), *cs = host_status_get(cur, ROLE_STAGED);
        const struct deployment *pb = host_status_get(prev, ROLE_BOOTED), *cb = host_status_get(cur, ROLE_BOOTED);
        const struct deployment *pr = host_status_get(prev, ROLE_ROLLBACK);
        const struct deployment *cr = host_status_get(cur, ROLE_ROLLBACK);
        int r = 0;

        if (cs && !ps)
                r = report_transition(c, STAGED_NEW, NULL, cs, cb);
        else if (cs && !same(cs, ps))
                r = report_transition(c, STAGED_CHANGED, ps, cs, cb);
        if (r >= 0 && cb && !same(cb, pb)) {
                if (same(cb, pr))
                        r = report_transition(c, ROLLBACK_PERFORMED, pb, cb, NULL);
                else
                        r = report_transition(c, BOOTED_CHANGED, pb, cb, pb);
        }
        /* An upgrade makes the old booted deployment the rollback, a rollback
         * swaps the two: anything else put there is a new rollback target. */
        if (r >= 0 && cr && !same(cr, pr) && !same(cr, pb))
                r = report_transition(c, ROLLBACK_TARGET_CHANGED, pr, cr, NULL);
        return r;
}

static bool same_image(const struct deployment *a, const struct deployment *b)
{
        return a && b && a->image && b->image && strcmp(a->image, b->image) == 0;
}

/* The image reference the host follows changed (bootc switch, rpm-ostree
 * rebase): the staged or booted deployment is a new one whose image is
 * another reference than the previously booted one's, and not one already reported (the
 * previously staged one). A new digest of the same reference is an update. */
static int report_source_switch(const struct status_check *c, const struct host_status *prev,
                                const struct host_status *cur)
{
        static const struct emit e = { .rule = "DW-IMG-SOURCE-SWITCH", .action = "image-source-switched",
                                       .category = "configuration", .type = "change", .alert = true };
        const struct deployment *pb = host_status_get(prev, ROLE_BOOTED), *ps = host_status_get(prev, ROLE_STAGED);
        const struct deployment *targets[] = { host_status_get(cur, ROLE_STAGED), host_status_get(cur, ROLE_BOOTED) };
        _cleanup_(buf_release) struct buf msg;
        int r = 0;

        buf_init(&msg, 0);
        if (!pb || !pb->image)
                return 0;
        for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(targets); i++) {
                const struct deployment *d = targets[i];

                if (!d || !d->image || same(d, pb) || same_image(d, pb) || same_image(d, ps))
                        continue;
                buf_reset(&msg);
                r = buf_printf(&msg, "%s deployment follows another image: ", deployment_role_name(d->role));
                r = r ?: describe(&msg, d);
                r = r ?: buf_printf(&msg, ", was %s", pb->image);
                r = r ?: emit(c, &e, pb, d, "deployment", NULL, deployment_role_name(d->role), msg.data);
                break;          /* the staged one says it; booted later is the same switch */
        }
        return r;
}

/* Deployments of the previous snapshot that are gone without a transition
 * that explains it: no deployment left at all, a pinned one gone, or the
 * booted one gone with nothing booted now. Garbage collection after an
 * upgrade (the old rollback) or a staged deployment replaced is the
 * transitions' news, not reported again. */
static int report_vanished(const struct status_check *c, const struct host_status *prev,
                           const struct host_status *cur)
{
        static const struct emit e = { .rule = "DW-IMG-DEPLOYMENT-VANISHED", .action = "deployment-vanished",
                                       .category = "host", .type = "deletion", .alert = true, .gone = true };
        const struct deployment *cb = host_status_get(cur, ROLE_BOOTED);
        _cleanup_(buf_release) struct buf msg;
        int r = 0;

        buf_init(&msg, 0);
        for (size_t i = 0; r >= 0 && i < prev->n_deployments; i++) {
                const struct deployment *d = &prev->deployments[i];
                bool found = false;
                const char *why = NULL;

                for (size_t j = 0; j < cur->n_deployments && !found; j++)
                        found = deployment_same(&cur->deployments[j], d);
                if (found)
                        continue;
                if (cur->n_deployments == 0)
                        why = "no deployment is left";
                else if (d->pinned)
                        why = "it was pinned";
                else if (d->role == ROLE_BOOTED && !cb)
                        why = "nothing is booted now";
                if (!why)
                        continue;
                buf_reset(&msg);
                r = buf_printf(&msg, "%s deployment gone: ", deployment_role_name(d->role));
                r = r ?: describe(&msg, d);
                r = r ?: buf_printf(&msg, " (%s)", why);
                r = r ?: emit(c, &e, d, NULL, "deployment", deployment_role_name(d->role), NULL, msg.data);
        }
        return r;
}

static int report_pinned(const struct status_check *c, const struct host_status *prev,
                         const struct host_status *cur)
{
        static const struct emit e = { .rule = "DW-IMG-PINNED", .action = "deployment-pinned", .category = "host",
                                       .type = "info" };
        _cleanup_(buf_release) struct buf msg;
        int r = 0;

        buf_init(&msg, 0);
        for (size_t i = 0; r >= 0 && i < cur->n_deployments; i++) {
                const struct deployment *d = &cur->deployments[i];
                bool was_pinned = false;

                if (!d->pinned)
                        continue;
                for (size_t j = 0; prev && j < prev->n_deployments; j++)
                        was_pinned |= prev->deployments[j].pinned && deployment_same(&prev->deployments[j], d);
                if (was_pinned)
                        continue;
                buf_reset(&msg);
                r = buf_printf(&msg, "%s deployment pinned (kept from garbage collection): ",
                               deployment_role_name(d->role));
                r = r ?: describe(&msg, d);
                r = r ?: emit(c, &e, NULL, d, "deployment", NULL, deployment_role_name(d->role), msg.data);
        }
        return r;
}

static int report_policy(const struct status_check *c, const struct host_status *cur)
{
        static const struct emit below = { .rule = "DW-IMG-BELOW-MINIMUM", .action = "image-below-minimum",
                                           .category = "configuration", .type = "info", .alert = true };
        static const struct emit denied = { .rule = "DW-IMG-DIGEST-NOT-ALLOWED",
                                            .action = "image-digest-not-allowed", .category = "configuration",
                                            .type = "info", .alert = true };
        /* The deployments that run or will run. */
        const struct deployment *targets[] = {
                host_status_get(cur, ROLE_BOOTED),
                host_status_get(cur, ROLE_STAGED),
                cur->rollback_queued ? host_status_get(cur, ROLE_ROLLBACK) : NULL,
        };
        _cleanup_(buf_release) struct buf msg;
        int r = 0;

        buf_init(&msg, 0);
        for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(targets); i++) {
                const struct deployment *d = targets[i];
                const char *role;
                char why[512];

                if (!d)
                        continue;
                role = deployment_role_name(d->role);
                if (status_policy_below_minimum(c->policy, d, why, sizeof(why))) {
                        buf_reset(&msg);
                        r = buf_printf(&msg, "%s deployment ", role);
                        r = r ?: describe(&msg, d);
                        r = r ?: buf_printf(&msg, ": %s", why);
                        r = r ?: emit(c, &below, NULL, d, "deployment", NULL, role, msg.data);
                }
                if (r >= 0 && !status_policy_digest_allowed(c->policy, d)) {
                        buf_reset(&msg);
                        r = buf_printf(&msg, "%s deployment ", role);
                        r = r ?: describe(&msg, d);
                        r = r ?: buf_puts(&msg, " is not an allowed digest");
                        r = r ?: emit(c, &denied, NULL, d, "deployment", NULL, role, msg.data);
                }
        }
        return r;
}

static int report_state(const struct status_check *c, const struct host_status *prev,
                        const struct host_status *cur)
{
        static const struct emit overlay = { .rule = "DW-IMG-USR-OVERLAY", .action = "usr-overlay",
                                             .category = "host", .type = "info", .alert = true };
        static const struct emit queued = { .rule = "DW-IMG-ROLLBACK-QUEUED", .action = "rollback-queued",
                                            .category = "host", .type = "info", .alert = true };
        const struct deployment *cb = host_status_get(cur, ROLE_BOOTED), *cr = host_status_get(cur, ROLE_ROLLBACK);
        _cleanup_(buf_release) struct buf msg;
        int r = 0;

        buf_init(&msg, 0);
        if (cur->usr_overlay) {
                r = buf_printf(&msg, "/usr is unlocked (%s): the image's files can be changed on this host",
                               cur->usr_overlay);
                r = r ?: emit(c, &overlay, NULL, cb, "usr-overlay", prev ? prev->usr_overlay : NULL,
                              cur->usr_overlay, msg.data);
        }
        if (r >= 0 && cur->rollback_queued && cr) {
                struct emit e = queued;

                buf_reset(&msg);
                r = buf_puts(&msg, "the rollback deployment boots next: ");
                r = r ?: describe(&msg, cr);
                if (r >= 0 && cb && cr->timestamp != HOST_TIME_UNKNOWN && cb->timestamp != HOST_TIME_UNKNOWN &&
                    cr->timestamp < cb->timestamp) {
                        e.severity = SEVERITY_HIGH;
                        r = buf_puts(&msg, ", an older image than the booted one (downgrade)");
                }
                r = r ?: emit(c, &e, cb, cr, NULL, NULL, NULL, msg.data);
        }
        return r;
}

/* "        Digest: " with the label right-aligned under the slot's prefix. */
static int text_row(struct buf *b, size_t width, const char *label, const char *value)
{
        int r = buf_printf(b, "%*s: ", (int) width, label);

        if (r >= 0)
                r = escape_text(b, value, strlen(value));
        return r >= 0 ? buf_putc(b, '\n') : r;
}

/* A digest as bootc's short form would read: "sha256:" and 12 hex digits. */
static int text_digest(struct buf *b, size_t width, const char *digest)
{
        const char *colon = strchr(digest, ':');
        size_t keep = (colon ? (size_t) (colon - digest) + 1 : 0) + 12;
        char shortened[96];

        if (strlen(digest) <= keep || keep >= sizeof(shortened))
                return text_row(b, width, "Digest", digest);
        memcpy(shortened, digest, keep);
        shortened[keep] = '\0';
        return text_row(b, width, "Digest", shortened);
}

static int render_deployment(const struct deployment *d, struct buf *b)
{
        static const char *const prefixes[] = {
                [ROLE_BOOTED] = "* Booted", [ROLE_STAGED] = "  Staged", [ROLE_ROLLBACK] = "  Rollback",
                [ROLE_OTHER] = "   Other",
        };
        const char *kind = d->image ? " image" : " ostree";
        size_t width = strlen(prefixes[d->role]) + strlen(kind);
        char ts[RFC3339_LEN], line[RFC3339_LEN + HOST_STATUS_MAX_STRING + 4];
        int r;

        r = buf_printf(b, "%s%s", prefixes[d->role], kind);
        if (r >= 0 && d->image) {
                r = buf_puts(b, ": ");
                if (r >= 0 && d->transport && strcmp(d->transport, "registry") != 0 &&
                    strcmp(d->transport, "ostree") != 0)
                        r = buf_printf(b, "%s:", d->transport);
                if (r >= 0)
                        r = escape_text(b, d->image, strlen(d->image));
        }
        if (r >= 0)
                r = buf_putc(b, '\n');
        if (r >= 0 && d->digest && d->image)
                r = text_digest(b, width, d->digest);
        if (d->timestamp != HOST_TIME_UNKNOWN)
                rfc3339_format(d->timestamp, ts);
        if (r >= 0 && d->version) {
                snprintf(line, sizeof(line), d->timestamp != HOST_TIME_UNKNOWN ? "%s (%s)" : "%s", d->version, ts);
                r = text_row(b, width, "Version", line);
        } else if (r >= 0 && d->timestamp != HOST_TIME_UNKNOWN) {
                r = text_row(b, width, "Timestamp", ts);
        }
        if (r >= 0 && d->checksum && !d->image)
                r = text_row(b, width, "Commit", d->checksum);
        if (r >= 0 && d->pinned)
                r = text_row(b, width, "Pinned", "yes");
        return r;
}

int status_render_text(const struct host_status *hs, struct buf *b)
{
        static const enum deployment_role order[] = { ROLE_STAGED, ROLE_BOOTED, ROLE_ROLLBACK, ROLE_OTHER };
        bool first = true;
        int r = 0;

        for (size_t k = 0; r >= 0 && k < ARRAY_SIZE(order); k++)
                for (size_t i = 0; r >= 0 && i < hs->n_deployments; i++) {
                        if (hs->deployments[i].role != order[k])
                                continue;
                        if (!first)
                                r = buf_putc(b, '\n');
                        first = false;
                        if (r >= 0)
                                r = render_deployment(&hs->deployments[i], b);
                }
        if (r >= 0 && first)
                r = buf_puts(b, "No deployments: the system is not deployed via bootc or ostree.\n");
        if (r >= 0 && hs->usr_overlay)
                r = buf_puts(b, "\n/usr is unlocked: ");
        if (r >= 0 && hs->usr_overlay)
                r = escape_text(b, hs->usr_overlay, strlen(hs->usr_overlay));
        if (r >= 0 && hs->usr_overlay)
                r = buf_putc(b, '\n');
        return r;
}

int status_report(const struct status_check *c, const struct host_status *prev, const struct host_status *cur)
{
        int r = 0;

        if (prev)
                r = report_transitions(c, prev, cur);
        if (r >= 0 && prev)
                r = report_source_switch(c, prev, cur);
        if (r >= 0 && prev)
                r = report_vanished(c, prev, cur);
        r = r ?: report_state(c, prev, cur);
        if (r >= 0 && c->policy)
                r = report_policy(c, cur);
        r = r ?: report_pinned(c, prev, cur);
        return r;
}
