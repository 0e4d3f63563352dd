/* Unit tests for src/audit/journal-index.c: units by pid and time from
 * journal entries (runs, pid reuse, boots, the unit fields' order, hostile
 * values), deployment messages, and the limits. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "audit/journal-index.h"

#define S 1000000ULL
#define T0 (1700000000ULL * S)
#define BOOT1 "5f2c8e0d6b5a4c3e9d1f0a2b3c4d5e6f"
#define BOOT2 "9a8b7c6d5e4f40318293a4b5c6d7e8f9"

/* Adds one entry at us with NULL-ended name, value pairs. */
static void add(struct journal_index *x, uint64_t us, ...)
{
        struct journal_field fields[16];
        struct journal_entry e = { .fields = fields, .has_realtime = true, .realtime_us = us };
        const char *name;
        va_list ap;

        va_start(ap, us);
        while ((name = va_arg(ap, const char *))) {
                const char *value = va_arg(ap, const char *);

                fields[e.n_fields++] = (struct journal_field) { name, value, strlen(value) };
        }
        va_end(ap);
        assert_int_equal(journal_index_add(x, &e), 0);
}

static void test_units(void **state)
{
        struct journal_index *x;

        (void) state;
        assert_int_equal(journal_index_new(&x), 0);
        /* A run of a chatty service: one run. */
        for (int i = 0; i < 100; i++)
                add(x, T0 + (uint64_t) i * 10 * S, "_PID", "100", "_SYSTEMD_UNIT", "chatty.service", "_BOOT_ID",
                    BOOT1, NULL);
        /* The cgroup's unit before the unit field; the user unit before the unit. */
        add(x, T0, "_PID", "200", "_SYSTEMD_UNIT", "user@1000.service", "_SYSTEMD_CGROUP",
            "/user.slice/user-1000.slice/user@1000.service/app.slice/editor.service", NULL);
        add(x, T0, "_PID", "201", "_SYSTEMD_UNIT", "user@1000.service", "_SYSTEMD_USER_UNIT", "tool.service", NULL);
        /* Pid 300: one unit, reused an hour later by another. */
        add(x, T0, "_PID", "300", "_SYSTEMD_UNIT", "first.service", NULL);
        add(x, T0 + 3600 * S, "_PID", "300", "_SYSTEMD_UNIT", "second.service", NULL);
        /* Hostile: no unit name, a path, a bad pid, no time. */
        add(x, T0, "_PID", "400", "_SYSTEMD_UNIT", "../../x", NULL);
        add(x, T0, "_PID", "401", "_SYSTEMD_UNIT", "a/b.service", NULL);
        add(x, T0, "_PID", "-5", "_SYSTEMD_UNIT", "neg.service", NULL);
        add(x, T0, "_PID", "99999999999", "_SYSTEMD_UNIT", "big.service", NULL);
        journal_index_seal(x);

        assert_string_equal(journal_index_unit(x, 100, T0 + 500 * S, JOURNAL_INDEX_WINDOW_US), "chatty.service");
        assert_int_equal(journal_index_stats(x)->runs, 1 + 2 + 2);
        assert_string_equal(journal_index_unit(x, 200, T0, JOURNAL_INDEX_WINDOW_US), "editor.service");
        assert_string_equal(journal_index_unit(x, 201, T0, JOURNAL_INDEX_WINDOW_US), "tool.service");
        assert_string_equal(journal_index_unit(x, 300, T0 + 59 * S, JOURNAL_INDEX_WINDOW_US), "first.service");
        assert_string_equal(journal_index_unit(x, 300, T0 + 3590 * S, JOURNAL_INDEX_WINDOW_US), "second.service");
        assert_null(journal_index_unit(x, 300, T0 + 1800 * S, JOURNAL_INDEX_WINDOW_US));
        assert_null(journal_index_unit(x, 400, T0, JOURNAL_INDEX_WINDOW_US));
        assert_null(journal_index_unit(x, 401, T0, JOURNAL_INDEX_WINDOW_US));
        assert_null(journal_index_unit(x, 5, T0, JOURNAL_INDEX_WINDOW_US));
        assert_null(journal_index_unit(x, 999, T0, JOURNAL_INDEX_WINDOW_US));
        journal_index_free(x);
}

static void test_boots(void **state)
{
        struct journal_index *x;

        (void) state;
        assert_int_equal(journal_index_new(&x), 0);
        add(x, T0, "_PID", "1", "_SYSTEMD_UNIT", "init.scope", "_BOOT_ID", BOOT1, NULL);
        add(x, T0 + 100 * S, "_PID", "500", "_SYSTEMD_UNIT", "old.service", "_BOOT_ID", BOOT1, NULL);
        add(x, T0 + 105 * S, "_PID", "1", "_SYSTEMD_UNIT", "init.scope", "_BOOT_ID", BOOT2, NULL);
        add(x, T0 + 200 * S, "_PID", "1", "_SYSTEMD_UNIT", "init.scope", "_BOOT_ID", BOOT2, NULL);
        journal_index_seal(x);
        /* In the first boot's range: joined; in the second's only: not. */
        assert_string_equal(journal_index_unit(x, 500, T0 + 99 * S, JOURNAL_INDEX_WINDOW_US), "old.service");
        assert_null(journal_index_unit(x, 500, T0 + 110 * S, JOURNAL_INDEX_WINDOW_US));
        /* Between the boots' ranges, the boot is not known: the nearest. */
        assert_string_equal(journal_index_unit(x, 500, T0 + 102 * S, JOURNAL_INDEX_WINDOW_US), "old.service");
        journal_index_free(x);
}

static void test_deployments(void **state)
{
        const struct journal_deployment *d;
        struct journal_index *x;

        (void) state;
        assert_int_equal(journal_index_new(&x), 0);
        add(x, T0 + 1 * S, "_PID", "600", "F_MESSAGE_ID", "8f7a2b1c3d4e5f6a7b8c9d0e1f2a3b4c", "F_BOOTC_IMAGE_REFERENCE",
            "quay.io/a:staged", NULL);
        add(x, T0 + 2 * S, "_PID", "600", "F_MESSAGE_ID", "7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1",
            "F_BOOTC_NEW_IMAGE_REFERENCE", "quay.io/a:switched", "_SYSTEMD_UNIT", "session-1.scope", NULL);
        add(x, T0 + 3 * S, "_PID", "700", "MESSAGE_ID", "9bddbda177cd44d891b1b561a8a0ce9e", "DEPLOYMENT_REFSPEC",
            "ostree-unverified-registry:quay.io/b:1", NULL);
        add(x, T0 + 4 * S, "_PID", "701", "MESSAGE_ID", "9bddbda177cd44d891b1b561a8a0ce9e", "DEPLOYMENT_REFSPEC", "",
            NULL);
        journal_index_seal(x);
        d = journal_index_deployment(x, 600, T0, T0 + 10 * S);
        assert_non_null(d);
        assert_string_equal(d->image, "quay.io/a:switched");   /* the switch before the staging */
        assert_string_equal(d->unit, "session-1.scope");
        d = journal_index_deployment(x, 600, T0, T0 + 1 * S);
        assert_non_null(d);
        assert_string_equal(d->image, "quay.io/a:staged");
        d = journal_index_deployment(x, 700, T0, T0 + 10 * S);
        assert_non_null(d);
        assert_int_equal(d->kind, JOURNAL_DEPLOYMENT_RPM_OSTREE);
        assert_null(journal_index_deployment(x, 700, T0 + 4 * S, T0 + 10 * S));
        assert_null(journal_index_deployment(x, 701, T0, T0 + 10 * S));        /* no reference */
        journal_index_free(x);
}

static void test_limits(void **state)
{
        struct journal_index *x;
        char pid[16], unit[32];
        size_t i;

        (void) state;
        assert_int_equal(journal_index_new(&x), 0);
        /* More units than kept: the rest is dropped, counted. */
        for (i = 0; i < JOURNAL_INDEX_UNITS_MAX + 10; i++) {
                snprintf(pid, sizeof(pid), "%zu", i + 2);
                snprintf(unit, sizeof(unit), "u%zu.service", i);
                add(x, T0 + i * S, "_PID", pid, "_SYSTEMD_UNIT", unit, NULL);
        }
        /* More runs than kept: one pid alternating between two units. */
        for (i = 0; i < JOURNAL_INDEX_RUNS_MAX; i++)
                add(x, T0 + i, "_PID", "3", "_SYSTEMD_UNIT", i % 2 ? "u0.service" : "u1.service", NULL);
        journal_index_seal(x);
        assert_int_equal(journal_index_stats(x)->runs, JOURNAL_INDEX_RUNS_MAX);
        /* 10 units too many; of the runs too many, every other one extends
         * the last run kept (the same unit, later). */
        assert_int_equal(journal_index_stats(x)->dropped, 10 + JOURNAL_INDEX_UNITS_MAX / 2);
        assert_int_equal(journal_index_stats(x)->dropped_first_us, T0 + JOURNAL_INDEX_UNITS_MAX * S);
        assert_string_equal(journal_index_unit(x, 2, T0, JOURNAL_INDEX_WINDOW_US), "u0.service");
        assert_null(journal_index_unit(x, JOURNAL_INDEX_UNITS_MAX + 5, T0 + (JOURNAL_INDEX_UNITS_MAX + 3) * S,
                                       JOURNAL_INDEX_WINDOW_US));
        journal_index_free(x);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_units),
                cmocka_unit_test(test_boots),
                cmocka_unit_test(test_deployments),
                cmocka_unit_test(test_limits),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
