/* YAML document loading helpers; see yaml-load.h. */
#define _GNU_SOURCE
#include "yaml-load.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/escape.h"

int yaml_fail(struct yaml_loader *l, const yaml_node_t *n, const char *fmt, ...)
{
        _cleanup_(freep) char *msg = NULL;
        va_list ap;
        int r;

        if (l->error)
                return -EBADMSG;
        /* Keys and values of the file appear in messages: escaped, so no ESC,
         * BEL or newline of the input reaches a terminal. */
        va_start(ap, fmt);
        r = escape_message(&msg, YAML_MAX_MESSAGE, fmt, ap);
        va_end(ap);
        if (r < 0)
                return r;
        if (asprintf(&l->error, "line %zu: %s", n ? n->start_mark.line + 1 : 0, msg) < 0) {
                l->error = NULL;
                return -ENOMEM;
        }
        return -EBADMSG;
}

/* libyaml loads nested collections in time quadratic in their depth (100 k
 * levels of '[' take 20 s), so the depth is counted on the event stream first
 * and a document nested deeper than YAML_MAX_DEPTH is refused before it is
 * loaded. Returns 0 (also for malformed YAML: the load reports that), -E2BIG
 * with the line in *ret_line, or -ENOMEM. */
static int check_depth(const char *buf, size_t len, size_t *ret_line)
{
        yaml_parser_t parser;
        yaml_event_t ev;
        unsigned depth = 0;
        bool done = false;
        int r = 0;

        if (!yaml_parser_initialize(&parser))
                return -ENOMEM;
        yaml_parser_set_input_string(&parser, (const unsigned char *) buf, len);
        while (!done && r == 0) {
                if (!yaml_parser_parse(&parser, &ev))
                        break;
                switch (ev.type) {
                case YAML_SEQUENCE_START_EVENT:
                case YAML_MAPPING_START_EVENT:
                        if (++depth > YAML_MAX_DEPTH) {
                                *ret_line = ev.start_mark.line + 1;
                                r = -E2BIG;
                        }
                        break;
                case YAML_SEQUENCE_END_EVENT:
                case YAML_MAPPING_END_EVENT:
                        depth--;
                        break;
                case YAML_STREAM_END_EVENT:
                        done = true;
                        break;
                default:
                        break;
                }
                yaml_event_delete(&ev);
        }
        yaml_parser_delete(&parser);
        return r;
}

int yaml_loader_open(struct yaml_loader *l, const char *buf, size_t len, size_t max, yaml_node_t **ret_root)
{
        yaml_parser_t parser;
        size_t line = 0;
        int r;

        *l = (struct yaml_loader) { 0 };
        if (len > max) {
                l->error = strdup("file too large");
                return -EBADMSG;
        }
        r = check_depth(buf, len, &line);
        if (r == -E2BIG) {
                if (asprintf(&l->error, "line %zu: collections nested deeper than %d levels", line,
                             YAML_MAX_DEPTH) < 0)
                        l->error = NULL;
                return r;
        }
        if (r < 0)
                return r;
        if (!yaml_parser_initialize(&parser))
                return -ENOMEM;
        yaml_parser_set_input_string(&parser, (const unsigned char *) buf, len);
        if (!yaml_parser_load(&parser, &l->doc)) {
                if (asprintf(&l->error, "line %zu: %s", parser.problem_mark.line + 1,
                             parser.problem ? parser.problem : "malformed YAML") < 0)
                        l->error = NULL;
                yaml_parser_delete(&parser);
                return -EBADMSG;
        }
        yaml_parser_delete(&parser);
        l->loaded = true;
        *ret_root = yaml_document_get_root_node(&l->doc);
        return 0;
}

void yaml_loader_open_document(struct yaml_loader *l, const yaml_document_t *doc, yaml_node_t **ret_root)
{
        *l = (struct yaml_loader) { .doc = *doc };
        *ret_root = yaml_document_get_root_node(&l->doc);
}

void yaml_loader_release(struct yaml_loader *l)
{
        if (l->loaded)
                yaml_document_delete(&l->doc);
        l->loaded = false;
        free(l->error);
        l->error = NULL;
}

const char *yaml_scalar(const yaml_node_t *n)
{
        return n && n->type == YAML_SCALAR_NODE ? (const char *) n->data.scalar.value : NULL;
}

int yaml_get_string(struct yaml_loader *l, yaml_node_t *n, const char *what, char **ret)
{
        const char *s = yaml_scalar(n);

        if (!s)
                return yaml_fail(l, n, "%s must be a string", what);
        if (*ret)
                return yaml_fail(l, n, "%s given twice", what);
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

int yaml_get_strv(struct yaml_loader *l, yaml_node_t *n, const char *what, struct strv *ret)
{
        yaml_node_item_t *it;
        int r;

        if (!n || n->type != YAML_SEQUENCE_NODE)
                return yaml_fail(l, n, "%s must be a list", what);
        if (ret->n)
                return yaml_fail(l, n, "%s given twice", what);
        for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
                yaml_node_t *item = yaml_document_get_node(&l->doc, *it);
                const char *s = yaml_scalar(item);

                if (!s)
                        return yaml_fail(l, item, "%s entries must be strings", what);
                if (ret->n >= YAML_MAX_ITEMS)
                        return yaml_fail(l, item, "too many %s", what);
                r = strv_push(ret, s);
                if (r < 0)
                        return r;
        }
        return 0;
}

int yaml_check_version(struct yaml_loader *l, yaml_node_t *v)
{
        const char *s = yaml_scalar(v);

        if (!s || strcmp(s, "1") != 0)
                return yaml_fail(l, v, "unsupported version (this driftwatch reads version 1)");
        return 0;
}

int yaml_each_pair(struct yaml_loader *l, yaml_node_t *map, yaml_pair_fn fn, void *item)
{
        yaml_node_pair_t *p;
        int r;

        if (!map || map->type != YAML_MAPPING_NODE)
                return yaml_fail(l, map, "expected a mapping");
        for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
                yaml_node_t *k = yaml_document_get_node(&l->doc, p->key);
                const char *key = yaml_scalar(k);

                if (!key)
                        return yaml_fail(l, k, "keys must be strings");
                r = fn(l, key, yaml_document_get_node(&l->doc, p->value), item);
                if (r < 0)
                        return r;
        }
        return 0;
}

int yaml_each_item(struct yaml_loader *l, yaml_node_t *seq, const char *what, yaml_item_fn fn, void *userdata)
{
        yaml_node_item_t *it;
        size_t n = 0;
        int r;

        if (!seq || seq->type != YAML_SEQUENCE_NODE)
                return yaml_fail(l, seq, "%s must be a list", what);
        for (it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++) {
                yaml_node_t *item = yaml_document_get_node(&l->doc, *it);

                if (++n > YAML_MAX_ITEMS)
                        return yaml_fail(l, item, "too many %s", what);
                r = fn(l, item, userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}
