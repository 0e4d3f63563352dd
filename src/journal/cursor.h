/* Journal cursors and the cursor file of `driftwatch journal --cursor-file`
 * (journalctl's option, same file contents): a cursor is sd-journal's
 * "s=SEQNUM_ID;i=SEQNUM;b=BOOT_ID;m=MONOTONIC;t=REALTIME;x=XOR_HASH" (hex
 * numbers), one line. The file is read with O_NOFOLLOW under a size limit and
 * replaced atomically (a temporary file beside it, mode 0600, then rename). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JOURNAL_CURSOR_MAX 512          /* bytes of a cursor (and of its file) */

struct journal_cursor {
        char seqnum_id[33];             /* 32 hex digits */
        uint64_t seqnum;
        bool has_realtime;
        uint64_t realtime_us;
};

/* Parses the text of a cursor (len bytes, no newline). 0, or -EBADMSG when
 * it is not one: an unknown or repeated key, a key without its value, no
 * s= or i=, a number that is not hex. */
int journal_cursor_parse(const char *s, size_t len, struct journal_cursor *ret);

/* Reads the cursor file at path: *ret (free()) is its cursor, one trailing
 * newline dropped. -ENOENT when there is none (start at the beginning),
 * -EBADMSG when its contents are no cursor, -EFBIG past JOURNAL_CURSOR_MAX,
 * -ELOOP for a symlink, another -errno when it cannot be read. */
int cursor_file_read(const char *path, char **ret);

/* Replaces the cursor file at path with cursor and a newline: a temporary
 * file in the same directory, mode 0600, renamed over it. 0 or -errno. */
int cursor_file_write(const char *path, const char *cursor);
