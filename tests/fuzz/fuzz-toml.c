/* Fuzz harness for the TOML subset reader (src/parse/toml.h): any bytes give
 * a tree or -EBADMSG / -E2BIG with a one-line printable reason "line N: ...".
 * A tree keeps its limits: nesting within TOML_MAX_DEPTH, at most
 * TOML_MAX_VALUES values, at most TOML_MAX_KEYS keys a table, strings valid
 * UTF-8 without NUL, every key found by toml_get. Never a crash, a leak or a
 * hang. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/escape.h"
#include "parse/toml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t walk(const struct toml_value *v, unsigned depth)
{
        size_t n = 1, i;

        if (depth > 2 * TOML_MAX_DEPTH + 2)
                abort();
        switch (v->type) {
        case TOML_STRING:
                if (!v->str || !utf8_valid(v->str, strlen(v->str)))
                        abort();
                break;
        case TOML_ARRAY:
                for (i = 0; i < v->n_items; i++)
                        n += walk(v->items[i], depth + 1);
                break;
        case TOML_TABLE:
                if (v->n_kvs > TOML_MAX_KEYS)
                        abort();
                for (i = 0; i < v->n_kvs; i++) {
                        if (toml_get(v, v->kvs[i].key) != v->kvs[i].value)
                                abort();        /* keys are unique in a table */
                        n += walk(v->kvs[i].value, depth + 1);
                }
                break;
        default:
                break;
        }
        return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct toml_value *root = NULL;
        char *err = NULL;
        int r;

        r = toml_parse((const char *) data, size, &root, &err);
        if (r < 0) {
                if ((r != -EBADMSG && r != -E2BIG && r != -ENOMEM) || root)
                        abort();
                if (err && (strncmp(err, "line ", 5) != 0 || has_control(err, strlen(err))))
                        abort();
                free(err);
                return 0;
        }
        if (err || !root || root->type != TOML_TABLE || walk(root, 0) > TOML_MAX_VALUES)
                abort();
        toml_free(root);
        return 0;
}
