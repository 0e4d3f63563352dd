/* Unit tests for what `driftwatch status` checks against and keeps: RFC 3339
 * times (src/basic/time-util.c), version order, the policy and ticket file
 * parsers with their line-numbered errors (src/image/status-policy.c), and
 * the snapshot store (src/image/status-store.c): round trip, unchanged runs
 * counted on one snapshot, rollback on failure. */
#define _GNU_SOURCE
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

#include "basic/time-util.h"
#include "image/status-policy.h"
#include "image/status-store.h"

static int64_t t(const char *s)
{
        int64_t v = 0;

        if (rfc3339_parse(s, strlen(s), &v) < 0)
                fail_msg("'%s' did not parse", s);
        return v;
}

static void test_rfc3339(void **state)
{
        static const char *const bad[] = {
                "", "2023", "2023-10-14", "2023-10-14T19:22:15", "2023-13-01T00:00:00Z", "2023-02-29T00:00:00Z",
                "2023-10-14T24:00:00Z", "2023-10-14T19:60:00Z", "2023-10-14T19:22:61Z", "0000-01-01T00:00:00Z",
                "2023-10-14T19:22:15.Z", "2023-10-14T19:22:15+0200", "2023-10-14T19:22:15Z ", "+2023-10-14T19:22:15Z",
                "2023-1-14T19:22:15Z", "2023-10-14T19:22:15+24:00",
        };
        char out[RFC3339_LEN];
        int64_t v = 42;

        assert_int_equal(t("1970-01-01T00:00:00Z"), 0);
        assert_int_equal(t("2023-10-14T19:22:15.42Z"), 1697311335);
        assert_int_equal(t("2023-10-14t19:22:15z"), 1697311335);
        assert_int_equal(t("2023-10-14 21:22:15+02:00"), 1697311335);
        assert_int_equal(t("2023-10-14T14:22:15.999999999-05:00"), 1697311335);
        assert_int_equal(t("2024-02-29T00:00:00Z"), 1709164800);
        assert_int_equal(t("2000-02-29T00:00:00Z"), 951782400);
        assert_int_equal(t("1969-12-31T23:59:59Z"), -1);
        assert_int_equal(t("0001-01-01T00:00:00Z"), TIME_MIN_SECONDS);
        assert_int_equal(t("9999-12-31T23:59:59Z"), TIME_MAX_SECONDS);
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                if (rfc3339_parse(bad[i], strlen(bad[i]), &v) != -EINVAL)
                        fail_msg("'%s' parsed", bad[i]);
                assert_int_equal(v, 42);
        }
        /* Length-bounded: what follows n bytes is not read. */
        assert_int_equal(rfc3339_parse("1970-01-01T00:00:00Zjunk", 20, &v), 0);
        assert_int_equal(v, 0);

        rfc3339_format(1697311335, out);
        assert_string_equal(out, "2023-10-14T19:22:15Z");
        rfc3339_format(-1, out);
        assert_string_equal(out, "1969-12-31T23:59:59Z");
        rfc3339_format(INT64_MIN, out);
        assert_string_equal(out, "0001-01-01T00:00:00Z");
        rfc3339_format(INT64_MAX, out);
        assert_string_equal(out, "9999-12-31T23:59:59Z");
        for (int64_t x = -100000000; x < 4000000000; x += 7777777) {
                rfc3339_format(x, out);
                assert_int_equal(t(out), x);
        }
}

static void test_version_compare(void **state)
{
        static const struct {
                const char *a, *b;
                int want;
        } cases[] = {
                { "33.21", "33.21", 0 }, { "33.21", "33.17", 1 }, { "33.9", "33.10", -1 }, { "33.100", "33.21", 1 },
                { "9.6", "9.6.20250801.0", -1 }, { "9.6.20250801.0", "9.6.20250731.3", 1 }, { "010", "10", 0 },
                { "stream9.20240807.0", "stream9.20240806.9", 1 }, { "nightly", "9.6", -1 }, { "9rc1", "9", 1 },
                { "9.9rc1", "9.10", -1 }, { "1.0a", "1.0b", -1 }, { "1.0-1", "1.0.1", 0 }, { "", "", 0 },
                { "", "1", -1 }, { "abc", "abd", -1 }, { "abc", "ab", 1 },
                { "99999999999999999999999999", "99999999999999999999999998", 1 },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                int got = version_compare(cases[i].a, cases[i].b), back = version_compare(cases[i].b, cases[i].a);

                if (got != cases[i].want || back != -cases[i].want)
                        fail_msg("version_compare('%s', '%s') = %d / %d, want %d", cases[i].a, cases[i].b, got, back,
                                 cases[i].want);
        }
}

static struct deployment deployment(const char *version, const char *ts, const char *digest, const char *commit)
{
        return (struct deployment) { .version = version, .timestamp = ts ? t(ts) : HOST_TIME_UNKNOWN,
                                     .digest = digest, .checksum = commit, .serial = -1 };
}

static void test_policy(void **state)
{
        _cleanup_(status_policy_freep) struct status_policy *p = NULL;
        static const char text[] = "# pinned minimum\r\n\n  minimum-version = 9.6\n"
                                   "minimum-timestamp\t=\t2025-08-01T00:00:00Z\n"
                                   "allowed-digest = sha256:aa\nallowed-digest = c0ffee # no comments after values";
        struct deployment d;
        char why[256];

        assert_int_equal(status_policy_parse(text, strlen(text), &p, NULL), -EBADMSG);
        assert_int_equal(status_policy_parse(text, strlen(text) - 26, &p, NULL), 0);
        assert_string_equal(p->minimum_version, "9.6");
        assert_int_equal(p->minimum_timestamp, t("2025-08-01T00:00:00Z"));
        assert_int_equal(p->n_allowed, 2);

        d = deployment("9.6.1", "2025-08-02T00:00:00Z", "sha256:aa", "x");
        assert_false(status_policy_below_minimum(p, &d, why, sizeof(why)));
        assert_true(status_policy_digest_allowed(p, &d));
        d = deployment("9.5.9", "2025-08-02T00:00:00Z", "sha256:bb", "c0ffee");
        assert_true(status_policy_below_minimum(p, &d, why, sizeof(why)));
        assert_string_equal(why, "version 9.5.9 is below the minimum 9.6");
        assert_true(status_policy_digest_allowed(p, &d));      /* by its ostree commit */
        d = deployment("9.7", "2025-07-31T23:59:59Z", "sha256:bb", NULL);
        assert_true(status_policy_below_minimum(p, &d, why, sizeof(why)));
        assert_string_equal(why, "built 2025-07-31T23:59:59Z, before the minimum 2025-08-01T00:00:00Z");
        assert_false(status_policy_digest_allowed(p, &d));
        d = deployment(NULL, NULL, NULL, NULL);
        assert_true(status_policy_below_minimum(p, &d, why, sizeof(why)));
        assert_string_equal(why, "no version to compare with the minimum 9.6");
        assert_false(status_policy_digest_allowed(p, &d));
}

/* Maintenance windows: days, ranges across midnight, offsets. */
static void test_windows(void **state)
{
        _cleanup_(status_policy_freep) struct status_policy *p = NULL;
        static const char text[] = "maintenance-window = Sat,Sun 02:00-06:00\n"
                                   "maintenance-window = Mon-Wed 22:00-01:30 +02:00\n"
                                   "maintenance-window = Fri-Mon 12:00-12:30 -05:00\n";
        const struct maintenance_window *w;

        assert_int_equal(status_policy_parse(text, strlen(text), &p, NULL), 0);
        assert_int_equal(p->n_windows, 3);
        /* 2026-11-28 is a Saturday. */
        w = status_policy_window(p, t("2026-11-28T02:00:00Z"));
        assert_non_null(w);
        assert_string_equal(w->text, "Sat,Sun 02:00-06:00 UTC");
        assert_non_null(status_policy_window(p, t("2026-11-29T05:59:59Z")));
        assert_null(status_policy_window(p, t("2026-11-28T06:00:00Z")));
        assert_null(status_policy_window(p, t("2026-11-27T03:00:00Z")));    /* Friday */
        /* Wednesday 22:00-01:30 at +02:00: Wed 20:00Z to Wed 23:30Z; Thursday 00:30 local is in. */
        assert_non_null(status_policy_window(p, t("2026-11-25T20:00:00Z")));
        assert_non_null(status_policy_window(p, t("2026-11-25T22:30:00Z")));
        assert_null(status_policy_window(p, t("2026-11-25T23:30:00Z")));
        assert_null(status_policy_window(p, t("2026-11-26T20:00:00Z")));    /* Thursday evening */
        /* Fri-Mon (wrapping the week) 12:00 at -05:00: 17:00Z. */
        assert_non_null(status_policy_window(p, t("2026-11-30T17:10:00Z")));        /* Monday */
        assert_null(status_policy_window(p, t("2026-12-01T17:10:00Z")));            /* Tuesday */
        assert_null(status_policy_window(NULL, 0));
}

/* Windows on a named zone's wall clock, across the 2026 daylight saving
 * changes of Europe/Berlin (2026-03-29 01:00Z: 02:00 CET becomes 03:00
 * CEST; 2026-10-25 01:00Z: 03:00 CEST becomes 02:00 CET). */
static void test_window_zones(void **state)
{
        _cleanup_(status_policy_freep) struct status_policy *p = NULL;
        static const char text[] = "maintenance-window = Sun 02:30-03:30 Europe/Berlin\n"
                                   "maintenance-window = Sat 23:00-01:00 America/New_York\n";
        const struct maintenance_window *w;

        if (access("/usr/share/zoneinfo/Europe/Berlin", R_OK) < 0 ||
            access("/usr/share/zoneinfo/America/New_York", R_OK) < 0) {
                if (getenv("CI") && strcmp(getenv("CI"), "true") == 0)
                        fail_msg("tzdata is not installed (Debian package tzdata)");
                print_message("skipped: tzdata is not installed (Debian package tzdata)\n");
                skip();
        }
        assert_int_equal(status_policy_parse(text, strlen(text), &p, NULL), 0);
        assert_int_equal(p->n_windows, 2);
        assert_string_equal(p->windows[0].zone, "Europe/Berlin");
        /* A winter Sunday: 02:30-03:30 CET is 01:30Z-02:30Z. */
        w = status_policy_window(p, t("2026-03-22T01:30:00Z"));
        assert_non_null(w);
        assert_string_equal(w->text, "Sun 02:30-03:30 Europe/Berlin");
        assert_null(status_policy_window(p, t("2026-03-22T01:29:59Z")));
        assert_null(status_policy_window(p, t("2026-03-22T02:30:00Z")));
        /* Spring forward: 02:30 never happens; the clock jumps from 01:59:59
         * CET to 03:00 CEST (01:00Z), and 03:00-03:30 CEST is the window. */
        assert_null(status_policy_window(p, t("2026-03-29T00:59:59Z")));
        assert_non_null(status_policy_window(p, t("2026-03-29T01:00:00Z")));
        assert_non_null(status_policy_window(p, t("2026-03-29T01:29:59Z")));
        assert_null(status_policy_window(p, t("2026-03-29T01:30:00Z")));
        /* A summer Sunday: 02:30-03:30 CEST is 00:30Z-01:30Z. */
        assert_non_null(status_policy_window(p, t("2026-07-05T00:30:00Z")));
        assert_null(status_policy_window(p, t("2026-07-05T01:30:00Z")));
        /* Fall back: 02:30 CEST (00:30Z) and, an hour after 02:00 came again,
         * 02:30 CET (01:30Z); 03:00 CEST became 02:00 CET in between. */
        assert_non_null(status_policy_window(p, t("2026-10-25T00:30:00Z")));
        assert_null(status_policy_window(p, t("2026-10-25T01:00:00Z")));
        assert_non_null(status_policy_window(p, t("2026-10-25T01:30:00Z")));
        assert_non_null(status_policy_window(p, t("2026-10-25T02:29:59Z")));
        assert_null(status_policy_window(p, t("2026-10-25T02:30:00Z")));
        /* Across midnight in New York, the day being Saturday's: Sat 23:00 EST
         * is Sun 04:00Z; Sun 00:30 EST is Sun 05:30Z; Sun 23:30 EST is not in. */
        w = status_policy_window(p, t("2026-11-29T04:00:00Z"));
        assert_non_null(w);
        assert_string_equal(w->zone, "America/New_York");
        assert_non_null(status_policy_window(p, t("2026-11-29T05:30:00Z")));
        assert_null(status_policy_window(p, t("2026-11-29T06:00:00Z")));
        assert_null(status_policy_window(p, t("2026-11-30T04:30:00Z")));
        /* Summer: EDT, an hour earlier in UTC. */
        assert_non_null(status_policy_window(p, t("2026-07-05T03:00:00Z")));
        assert_null(status_policy_window(p, t("2026-07-05T02:59:59Z")));
        /* The process's own TZ is left as it was. */
        assert_int_equal(setenv("TZ", "UTC0", 1), 0);
        assert_non_null(status_policy_window(p, t("2026-03-29T01:00:00Z")));
        assert_string_equal(getenv("TZ"), "UTC0");
        assert_int_equal(unsetenv("TZ"), 0);
        assert_non_null(status_policy_window(p, t("2026-03-29T01:00:00Z")));
        assert_null(getenv("TZ"));
}

static void parse_fails(bool tickets, const char *text, size_t len, int err, const char *want)
{
        struct status_policy *p = NULL;
        struct ticket_list *l = NULL;
        char *reason = NULL;

        if (tickets)
                assert_int_equal(ticket_list_parse(text, len, &l, &reason), err);
        else
                assert_int_equal(status_policy_parse(text, len, &p, &reason), err);
        assert_null(p);
        assert_null(l);
        assert_non_null(reason);
        if (strcmp(reason, want) != 0)
                fail_msg("reason '%s', want '%s'", reason, want);
        free(reason);
}

static void test_bad_files(void **state)
{
        static const struct {
                bool tickets;
                const char *text;
                int err;
                const char *want;
        } cases[] = {
                { false, "", -EBADMSG, "no minimum-version, minimum-timestamp, allowed-digest or maintenance-window" },
                { false, "minimum-version 9.6\n", -EBADMSG, "line 1: expected 'key = value'" },
                { false, "\nminimum-version = 9 6\n", -EBADMSG, "line 2: expected 'key = value'" },
                { false, "minimum-version = 1\nminimum-version = 2\n", -EBADMSG, "line 2: minimum-version given twice" },
                { false, "minimum-timestamp = 2025-08-01\n", -EBADMSG, "line 1: '2025-08-01' is not an RFC 3339 time" },
                { false, "color = blue\n", -EBADMSG,
                  "line 1: unknown key 'color' (minimum-version, minimum-timestamp, allowed-digest, "
                  "maintenance-window)" },
                { false, "maintenance-window = Sat 02:00\n", -EBADMSG,
                  "line 1: '02:00' is not a time range (HH:MM-HH:MM)" },
                { false, "maintenance-window = Caturday 02:00-03:00\n", -EBADMSG,
                  "line 1: 'Caturday' is not a list of days (Mon-Fri, Sat,Sun or *)" },
                { false, "maintenance-window = * 02:00-03:00 Europe/Berln\n", -EBADMSG,
                  "line 1: unknown time zone 'Europe/Berln' (not a zone file under /usr/share/zoneinfo)" },
                { false, "# x\nmaintenance-window = * 02:00-03:00 ../../../etc/passwd\n", -EBADMSG,
                  "line 2: unknown time zone '../../../etc/passwd' (not a zone file under /usr/share/zoneinfo)" },
                { false, "maintenance-window = * 02:00-03:00 Europe/../Europe/Berlin\n", -EBADMSG,
                  "line 1: unknown time zone 'Europe/../Europe/Berlin' (not a zone file under /usr/share/zoneinfo)" },
                { false, "maintenance-window = * 02:00-03:00 zone.tab\n", -EBADMSG,
                  "line 1: unknown time zone 'zone.tab' (not a zone file under /usr/share/zoneinfo)" },
                { false, "maintenance-window = * 02:00-03:00 Europe\n", -EBADMSG,
                  "line 1: unknown time zone 'Europe' (not a zone file under /usr/share/zoneinfo)" },
                { false, "maintenance-window = * 02:00-03:00 +19:00\n", -EBADMSG,
                  "line 1: '+19:00' is not an offset (+HH:MM, -HH:MM, at most 18:00)" },
                { false, "maintenance-window = * 02:00-02:00\n", -EBADMSG,
                  "line 1: '02:00-02:00' is not a time range (HH:MM-HH:MM)" },
                { false, "maintenance-window = * 25:00-26:00\n", -EBADMSG,
                  "line 1: '25:00-26:00' is not a time range (HH:MM-HH:MM)" },
                { false, "allowed-digest = a\x1b[2Jb\n", -EBADMSG, "line 1: control character 0x1b" },
                { false, "a b c d e f g h i\n", -EBADMSG, "line 1: too many words" },
                { true, "CHG-1 sha256:aa 2025-01-01T00:00:00Z\n", -EBADMSG,
                  "line 1: expected 'TICKET DIGEST FROM UNTIL'" },
                { true, "# c\nCHG-1 sha256:aa 2025-01-02T00:00:00Z 2025-01-01T00:00:00Z\n", -EBADMSG,
                  "line 2: the window ends before it starts" },
                { true, "CHG-1 sha256:aa soon 2025-01-01T00:00:00Z\n", -EBADMSG, "line 1: 'soon' is not an RFC 3339 time" },
        };
        _cleanup_(freep) char *big = NULL;

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                parse_fails(cases[i].tickets, cases[i].text, strlen(cases[i].text), cases[i].err, cases[i].want);
        parse_fails(true, "CHG-1\0", 6, -EBADMSG, "NUL byte: not a text file");
        parse_fails(false, "x", STATUS_POLICY_MAX_BYTES + 1, -E2BIG, "larger than 1024 KiB");
        big = malloc(HOST_STATUS_MAX_STRING + 2);
        assert_non_null(big);
        memset(big, 'x', HOST_STATUS_MAX_STRING + 1);
        parse_fails(true, big, HOST_STATUS_MAX_STRING + 1, -E2BIG, "line 1: longer than 4096 bytes");
}

static void test_many_items(void **state)
{
        _cleanup_(freep) char *text = malloc((size_t) (STATUS_POLICY_MAX_ITEMS + 1) * 24);
        _cleanup_(status_policy_freep) struct status_policy *p = NULL;
        size_t len = 0;

        assert_non_null(text);
        for (int i = 0; i <= STATUS_POLICY_MAX_ITEMS; i++)
                len += (size_t) sprintf(text + len, "allowed-digest = d%d\n", i);
        parse_fails(false, text, len, -E2BIG, "line 4097: more than 4096 allowed digests");
        len -= strlen("allowed-digest = d4096\n");
        assert_int_equal(status_policy_parse(text, len, &p, NULL), 0);
        assert_int_equal(p->n_allowed, STATUS_POLICY_MAX_ITEMS);
}

static void test_tickets(void **state)
{
        _cleanup_(ticket_list_freep) struct ticket_list *l = NULL;
        static const char text[] = "# ticket digest from until\n"
                                   "CHG-1 sha256:aa 2026-01-01T00:00:00Z 2026-01-02T00:00:00Z\n"
                                   "CHG-2 c0ffee 2026-02-01T00:00:00Z 2026-02-01T00:00:00Z\n";
        struct deployment d = deployment(NULL, NULL, "sha256:aa", "c0ffee");
        int64_t jan1 = t("2026-01-01T00:00:00Z");

        assert_int_equal(ticket_list_parse(text, strlen(text), &l, NULL), 0);
        assert_int_equal(l->n, 2);
        assert_string_equal(l->v[1].id, "CHG-2");
        /* The change happened between the last run and this one: the windows must overlap. */
        assert_string_equal(ticket_find(l, &d, jan1 - 10, jan1)->id, "CHG-1");
        assert_string_equal(ticket_find(l, &d, jan1 + 86400, jan1 + 90000)->id, "CHG-1");
        assert_null(ticket_find(l, &d, jan1 - 10, jan1 - 1));
        assert_string_equal(ticket_find(l, &d, jan1 + 86401, t("2026-03-01T00:00:00Z"))->id, "CHG-2");
        d.checksum = NULL;
        assert_null(ticket_find(l, &d, jan1 + 86401, t("2026-03-01T00:00:00Z")));
        assert_null(ticket_find(NULL, &d, 0, 0));
}

static struct host_status *status(const char *booted_commit, const char *staged_commit)
{
        struct host_status *hs = host_status_new(HOST_SOURCE_BOOTC);
        struct deployment *d;

        assert_non_null(hs);
        d = host_status_add(hs, ROLE_BOOTED);
        d->checksum = booted_commit;
        d->image = "quay.io/x:1";
        d->timestamp = 1697311335;
        d->serial = 3;
        d->pinned = true;
        if (staged_commit) {
                d = host_status_add(hs, ROLE_STAGED);
                d->checksum = staged_commit;
                d->download_only = true;
        }
        hs->usr_overlay = "readWrite/transient";
        return hs;
}

static void test_store(void **state)
{
        char path[] = "/tmp/dw-test-status.XXXXXX", db[64];
        _cleanup_(host_status_freep) struct host_status *a = status("aa", NULL), *b = status("aa", "bb");
        struct status_snapshot_info info;
        const struct host_status *last;
        struct status_store *s;

        assert_non_null(mkdtemp(path));
        snprintf(db, sizeof(db), "%s/state.db", path);

        assert_int_equal(status_store_open(db, NULL, &s, NULL), 0);
        assert_int_equal(status_store_last(s, &last, &info, NULL), 0);
        assert_null(last);
        assert_int_equal(status_store_record(s, a, 100, NULL), 0);
        assert_int_equal(status_store_commit(s, NULL), 0);
        status_store_free(s);

        /* Unchanged: counted on the same snapshot. */
        assert_int_equal(status_store_open(db, NULL, &s, NULL), 0);
        assert_int_equal(status_store_last(s, &last, &info, NULL), 0);
        assert_non_null(last);
        assert_true(host_status_equal(last, a));
        assert_int_equal(info.first_seen, 100);
        assert_int_equal(status_store_record(s, a, 200, NULL), 0);
        assert_int_equal(status_store_commit(s, NULL), 0);
        status_store_free(s);

        /* Changed, but not committed: rolled back. */
        assert_int_equal(status_store_open(db, NULL, &s, NULL), 0);
        assert_int_equal(status_store_last(s, &last, &info, NULL), 0);
        assert_int_equal(info.last_seen, 200);
        assert_int_equal(info.checks, 2);
        assert_int_equal(status_store_record(s, b, 300, NULL), 0);
        status_store_free(s);

        assert_int_equal(status_store_open(db, NULL, &s, NULL), 0);
        assert_int_equal(status_store_last(s, &last, &info, NULL), 0);
        assert_true(host_status_equal(last, a));
        assert_int_equal(status_store_record(s, b, 300, NULL), 0);
        assert_int_equal(status_store_commit(s, NULL), 0);
        status_store_free(s);

        assert_int_equal(status_store_open(db, NULL, &s, NULL), 0);
        assert_int_equal(status_store_last(s, &last, &info, NULL), 0);
        assert_true(host_status_equal(last, b));
        assert_false(host_status_equal(last, a));
        assert_int_equal(info.first_seen, 300);
        assert_int_equal(info.checks, 1);
        assert_int_equal(last->deployments[0].serial, 3);
        assert_true(last->deployments[1].download_only);
        assert_int_equal(last->deployments[1].timestamp, HOST_TIME_UNKNOWN);
        assert_null(last->deployments[1].image);
        status_store_free(s);

        assert_int_equal(status_store_open(path, NULL, &s, NULL), -EISDIR);
        unlink(db);
        rmdir(path);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_rfc3339),
                cmocka_unit_test(test_version_compare),
                cmocka_unit_test(test_policy),
                cmocka_unit_test(test_windows),
                cmocka_unit_test(test_window_zones),
                cmocka_unit_test(test_bad_files),
                cmocka_unit_test(test_many_items),
                cmocka_unit_test(test_tickets),
                cmocka_unit_test(test_store),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
