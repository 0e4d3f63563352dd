/* A small streaming JSON writer over a buf: keys, nesting and commas handled,
 * every string escaped (escape_json). Used by every JSON producer. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "basic/buf.h"

#define JSON_MAX_DEPTH 16

struct json {
        struct buf *b;
        unsigned depth;
        bool comma[JSON_MAX_DEPTH];
        int error;              /* first error; later calls do nothing */
};

void json_init(struct json *j, struct buf *b);
/* key is NULL inside arrays and for the top-level value. */
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);
void json_string(struct json *j, const char *key, const char *s);
void json_string_n(struct json *j, const char *key, const char *s, size_t n);
void json_int(struct json *j, const char *key, int64_t v);
/* v as a JSON string ("1000"): ECS keeps ids such as user.id as strings. */
void json_int_string(struct json *j, const char *key, int64_t v);
void json_bool(struct json *j, const char *key, bool v);
/* n bytes at p as a string of lower-case hex digits. */
void json_hex(struct json *j, const char *key, const void *p, size_t n);
/* s in hex, only when it is not valid UTF-8: the JSON string of s has U+FFFD in
 * place of such bytes, and two names that differ there print alike; the hex
 * (findings' driftwatch.path_hex) keeps the bytes exactly. */
void json_hex_unless_utf8(struct json *j, const char *key, const char *s, size_t n);
/* An id (uid, auid, session) as an ECS string, left out when it names no one
 * (audit_id_set(): -1 absent, 4294967295 unset). */
void json_id(struct json *j, const char *key, int64_t v);
/* Returns 0 or the first error (-E2BIG, -ENOMEM, -EINVAL on bad nesting). */
int json_finish(struct json *j);
