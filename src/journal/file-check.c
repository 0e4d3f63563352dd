/* Journal file hash-table check; see file-check.h. */
#define _GNU_SOURCE
#include "file-check.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/macros.h"

#define HEADER_MIN 208                          /* the header up to n_entries, as old as v208 */
#define OFF_HEADER_SIZE 88
#define OFF_DATA_TABLE 104                      /* offset, size; then the field table's */
#define OBJECT_HEADER 16                        /* type u8, flags u8, reserved[6], size le64 */
#define ITEM 16                                 /* head_hash_offset, tail_hash_offset */
#define CHUNK_ITEMS 4096
#define TYPE_CHECKS_MAX 4096                    /* items whose objects are read, spread over the table */

static uint64_t le64(const uint8_t *p)
{
        uint64_t v = 0;

        for (int i = 7; i >= 0; i--)
                v = v << 8 | p[i];
        return v;
}

static int pread_all(int fd, void *buf, size_t n, uint64_t off)
{
        ssize_t k = pread(fd, buf, n, (off_t) off);

        if (k < 0)
                return negative_errno();
        return (size_t) k == n ? 0 : -EBADMSG;
}

static bool inside(uint64_t off, uint64_t start, uint64_t end)
{
        return off % 8 == 0 && off >= start && off <= end - OBJECT_HEADER;
}

/* Whether the object at off (inside the file) is of type want. */
static bool object_is(int fd, uint64_t off, uint64_t end, uint8_t want)
{
        uint8_t h[OBJECT_HEADER];

        if (pread_all(fd, h, sizeof(h), off) < 0)
                return false;
        return h[0] == want && le64(h + 8) >= OBJECT_HEADER && le64(h + 8) <= end - off;
}

/* Checks one table (items at off, size bytes) of chains of objects of type want. */
static int check_table(int fd, uint64_t off, uint64_t size, uint64_t start, uint64_t end, uint8_t table_type,
                       uint8_t want, uint64_t *ret_bad)
{
        _cleanup_(freep) uint8_t *chunk = NULL;
        uint8_t h[OBJECT_HEADER];
        uint64_t bad = 0, stride = size / ITEM / TYPE_CHECKS_MAX + 1, item = 0;
        int r;

        if (size % ITEM || off < start + OBJECT_HEADER || off > end || size > end - off)
                return -EBADMSG;
        r = pread_all(fd, h, sizeof(h), off - OBJECT_HEADER);
        if (r < 0)
                return r;
        if (h[0] != table_type || le64(h + 8) != OBJECT_HEADER + size)
                return -EBADMSG;
        chunk = malloc((size_t) CHUNK_ITEMS * ITEM);
        if (!chunk)
                return -ENOMEM;
        for (uint64_t done = 0; done < size;) {
                size_t n = size - done < (uint64_t) CHUNK_ITEMS * ITEM ? (size_t) (size - done) : CHUNK_ITEMS * ITEM;

                r = pread_all(fd, chunk, n, off + done);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < n; i += ITEM, item++) {
                        uint64_t head = le64(chunk + i), tail = le64(chunk + i + 8);

                        if (head == 0 && tail == 0)
                                continue;
                        if (!inside(head, start, end) || !inside(tail, start, end) ||
                            (item % stride == 0 && (!object_is(fd, head, end, want) || !object_is(fd, tail, end, want))))
                                bad++;
                }
                done += n;
        }
        *ret_bad = bad;
        return 0;
}

int journal_file_check_tables(int fd, struct journal_file_damage *ret)
{
        static const struct { const char *name; uint8_t table_type, object_type; } tables[] = {
                { "data", 4, 1 },
                { "field", 5, 2 },
        };
        uint8_t h[HEADER_MIN];
        struct stat st;
        uint64_t start;
        int r;

        if (fstat(fd, &st) < 0)
                return negative_errno();
        r = pread_all(fd, h, sizeof(h), 0);
        if (r < 0)
                return r;
        start = le64(h + OFF_HEADER_SIZE);
        if (start < HEADER_MIN || start > (uint64_t) st.st_size)
                return -EBADMSG;
        for (size_t t = 0; t < ARRAY_SIZE(tables); t++) {
                uint64_t off = le64(h + OFF_DATA_TABLE + 16 * t), size = le64(h + OFF_DATA_TABLE + 16 * t + 8);
                uint64_t bad = 0;

                r = check_table(fd, off, size, start, (uint64_t) st.st_size, tables[t].table_type,
                                tables[t].object_type, &bad);
                if (r < 0)
                        return r;
                if (bad > 0) {
                        *ret = (struct journal_file_damage) { .table = tables[t].name, .buckets = size / ITEM,
                                                              .bad = bad };
                        return 1;
                }
        }
        return 0;
}
