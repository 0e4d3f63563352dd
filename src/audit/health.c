/* Audit analytics, pipeline health: what the log says about itself. Events
 * flagged by the assembler (PATH records missing, lost events, sequence gaps,
 * events split or completed early) are counted per kind and reported the first
 * time, then at most once per `health_interval_seconds`, and what is left at
 * the end; a gap between events longer than --silence is DW-AUD-SILENCE. */
#include <stdio.h>
#include <string.h>

#include "detect-internal.h"

/* "serials 101-498 before 2023-11-14T22:15:00.000Z" for gap i. */
static void gap_range(const struct health *h, int i, char *out, size_t n)
{
        char when[TIMESTAMP_LEN];

        format_timestamp_sec(when, h->range_ms[i] / 1000, (unsigned) (h->range_ms[i] % 1000));
        if (h->range[i][0] == h->range[i][1])
                snprintf(out, n, "serial %llu before %s", (unsigned long long) h->range[i][0], when);
        else
                snprintf(out, n, "serials %llu-%llu before %s", (unsigned long long) h->range[i][0],
                         (unsigned long long) h->range[i][1], when);
}

/* Most events after a gap: the input is an excerpt, not the whole log. */
static bool gaps_of_excerpt(const struct audit_detect *d, const struct health *h)
{
        return d->o.whole_input && h->count >= 2 && h->count * 2 >= d->stats.in_range;
}

/* Reports a pipeline-health finding of rule: at the time of ev when there is
 * one (times past 2^64 ms included), else at now_ms; with its message and
 * driftwatch.audit context. */
static int health_report(struct audit_detect *d, const struct audit_event *ev, uint64_t now_ms,
                         const struct rule *rule, const char *action, const char *msg, const struct finding_audit *a,
                         bool alert)
{
        int r;

        detect_begin_finding(d, ev ? ev->sec : now_ms / 1000, ev ? ev->msec : (unsigned) (now_ms % 1000));
        d->f.alert = alert;
        d->f.rule = rule;
        d->f.category = "host";
        d->f.type = "info";
        d->f.action = action;
        d->f.message = msg;
        d->f.audit = a;
        d->stats.health++;
        r = detect_emit(d, &d->f);
        d->f.message = NULL;
        d->f.audit = NULL;
        return r;
}

static int health_emit(struct audit_detect *d, struct health *h, const struct audit_event *ev, uint64_t now)
{
        struct finding_health fh = { .count = h->count, .amount = h->amount, .amount_name = "missing", .key = h->key };
        struct finding_audit a;
        const char *action;
        char msg[512], first[128], last[128];
        bool alert = true;
        int r;

        if (h == &d->health[HEALTH_PATH_MISSING]) {
                action = "path-records-missing";
                snprintf(msg, sizeof(msg), "%llu watched syscall%s logged without PATH records",
                         (unsigned long long) h->count, h->count == 1 ? "" : "s");
        } else if (h == &d->health[HEALTH_LOST]) {
                action = "events-lost";
                fh.amount_name = "lost";
                snprintf(msg, sizeof(msg), "the audit subsystem reported %llu lost event%s",
                         (unsigned long long) h->amount, h->amount == 1 ? "" : "s");
        } else if (h == &d->health[HEALTH_SPLIT]) {
                action = "events-split";
                fh.amount_name = "early";
                snprintf(msg, sizeof(msg), "%llu audit event%s assembled without all their records (%llu completed "
                         "early at the reorder memory limit, the rest split by late records)",
                         (unsigned long long) h->count, h->count == 1 ? "" : "s", (unsigned long long) h->amount);
        } else {
                action = "sequence-gap";
                alert = !gaps_of_excerpt(d, h);
                gap_range(h, 0, first, sizeof(first));
                gap_range(h, 1, last, sizeof(last));
                snprintf(msg, sizeof(msg), "%llu serial%s missing in %llu gap%s: %s%s%s%s",
                         (unsigned long long) h->amount, h->amount == 1 ? "" : "s", (unsigned long long) h->count,
                         h->count == 1 ? "" : "s", h->count == 1 ? "" : "first ", first,
                         h->count == 1 ? "" : ", last ", h->count == 1 ? "" : last);
                if (!alert)
                        strncat(msg, " (most events follow a gap: an excerpt such as ausearch's output, "
                                "not a loss)", sizeof(msg) - strlen(msg) - 1);
        }
        finding_audit_init(&a);
        a.id = h->first_id;
        a.node = (struct finding_bytes) { h->node, strlen(h->node) };
        a.health = &fh;
        r = health_report(d, ev, now, h->rule, action, msg, &a, alert);
        /* Counted afresh from here. */
        h->count = h->amount = 0;
        h->first_id[0] = h->key[0] = h->node[0] = '\0';
        h->emitted = true;
        h->last_emit_ms = now;
        return r;
}

static int health_note(struct audit_detect *d, struct health *h, const struct audit_event *ev, uint64_t amount)
{
        uint64_t now = audit_event_ms(ev);

        if (!h->count) {
                audit_event_id(h->first_id, ev);
                if (ev->has_syscall && ev->syscall.key.len)
                        audit_str_to_cstr(h->key, sizeof(h->key), ev->syscall.key);
                audit_str_to_cstr(h->node, sizeof(h->node), ev->node);
        }
        if (h == &d->health[HEALTH_GAP]) {
                int i = h->count ? 1 : 0;

                h->range[i][0] = ev->gap_first;
                h->range[i][1] = ev->gap_first + ev->gap_missing - 1;
                h->range_ms[i] = now;
                if (!i) {
                        memcpy(h->range[1], h->range[0], sizeof(h->range[0]));
                        h->range_ms[1] = now;
                }
        }
        h->count++;
        h->amount += amount;
        /* A whole log's gaps are told at its end, when it is known whether
         * they make it an excerpt. */
        if (h == &d->health[HEALTH_GAP] && d->o.whole_input)
                return 0;
        /* The first occurrence at once, then at most once per interval. */
        if (!h->emitted || now >= audit_ms_add(h->last_emit_ms, (uint64_t) d->rs->audit.health_interval_s * 1000))
                return health_emit(d, h, ev, now);
        return 0;
}

int health_check(struct audit_detect *d, const struct audit_event *ev)
{
        int r = 0;

        if ((ev->quality & AUDIT_Q_PATH_MISSING) && ev->has_syscall)
                r = health_note(d, &d->health[HEALTH_PATH_MISSING], ev, 0);
        if (r >= 0 && (ev->quality & AUDIT_Q_LOST))
                r = health_note(d, &d->health[HEALTH_LOST], ev, ev->lost);
        if (r >= 0 && (ev->quality & AUDIT_Q_SEQUENCE_GAP))
                r = health_note(d, &d->health[HEALTH_GAP], ev, ev->gap_missing);
        /* The assembler gave up waiting for its records (the memory limit), or
         * its records came after that: writes and paths go missing. */
        if (r >= 0 && (ev->quality & (AUDIT_Q_EARLY | AUDIT_Q_SPLIT)))
                r = health_note(d, &d->health[HEALTH_SPLIT], ev, !!(ev->quality & AUDIT_Q_EARLY));
        return r;
}

int health_silence(struct audit_detect *d, uint64_t from, uint64_t to, const struct audit_event *ev)
{
        struct finding_silence s = { .seconds = (to - from) / 1000 };
        char msg[160], from_ts[TIMESTAMP_LEN];
        struct finding_audit a;

        snprintf(msg, sizeof(msg), "no audit events for %llu seconds", (unsigned long long) s.seconds);
        format_timestamp_sec(from_ts, from / 1000, (unsigned) (from % 1000));
        s.from = from_ts;
        finding_audit_init(&a);
        a.silence = &s;
        return health_report(d, ev, to, ruleset_rule(d->rs, "DW-AUD-SILENCE"), "silence", msg, &a, true);
}

void health_init(struct audit_detect *d)
{
        d->health[HEALTH_PATH_MISSING].rule = ruleset_rule(d->rs, "DW-AUD-PATH-MISSING");
        d->health[HEALTH_LOST].rule = ruleset_rule(d->rs, "DW-AUD-LOST");
        d->health[HEALTH_GAP].rule = ruleset_rule(d->rs, "DW-AUD-SEQUENCE-GAP");
        d->health[HEALTH_SPLIT].rule = ruleset_rule(d->rs, "DW-AUD-EVENT-SPLIT");
}

int health_flush(struct audit_detect *d)
{
        size_t i;
        int r = 0;

        for (i = 0; i < HEALTH_N_ && r >= 0; i++)
                if (d->health[i].count)
                        /* Gaps at the time of the first one, the rest now. */
                        r = health_emit(d, &d->health[i], NULL,
                                        i == HEALTH_GAP ? d->health[i].range_ms[0] : d->clock_ms);
        return r;
}
