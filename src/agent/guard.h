/* The agent's self-protection (docs/agent.md, "Self-protection"): its own
 * files watched with inotify from the poll loop. The binary it runs, the
 * configuration file and the rules (a file, every *.yaml of a rules
 * directory) are taken at start with their SHA-256 and attributes, and
 * compared again whenever inotify names them; the state database's files
 * (agent.db, its -wal and -shm, agent.lock) are written by the agent itself,
 * so for them only what the agent never does counts: removed, renamed or
 * replaced, mode or owner changed, agent.db shrunk. Commits by another
 * SQLite connection are the caller's to see (agent_guard_take_db_written():
 * PRAGMA data_version); so are writes to agent.db or its WAL by another
 * process, which fanotify reports with the writer's pid
 * (agent_guard_take_foreign_write()). Library code: never prints. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "basic/macros.h"

enum agent_guard_kind {
        GUARD_BINARY,
        GUARD_CONFIG,
        GUARD_RULES,
        GUARD_STATE,
        _GUARD_KIND_MAX,
};

/* At most this many files watched (a rules directory's new files included). */
#define AGENT_GUARD_MAX_FILES 256
/* Events on a file are let settle this long before it is compared (one
 * change, one finding, whatever number of writes it took). */
#define AGENT_GUARD_SETTLE_MS 200

/* What became of one watched file. Strings valid during the callback. */
struct agent_guard_change {
        const char *path;
        enum agent_guard_kind kind;
        const char *type;               /* event.type: change, deletion, creation */
        const char *what;               /* "content changed", "removed", ... (a phrase for the message) */
        const char *changed[6];         /* attributes: sha256, mode, uid, gid, inode, size */
        size_t n_changed;
        const char *before[6], *after[6];       /* their values, NULL when absent */
};

/* Another process that wrote the agent's database. */
struct agent_guard_writer {
        int pid;                        /* 0: not known (fanotify without CAP_SYS_ADMIN hides it) */
        char name[16];                  /* its comm, "" when it was gone before it was read */
};

struct agent_guard;

const char *agent_guard_kind_name(enum agent_guard_kind k);

/* Made before the agent drops its capabilities (fanotify then names every
 * writer). *ret_fanotify_error: 0, or why writers cannot be told apart (the
 * guard works without). */
int agent_guard_new(struct agent_guard **ret, int *ret_fanotify_error);
struct agent_guard *agent_guard_free(struct agent_guard *g);
DEFINE_FREEP(struct agent_guard, agent_guard_free);

/* Watches path (its digest now, and its parent directory for its name).
 * -ENOENT when it does not exist, -E2BIG past AGENT_GUARD_MAX_FILES. */
int agent_guard_add_file(struct agent_guard *g, const char *path, enum agent_guard_kind kind);
/* Watches every *.yaml of dir and those that appear there. -ENOENT when dir does not exist. */
int agent_guard_add_rules_dir(struct agent_guard *g, const char *dir);
/* Watches the agent's database files in dir (attributes, not content). */
int agent_guard_add_state(struct agent_guard *g, const char *dir);

/* The descriptor for poll() (inotify's and fanotify's in one epoll). */
int agent_guard_fd(const struct agent_guard *g);
/* Reads what fanotify and inotify have (non-blocking), marking the files
 * named and noting another process's writes to the database. */
int agent_guard_read(struct agent_guard *g, uint64_t now_ms);
/* When agent_guard_check() has something to compare: UINT64_MAX for never. */
uint64_t agent_guard_deadline(const struct agent_guard *g);
/* Compares the files marked before now_ms - settle with what was taken, calls
 * fn for each that changed (then takes its new state: a change is reported
 * once), and returns fn's first error or 0. */
int agent_guard_check(struct agent_guard *g, uint64_t now_ms,
                      int (*fn)(const struct agent_guard_change *c, void *userdata), void *userdata);
/* Whether agent.db or its WAL was written since the last call. */
bool agent_guard_take_db_written(struct agent_guard *g);
/* Whether another process wrote agent.db or its WAL, its writes settled
 * (at_once: settled or not); *ret the writer. Taken once. */
bool agent_guard_take_foreign_write(struct agent_guard *g, uint64_t now_ms, bool at_once,
                                    struct agent_guard_writer *ret);
