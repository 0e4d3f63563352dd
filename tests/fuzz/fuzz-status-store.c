/* Fuzz harness for the status state database reader (src/image/status-store.h):
 * the input is written to a real file (SQLite opens a path, and a memfd's
 * /proc path does not work for its journal) in a private temporary directory,
 * opened with the store API, its last snapshot and deployments loaded and a
 * fixed status recorded over it (rolled back), and whatever loaded is compared
 * and reported against that status. Any bytes in, a snapshot or -errno with a
 * reason out, never a crash or a leak. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/host-status.h"
#include "image/status-findings.h"
#include "image/status-store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[256], db[300];

static void remove_files(void)
{
        static const char *const suffixes[] = { "", "-journal", "-wal", "-shm" };
        char p[320];

        for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
                snprintf(p, sizeof(p), "%s%s", db, suffixes[i]);
                (void) unlink(p);
        }
}

static void cleanup(void)
{
        remove_files();
        (void) rmdir(dir);
}

/* A directory of our own, on tmpfs when there is one: SQLite syncs. */
static int setup(void)
{
        const char *tmp = getenv("TMPDIR");

        if (!tmp || !*tmp)
                tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
        snprintf(dir, sizeof(dir), "%s/fuzz-status-store.XXXXXX", tmp);
        if (!mkdtemp(dir))
                return -1;
        snprintf(db, sizeof(db), "%s/state.db", dir);
        atexit(cleanup);
        return 0;
}

/* The one place that uses the store API: open, load the last snapshot,
 * record cur over it. The snapshot is copied out by comparing and reporting
 * before the store goes. */
static void load(const struct host_status *cur, void (*use)(const struct host_status *, const struct host_status *))
{
        struct status_store *s = NULL;
        const struct host_status *last = NULL;
        struct status_snapshot_info info;
        const char *reason = NULL;

        if (status_store_open(db, NULL, &s, &reason) < 0)
                return;
        if (status_store_last(s, &last, &info, &reason) >= 0) {
                use(last, cur);
                (void) status_store_record(s, cur, 1700000000, &reason);
        }
        status_store_free(s);
}

static const char fixed_status[] =
        "{\"apiVersion\":\"org.containers.bootc/v1\",\"kind\":\"BootcHost\",\"status\":{"
        "\"staged\":{\"image\":{\"imageDigest\":\"sha256:01\",\"version\":\"7\"},\"pinned\":false},"
        "\"booted\":{\"image\":{\"image\":{\"image\":\"quay.io/a/b:7\",\"transport\":\"registry\"},"
        "\"imageDigest\":\"sha256:02\",\"timestamp\":\"2024-05-01T00:00:00Z\"},"
        "\"pinned\":false,\"ostree\":{\"checksum\":\"ab\",\"deploySerial\":0,\"stateroot\":\"default\"}}}}";

static void report(const struct host_status *last, const struct host_status *cur)
{
        static struct ruleset *rules;
        static FILE *null;
        enum output_format formats[] = { OUTPUT_JSON, OUTPUT_TEXT };

        if (!last)
                return;
        if (!rules && ruleset_default(&rules, NULL) < 0)
                abort();
        if (!null && !(null = fopen("/dev/null", "we")))
                abort();
        (void) host_status_equal(last, cur);
        for (size_t i = 0; i < 2; i++) {
                struct output out;
                struct status_check c;

                output_init(&out, formats[i], null, "fuzz");
                c = (struct status_check) { .rules = rules, .out = &out, .since = 0, .now = 1700000000 };
                (void) status_report(&c, last, cur);
                (void) status_report(&c, cur, last);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct host_status *cur;
        int fd;

        if (!cur && (setup() < 0 ||
                     host_status_parse(HOST_SOURCE_BOOTC, fixed_status, sizeof(fixed_status) - 1, &cur, NULL) < 0))
                abort();
        remove_files();
        fd = open(db, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                abort();
        if (write(fd, data, size) != (ssize_t) size) {
                close(fd);
                return 0;
        }
        close(fd);
        load(cur, report);
        return 0;
}
