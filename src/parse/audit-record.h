/* One auditd record line, parsed: the pure parser under `driftwatch audit`.
 *
 *   [node=NAME ]type=TYPE msg=audit(SECONDS.MILLIS:SERIAL): FIELDS[\x1dENRICHED]
 *
 * FIELDS are key=value pairs: "quoted", unquoted (hex for untrusted strings, or
 * (null), ?, numbers ...), and for USER_* records msg='key=value ...' whose
 * fields are parsed as nested fields. After a 0x1D byte auditd's ENRICHED format
 * appends interpreted fields (ARCH=x86_64 SYSCALL=openat AUID="alice"). Words
 * that are not key=value (AVC's "avc:  denied  { read } for") are skipped.
 *
 * Nothing is copied: a field is a name and a value as offsets into the line, so
 * a record can be moved with two memcpy()s. Values are raw bytes (not NUL
 * terminated, maybe holding NUL or control characters); audit_value_decode()
 * turns a value into its bytes (hex decoded, quotes removed). See
 * docs/internals/audit.md. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* More fields than this in one record are dropped (AUDIT_RECORD_FIELDS_TRUNCATED).
 * The kernel caps an EXECVE record at ~7.5 KiB, i.e. fewer than ~1300 "aN=\"\""
 * fields. */
#define AUDIT_RECORD_MAX_FIELDS 2048
/* Lines longer than this are refused (-E2BIG); the line reader cuts long lines
 * far below it. */
#define AUDIT_RECORD_MAX_LEN ((size_t) 16 << 20)

/* Record types (linux/audit.h and libaudit numbers) the code refers to by name;
 * audit_type_from_name() knows the rest of the table. */
enum {
        AUDIT_TYPE_UNKNOWN = 0,
        AUDIT_TYPE_LOGIN = 1006,
        AUDIT_TYPE_FIRST_USER_MSG = 1100,
        AUDIT_TYPE_LAST_USER_MSG = 1199,
        AUDIT_TYPE_DAEMON_START = 1200,
        AUDIT_TYPE_DAEMON_ERR = 1209,
        AUDIT_TYPE_SYSCALL = 1300,
        AUDIT_TYPE_PATH = 1302,
        AUDIT_TYPE_CWD = 1307,
        AUDIT_TYPE_EXECVE = 1309,
        AUDIT_TYPE_EOE = 1320,
        AUDIT_TYPE_PROCTITLE = 1327,
        AUDIT_TYPE_FIRST_USER_MSG2 = 2100,
        AUDIT_TYPE_LAST_USER_MSG2 = 2999,
};

enum {
        AUDIT_FIELD_QUOTED = 1 << 0,       /* value was "quoted": literal text */
        AUDIT_FIELD_NESTED = 1 << 1,       /* inside msg='...' */
        AUDIT_FIELD_ENRICHED = 1 << 2,     /* after 0x1D: auditd's interpretation */
        AUDIT_FIELD_CONTAINER = 1 << 3,    /* msg='...' itself; its value is the nested text */
        AUDIT_FIELD_UNTERMINATED = 1 << 4, /* a quote opened and the line ended */
};

enum {
        AUDIT_RECORD_FIELDS_TRUNCATED = 1 << 0, /* more than AUDIT_RECORD_MAX_FIELDS fields */
        AUDIT_RECORD_UNTERMINATED = 1 << 1,     /* a quote was not closed: a cut line */
};

/* One key=value. Offsets are relative to the record's line. */
struct audit_field {
        uint32_t name;
        uint32_t value;
        uint32_t value_len;
        uint16_t name_len;
        uint16_t flags;         /* AUDIT_FIELD_* */
};

/* Bytes and a length: values are never assumed NUL-free or NUL-terminated. */
struct audit_str {
        const char *s;
        size_t len;
};

struct audit_record {
        const char *line;       /* the input; fields point into it */
        size_t len;
        int type;               /* AUDIT_TYPE_* number, N of UNKNOWN[N], 0 if not known */
        unsigned flags;         /* AUDIT_RECORD_* */
        uint32_t node, node_len;        /* node=NAME prefix (node_len 0: none) */
        uint32_t type_name, type_len;   /* as written: "SYSCALL", "UNKNOWN[1420]" */
        uint64_t sec;
        uint32_t msec;
        uint64_t serial;
        size_t n_fields;
        struct audit_field fields[AUDIT_RECORD_MAX_FIELDS];
};

/* Parses one line (without its newline; n bytes at line, no NUL needed). On
 * success *ret describes it and points into line. -EBADMSG when the header
 * (type=, msg=audit(...)) is malformed, -E2BIG past AUDIT_RECORD_MAX_LEN. */
int audit_record_parse(const char *line, size_t len, struct audit_record *ret);

/* The first field called name among n fields of line (nested fields included,
 * ENRICHED ones only when enriched is true: otherwise they are skipped so a
 * raw field is never shadowed), or NULL. */
const struct audit_field *audit_fields_find(const char *line, const struct audit_field *fields, size_t n,
                                            const char *name, bool enriched);

static inline const struct audit_field *audit_record_find(const struct audit_record *r, const char *name)
{
        return audit_fields_find(r->line, r->fields, r->n_fields, name, false);
}

static inline struct audit_str audit_field_name(const char *line, const struct audit_field *f)
{
        return (struct audit_str) { line + f->name, f->name_len };
}

/* The value as written (quotes removed, not decoded). */
static inline struct audit_str audit_field_raw(const char *line, const struct audit_field *f)
{
        return (struct audit_str) { line + f->value, f->value_len };
}

bool audit_str_eq(struct audit_str s, const char *lit);
/* s as a C string in dst (size bytes, size > 0): cut at size - 1 bytes and at a
 * NUL inside s (a hostile or hex-decoded value). Returns the length copied. */
size_t audit_str_to_cstr(char *dst, size_t size, struct audit_str s);

/* Whether an id field (uid, auid, ses ...) names someone: -1 is absent and
 * 4294967295 ((uid_t) -1) is the kernel's "unset" (no login, no session). */
static inline bool audit_id_set(int64_t v)
{
        return v >= 0 && v != 4294967295LL;
}

/* What an encoded value (an untrusted string the kernel may hex-encode: name,
 * comm, exe, cwd, proctitle, aN, key, acct ...) decodes to. */
enum audit_value_kind {
        AUDIT_VALUE_TEXT,       /* "quoted" or plain text, bytes as written */
        AUDIT_VALUE_HEX,        /* unquoted hex, decoded */
        AUDIT_VALUE_NULL,       /* (null) or (none): no value */
        AUDIT_VALUE_UNSET,      /* ?: unknown */
};

/* Decodes the value of an encoded field into out (room for f->value_len bytes;
 * hex needs half) unless it is quoted or plain text, which is returned in
 * place. *ret points into line or out; its length is set. */
enum audit_value_kind audit_value_decode(const char *line, const struct audit_field *f, char *out,
                                         struct audit_str *ret);

/* Hex digits (either case, even count) to bytes; returns the byte count or
 * -EBADMSG. out needs n / 2 bytes. */
int audit_unhex(const char *s, size_t n, char *out);
bool audit_is_hex(const char *s, size_t n);

/* Parses an unsigned decimal (or, with base 16, hex) value; -EBADMSG. */
int audit_parse_u64(struct audit_str s, unsigned base, uint64_t *ret);
int audit_parse_i64(struct audit_str s, int64_t *ret);

/* Record type names and numbers (the table in audit-record.c). */
int audit_type_from_name(const char *s, size_t n);
const char *audit_type_to_name(int type);      /* NULL when not in the table */
