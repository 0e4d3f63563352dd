/* Unit tests for src/agent/state.c: the spool with one pending set per
 * output (an event leaves when every output acknowledged it), the cap's
 * policy (oldest of the lowest severity first, counted), state kept across
 * a reopen, a rollback leaving nothing behind, event.id taken from the
 * line or its SHA-256, and the history the report reads (bounded, kept after
 * delivery, read through a read-only open that refuses another database). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "agent/event.h"
#include "agent/state.h"
#include "rules/rules.h"

static char dir[] = "/tmp/dw-agent-state.XXXXXX";

static void cleanup_dir(void)
{
        char p[256];

        snprintf(p, sizeof(p), "%s/agent.db", dir);
        unlink(p);
        snprintf(p, sizeof(p), "%s/agent.db-wal", dir);
        unlink(p);
        snprintf(p, sizeof(p), "%s/agent.db-shm", dir);
        unlink(p);
}

static struct agent_state *open_state(uint64_t cap, int64_t ids[2])
{
        static const char *const urls[] = { "file:/a", "syslog+tcp://127.0.0.1:1" };
        struct dw_error e = { 0 };
        struct agent_state *s = NULL;

        assert_int_equal(agent_state_open(dir, cap, &s, &e), 0);
        assert_int_equal(agent_state_begin(s), 0);
        assert_int_equal(agent_state_set_outputs(s, urls, 2, ids), 0);
        assert_int_equal(agent_state_commit(s), 0);
        return s;
}

static void add(struct agent_state *s, const char *json, int sev, uint64_t *dropped)
{
        char id[AGENT_EVENT_ID_MAX];

        assert_int_equal(agent_event_id(json, strlen(json), id), 0);
        assert_int_equal(agent_state_spool_add(s, json, strlen(json), id, sev, 1, dropped), 0);
}

struct walk {
        size_t n;
        int64_t first, last;
        bool schedule_seen;
};

static int count_event(const struct agent_event *ev, void *u)
{
        struct walk *w = u;

        if (w->n++ == 0)
                w->first = ev->seq;
        w->last = ev->seq;
        assert_true(ev->len == strlen(ev->json));
        return 0;
}

static void test_pending_per_output(void **state)
{
        const struct agent_event *ev;
        int64_t ids[2];
        uint64_t n, bytes;
        size_t k;
        bool acked[3] = { true, false, true };
        struct agent_state *s;

        cleanup_dir();
        s = open_state(0, ids);
        assert_int_equal(agent_state_begin(s), 0);
        add(s, "{\"event\":{\"id\":\"AA01\"},\"n\":1}", SEVERITY_LOW, NULL);
        add(s, "{\"event\":{\"id\":\"aa02\"},\"n\":2}", SEVERITY_HIGH, NULL);
        add(s, "{\"event\":{\"kind\":\"event\"},\"n\":3}", SEVERITY_MEDIUM, NULL);
        assert_int_equal(agent_state_commit(s), 0);
        agent_state_spool_depth(s, &n, &bytes);
        assert_int_equal(n, 3);

        assert_int_equal(agent_state_pending(s, ids[0], 10, 1 << 20, &ev, &k), 0);
        assert_int_equal(k, 3);
        assert_string_equal(ev[0].id, "aa01");
        assert_string_equal(ev[1].id, "aa02");
        assert_int_equal(strlen(ev[2].id), 64);         /* the SHA-256 fallback */
        assert_true(ev[0].seq < ev[1].seq && ev[1].seq < ev[2].seq);
        assert_int_equal(agent_state_begin(s), 0);
        assert_int_equal(agent_state_ack(s, ids[0], ev, acked, k), 0);
        assert_int_equal(agent_state_commit(s), 0);
        /* The second output still needs all three. */
        agent_state_spool_depth(s, &n, &bytes);
        assert_int_equal(n, 3);
        assert_int_equal(agent_state_pending(s, ids[0], 10, 1 << 20, &ev, &k), 0);
        assert_int_equal(k, 1);
        assert_string_equal(ev[0].json, "{\"event\":{\"id\":\"aa02\"},\"n\":2}");
        assert_int_equal(agent_state_pending(s, ids[1], 10, 1 << 20, &ev, &k), 0);
        assert_int_equal(k, 3);
        acked[1] = true;
        assert_int_equal(agent_state_begin(s), 0);
        assert_int_equal(agent_state_ack(s, ids[1], ev, acked, k), 0);
        assert_int_equal(agent_state_commit(s), 0);
        agent_state_spool_depth(s, &n, &bytes);
        assert_int_equal(n, 1);        /* aa02: the first output has not acknowledged it */
        {
                /* out of the spool, each event is still there once, as history */
                struct dw_error e = { 0 };
                struct agent_state *ro = NULL;
                struct walk w = { 0 };

                assert_int_equal(agent_state_open_readonly(dir, &ro, &e), 0);
                assert_int_equal(agent_state_foreach_history(ro, count_event, &w), 0);
                assert_int_equal(w.n, 3);
                agent_state_free(ro);
        }
        agent_state_free(s);

        /* Reopened: the same pending sets and counts. */
        s = open_state(0, ids);
        agent_state_spool_depth(s, &n, &bytes);
        assert_int_equal(n, 1);
        {
                struct agent_output_counts c;

                assert_int_equal(agent_state_output_counts(s, ids[1], &c), 0);
                assert_int_equal(c.delivered, 3);
                assert_int_equal(c.pending, 0);
                assert_int_equal(agent_state_output_counts(s, ids[0], &c), 0);
                assert_int_equal(c.delivered, 2);
                assert_int_equal(c.pending, 1);
        }
        agent_state_free(s);
}

static void test_cap_policy(void **state)
{
        char line[128];
        const struct agent_event *ev;
        int64_t ids[2], dropped_all, dropped_low;
        uint64_t n, bytes, dropped = 0, total = 0;
        size_t k;
        struct agent_state *s;

        cleanup_dir();
        s = open_state(10 * 40, ids);
        assert_int_equal(agent_state_begin(s), 0);
        for (int i = 0; i < 20; i++) {
                snprintf(line, sizeof(line), "{\"event\":{\"id\":\"%04x\"},\"pad\":\"%08d\"}", i, i);
                assert_int_equal(strlen(line), 40);
                add(s, line, i % 4 == 0 ? SEVERITY_HIGH : SEVERITY_LOW, &dropped);
                total += dropped;
        }
        assert_int_equal(agent_state_commit(s), 0);
        agent_state_spool_depth(s, &n, &bytes);
        assert_true(bytes <= 400);
        assert_int_equal(n, 10);
        assert_int_equal(total, 10);
        /* The five high ones all stay; the newest low ones fill the rest. */
        assert_int_equal(agent_state_pending(s, ids[0], 20, 1 << 20, &ev, &k), 0);
        assert_int_equal(k, 10);
        for (size_t i = 0, high = 0; i < k; i++) {
                if (ev[i].severity == SEVERITY_HIGH)
                        high++;
                if (i == k - 1)
                        assert_int_equal(high, 5);
        }
        assert_string_equal(ev[k - 1].id, "0013");
        assert_int_equal(agent_state_counter_get(s, "dropped-policy", &dropped_all), 0);
        assert_int_equal(agent_state_counter_get(s, "dropped-policy-low", &dropped_low), 0);
        assert_int_equal(dropped_all, 10);
        assert_int_equal(dropped_low, 10);
        agent_state_free(s);
}

/* Each position listed adds 1000 to the serial of the one in *userdata. */
static int on_position(const char *node, const struct agent_audit_position *p, void *userdata)
{
        struct agent_audit_position *got = userdata;

        assert_string_equal(node, "");
        *got = *p;
        got->serial += 1000;
        return 0;
}

static void test_rollback_and_values(void **state)
{
        struct agent_schedule_state sch = { .next_run = 100, .last_run = 40 }, got;
        struct agent_audit_position pos = { .sec = 1700000000, .msec = 100, .serial = 7 }, gpos;
        _cleanup_(freep) char *cursor = NULL;
        int64_t ids[2];
        uint64_t n, bytes;
        bool found;
        struct agent_state *s;

        cleanup_dir();
        s = open_state(0, ids);
        assert_int_equal(agent_state_begin(s), 0);
        add(s, "{\"a\":1}", SEVERITY_LOW, NULL);
        agent_state_rollback(s);
        agent_state_spool_depth(s, &n, &bytes);
        assert_int_equal(n, 0);

        assert_int_equal(agent_state_begin(s), 0);
        strcpy(sch.last_status, "ok");
        assert_int_equal(agent_state_schedule_set(s, "scan", &sch), 0);
        assert_int_equal(agent_state_audit_set(s, "", &pos), 0);
        assert_int_equal(agent_state_set_text(s, "journal-cursor", "s=1;i=2"), 0);
        assert_int_equal(agent_state_commit(s), 0);
        agent_state_free(s);

        s = open_state(0, ids);
        assert_int_equal(agent_state_schedule_get(s, "scan", &got), 0);
        assert_int_equal(got.next_run, 100);
        assert_string_equal(got.last_status, "ok");
        assert_int_equal(agent_state_schedule_get(s, "posture", &got), 0);
        assert_int_equal(got.next_run, 0);
        assert_int_equal(agent_state_audit_get(s, "", &gpos, &found), 0);
        assert_true(found);
        assert_int_equal(gpos.serial, 7);
        assert_int_equal(agent_state_audit_get(s, "other", &gpos, &found), 0);
        assert_false(found);
        assert_int_equal(agent_state_audit_list(s, 10, on_position, &gpos), 0);
        assert_int_equal(gpos.serial, 7 + 1000);
        assert_int_equal(agent_state_get_text(s, "journal-cursor", &cursor), 0);
        assert_string_equal(cursor, "s=1;i=2");
        agent_state_free(s);
        cleanup_dir();
}

static void test_not_ours(void **state)
{
        char p[256];
        struct dw_error e = { 0 };
        struct agent_state *s = NULL;
        FILE *f;

        cleanup_dir();
        snprintf(p, sizeof(p), "%s/agent.db", dir);
        f = fopen(p, "w");
        assert_non_null(f);
        fputs("not a database, not at all, it is plain text of some length here ........", f);
        fclose(f);
        assert_int_equal(agent_state_open(dir, 0, &s, &e), -EBADMSG);
        assert_non_null(strstr(dw_error_reason(&e), "agent.db"));
        dw_error_release(&e);
        cleanup_dir();
}

static int see_schedule(const char *capability, const struct agent_schedule_state *st, void *u)
{
        struct walk *w = u;

        assert_string_equal(capability, "posture");
        assert_int_equal(st->last_run, 42);
        w->schedule_seen = true;
        return 0;
}

static void test_history(void **state)
{
        struct agent_schedule_state st = { .next_run = 50, .last_run = 42, .last_status = "ok" };
        struct dw_error e = { 0 };
        struct agent_state *s, *ro = NULL;
        struct walk w = { 0 };
        const struct agent_event *ev;
        size_t n, total = AGENT_HISTORY_MAX + 200;
        int64_t ids[2];
        bool acked[1] = { true };
        char json[64];

        cleanup_dir();
        s = open_state(0, ids);
        assert_int_equal(agent_state_begin(s), 0);
        for (size_t i = 0; i < total; i++) {
                snprintf(json, sizeof(json), "{\"n\":%zu}", i);
                add(s, json, 2, NULL);
        }
        assert_int_equal(agent_state_schedule_set(s, "posture", &st), 0);
        /* delivered to both outputs: out of the spool, still in the history */
        assert_int_equal(agent_state_pending(s, ids[0], 1, 1 << 20, &ev, &n), 0);
        assert_int_equal(agent_state_ack(s, ids[0], ev, acked, 1), 0);
        assert_int_equal(agent_state_pending(s, ids[1], 1, 1 << 20, &ev, &n), 0);
        assert_int_equal(agent_state_ack(s, ids[1], ev, acked, 1), 0);
        assert_int_equal(agent_state_commit(s), 0);

        assert_int_equal(agent_state_open_readonly(dir, &ro, &e), 0);
        assert_int_equal(agent_state_foreach_history(ro, count_event, &w), 0);
        assert_true(w.n >= AGENT_HISTORY_MAX && w.n < AGENT_HISTORY_MAX + 64);
        assert_int_equal(w.last, (int64_t) total);
        assert_int_equal(agent_state_foreach_schedule(ro, see_schedule, &w), 0);
        assert_true(w.schedule_seen);
        agent_state_free(ro);

        /* Everything delivered: the events past the history's window leave
         * the table, the window stays. */
        for (int64_t o = 0; o < 2; o++) {
                bool all[1000];

                memset(all, 1, sizeof(all));
                assert_int_equal(agent_state_begin(s), 0);
                do {
                        assert_int_equal(agent_state_pending(s, ids[o], 1000, 64 << 20, &ev, &n), 0);
                        assert_int_equal(agent_state_ack(s, ids[o], ev, all, n), 0);
                } while (n > 0);
                assert_int_equal(agent_state_commit(s), 0);
        }
        {
                sqlite3 *db;
                sqlite3_stmt *q;
                char p[256];

                snprintf(p, sizeof(p), "%s/agent.db", dir);
                assert_int_equal(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
                assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*), min(seq) FROM agent_events", -1, &q, NULL),
                                 SQLITE_OK);
                assert_int_equal(sqlite3_step(q), SQLITE_ROW);
                assert_int_equal(sqlite3_column_int64(q, 0), AGENT_HISTORY_MAX);
                assert_int_equal(sqlite3_column_int64(q, 1), (int64_t) total - AGENT_HISTORY_MAX + 1);
                sqlite3_finalize(q);
                sqlite3_close(db);
        }
        w = (struct walk) { 0 };
        assert_int_equal(agent_state_open_readonly(dir, &ro, &e), 0);
        assert_int_equal(agent_state_foreach_history(ro, count_event, &w), 0);
        assert_int_equal(w.n, AGENT_HISTORY_MAX);
        agent_state_free(ro);
        agent_state_free(s);
        cleanup_dir();

        /* a database that is not the agent's: refused, named */
        {
                char p[256];
                FILE *f;

                snprintf(p, sizeof(p), "%s/agent.db", dir);
                f = fopen(p, "w");
                assert_non_null(f);
                fclose(f);
                ro = NULL;
                assert_int_equal(agent_state_open_readonly(dir, &ro, &e), -EBADMSG);
                assert_null(ro);
                assert_non_null(strstr(dw_error_reason(&e), "agent.db"));
                dw_error_release(&e);
                cleanup_dir();
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_pending_per_output),
                cmocka_unit_test(test_cap_policy),
                cmocka_unit_test(test_rollback_and_values),
                cmocka_unit_test(test_not_ours),
                cmocka_unit_test(test_history),
        };
        int r;

        if (!mkdtemp(dir))
                return 1;
        r = cmocka_run_group_tests(tests, NULL, NULL);
        cleanup_dir();
        rmdir(dir);
        return r;
}
