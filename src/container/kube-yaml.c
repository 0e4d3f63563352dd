/* Kubernetes objects from YAML: libyaml's event stream turned into a jansson
 * tree (every document an item of one List), then read as JSON is
 * (kube.c). An event parser rather than libyaml's document loader: it is
 * linear in depth, refuses aliases before anything is expanded, and counts
 * nodes as it goes. See kube.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "basic/error.h"
#include "container/kube.h"

struct frame {
        json_t *node;                   /* an object or an array */
        char *key;                      /* object: the key waiting for its value */
};

/* YAML 1.2 core schema for plain scalars; quoted ones are strings. */
static json_t *scalar(const yaml_event_t *ev)
{
        const char *v = (const char *) ev->data.scalar.value;
        size_t n = ev->data.scalar.length;
        char *end;
        long long x;

        if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
                return json_stringn(v, n);
        if (n == 0 || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
            strcmp(v, "NULL") == 0)
                return json_null();
        if (strcmp(v, "true") == 0 || strcmp(v, "True") == 0 || strcmp(v, "TRUE") == 0)
                return json_true();
        if (strcmp(v, "false") == 0 || strcmp(v, "False") == 0 || strcmp(v, "FALSE") == 0)
                return json_false();
        if ((v[0] >= '0' && v[0] <= '9') || ((v[0] == '-' || v[0] == '+') && v[1] >= '0' && v[1] <= '9')) {
                errno = 0;
                x = strtoll(v, &end, 10);
                if (errno == 0 && *end == '\0')
                        return json_integer(x);
        }
        return json_stringn(v, n);
}

/* Adds value to the collection on top (or as the document). Takes value. */
static int attach(struct frame *top, json_t **doc, json_t *value, char **ret_error, size_t line)
{
        int r = 0;

        if (!value)
                return -ENOMEM;
        if (!top) {
                *doc = value;
                return 0;
        }
        if (json_is_array(top->node)) {
                r = json_array_append_new(top->node, value);
                return r < 0 ? -ENOMEM : 0;
        }
        if (!top->key) {
                /* A key: only scalars are keys here. */
                if (!json_is_string(value) && !json_is_integer(value) && !json_is_boolean(value)) {
                        json_decref(value);
                        return reason_set(ret_error, -EBADMSG, "line %zu: a mapping key that is not a scalar", line);
                }
                if (json_is_string(value))
                        top->key = strndup(json_string_value(value), json_string_length(value));
                else if (json_is_integer(value))
                        r = asprintf(&top->key, "%lld", (long long) json_integer_value(value));
                else
                        top->key = strdup(json_is_true(value) ? "true" : "false");
                json_decref(value);
                return r < 0 || !top->key ? -ENOMEM : 0;
        }
        if (json_object_get(top->node, top->key)) {
                json_decref(value);
                r = reason_set(ret_error, -EBADMSG, "line %zu: duplicate key '%s'", line, top->key);
        } else if (json_object_set_new(top->node, top->key, value) < 0) {
                r = -ENOMEM;
        }
        free(top->key);
        top->key = NULL;
        return r;
}

int kube_parse_yaml(const char *buf, size_t len, struct kube_objects **ret, char **ret_error)
{
        struct frame stack[KUBE_MAX_DEPTH + 1];
        size_t depth = 0, nodes = 0;
        json_t *items = NULL, *doc = NULL, *list = NULL;
        yaml_parser_t parser;
        yaml_event_t ev;
        bool done = false;
        int r = 0;

        if (len > KUBE_MAX_BYTES)
                return reason_set(ret_error, -E2BIG, "larger than %zu MiB", KUBE_MAX_BYTES >> 20);
        if (!yaml_parser_initialize(&parser))
                return -ENOMEM;
        yaml_parser_set_input_string(&parser, (const unsigned char *) buf, len);
        items = json_array();
        if (!items)
                r = -ENOMEM;
        while (r == 0 && !done) {
                size_t line;

                if (!yaml_parser_parse(&parser, &ev)) {
                        r = reason_set(ret_error, -EBADMSG, "not YAML: line %zu: %s", parser.problem_mark.line + 1,
                                       parser.problem ? parser.problem : "malformed");
                        break;
                }
                line = ev.start_mark.line + 1;
                if (++nodes > KUBE_MAX_YAML_NODES) {
                        r = reason_set(ret_error, -E2BIG, "more than %d YAML nodes", KUBE_MAX_YAML_NODES);
                        yaml_event_delete(&ev);
                        break;
                }
                switch (ev.type) {
                case YAML_STREAM_END_EVENT:
                        done = true;
                        break;
                case YAML_DOCUMENT_END_EVENT:
                        if (doc && !json_is_null(doc) && json_array_append(items, doc) < 0)
                                r = -ENOMEM;
                        json_decref(doc);
                        doc = NULL;
                        break;
                case YAML_ALIAS_EVENT:
                        r = reason_set(ret_error, -EBADMSG, "line %zu: a YAML alias (not expanded here)", line);
                        break;
                case YAML_SCALAR_EVENT:
                        if (ev.data.scalar.length > KUBE_MAX_STRING)
                                r = reason_set(ret_error, -EBADMSG, "line %zu: a string longer than %zu KiB", line,
                                               KUBE_MAX_STRING >> 10);
                        else if (memchr(ev.data.scalar.value, '\0', ev.data.scalar.length))
                                r = reason_set(ret_error, -EBADMSG, "line %zu: a NUL byte in a string", line);
                        else
                                r = attach(depth ? &stack[depth - 1] : NULL, &doc, scalar(&ev), ret_error, line);
                        break;
                case YAML_SEQUENCE_START_EVENT:
                case YAML_MAPPING_START_EVENT: {
                        json_t *c = ev.type == YAML_SEQUENCE_START_EVENT ? json_array() : json_object();

                        if (depth >= KUBE_MAX_DEPTH) {
                                json_decref(c);
                                r = reason_set(ret_error, -EBADMSG, "line %zu: nested deeper than %d levels", line,
                                               KUBE_MAX_DEPTH);
                                break;
                        }
                        if (!c) {
                                r = -ENOMEM;
                                break;
                        }
                        r = attach(depth ? &stack[depth - 1] : NULL, &doc, json_incref(c), ret_error, line);
                        if (r < 0) {
                                json_decref(c);
                                break;
                        }
                        stack[depth++] = (struct frame) { .node = c };
                        break;
                }
                case YAML_SEQUENCE_END_EVENT:
                case YAML_MAPPING_END_EVENT:
                        if (depth > 0) {
                                depth--;
                                free(stack[depth].key);
                                json_decref(stack[depth].node);
                        }
                        break;
                default:
                        break;
                }
                yaml_event_delete(&ev);
        }
        yaml_parser_delete(&parser);
        while (depth > 0) {
                depth--;
                free(stack[depth].key);
                json_decref(stack[depth].node);
        }
        json_decref(doc);
        if (r < 0) {
                json_decref(items);
                return r;
        }
        /* One document that is a list itself (kubectl get -o yaml) is read as is. */
        if (json_array_size(items) == 1) {
                const char *kind = json_string_value(json_object_get(json_array_get(items, 0), "kind"));

                if (kind && strlen(kind) >= 4 && strcmp(kind + strlen(kind) - 4, "List") == 0) {
                        list = json_incref(json_array_get(items, 0));
                        json_decref(items);
                        return kube_parse_tree(list, ret, ret_error);
                }
        }
        list = json_pack("{s:s, s:o}", "kind", "List", "items", items);
        if (!list)
                return -ENOMEM;
        return kube_parse_tree(list, ret, ret_error);
}
