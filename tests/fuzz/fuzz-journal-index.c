/* Fuzz harness for the journal index of `audit --journal`: the input (its
 * first byte picking the chunk size) parsed as an export stream, every entry
 * added to the index, then each entry's pid looked up at its own time and
 * around it (units and deployment messages): every answer must be a unit
 * name the entry could have given, or nothing. Seeds: the journal-export
 * corpus. Any bytes in, never a crash or a leak. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit/journal-index.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int add_entry(const struct journal_entry *e, void *userdata)
{
        return journal_index_add(userdata, e);
}

/* Looks up every pid the entry names, at its time and a window away. */
static int look_up(const struct journal_entry *e, void *userdata)
{
        const struct journal_index *x = userdata;
        const struct journal_deployment *d;
        const char *pid = journal_entry_str(e, "_PID"), *unit;
        uint64_t us = e->has_realtime ? e->realtime_us : 0;
        long long n = pid ? strtoll(pid, NULL, 10) : 0;

        for (int k = -1; k <= 1; k++) {
                uint64_t t = us + (uint64_t) k * JOURNAL_INDEX_WINDOW_US;

                unit = journal_index_unit(x, n, t, JOURNAL_INDEX_WINDOW_US);
                if (unit && (!*unit || strlen(unit) >= 256 || strchr(unit, '/')))
                        abort();
                d = journal_index_deployment(x, n, t > JOURNAL_INDEX_WINDOW_US ? t - JOURNAL_INDEX_WINDOW_US : 0, t);
                if (d && (!d->image || !*d->image || strlen(d->image) > JOURNAL_INDEX_IMAGE_MAX))
                        abort();
        }
        return 0;
}

static int feed(const uint8_t *data, size_t size, size_t chunk, export_entry_fn fn, void *userdata)
{
        struct export_parser *p = NULL;
        int r = 0;

        if (export_parser_new(&p) < 0)
                abort();
        for (size_t i = 0; r >= 0 && i < size; i += chunk)
                r = export_parser_feed(p, (const char *) data + i, size - i < chunk ? size - i : chunk, fn, userdata);
        if (r >= 0)
                r = export_parser_finish(p, fn, userdata);
        export_parser_free(p);
        return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct journal_index *x = NULL;
        size_t chunk = size ? (size_t) data[0] % 61 + 1 : 1;
        int r;

        if (journal_index_new(&x) < 0)
                abort();
        r = feed(data, size, chunk, add_entry, x);
        if (r < 0 && r != -EBADMSG)
                abort();
        journal_index_seal(x);
        if (journal_index_stats(x)->runs > JOURNAL_INDEX_RUNS_MAX ||
            journal_index_stats(x)->deployments > JOURNAL_INDEX_DEPLOYMENTS_MAX)
                abort();
        (void) feed(data, size, chunk, look_up, x);
        journal_index_free(x);
        return 0;
}
