/* Loading small YAML documents (detection content, allowlists, policies)
 * through libyaml's document API, with one-line errors that name the line.
 * Every loader takes a buffer and a length. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "basic/macros.h"
#include "basic/strv.h"

#define YAML_MAX_ITEMS 4096
#define YAML_MAX_DEPTH 64        /* nested collections; libyaml is quadratic in it */
#define YAML_MAX_MESSAGE 256     /* bytes of an error, after escaping */

struct yaml_loader {
        yaml_document_t doc;
        bool loaded;
        char *error;            /* "line N: reason", the first error */
};

/* Parses buf into *ret_root (NULL for an empty document). On failure l->error
 * says why: -EBADMSG malformed or larger than max, -E2BIG collections nested
 * deeper than YAML_MAX_DEPTH. Release with yaml_loader_release(). */
int yaml_loader_open(struct yaml_loader *l, const char *buf, size_t len, size_t max, yaml_node_t **ret_root);
/* A document compiled into the binary (src/rules/compile-rules.c): walked
 * like a loaded one, never freed. */
void yaml_loader_open_document(struct yaml_loader *l, const yaml_document_t *doc, yaml_node_t **ret_root);
void yaml_loader_release(struct yaml_loader *l);

/* Records the first error (at node n's line), escaped, and returns -EBADMSG. */
int yaml_fail(struct yaml_loader *l, const yaml_node_t *n, const char *fmt, ...) _printf_(3, 4);

const char *yaml_scalar(const yaml_node_t *n);
/* Copies a scalar into *ret; a second value for the same field is an error. */
int yaml_get_string(struct yaml_loader *l, yaml_node_t *n, const char *what, char **ret);
int yaml_get_strv(struct yaml_loader *l, yaml_node_t *n, const char *what, struct strv *ret);

/* Every driftwatch YAML format starts at version 1: anything else is refused. */
int yaml_check_version(struct yaml_loader *l, yaml_node_t *v);

typedef int (*yaml_pair_fn)(struct yaml_loader *l, const char *key, yaml_node_t *value, void *item);
int yaml_each_pair(struct yaml_loader *l, yaml_node_t *map, yaml_pair_fn fn, void *item);
/* Calls fn for each item of a sequence node. */
typedef int (*yaml_item_fn)(struct yaml_loader *l, yaml_node_t *item, void *userdata);
int yaml_each_item(struct yaml_loader *l, yaml_node_t *seq, const char *what, yaml_item_fn fn, void *userdata);
