/* Shared between the parts of the rules loader (rules.c, rules-audit.c): the
 * helpers for rule fields, and the merge of one layer file into a ruleset. */
#pragma once

#include "parse/yaml-load.h"
#include "rules.h"

/* rules/default.yaml as libyaml loads it, compiled in at build time
 * (src/rules/compile-rules.c); its text is default_rules_yaml. */
extern yaml_document_t default_rules_document;

void rule_release(struct rule *r);
bool rule_id_valid(const char *id);
int rule_get_severity(struct yaml_loader *l, yaml_node_t *n, enum severity *ret);
/* name, severity, techniques, controls; anything else is an unknown key. */
int rule_common_field(struct yaml_loader *l, const char *key, yaml_node_t *v, char **name, enum severity *sev,
                      struct strv *tech, struct strv *ctl);

/* The kinds of item a layer merges by id; each has its list of the ids one
 * file gave. */
enum layer_slot {
        LAYER_SURFACES,
        LAYER_RULES,
        LAYER_COMMANDS,
        LAYER_UPGRADERS,
        LAYER_ALLOW,
        LAYER_SLOTS,
};

/* One layer file being merged into a ruleset. */
struct rules_layer {
        struct yaml_loader l;
        struct ruleset *rs;
        struct strv seen[LAYER_SLOTS];  /* ids this file gave: an id twice is an error */
        size_t first_at;                /* where this file's next new item of a `first` kind goes */
};

/* How to load, identify, release and disable one kind of item. */
struct layer_kind {
        const char *what;               /* "surface", in messages */
        const char *plural;             /* "surfaces" */
        enum layer_slot slot;
        size_t size;                    /* of one item */
        void (*init)(void *item);       /* the defaults before the fields */
        yaml_pair_fn field;             /* one key of a definition */
        int (*check)(struct yaml_loader *l, yaml_node_t *n, void *item);   /* complete? sets the id */
        const char *(*id)(const void *item);
        void (*release)(void *item);
        void (*disable)(void *item);    /* NULL: a disabled item is removed */
        bool first;                     /* new items go before those of earlier layers */
};

/* Loads the sequence item n (a definition, or `{id: X, disabled: true}`) and
 * merges it into the array *items of *n_items by id: an existing id is
 * replaced whole (keeping its place) or disabled, a new one added. *items may
 * move; it is always valid for the caller to store back. */
int layer_item(struct rules_layer *ly, yaml_node_t *n, const struct layer_kind *k, void **items, size_t *n_items);

void audit_policy_init(struct audit_policy *p);
void audit_policy_release(struct audit_policy *p);
/* The top-level `audit:` mapping of a layer: its commands, upgraders and
 * allow entries merge by id, its settings override. */
int audit_policy_load(struct rules_layer *ly, yaml_node_t *map);
/* What can only be checked once a whole layer is merged (sections in any order). */
int audit_policy_check(struct yaml_loader *l, yaml_node_t *root, const struct ruleset *rs);
