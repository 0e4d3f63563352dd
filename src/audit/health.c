/* Audit analytics, pipeline health: what the log says about itself. Events
 * flagged by the assembler (PATH records missing, lost events, sequence gaps,
 * events split or completed early) are counted per kind and reported the first
 * time, then at most once per `health_interval_seconds`, and what is left at
 * the end; a gap between events longer than --silence is DW-AUD-SILENCE. */
#include <stdio.h>

#include "detect-internal.h"
#include "report/json.h"

static int health_emit(struct audit_detect *d, struct health *h, const struct audit_event *ev, uint64_t now)
{
        struct json j;
        char msg[256];
        int r;

        /* The event's own time when there is one (times past 2^64 ms included). */
        detect_begin_finding(d, ev ? ev->sec : now / 1000, ev ? ev->msec : (unsigned) (now % 1000));
        d->f.alert = true;
        d->f.rule = h->rule;
        d->f.category = "host";
        d->f.type = "info";
        if (h == &d->health[HEALTH_PATH_MISSING]) {
                d->f.action = "path-records-missing";
                snprintf(msg, sizeof(msg), "%llu watched syscall%s logged without PATH records",
                         (unsigned long long) h->count, h->count == 1 ? "" : "s");
        } else if (h == &d->health[HEALTH_LOST]) {
                d->f.action = "events-lost";
                snprintf(msg, sizeof(msg), "the audit subsystem reported %llu lost event%s",
                         (unsigned long long) h->amount, h->amount == 1 ? "" : "s");
        } else if (h == &d->health[HEALTH_SPLIT]) {
                d->f.action = "events-split";
                snprintf(msg, sizeof(msg), "%llu audit event%s assembled without all their records (%llu completed "
                         "early at the reorder memory limit, the rest split by late records)",
                         (unsigned long long) h->count, h->count == 1 ? "" : "s", (unsigned long long) h->amount);
        } else {
                d->f.action = "sequence-gap";
                snprintf(msg, sizeof(msg), "%llu serial%s missing in %llu gap%s", (unsigned long long) h->amount,
                         h->amount == 1 ? "" : "s", (unsigned long long) h->count, h->count == 1 ? "" : "s");
        }
        d->f.message = msg;
        json_init(&j, &d->extra);
        json_object_begin(&j, NULL);
        json_object_begin(&j, "audit");
        json_string(&j, "id", h->first_id);
        json_object_begin(&j, "health");
        json_int(&j, "count", (int64_t) h->count);
        if (h->amount)
                json_int(&j, h == &d->health[HEALTH_LOST]    ? "lost"
                             : h == &d->health[HEALTH_SPLIT] ? "early"
                                                             : "missing",
                         (int64_t) h->amount);
        if (h->key[0])
                json_string(&j, "key", h->key);
        json_object_end(&j);
        json_object_end(&j);
        json_object_end(&j);
        if (json_finish(&j) >= 0)
                d->f.extra_json = detect_members_of(&d->extra);
        h->count = h->amount = 0;
        h->first_id[0] = h->key[0] = '\0';
        h->emitted = true;
        h->last_emit_ms = now;
        d->stats.health++;
        r = detect_emit(d, &d->f);
        d->f.message = NULL;
        return r;
}

static int health_note(struct audit_detect *d, struct health *h, const struct audit_event *ev, uint64_t amount)
{
        uint64_t now = audit_event_ms(ev);

        if (!h->count) {
                audit_event_id(h->first_id, ev);
                if (ev->has_syscall && ev->syscall.key.len)
                        audit_str_to_cstr(h->key, sizeof(h->key), ev->syscall.key);
        }
        h->count++;
        h->amount += amount;
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
        char msg[160], from_ts[TIMESTAMP_LEN];
        struct json j;
        int r;

        /* The event's own time when there is one (times past 2^64 ms included). */
        detect_begin_finding(d, ev ? ev->sec : to / 1000, ev ? ev->msec : (unsigned) (to % 1000));
        d->f.alert = true;
        d->f.rule = ruleset_rule(d->rs, "DW-AUD-SILENCE");
        d->f.category = "host";
        d->f.type = "info";
        d->f.action = "silence";
        snprintf(msg, sizeof(msg), "no audit events for %llu seconds", (unsigned long long) ((to - from) / 1000));
        d->f.message = msg;
        json_init(&j, &d->extra);
        json_object_begin(&j, NULL);
        json_object_begin(&j, "audit");
        json_object_begin(&j, "silence");
        format_timestamp_sec(from_ts, from / 1000, (unsigned) (from % 1000));
        json_string(&j, "from", from_ts);
        json_int(&j, "seconds", (int64_t) ((to - from) / 1000));
        json_object_end(&j);
        json_object_end(&j);
        json_object_end(&j);
        if (json_finish(&j) >= 0)
                d->f.extra_json = detect_members_of(&d->extra);
        d->stats.health++;
        r = detect_emit(d, &d->f);
        d->f.message = NULL;
        return r;
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
                        r = health_emit(d, &d->health[i], NULL, d->clock_ms);
        return r;
}
