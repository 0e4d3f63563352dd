/* Shared between the parts of the rules loader (rules.c, rules-audit.c). */
#pragma once

#include "parse/yaml-load.h"
#include "rules.h"

void rule_release(struct rule *r);
bool rule_id_valid(const char *id);
int rule_get_severity(struct yaml_loader *l, yaml_node_t *n, enum severity *ret);
/* name, severity, techniques, controls; anything else is an unknown key. */
int rule_common_field(struct yaml_loader *l, const char *key, yaml_node_t *v, char **name, enum severity *sev,
                      struct strv *tech, struct strv *ctl);

void audit_policy_init(struct audit_policy *p);
void audit_policy_release(struct audit_policy *p);
/* The top-level `audit:` mapping. */
int audit_policy_load(struct yaml_loader *l, yaml_node_t *map, struct ruleset *rs);
/* What can only be checked once the whole file is read (sections in any order). */
int audit_policy_check(struct yaml_loader *l, yaml_node_t *root, const struct ruleset *rs);
