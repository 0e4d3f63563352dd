/* Journal files through sd-journal; see sd-journal-reader.h. */
#define _GNU_SOURCE
#include "sd-journal-reader.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <systemd/sd-journal.h>

#include "basic/dlopen-util.h"

#define LIBSYSTEMD_SONAME "libsystemd.so.0"

/* The entry points used, typed by the headers' own declarations. */
static struct {
        typeof(sd_journal_open_files) *open_files;
        typeof(sd_journal_open_directory) *open_directory;
        typeof(sd_journal_close) *close;
        typeof(sd_journal_next) *next;
        typeof(sd_journal_restart_data) *restart_data;
        typeof(sd_journal_enumerate_data) *enumerate_data;
        typeof(sd_journal_get_realtime_usec) *get_realtime_usec;
        typeof(sd_journal_set_data_threshold) *set_data_threshold;
} sdj;
static pthread_once_t sdj_once = PTHREAD_ONCE_INIT;
static int sdj_error;

static void sdj_load(void)
{
        const struct dl_symbol symbols[] = {
                DL_SYMBOL("sd_journal_open_files", sdj.open_files),
                DL_SYMBOL("sd_journal_open_directory", sdj.open_directory),
                DL_SYMBOL("sd_journal_close", sdj.close),
                DL_SYMBOL("sd_journal_next", sdj.next),
                DL_SYMBOL("sd_journal_restart_data", sdj.restart_data),
                DL_SYMBOL("sd_journal_enumerate_data", sdj.enumerate_data),
                DL_SYMBOL("sd_journal_get_realtime_usec", sdj.get_realtime_usec),
                DL_SYMBOL("sd_journal_set_data_threshold", sdj.set_data_threshold),
        };

        sdj_error = dlopen_symbols(LIBSYSTEMD_SONAME, symbols, ARRAY_SIZE(symbols));
}

static void journal_closep(sd_journal **j)
{
        if (*j)
                sdj.close(*j);
}

int sd_journal_read_path(const char *path, bool is_dir, struct export_parser *p, export_entry_fn fn,
                         void *userdata, const volatile sig_atomic_t *cancel)
{
        _cleanup_(journal_closep) sd_journal *j = NULL;
        const char *files[] = { path, NULL };
        int r;

        pthread_once(&sdj_once, sdj_load);
        if (sdj_error < 0)
                return sdj_error;
        r = is_dir ? sdj.open_directory(&j, path, 0) : sdj.open_files(&j, files, 0);
        if (r < 0)
                return r;
        /* Compressed fields are decompressed up to this much: bounded memory.
         * A field as large as the limit is reported as too large. */
        r = sdj.set_data_threshold(j, JOURNAL_FIELD_MAX + 1);
        if (r < 0)
                return r;
        while ((r = sdj.next(j)) > 0) {
                const void *data;
                size_t len;
                uint64_t usec;
                char ts[24];

                if (cancel && *cancel)
                        return -ECANCELED;
                if (sdj.get_realtime_usec(j, &usec) >= 0) {
                        int n = snprintf(ts, sizeof(ts), "%" PRIu64, usec);

                        export_parser_add_field(p, "__REALTIME_TIMESTAMP", 20, ts, (size_t) n);
                }
                sdj.restart_data(j);
                while ((r = sdj.enumerate_data(j, &data, &len)) > 0) {
                        const char *eq = memchr(data, '=', len);

                        if (!eq) {
                                export_parser_add_field(p, "", 0, "", 0);      /* counted as dropped */
                                continue;
                        }
                        export_parser_add_field(p, data, (size_t) (eq - (const char *) data), eq + 1,
                                                len - (size_t) (eq + 1 - (const char *) data));
                }
                /* A field sd-journal cannot read (corrupt, or compressed
                 * with what this libsystemd lacks) ends the entry's fields;
                 * the entry still counts with what was read. */
                r = export_parser_end_entry(p, fn, userdata);
                if (r < 0)
                        return r;
        }
        return r;
}
