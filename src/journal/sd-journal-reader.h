/* Journal files and directories read through sd-journal (libsystemd), loaded
 * on first use like libcrypto (basic/sha256.c): commands that read no journal
 * file start without it. Entries come out in the shape of the export parser
 * (parse/journal-export.h), under its limits. A read may start after a saved
 * cursor (journalctl's --cursor-file) and may follow the journal as it grows. */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "parse/journal-export.h"

struct sd_journal_source {
        const char *const *paths;       /* journal files, opened together; or one directory */
        size_t n_paths;
        bool is_dir;
        const char *cursor;             /* start after this entry (a valid cursor); NULL: at the first */
        bool follow;                    /* then wait for new entries until cancelled */
};

/* What became of the entries after a saved cursor. */
struct journal_gap {
        const char *cursor;             /* the saved cursor */
        bool cursor_missing;            /* its entry is no longer in the journal */
        bool count_known;               /* same sequence-number id: missing is exact */
        uint64_t missing;               /* sequence numbers between the cursor and the next entry */
        bool from_head;                 /* reading restarts at the oldest entry available */
};

struct sd_journal_callbacks {
        export_entry_fn entry;
        /* Records were lost since the cursor (optional). */
        int (*gap)(const struct journal_gap *g, void *userdata);
        /* The cursor of the last entry handed to entry, after each batch:
         * when the reader has caught up, every SD_JOURNAL_BATCH entries,
         * and at a cancellation (optional). */
        int (*batch)(const char *cursor, void *userdata);
        /* Following, before each wait for new entries (optional). */
        int (*idle)(void *userdata);
};

#define SD_JOURNAL_BATCH 4096

/* Reads the journal of src into cb->entry through the entry buffer of p.
 * 0 at the end (never while following), a callback's error, -ECANCELED once
 * *cancel is set, -ELIBACC when libsystemd cannot be loaded, or the -errno of
 * sd-journal (the file is missing, not a journal file, corrupt past reading). */
int sd_journal_read(const struct sd_journal_source *src, struct export_parser *p,
                    const struct sd_journal_callbacks *cb, void *userdata, const volatile sig_atomic_t *cancel);

/* A journal directory watched, not read: its descriptor wakes a poll() loop
 * (the agent's) when entries are appended or files come and go. */
struct sd_journal_watch;
/* -ELIBACC without libsystemd, or sd-journal's -errno. */
int sd_journal_watch_open(const char *dir, struct sd_journal_watch **ret);
int sd_journal_watch_fd(const struct sd_journal_watch *w);
/* After the descriptor polled readable: 1 when the journal grew or its files
 * changed, 0 for nothing of the kind, or -errno. */
int sd_journal_watch_process(struct sd_journal_watch *w);
struct sd_journal_watch *sd_journal_watch_free(struct sd_journal_watch *w);
