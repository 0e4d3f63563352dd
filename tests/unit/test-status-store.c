/* Unit tests for the opening of src/image/status-store.c: a database another
 * run holds locked is waited for, and the wait ends as soon as the cancel flag
 * is set; the database is created 0600, marked with our application id, and a
 * database of another kind or application is refused untouched. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tmpdir.h"
#include "basic/sqlite-util.h"
#include "image/status-store.h"

struct fixture {
        char dir[TMPDIR_LEN];
        char db[96];
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));

        if (!f)
                return -1;
        tmpdir_make(f->dir, "status-store");
        snprintf(f->db, sizeof(f->db), "%s/state.db", f->dir);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        tmpdir_remove(f->dir);
        free(f);
        return 0;
}

static double now_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Another connection holding the write lock, as a concurrent run would. */
static sqlite3 *hold_lock(const char *path)
{
        sqlite3 *db = NULL;

        assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
        return db;
}

static void create(const char *path)
{
        struct status_store *s = NULL;

        assert_int_equal(status_store_open(path, NULL, &s, NULL), 0);
        assert_int_equal(status_store_commit(s, NULL), 0);
        status_store_free(s);
}

static volatile sig_atomic_t cancel;

static void *cancel_later(void *p)
{
        (void) p;
        usleep(200 * 1000);
        cancel = 1;
        return NULL;
}

static void *unlock_later(void *p)
{
        usleep(200 * 1000);
        assert_int_equal(sqlite3_exec(p, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
        return NULL;
}

static void test_busy_wait_cancelled(void **state)
{
        struct fixture *f = *state;
        struct status_store *s = NULL;
        sqlite3 *other;
        pthread_t th;
        double t0, took;

        create(f->db);
        other = hold_lock(f->db);
        cancel = 0;
        assert_int_equal(pthread_create(&th, NULL, cancel_later, NULL), 0);
        t0 = now_s();
        assert_int_equal(status_store_open(f->db, &cancel, &s, NULL), -ECANCELED);
        took = now_s() - t0;
        assert_int_equal(pthread_join(th, NULL), 0);
        assert_null(s);
        /* It waited for the lock, and stopped within a few naps of the flag. */
        assert_true(took >= 0.15);
        assert_true(took < 1.5);
        sqlite3_close(other);
}

static void test_busy_wait_ends_with_the_lock(void **state)
{
        struct fixture *f = *state;
        struct status_store *s = NULL;
        sqlite3 *other;
        pthread_t th;

        create(f->db);
        other = hold_lock(f->db);
        cancel = 0;
        assert_int_equal(pthread_create(&th, NULL, unlock_later, other), 0);
        assert_int_equal(status_store_open(f->db, &cancel, &s, NULL), 0);
        assert_int_equal(pthread_join(th, NULL), 0);
        status_store_free(s);
        sqlite3_close(other);
}

static void exec_sql(const char *path, const char *sql)
{
        sqlite3 *db = NULL;

        assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static long long query(const char *path, const char *sql)
{
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        long long v;

        assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        sqlite3_close(db);
        return v;
}

static void test_created_marked(void **state)
{
        struct fixture *f = *state;
        mode_t old = umask(0);
        struct stat st;

        create(f->db);
        umask(old);
        assert_int_equal(stat(f->db, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        assert_int_equal(query(f->db, "PRAGMA application_id"), (long long) DB_APP_STATE);
}

static void expect_refused(const char *path, const char *reason_part)
{
        struct status_store *s = NULL;
        const char *reason = NULL;

        assert_int_equal(status_store_open(path, NULL, &s, &reason), -EBADMSG);
        assert_null(s);
        assert_non_null(reason);
        if (!strstr(reason, reason_part))
                fail_msg("reason '%s' does not mention '%s'", reason, reason_part);
}

static void test_other_kinds_refused(void **state)
{
        struct fixture *f = *state;
        char sql[64];

        snprintf(sql, sizeof(sql), "PRAGMA application_id = %d", (int) DB_APP_BASELINE);
        exec_sql(f->db, sql);
        expect_refused(f->db, "baseline");
        unlink(f->db);

        exec_sql(f->db, "PRAGMA application_id = 77");
        expect_refused(f->db, "another application");
        unlink(f->db);

        /* Unmarked, with tables not ours: left without our tables. */
        exec_sql(f->db, "CREATE TABLE t (x)");
        expect_refused(f->db, "not a driftwatch state database");
        assert_int_equal(query(f->db, "SELECT count(*) FROM sqlite_schema"), 1);
        assert_int_equal(query(f->db, "PRAGMA application_id"), 0);
}

static void test_symlink_refused(void **state)
{
        struct fixture *f = *state;
        char target[128];
        struct stat st;

        snprintf(target, sizeof(target), "%s/target.db", f->dir);
        assert_int_equal(symlink(target, f->db), 0);
        expect_refused(f->db, "symbolic link");
        assert_int_equal(lstat(target, &st), -1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
                T(test_busy_wait_cancelled),
                T(test_busy_wait_ends_with_the_lock),
                T(test_created_marked),
                T(test_other_kinds_refused),
                T(test_symlink_refused),
#undef T
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
