/* The journal export format (`journalctl -o export`, systemd's
 * JOURNAL_EXPORT_FORMATS): entries of fields, each field either a text line
 * "NAME=value\n" or a binary one "NAME\n" + 64-bit little-endian size + bytes
 * + "\n", an empty line ending the entry. A streaming parser fed any chunks:
 * its memory is fixed (one entry of at most JOURNAL_ENTRY_MAX bytes), a field
 * larger than JOURNAL_FIELD_MAX is skipped, not stored (the entry says which
 * and how large it claimed to be), so a 1 GB field costs nothing. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/macros.h"

#define JOURNAL_FIELD_MAX ((size_t) 64 << 10)
#define JOURNAL_ENTRY_MAX ((size_t) 1 << 20)
#define JOURNAL_FIELDS_MAX 512
#define JOURNAL_NAME_MAX 64

struct journal_field {
        const char *name;               /* NUL-terminated */
        const char *value;              /* len bytes, any bytes; a NUL follows them */
        size_t len;
};

/* One entry, valid until the next one is handed out. */
struct journal_entry {
        const struct journal_field *fields;
        size_t n_fields;
        bool has_realtime;
        uint64_t realtime_us;           /* __REALTIME_TIMESTAMP */
        /* The first field dropped for its size (JOURNAL_FIELD_MAX), or "" */
        char oversized[JOURNAL_NAME_MAX + 1];
        uint64_t oversized_size;        /* what it declared (text: what was seen) */
        size_t n_dropped;               /* fields dropped: too large, or past the entry's limits */
};

/* The value of the first field 'name' (len in *ret_len), or NULL. */
const char *journal_entry_get(const struct journal_entry *e, const char *name, size_t *ret_len);
/* The same, only when it is text without NUL bytes: a C string, or NULL. */
const char *journal_entry_str(const struct journal_entry *e, const char *name);

struct export_parser;
typedef int (*export_entry_fn)(const struct journal_entry *e, void *userdata);

int export_parser_new(struct export_parser **ret);
struct export_parser *export_parser_free(struct export_parser *p);
DEFINE_FREEP(struct export_parser, export_parser_free)

/* Feeds len bytes of the stream; fn gets every entry they complete (its
 * negative return stops the parse and is returned). -EBADMSG: not the export
 * format; export_parser_error() says why, export_parser_offset() where. */
int export_parser_feed(struct export_parser *p, const char *buf, size_t len, export_entry_fn fn, void *userdata);
/* The end of the stream: an entry not closed by an empty line is still
 * handed out when it ends between fields; in the middle of a field it is
 * -EBADMSG ("ends in the middle of field 'NAME'"). */
int export_parser_finish(struct export_parser *p, export_entry_fn fn, void *userdata);
/* Builds an entry from fields read elsewhere (sd-journal) under the same
 * limits: a field with an invalid name or over the limits is counted as
 * dropped. export_parser_end_entry() hands the entry to fn and starts the next. */
int export_parser_add_field(struct export_parser *p, const char *name, size_t name_len, const char *value,
                            size_t len);
int export_parser_end_entry(struct export_parser *p, export_entry_fn fn, void *userdata);
/* The reason of the last -EBADMSG (static text with the field name), or NULL. */
const char *export_parser_error(const struct export_parser *p);
/* Bytes consumed so far (where an error was found). */
uint64_t export_parser_offset(const struct export_parser *p);
