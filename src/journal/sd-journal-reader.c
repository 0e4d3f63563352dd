/* Journal files through sd-journal; see sd-journal-reader.h. */
#define _GNU_SOURCE
#include "sd-journal-reader.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <systemd/sd-journal.h>

#include "basic/dlopen-util.h"
#include "journal/cursor.h"

#define LIBSYSTEMD_SONAME "libsystemd.so.0"
/* Journal data read between two releases of the pages sd-journal mapped. */
#define RELEASE_EVERY ((uint64_t) 32 << 20)

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
        typeof(sd_journal_get_cursor) *get_cursor;
        typeof(sd_journal_seek_cursor) *seek_cursor;
        typeof(sd_journal_test_cursor) *test_cursor;
        typeof(sd_journal_seek_head) *seek_head;
        typeof(sd_journal_wait) *wait;
        typeof(sd_journal_get_fd) *get_fd;
        typeof(sd_journal_process) *process;
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
                DL_SYMBOL("sd_journal_get_cursor", sdj.get_cursor),
                DL_SYMBOL("sd_journal_seek_cursor", sdj.seek_cursor),
                DL_SYMBOL("sd_journal_test_cursor", sdj.test_cursor),
                DL_SYMBOL("sd_journal_seek_head", sdj.seek_head),
                DL_SYMBOL("sd_journal_wait", sdj.wait),
                DL_SYMBOL("sd_journal_get_fd", sdj.get_fd),
                DL_SYMBOL("sd_journal_process", sdj.process),
        };

        sdj_error = dlopen_symbols(LIBSYSTEMD_SONAME, symbols, ARRAY_SIZE(symbols));
}

static void journal_closep(sd_journal **j)
{
        if (*j)
                sdj.close(*j);
}

static bool journal_file_path(const char *path)
{
        size_t n = strlen(path);

        return (n > 8 && strcmp(path + n - 8, ".journal") == 0) || (n > 9 && strcmp(path + n - 9, ".journal~") == 0);
}

/* sd-journal maps its files in windows and keeps the windows (up to 64 of
 * 8 MiB) for later lookups, so a process reading a large journal once would
 * hold every page it read: its RSS would grow with the journal. Between
 * entries no pointer into the maps is in use, and the maps are shared,
 * read-only maps of the files, so dropping their pages from the page tables
 * loses nothing: a later access faults the page in again from the page cache.
 * Best effort: a failure leaves the pages mapped. */
static void release_journal_pages(void)
{
        _cleanup_(fclosep) FILE *f = fopen("/proc/self/maps", "re");
        _cleanup_(freep) char *line = NULL;
        size_t size = 0;

        if (!f)
                return;
        while (getline(&line, &size, f) > 0) {
                unsigned long long start, end;
                char perms[5];
                int path_at = 0;

                line[strcspn(line, "\n")] = '\0';
                if (sscanf(line, "%llx-%llx %4s %*s %*s %*s %n", &start, &end, perms, &path_at) != 3 || path_at <= 0 ||
                    end <= start)
                        continue;
                if (perms[1] == 'w' || perms[3] != 's' || !journal_file_path(line + path_at))
                        continue;
                (void) madvise((void *) (uintptr_t) start, (size_t) (end - start), MADV_DONTNEED);
        }
}

/* The current entry's fields into p, then the entry to fn; *bytes counts
 * what was read. */
static int read_entry(sd_journal *j, struct export_parser *p, export_entry_fn fn, void *userdata,
                      uint64_t *bytes)
{
        const void *data;
        size_t len;
        uint64_t usec;
        char ts[24];

        if (sdj.get_realtime_usec(j, &usec) >= 0) {
                int n = snprintf(ts, sizeof(ts), "%" PRIu64, usec);

                export_parser_add_field(p, "__REALTIME_TIMESTAMP", 20, ts, (size_t) n);
        }
        sdj.restart_data(j);
        while (sdj.enumerate_data(j, &data, &len) > 0) {
                const char *eq = memchr(data, '=', len);

                if (!eq) {
                        export_parser_add_field(p, "", 0, "", 0);      /* counted as dropped */
                        continue;
                }
                export_parser_add_field(p, data, (size_t) (eq - (const char *) data), eq + 1,
                                        len - (size_t) (eq + 1 - (const char *) data));
                *bytes += len;
        }
        /* A field sd-journal cannot read (corrupt, or compressed with what
         * this libsystemd lacks) ends the entry's fields; the entry still
         * counts with what was read. */
        return export_parser_end_entry(p, fn, userdata);
}

/* The current entry's place in its journal: sequence-number id and number. */
static int current_position(sd_journal *j, struct journal_cursor *ret)
{
        _cleanup_(freep) char *c = NULL;
        int r = sdj.get_cursor(j, &c);

        if (r < 0)
                return r;
        return journal_cursor_parse(c, strlen(c), ret);
}

/* Positions j after the saved cursor: on its entry when that is still
 * there (1), on the first entry to read when it is not (1), or nowhere
 * new (0). What was lost in between goes to cb->gap. */
static int seek_after(sd_journal *j, const char *cursor, const struct sd_journal_callbacks *cb, void *userdata,
                      bool *ret_on_next)
{
        struct journal_gap gap = { .cursor = cursor };
        struct journal_cursor saved, next;
        int r;

        *ret_on_next = false;
        r = journal_cursor_parse(cursor, strlen(cursor), &saved);
        if (r < 0)
                return -EINVAL;
        r = sdj.seek_cursor(j, cursor);
        if (r < 0)
                return r;
        r = sdj.next(j);
        if (r < 0)
                return r;
        if (r > 0 && sdj.test_cursor(j, cursor) > 0) {
                /* The entry is there: the gap, if any, is after it. */
                r = sdj.next(j);
                if (r <= 0)
                        return r;
                *ret_on_next = true;
                r = current_position(j, &next);
                if (r < 0)
                        return r;
                if (strcmp(next.seqnum_id, saved.seqnum_id) != 0 || next.seqnum <= saved.seqnum + 1)
                        return 1;
                gap.count_known = true;
                gap.missing = next.seqnum - saved.seqnum - 1;
                return cb->gap ? cb->gap(&gap, userdata) : 1;
        }
        /* The entry is gone (vacuumed, rotated away, the file removed).
         * sd-journal placed j at the first entry after its position; of the
         * same journal (sequence-number id) that is where reading goes on,
         * else from the oldest entry available. */
        gap.cursor_missing = true;
        if (r > 0 && current_position(j, &next) >= 0 && strcmp(next.seqnum_id, saved.seqnum_id) == 0) {
                gap.count_known = next.seqnum > saved.seqnum;
                gap.missing = gap.count_known ? next.seqnum - saved.seqnum - 1 : 0;
        } else {
                gap.from_head = true;
                r = sdj.seek_head(j);
                if (r >= 0)
                        r = sdj.next(j);
                if (r < 0)
                        return r;
        }
        *ret_on_next = r > 0;
        if (cb->gap) {
                int k = cb->gap(&gap, userdata);

                if (k < 0)
                        return k;
        }
        return r;
}

static int batch_end(sd_journal *j, const struct sd_journal_callbacks *cb, void *userdata)
{
        _cleanup_(freep) char *c = NULL;
        int r;

        if (!cb->batch)
                return 0;
        r = sdj.get_cursor(j, &c);
        if (r < 0)
                return r;
        return cb->batch(c, userdata);
}

#define WAIT_USEC 1000000       /* a signal in the moment before the wait is seen within this */

int sd_journal_read(const struct sd_journal_source *src, struct export_parser *p,
                    const struct sd_journal_callbacks *cb, void *userdata, const volatile sig_atomic_t *cancel)
{
        _cleanup_(journal_closep) sd_journal *j = NULL;
        _cleanup_(freep) const char **files = NULL;
        bool on_entry = false;
        size_t unsaved = 0;
        uint64_t read_bytes = 0, released_at = 0;
        int r;

        pthread_once(&sdj_once, sdj_load);
        if (sdj_error < 0)
                return sdj_error;
        if (src->is_dir)
                r = sdj.open_directory(&j, src->paths[0], 0);
        else {
                files = calloc(src->n_paths + 1, sizeof(*files));
                if (!files)
                        return -ENOMEM;
                memcpy(files, src->paths, src->n_paths * sizeof(*files));
                r = sdj.open_files(&j, files, 0);
        }
        if (r < 0)
                return r;
        /* Compressed fields are decompressed up to this much: bounded memory.
         * A field as large as the limit is reported as too large. */
        r = sdj.set_data_threshold(j, JOURNAL_FIELD_MAX + 1);
        if (r < 0)
                return r;
        if (src->cursor) {
                r = seek_after(j, src->cursor, cb, userdata, &on_entry);
                if (r < 0)
                        return r;
        }
        for (;;) {
                if (cancel && *cancel)
                        return unsaved ? batch_end(j, cb, userdata) ?: -ECANCELED : -ECANCELED;
                if (!on_entry) {
                        r = sdj.next(j);
                        if (r < 0)
                                return r;
                        on_entry = r > 0;
                }
                if (on_entry) {
                        r = read_entry(j, p, cb->entry, userdata, &read_bytes);
                        if (r < 0)
                                return r;
                        on_entry = false;
                        if (read_bytes - released_at >= RELEASE_EVERY) {
                                release_journal_pages();
                                released_at = read_bytes;
                        }
                        if (++unsaved < SD_JOURNAL_BATCH)
                                continue;
                }
                if (unsaved) {
                        r = batch_end(j, cb, userdata);
                        if (r < 0)
                                return r;
                        unsaved = 0;
                        continue;       /* at a full batch: read on */
                }
                if (!src->follow)
                        return 0;
                if (cb->idle) {
                        r = cb->idle(userdata);
                        if (r < 0)
                                return r;
                }
                r = sdj.wait(j, WAIT_USEC);
                if (r < 0 && r != -EINTR)
                        return r;
        }
}

struct sd_journal_watch {
        sd_journal *j;
};

int sd_journal_watch_open(const char *dir, struct sd_journal_watch **ret)
{
        struct sd_journal_watch *w;
        int r;

        pthread_once(&sdj_once, sdj_load);
        if (sdj_error < 0)
                return sdj_error;
        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        r = sdj.open_directory(&w->j, dir, 0);
        if (r >= 0) {
                r = sdj.get_fd(w->j);   /* sets up the inotify watches */
                if (r < 0)
                        sdj.close(w->j);
        }
        if (r < 0) {
                free(w);
                return r;
        }
        *ret = w;
        return 0;
}

int sd_journal_watch_fd(const struct sd_journal_watch *w)
{
        return sdj.get_fd(w->j);
}

int sd_journal_watch_process(struct sd_journal_watch *w)
{
        int r = sdj.process(w->j);

        if (r < 0)
                return r;
        return r == SD_JOURNAL_APPEND || r == SD_JOURNAL_INVALIDATE;
}

struct sd_journal_watch *sd_journal_watch_free(struct sd_journal_watch *w)
{
        if (w) {
                sdj.close(w->j);
                free(w);
        }
        return NULL;
}
