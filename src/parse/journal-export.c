/* Streaming parser of the journal export format; see journal-export.h.
 *
 * A byte-at-a-time state machine over whatever chunks arrive (a pipe gives
 * any split): the name of the field being read, then its text up to the
 * newline or its 8-byte size and that many bytes. Field data goes into one
 * fixed entry buffer; what does not fit is counted and skipped. */
#define _GNU_SOURCE
#include "journal-export.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum state {
        ST_NAME,        /* reading a field name (empty at the start of a line) */
        ST_TEXT,        /* a text value up to the newline */
        ST_SIZE,        /* the 8 size bytes of a binary value */
        ST_BINARY,      /* 'left' bytes of a binary value */
        ST_BINARY_END,  /* the newline after it */
};

struct export_parser {
        enum state state;
        char name[JOURNAL_NAME_MAX + 1];
        size_t name_len;
        uint8_t size[8];
        size_t size_len;
        uint64_t left;          /* binary bytes still to come */
        uint64_t declared;      /* the field's declared (or, text, seen) size */
        bool keep;              /* the field's bytes are stored */
        size_t value_start;     /* offset in data of the field's value */
        uint64_t offset;
        const char *error;
        char error_buf[160];

        struct journal_entry entry;
        struct journal_field fields[JOURNAL_FIELDS_MAX];
        size_t used;            /* bytes of data in use */
        char data[JOURNAL_ENTRY_MAX];
};

const char *journal_entry_get(const struct journal_entry *e, const char *name, size_t *ret_len)
{
        for (size_t i = 0; i < e->n_fields; i++)
                if (strcmp(e->fields[i].name, name) == 0) {
                        if (ret_len)
                                *ret_len = e->fields[i].len;
                        return e->fields[i].value;
                }
        return NULL;
}

const char *journal_entry_str(const struct journal_entry *e, const char *name)
{
        size_t len;
        const char *v = journal_entry_get(e, name, &len);

        return v && !memchr(v, '\0', len) ? v : NULL;
}

int export_parser_new(struct export_parser **ret)
{
        struct export_parser *p = calloc(1, sizeof(*p));

        if (!p)
                return -ENOMEM;
        p->entry.fields = p->fields;
        *ret = p;
        return 0;
}

struct export_parser *export_parser_free(struct export_parser *p)
{
        free(p);
        return NULL;
}

const char *export_parser_error(const struct export_parser *p)
{
        return p->error;
}

uint64_t export_parser_offset(const struct export_parser *p)
{
        return p->offset;
}

/* -EBADMSG with the reason kept for export_parser_error(). */
#define FAIL(p, ...) \
        (snprintf((p)->error_buf, sizeof((p)->error_buf), __VA_ARGS__), (p)->error = (p)->error_buf, -EBADMSG)

static void entry_reset(struct export_parser *p)
{
        p->entry = (struct journal_entry) { .fields = p->fields };
        p->used = 0;
}

/* Journal field names: upper-case letters, digits and '_', not starting
 * with a digit (the export format's own "__CURSOR" and such included). */
static bool name_char(char c, size_t pos)
{
        return (c >= 'A' && c <= 'Z') || c == '_' || (pos > 0 && c >= '0' && c <= '9');
}

/* A field begins: its name goes into data when there is room for it and
 * 'size' value bytes (unknown for text: checked as they come). */
static void field_begin(struct export_parser *p, uint64_t size)
{
        p->declared = 0;
        p->keep = p->entry.n_fields < JOURNAL_FIELDS_MAX && size <= JOURNAL_FIELD_MAX &&
                  p->used + p->name_len + 1 + size + 1 <= JOURNAL_ENTRY_MAX;
        if (!p->keep) {
                p->entry.n_dropped++;
                return;
        }
        memcpy(p->data + p->used, p->name, p->name_len + 1);
        p->value_start = p->used + p->name_len + 1;
}

/* The first field too large to keep, for the entry's finding. */
static void note_oversized(struct export_parser *p, uint64_t size)
{
        if (size > JOURNAL_FIELD_MAX && !p->entry.oversized[0]) {
                memcpy(p->entry.oversized, p->name, p->name_len + 1);
                p->entry.oversized_size = size;
        }
}

static void field_drop(struct export_parser *p)
{
        if (p->keep) {
                p->keep = false;
                p->entry.n_dropped++;
        }
}

static void field_bytes(struct export_parser *p, const char *s, size_t n)
{
        p->declared += n;
        if (!p->keep)
                return;
        if (p->declared > JOURNAL_FIELD_MAX || p->value_start + p->declared + 1 > JOURNAL_ENTRY_MAX) {
                field_drop(p);
                return;
        }
        memcpy(p->data + p->value_start + p->declared - n, s, n);
}

static void field_end(struct export_parser *p)
{
        struct journal_entry *e = &p->entry;
        struct journal_field *f;

        note_oversized(p, p->declared);
        p->name_len = 0;
        p->state = ST_NAME;
        if (!p->keep)
                return;
        f = &p->fields[e->n_fields++];
        f->name = p->data + p->used;     /* the name was copied there by field_begin() */
        f->value = p->data + p->value_start;
        f->len = (size_t) p->declared;
        p->data[p->value_start + f->len] = '\0';
        p->used = p->value_start + f->len + 1;
        if (strcmp(f->name, "__REALTIME_TIMESTAMP") == 0 && f->len > 0 && f->len <= 20) {
                uint64_t v = 0;
                size_t i;

                for (i = 0; i < f->len && f->value[i] >= '0' && f->value[i] <= '9'; i++) {
                        if (v > (UINT64_MAX - 9) / 10)
                                break;
                        v = v * 10 + (uint64_t) (f->value[i] - '0');
                }
                if (i == f->len) {
                        e->has_realtime = true;
                        e->realtime_us = v;
                }
        }
}

static int entry_end(struct export_parser *p, export_entry_fn fn, void *userdata)
{
        int r = 0;

        if (p->entry.n_fields > 0 || p->entry.n_dropped > 0)
                r = fn(&p->entry, userdata);
        entry_reset(p);
        return r;
}

int export_parser_feed(struct export_parser *p, const char *buf, size_t len, export_entry_fn fn, void *userdata)
{
        size_t i = 0;
        int r;

        if (p->error)
                return -EBADMSG;
        while (i < len) {
                char c = buf[i];

                switch (p->state) {
                case ST_NAME:
                        if (c == '\n') {
                                i++;
                                p->offset++;
                                if (p->name_len == 0) {
                                        r = entry_end(p, fn, userdata);
                                        if (r < 0)
                                                return r;
                                        continue;
                                }
                                p->state = ST_SIZE;
                                p->size_len = 0;
                                continue;
                        }
                        if (c == '=' && p->name_len > 0) {
                                i++;
                                p->offset++;
                                field_begin(p, 0);
                                p->state = ST_TEXT;
                                continue;
                        }
                        if (!name_char(c, p->name_len) || p->name_len == JOURNAL_NAME_MAX) {
                                p->name[p->name_len] = '\0';
                                return p->name_len == JOURNAL_NAME_MAX ?
                                        FAIL(p, "field name '%.64s...' longer than 64 bytes", p->name) :
                                        FAIL(p, "invalid byte in a field name after '%.64s'", p->name);
                        }
                        p->name[p->name_len++] = c;
                        p->name[p->name_len] = '\0';
                        i++;
                        p->offset++;
                        continue;
                case ST_TEXT: {
                        const char *nl = memchr(buf + i, '\n', len - i);
                        size_t n = (size_t) ((nl ? nl : buf + len) - (buf + i));

                        field_bytes(p, buf + i, n);
                        i += n;
                        p->offset += n;
                        if (nl) {
                                i++;
                                p->offset++;
                                field_end(p);
                        }
                        continue;
                }
                case ST_SIZE:
                        p->size[p->size_len++] = (uint8_t) c;
                        i++;
                        p->offset++;
                        if (p->size_len == 8) {
                                uint64_t size = 0;

                                for (int k = 7; k >= 0; k--)
                                        size = size << 8 | p->size[k];
                                field_begin(p, size);
                                note_oversized(p, size);
                                p->left = size;
                                p->size_len = 0;
                                p->state = size ? ST_BINARY : ST_BINARY_END;
                        }
                        continue;
                case ST_BINARY: {
                        size_t n = len - i < p->left ? len - i : (size_t) p->left;

                        if (p->keep)
                                memcpy(p->data + p->value_start + p->declared, buf + i, n);
                        p->declared += n;
                        p->left -= n;
                        i += n;
                        p->offset += n;
                        if (p->left == 0)
                                p->state = ST_BINARY_END;
                        continue;
                }
                case ST_BINARY_END:
                        if (c != '\n')
                                return FAIL(p, "binary field '%s' not followed by a newline", p->name);
                        i++;
                        p->offset++;
                        field_end(p);
                        continue;
                }
        }
        return 0;
}

int export_parser_add_field(struct export_parser *p, const char *name, size_t name_len, const char *value,
                            size_t len)
{
        bool valid = name_len > 0 && name_len <= JOURNAL_NAME_MAX;

        for (size_t i = 0; valid && i < name_len; i++)
                valid = name_char(name[i], i);
        if (!valid) {
                p->entry.n_dropped++;
                return 0;
        }
        memcpy(p->name, name, name_len);
        p->name[name_len] = '\0';
        p->name_len = name_len;
        field_begin(p, len);
        if (p->keep)
                memcpy(p->data + p->value_start, value, len);
        p->declared = len;
        field_end(p);
        return 0;
}

int export_parser_end_entry(struct export_parser *p, export_entry_fn fn, void *userdata)
{
        return entry_end(p, fn, userdata);
}

int export_parser_finish(struct export_parser *p, export_entry_fn fn, void *userdata)
{
        if (p->error)
                return -EBADMSG;
        if (p->state != ST_NAME || p->name_len > 0) {
                p->name[p->name_len] = '\0';
                return FAIL(p, "ends in the middle of field '%s'", p->name);
        }
        return entry_end(p, fn, userdata);
}
