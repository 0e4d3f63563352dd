/* A bounded reader for the TOML subset containers-registries.conf(5) and its
 * drop-ins use: tables ([a.b]), arrays of tables ([[registry]],
 * [[registry.mirror]]), dotted and quoted keys, basic and literal strings,
 * booleans, integers, arrays (of any of these, over several lines) and
 * comments. Multi-line strings, floats, dates and inline tables are refused
 * with the line that has them: no registries file uses them, and a reader
 * that skipped them would guess. There is no C TOML library in Debian 12.
 * Pure: (buf, len) in, a tree out; never prints. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/macros.h"

#define TOML_MAX_BYTES ((size_t) 1 << 20)      /* what callers read of one file */
#define TOML_MAX_VALUES 65536                   /* values and tables in one document */
#define TOML_MAX_DEPTH 32                       /* nested arrays and tables */
#define TOML_MAX_KEYS 1024                      /* keys in one table */

enum toml_type {
        TOML_STRING,
        TOML_BOOL,
        TOML_INTEGER,
        TOML_ARRAY,
        TOML_TABLE,
};

struct toml_value;

struct toml_kv {
        char *key;
        struct toml_value *value;
};

struct toml_value {
        enum toml_type type;
        unsigned line;                  /* where it was set (a table: its header, 0 for the root) */
        char *str;                      /* TOML_STRING: valid UTF-8, no NUL */
        bool boolean;
        int64_t integer;
        struct toml_value **items;      /* TOML_ARRAY */
        size_t n_items;
        bool table_array;               /* TOML_ARRAY made by [[...]] headers */
        struct toml_kv *kvs;            /* TOML_TABLE, in document order */
        size_t n_kvs;
        bool defined;                   /* TOML_TABLE: by a header or a key (not only implied by [a.b]) */
};

/* Parses buf. On success *ret is the root table (toml_free()); on failure
 * -EBADMSG (malformed, or outside the subset) or -E2BIG (a limit), with
 * *ret_error (if given) one line "line N: reason" to free(). */
int toml_parse(const char *buf, size_t len, struct toml_value **ret, char **ret_error);
struct toml_value *toml_free(struct toml_value *v);
DEFINE_FREEP(struct toml_value, toml_free)

/* The value of key in table (NULL when absent or table is no table). */
const struct toml_value *toml_get(const struct toml_value *table, const char *key);
const char *toml_type_name(enum toml_type t);
