/* The executables recorded under /var (posture, DW-POS-VAR-EXEC-*) in the
 * state database, one set per root: what a later run compares with. One
 * writer at a time, as mount-store.h: exec_store_open() begins a BEGIN
 * IMMEDIATE transaction that exec_store_commit() ends; freeing the store
 * before that rolls back. Functions return 0 or -errno with a static reason
 * in *ret_reason. */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "basic/macros.h"

#define EXEC_STORE_MAX 100000           /* executables recorded per root */
#define EXEC_SHA256_HEX 64

enum exec_kind { EXEC_ELF, EXEC_SCRIPT };

struct exec_record {
        char *path;                     /* absolute, inside the root */
        enum exec_kind kind;
        char *interpreter;              /* a script's "#!" line past the "#!" (NULL for ELF) */
        uint64_t size;
        uint32_t mode, uid, gid;        /* mode: the permission bits (07777) */
        char sha256[EXEC_SHA256_HEX + 1];       /* "" when not hashed (too large, unreadable) */
};

struct exec_set {
        struct exec_record *v;
        size_t n, allocated;
};

void exec_set_release(struct exec_set *s);
/* Appends a record (path and interpreter copied); -E2BIG past EXEC_STORE_MAX. */
int exec_set_add(struct exec_set *s, const struct exec_record *e);
/* Sorts by path (strcmp). */
void exec_set_sort(struct exec_set *s);
const char *exec_kind_name(enum exec_kind k);

struct exec_store;

int exec_store_open(const char *path, const volatile sig_atomic_t *cancel, struct exec_store **ret,
                    const char **ret_reason);
/* The set recorded for root, sorted by path: 1 with *ret (empty on entry)
 * filled and *ret_taken when it was recorded, 0 when nothing was ever
 * recorded for root. */
int exec_store_load(struct exec_store *s, const char *root, struct exec_set *ret, int64_t *ret_taken,
                    const char **ret_reason);
/* Replaces the set of root with cur. */
int exec_store_replace(struct exec_store *s, const char *root, const struct exec_set *cur, int64_t now,
                       const char **ret_reason);
int exec_store_commit(struct exec_store *s, const char **ret_reason);
struct exec_store *exec_store_free(struct exec_store *s);

DEFINE_FREEP(struct exec_store, exec_store_free)
