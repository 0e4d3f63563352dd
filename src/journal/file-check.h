/* A check of a journal file's hash tables, which sd-journal never reads when
 * entries are read in order (it walks the entry arrays) but uses for every
 * lookup by field (journalctl FIELD=value, unit matches, and its own writer
 * deduplicating data): damage there is invisible to a plain read, so it is
 * looked for here. From the on-disk format (systemd's journal-def.h): the
 * header's data and field hash tables, each an object of type 4 or 5 whose
 * items are (head, tail) offsets of the chains; an item must be empty (both
 * 0) or point, 8-byte aligned, inside the file, and (checked for at most 4096
 * items spread evenly over the table, so a large file costs a few thousand
 * reads) at an object of the table's kind (data: 1, field: 2). */
#pragma once

#include <stdint.h>

struct journal_file_damage {
        const char *table;              /* "data" or "field" */
        uint64_t buckets;               /* items in that table */
        uint64_t bad;                   /* items found pointing outside the file or at the wrong object */
};

/* 0 when both tables are sound; 1 with *ret naming the first damaged table;
 * -EBADMSG when the header itself does not locate them inside the file;
 * another -errno when fd cannot be read. */
int journal_file_check_tables(int fd, struct journal_file_damage *ret);
