/* MITRE ATT&CK (Enterprise): the tactics and name of each technique the rules
 * name, for ECS threat.tactic.* and threat.technique.name. A technique the
 * table does not know (a user's layer may name any) has no tactic. */
#pragma once

#include <stddef.h>

enum {
        ATTACK_MAX_TACTICS = 4,
};

struct attack_tactic {
        const char *id;                 /* "TA0003" */
        const char *name;               /* "Persistence" */
};

struct attack_technique {
        const char *id;                 /* a technique, "T1548" (a sub-technique's parent) */
        const char *name;
        const struct attack_tactic *tactics[ATTACK_MAX_TACTICS];     /* NULL-terminated when shorter */
};

/* The technique of id, or of the parent of a sub-technique id ("T1548.003"):
 * NULL when the table does not know it. */
const struct attack_technique *attack_technique_find(const char *id);
