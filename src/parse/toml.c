/* The bounded TOML subset reader; see toml.h. One pass over the buffer, one
 * statement at a time; every value is its own allocation so the tables that
 * hold pointers to them can grow. */
#define _GNU_SOURCE
#include "toml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/escape.h"

struct parser {
        const char *p, *end;
        unsigned line;
        size_t n_values;
        char *error;
        int r;
};

static int fail(struct parser *ps, int r, const char *fmt, ...) _printf_(3, 4);
static int fail(struct parser *ps, int r, const char *fmt, ...)
{
        _cleanup_(freep) char *msg = NULL;
        va_list ap;

        if (ps->error)
                return ps->r;
        /* Escaped whole: the reason quotes keys of the input. */
        va_start(ap, fmt);
        if (escape_message(&msg, 1024, fmt, ap) < 0)
                msg = NULL;
        va_end(ap);
        if (!msg || asprintf(&ps->error, "line %u: %s", ps->line, msg) < 0)
                ps->error = NULL;
        ps->r = r;
        return r;
}

const char *toml_type_name(enum toml_type t)
{
        static const char *const names[] = {
                [TOML_STRING] = "string", [TOML_BOOL] = "boolean", [TOML_INTEGER] = "integer",
                [TOML_ARRAY] = "array", [TOML_TABLE] = "table",
        };
        return (size_t) t < ARRAY_SIZE(names) ? names[t] : "value";
}

struct toml_value *toml_free(struct toml_value *v)
{
        size_t i;

        if (!v)
                return NULL;
        free(v->str);
        for (i = 0; i < v->n_items; i++)
                toml_free(v->items[i]);
        free(v->items);
        for (i = 0; i < v->n_kvs; i++) {
                free(v->kvs[i].key);
                toml_free(v->kvs[i].value);
        }
        free(v->kvs);
        free(v);
        return NULL;
}

const struct toml_value *toml_get(const struct toml_value *table, const char *key)
{
        size_t i;

        if (!table || table->type != TOML_TABLE)
                return NULL;
        for (i = 0; i < table->n_kvs; i++)
                if (strcmp(table->kvs[i].key, key) == 0)
                        return table->kvs[i].value;
        return NULL;
}

static struct toml_value *value_new(struct parser *ps, enum toml_type type)
{
        struct toml_value *v;

        if (ps->n_values >= TOML_MAX_VALUES) {
                fail(ps, -E2BIG, "more than %d values", TOML_MAX_VALUES);
                return NULL;
        }
        v = calloc(1, sizeof(*v));
        if (!v) {
                fail(ps, -ENOMEM, "out of memory");
                return NULL;
        }
        ps->n_values++;
        v->type = type;
        v->line = ps->line;
        return v;
}

static struct toml_kv *table_find(struct toml_value *t, const char *key)
{
        size_t i;

        for (i = 0; i < t->n_kvs; i++)
                if (strcmp(t->kvs[i].key, key) == 0)
                        return &t->kvs[i];
        return NULL;
}

/* Adds key to table t with value v (taken, also on failure). */
/* Room for element n of the array *p of elements of size: the capacity is
 * implied by the count (4, then doubled each time n reaches a power of two),
 * so a long array costs log n reallocations, not n. */
static int grow(void **p, size_t n, size_t size)
{
        void *q;

        if (n != 0 && (n < 4 || (n & (n - 1)) != 0))
                return 0;
        q = reallocarray(*p, n ? 2 * n : 4, size);
        if (!q)
                return -ENOMEM;
        *p = q;
        return 0;
}

static int table_add(struct parser *ps, struct toml_value *t, char *key, struct toml_value *v)
{
        if (t->n_kvs >= TOML_MAX_KEYS) {
                free(key);
                toml_free(v);
                return fail(ps, -E2BIG, "more than %d keys in one table", TOML_MAX_KEYS);
        }
        if (grow((void **) &t->kvs, t->n_kvs, sizeof(*t->kvs)) < 0) {
                free(key);
                toml_free(v);
                return fail(ps, -ENOMEM, "out of memory");
        }
        t->kvs[t->n_kvs++] = (struct toml_kv) { .key = key, .value = v };
        return 0;
}

static int array_add(struct parser *ps, struct toml_value *a, struct toml_value *v)
{
        if (grow((void **) &a->items, a->n_items, sizeof(*a->items)) < 0) {
                toml_free(v);
                return fail(ps, -ENOMEM, "out of memory");
        }
        a->items[a->n_items++] = v;
        return 0;
}

static bool at_end(const struct parser *ps)
{
        return ps->p >= ps->end;
}

static void skip_blank(struct parser *ps)
{
        while (!at_end(ps) && (*ps->p == ' ' || *ps->p == '\t'))
                ps->p++;
}

static void skip_comment(struct parser *ps)
{
        if (!at_end(ps) && *ps->p == '#')
                while (!at_end(ps) && *ps->p != '\n')
                        ps->p++;
}

/* A line end (or the end of the input), consumed. */
static bool eat_newline(struct parser *ps)
{
        if (at_end(ps))
                return true;
        if (*ps->p == '\n') {
                ps->p++;
                ps->line++;
                return true;
        }
        if (*ps->p == '\r' && ps->p + 1 < ps->end && ps->p[1] == '\n') {
                ps->p += 2;
                ps->line++;
                return true;
        }
        return false;
}

/* Blanks, comments and line ends (inside arrays). */
static void skip_space(struct parser *ps)
{
        for (;;) {
                skip_blank(ps);
                skip_comment(ps);
                if (at_end(ps) || !eat_newline(ps))
                        return;
        }
}

static int string_done(struct parser *ps, const char *s, size_t n, char **ret)
{
        char *copy;

        if (!utf8_valid(s, n))
                return fail(ps, -EBADMSG, "a string that is not UTF-8");
        if (memchr(s, 0, n))
                return fail(ps, -EBADMSG, "a string with a NUL byte");
        copy = strndup(s, n);
        if (!copy)
                return fail(ps, -ENOMEM, "out of memory");
        *ret = copy;
        return 0;
}

static int put_utf8(char *out, size_t *n, unsigned long cp)
{
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                return -EBADMSG;
        if (cp < 0x80) {
                out[(*n)++] = (char) cp;
        } else if (cp < 0x800) {
                out[(*n)++] = (char) (0xC0 | (cp >> 6));
                out[(*n)++] = (char) (0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
                out[(*n)++] = (char) (0xE0 | (cp >> 12));
                out[(*n)++] = (char) (0x80 | ((cp >> 6) & 0x3F));
                out[(*n)++] = (char) (0x80 | (cp & 0x3F));
        } else {
                out[(*n)++] = (char) (0xF0 | (cp >> 18));
                out[(*n)++] = (char) (0x80 | ((cp >> 12) & 0x3F));
                out[(*n)++] = (char) (0x80 | ((cp >> 6) & 0x3F));
                out[(*n)++] = (char) (0x80 | (cp & 0x3F));
        }
        return 0;
}

/* A basic ("...") or literal ('...') string on one line, at its quote. */
static int parse_string(struct parser *ps, char **ret)
{
        _cleanup_(freep) char *out = NULL;
        char quote = *ps->p;
        const char *start, *eol;
        size_t n = 0;

        if (ps->end - ps->p >= 3 && ps->p[1] == quote && ps->p[2] == quote)
                return fail(ps, -EBADMSG, "multi-line strings are not supported");
        start = ++ps->p;
        if (quote == '\'') {
                while (!at_end(ps) && *ps->p != '\'' && *ps->p != '\n')
                        ps->p++;
                if (at_end(ps) || *ps->p != '\'')
                        return fail(ps, -EBADMSG, "unterminated string");
                ps->p++;
                return string_done(ps, start, (size_t) (ps->p - 1 - start), ret);
        }
        /* Escapes only shorten or keep the length, except \u (6 bytes for at
         * most 3) and \U (10 for at most 4): the input length bounds the output. */
        eol = memchr(start, '\n', (size_t) (ps->end - start));
        out = malloc((size_t) ((eol ?: ps->end) - start) + 1);
        if (!out)
                return fail(ps, -ENOMEM, "out of memory");
        for (;;) {
                unsigned char c;

                if (at_end(ps) || *ps->p == '\n')
                        return fail(ps, -EBADMSG, "unterminated string");
                c = (unsigned char) *ps->p++;
                if (c == '"')
                        break;
                if (c < 0x20 && c != '\t')
                        return fail(ps, -EBADMSG, "a control character in a string");
                if (c != '\\') {
                        out[n++] = (char) c;
                        continue;
                }
                if (at_end(ps))
                        return fail(ps, -EBADMSG, "unterminated string");
                c = (unsigned char) *ps->p++;
                switch (c) {
                case 'b': out[n++] = '\b'; break;
                case 't': out[n++] = '\t'; break;
                case 'n': out[n++] = '\n'; break;
                case 'f': out[n++] = '\f'; break;
                case 'r': out[n++] = '\r'; break;
                case '"': out[n++] = '"'; break;
                case '\\': out[n++] = '\\'; break;
                case 'u':
                case 'U': {
                        size_t digits = c == 'u' ? 4 : 8, i;
                        unsigned long cp = 0;

                        if ((size_t) (ps->end - ps->p) < digits)
                                return fail(ps, -EBADMSG, "a cut \\%c escape", c);
                        for (i = 0; i < digits; i++) {
                                char h = ps->p[i];
                                int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 :
                                        h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;

                                if (d < 0)
                                        return fail(ps, -EBADMSG, "a bad \\%c escape", c);
                                cp = cp * 16 + (unsigned long) d;
                        }
                        ps->p += digits;
                        if (put_utf8(out, &n, cp) < 0)
                                return fail(ps, -EBADMSG, "a \\%c escape that is no Unicode scalar value", c);
                        break;
                }
                default:
                        return fail(ps, -EBADMSG, "an unknown escape '\\%c' in a string",
                                    c >= 0x20 && c < 0x7f ? c : '?');
                }
        }
        return string_done(ps, out, n, ret);
}

static bool bare_key_char(char c)
{
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* One key component: bare, "basic" or 'literal'. */
static int parse_simple_key(struct parser *ps, char **ret)
{
        const char *start = ps->p;

        if (!at_end(ps) && (*ps->p == '"' || *ps->p == '\''))
                return parse_string(ps, ret);
        while (!at_end(ps) && bare_key_char(*ps->p))
                ps->p++;
        if (ps->p == start)
                return fail(ps, -EBADMSG, "expected a key");
        *ret = strndup(start, (size_t) (ps->p - start));
        return *ret ? 0 : fail(ps, -ENOMEM, "out of memory");
}

#define KEY_MAX_PARTS TOML_MAX_DEPTH

struct key {
        char *parts[KEY_MAX_PARTS];
        size_t n;
};

static void key_release(struct key *k)
{
        size_t i;

        for (i = 0; i < k->n; i++)
                free(k->parts[i]);
        k->n = 0;
}

/* A dotted key: a.b."c d". */
static int parse_key(struct parser *ps, struct key *k)
{
        int r;

        for (;;) {
                skip_blank(ps);
                if (k->n >= KEY_MAX_PARTS)
                        return fail(ps, -E2BIG, "a key of more than %d parts", KEY_MAX_PARTS);
                r = parse_simple_key(ps, &k->parts[k->n]);
                if (r < 0)
                        return r;
                k->n++;
                skip_blank(ps);
                if (at_end(ps) || *ps->p != '.')
                        return 0;
                ps->p++;
        }
}

static int parse_value(struct parser *ps, unsigned depth, struct toml_value **ret);

static int parse_array(struct parser *ps, unsigned depth, struct toml_value **ret)
{
        _cleanup_(toml_freep) struct toml_value *a = NULL;
        int r;

        if (depth >= TOML_MAX_DEPTH)
                return fail(ps, -E2BIG, "arrays nested more than %d deep", TOML_MAX_DEPTH);
        a = value_new(ps, TOML_ARRAY);
        if (!a)
                return ps->r;
        ps->p++;        /* '[' */
        for (;;) {
                struct toml_value *v = NULL;

                skip_space(ps);
                if (at_end(ps))
                        return fail(ps, -EBADMSG, "unterminated array");
                if (*ps->p == ']') {
                        ps->p++;
                        break;
                }
                r = parse_value(ps, depth + 1, &v);
                if (r < 0)
                        return r;
                r = array_add(ps, a, v);
                if (r < 0)
                        return r;
                skip_space(ps);
                if (at_end(ps))
                        return fail(ps, -EBADMSG, "unterminated array");
                if (*ps->p == ',') {
                        ps->p++;
                        continue;
                }
                if (*ps->p != ']')
                        return fail(ps, -EBADMSG, "expected ',' or ']' in an array");
        }
        *ret = TAKE_PTR(a);
        return 0;
}

static int parse_integer(struct parser *ps, struct toml_value **ret)
{
        const char *s = ps->p;
        bool neg = false, digit = false;
        uint64_t v = 0;
        struct toml_value *t;

        if (*s == '+' || *s == '-')
                neg = *s++ == '-';
        for (; s < ps->end && ((*s >= '0' && *s <= '9') || *s == '_'); s++) {
                if (*s == '_')
                        continue;
                if (v > (UINT64_MAX - 9) / 10 || v * 10 + (uint64_t) (*s - '0') > (uint64_t) INT64_MAX)
                        return fail(ps, -EBADMSG, "an integer out of range");
                v = v * 10 + (uint64_t) (*s - '0');
                digit = true;
        }
        if (!digit || (s < ps->end && (*s == '.' || *s == 'e' || *s == 'E' || *s == ':' || *s == 'x' ||
                                       *s == 'o' || *s == 'b' || *s == '-' || *s == 'T')))
                return fail(ps, -EBADMSG, "floats, dates and non-decimal numbers are not supported");
        t = value_new(ps, TOML_INTEGER);
        if (!t)
                return ps->r;
        t->integer = neg ? -(int64_t) v : (int64_t) v;
        ps->p = s;
        *ret = t;
        return 0;
}

static int parse_value(struct parser *ps, unsigned depth, struct toml_value **ret)
{
        struct toml_value *v;
        size_t left;
        int r;

        skip_blank(ps);
        if (at_end(ps) || *ps->p == '\n' || *ps->p == '\r' || *ps->p == '#')
                return fail(ps, -EBADMSG, "expected a value");
        left = (size_t) (ps->end - ps->p);
        switch (*ps->p) {
        case '"':
        case '\'':
                v = value_new(ps, TOML_STRING);
                if (!v)
                        return ps->r;
                r = parse_string(ps, &v->str);
                if (r < 0) {
                        toml_free(v);
                        return r;
                }
                *ret = v;
                return 0;
        case '[':
                return parse_array(ps, depth, ret);
        case '{':
                return fail(ps, -EBADMSG, "inline tables are not supported");
        }
        if ((left >= 4 && memcmp(ps->p, "true", 4) == 0) || (left >= 5 && memcmp(ps->p, "false", 5) == 0)) {
                bool b = *ps->p == 't';

                if ((size_t) (b ? 4 : 5) < left && bare_key_char(ps->p[b ? 4 : 5]))
                        return fail(ps, -EBADMSG, "expected a value");
                v = value_new(ps, TOML_BOOL);
                if (!v)
                        return ps->r;
                v->boolean = b;
                ps->p += b ? 4 : 5;
                *ret = v;
                return 0;
        }
        if ((*ps->p >= '0' && *ps->p <= '9') || *ps->p == '+' || *ps->p == '-')
                return parse_integer(ps, ret);
        return fail(ps, -EBADMSG, "expected a value");
}

/* A new empty value of type under key name in t. */
static int table_add_new(struct parser *ps, struct toml_value *t, const char *name, enum toml_type type,
                         struct toml_value **ret)
{
        struct toml_value *v = value_new(ps, type);
        char *key;
        int r;

        if (!v)
                return ps->r;
        key = strdup(name);
        if (!key) {
                toml_free(v);
                return fail(ps, -ENOMEM, "out of memory");
        }
        r = table_add(ps, t, key, v);
        if (r < 0)
                return r;
        *ret = v;
        return 0;
}

/* The table a key part names in t, made (implied) when absent. For an array
 * of tables, its last table. */
static int descend(struct parser *ps, struct toml_value *t, const char *part, bool from_header,
                   struct toml_value **ret)
{
        struct toml_kv *kv = table_find(t, part);
        struct toml_value *sub;

        if (kv) {
                sub = kv->value;
                if (sub->type == TOML_ARRAY && sub->table_array && sub->n_items > 0 && from_header)
                        sub = sub->items[sub->n_items - 1];
                if (sub->type != TOML_TABLE)
                        return fail(ps, -EBADMSG, "key '%s' is a %s, not a table", part, toml_type_name(sub->type));
                *ret = sub;
                return 0;
        }
        return table_add_new(ps, t, part, TOML_TABLE, ret);
}

/* [a.b] or [[a.b]]: the table the following keys go into. */
static int parse_header(struct parser *ps, struct toml_value *root, struct toml_value **ret)
{
        _cleanup_(key_release) struct key k = { 0 };
        struct toml_value *t = root, *sub = NULL;
        struct toml_kv *kv;
        bool array = ps->end - ps->p >= 2 && ps->p[1] == '[';
        const char *last;
        size_t i;
        int r;

        ps->p += array ? 2 : 1;
        r = parse_key(ps, &k);
        if (r < 0)
                return r;
        if (at_end(ps) || *ps->p != ']' || (array && (ps->end - ps->p < 2 || ps->p[1] != ']')))
                return fail(ps, -EBADMSG, "expected '%s' after a table name", array ? "]]" : "]");
        ps->p += array ? 2 : 1;
        for (i = 0; i + 1 < k.n; i++) {
                r = descend(ps, t, k.parts[i], true, &t);
                if (r < 0)
                        return r;
        }
        last = k.parts[k.n - 1];
        kv = table_find(t, last);
        if (array) {
                if (!kv) {
                        r = table_add_new(ps, t, last, TOML_ARRAY, &sub);
                        if (r < 0)
                                return r;
                        sub->table_array = true;
                } else if (kv->value->type != TOML_ARRAY || !kv->value->table_array) {
                        return fail(ps, -EBADMSG, "'%s' is defined already and is no array of tables", last);
                } else {
                        sub = kv->value;
                }
                t = value_new(ps, TOML_TABLE);
                if (!t)
                        return ps->r;
                t->defined = true;
                r = array_add(ps, sub, t);
                if (r < 0)
                        return r;
                *ret = t;
                return 0;
        }
        if (kv) {
                if (kv->value->type != TOML_TABLE || kv->value->defined)
                        return fail(ps, -EBADMSG, "table '%s' is defined twice", last);
                kv->value->defined = true;
                kv->value->line = ps->line;
                *ret = kv->value;
                return 0;
        }
        r = descend(ps, t, last, true, &t);
        if (r < 0)
                return r;
        t->defined = true;
        *ret = t;
        return 0;
}

/* key = value in table t. */
static int parse_keyval(struct parser *ps, struct toml_value *t)
{
        _cleanup_(key_release) struct key k = { 0 };
        struct toml_value *v = NULL;
        char *key;
        size_t i;
        int r;

        r = parse_key(ps, &k);
        if (r < 0)
                return r;
        if (at_end(ps) || *ps->p != '=')
                return fail(ps, -EBADMSG, "expected '=' after a key");
        ps->p++;
        for (i = 0; i + 1 < k.n; i++) {
                r = descend(ps, t, k.parts[i], false, &t);
                if (r < 0)
                        return r;
                t->defined = true;
        }
        if (table_find(t, k.parts[k.n - 1]))
                return fail(ps, -EBADMSG, "key '%s' is defined twice", k.parts[k.n - 1]);
        r = parse_value(ps, (unsigned) k.n, &v);
        if (r < 0)
                return r;
        key = TAKE_PTR(k.parts[k.n - 1]);
        k.n--;
        return table_add(ps, t, key, v);
}

int toml_parse(const char *buf, size_t len, struct toml_value **ret, char **ret_error)
{
        struct parser ps = { .p = buf, .end = buf + len, .line = 1 };
        _cleanup_(toml_freep) struct toml_value *root = NULL;
        struct toml_value *cur;
        int r = 0;

        root = value_new(&ps, TOML_TABLE);
        if (!root)
                goto out;
        root->line = 0;
        root->defined = true;
        cur = root;
        while (!at_end(&ps)) {
                skip_blank(&ps);
                if (!at_end(&ps) && *ps.p == '[')
                        r = parse_header(&ps, root, &cur);
                else if (!at_end(&ps) && *ps.p != '#' && *ps.p != '\n' && *ps.p != '\r')
                        r = parse_keyval(&ps, cur);
                if (r < 0)
                        goto out;
                skip_blank(&ps);
                skip_comment(&ps);
                if (!eat_newline(&ps)) {
                        r = fail(&ps, -EBADMSG, "unexpected text after a value");
                        goto out;
                }
        }
        *ret = TAKE_PTR(root);
        return 0;
out:
        if (ret_error) {
                *ret_error = ps.error;
                ps.error = NULL;
        }
        free(ps.error);
        return ps.r ? ps.r : -ENOMEM;
}
