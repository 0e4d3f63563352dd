/* Posture: executable content under /var (the third thing the seeds ask for
 * first: "FIM on the /var paths that hold executable content"). /var is not
 * the image's: what runs from there is whatever was put there. The places
 * the seeds name (/var/lib with /var/lib/kubelet and the extension
 * directories, /var/tmp, /var/www, /var/spool, /var/log, /var/cache) and the
 * usual local ones (/var/opt, /var/local) are walked by the file walker
 * (fim/walk.c) with bounds on entries and depth; every regular file is
 * judged by its first bytes as the kernel judges it (ELF magic, "#!"), never
 * by its name or its x bits. Each executable is stated (kind, interpreter,
 * size, mode, owner, SHA-256) and compared with the set the state database
 * holds for the root (host/exec-store.c): the first run records it and says
 * so, later runs alert on executables that appeared or changed and note
 * those that went. Setuid and setgid files are an alert on every run.
 *
 * Left out, and stated as left out: container storage (/var/lib/containers/
 * storage, /var/lib/docker: the layers of every pulled image, which change
 * with each pull; `driftwatch inventory` and `check` cover them) and the
 * ostree repository of flatpak (/var/lib/flatpak/repo: content-addressed
 * objects, verified by ostree). */
#define _GNU_SOURCE
#include "posture-check.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/fd-util.h"
#include "basic/sha256.h"
#include "fim/walk.h"
#include "host/exec-store.h"

#define VAR_CHECK "var-executables"
#define VAR_MAX_ENTRIES 200000          /* entries walked below one place */
#define VAR_MAX_DEPTH 24                /* components below the root */
#define VAR_HASH_MAX ((uint64_t) 1 << 30)       /* larger executables are stated, not hashed */
#define VAR_MAGIC_BYTES 256             /* what the kernel reads to choose a binary format */

static char *const var_places[] = { "/var/lib", "/var/tmp", "/var/www", "/var/opt", "/var/local", "/var/spool",
                                    "/var/log", "/var/cache" };
static char *const var_skipped[] = { "/var/lib/containers/storage", "/var/lib/docker", "/var/lib/flatpak/repo" };

static int emit(struct posture *pc, const char *rule, bool alert, const char *action, const char *file,
                const char *value, const char *message)
{
        return posture_emit(pc, &(struct posture_finding) {
                .rule_id = rule, .alert = alert, .check = VAR_CHECK, .action = action, .file = file,
                .setting = file ? "executable" : "var", .value = value, .message = message,
        });
}

/* The kind of executable buf (the file's first len bytes) is, as the kernel's
 * binfmt_elf and binfmt_script see it: 1 with *ret_kind (and, for a script,
 * the rest of its "#!" line, controls as '?', in *ret_interp), 0 when it is
 * neither. A file named *.sh without "#!" is not a script: the kernel would
 * not run it (a shell would, as it would any text file). */
static int exec_magic(const char *buf, size_t len, enum exec_kind *ret_kind, char **ret_interp)
{
        size_t i, end;
        char *s;

        if (len >= 4 && memcmp(buf, "\x7f" "ELF", 4) == 0) {
                *ret_kind = EXEC_ELF;
                *ret_interp = NULL;
                return 1;
        }
        if (len < 2 || buf[0] != '#' || buf[1] != '!')
                return 0;
        for (i = 2; i < len && (buf[i] == ' ' || buf[i] == '\t'); i++)
                ;
        for (end = i; end < len && buf[end] != '\n'; end++)
                ;
        while (end > i && (buf[end - 1] == ' ' || buf[end - 1] == '\t' || buf[end - 1] == '\r'))
                end--;
        s = strndup(buf + i, end - i);
        if (!s)
                return -ENOMEM;
        for (char *p = s; *p; p++)
                if ((unsigned char) *p < 0x20 || (unsigned char) *p == 0x7f)
                        *p = '?';
        *ret_kind = EXEC_SCRIPT;
        *ret_interp = s;
        return 1;
}

static void hex(const uint8_t *p, size_t n, char *out)
{
        static const char digits[] = "0123456789abcdef";

        for (size_t i = 0; i < n; i++) {
                out[2 * i] = digits[p[i] >> 4];
                out[2 * i + 1] = digits[p[i] & 15];
        }
        out[2 * n] = '\0';
}

/* "elf", "script (#!/bin/sh)" with size, mode, owner and digest. */
static int describe(const struct exec_record *e, char **ret)
{
        return asprintf(ret, "%s%s%s%s, %llu bytes, mode %04o, uid %u gid %u, sha256 %s", exec_kind_name(e->kind),
                        e->interpreter ? " (#!" : "", e->interpreter ?: "", e->interpreter ? ")" : "",
                        (unsigned long long) e->size, (unsigned) e->mode, (unsigned) e->uid, (unsigned) e->gid,
                        e->sha256[0] ? e->sha256 : "not hashed") < 0 ? -ENOMEM : 0;
}

/* Whether the regular file e is an executable: its record in *ret (path
 * borrowed from e) and 1, or 0. A file that cannot be opened or read any
 * more (gone, replaced by a symlink) is 0. */
static int classify(struct posture *pc, struct hasher *h, const struct fim_entry *e, struct exec_record *ret)
{
        _cleanup_(closep) int fd = -EBADF;
        char buf[VAR_MAGIC_BYTES];
        uint8_t digest[SHA256_LEN];
        uint64_t size = 0;
        struct stat st;
        ssize_t n;
        int r;

        fd = open_regular_beneath(pc->rootfd, e->path + 1, &st);
        if (fd < 0)
                return 0;
        n = pread(fd, buf, sizeof(buf), 0);     /* the offset stays at 0 for the hash */
        if (n <= 0)
                return 0;
        *ret = (struct exec_record) { .path = (char *) e->path, .size = (uint64_t) st.st_size,
                                      .mode = st.st_mode & 07777, .uid = st.st_uid, .gid = st.st_gid };
        r = exec_magic(buf, (size_t) n, &ret->kind, &ret->interpreter);
        if (r <= 0)
                return r;
        if ((uint64_t) st.st_size <= VAR_HASH_MAX) {
                r = hasher_fd(h, fd, (uint64_t) st.st_size, pc->cancel, digest, &size);
                if (r == -ECANCELED || r == -ENOMEM) {
                        free(ret->interpreter);
                        return r;
                }
                if (r >= 0) {
                        hex(digest, sizeof(digest), ret->sha256);
                        ret->size = size;
                }
        }
        return 1;
}

static int report_setid(struct posture *pc, const struct fim_entry *e)
{
        _cleanup_(freep) char *value = NULL, *message = NULL;

        if (asprintf(&value, "mode %04o, uid %u gid %u", (unsigned) e->mode, (unsigned) e->uid,
                     (unsigned) e->gid) < 0 ||
            asprintf(&message, "a %s file under /var: %s (%s)", e->mode & S_ISUID ? "setuid" : "setgid", e->path,
                     value) < 0)
                return -ENOMEM;
        return emit(pc, "DW-POS-VAR-SETID", true, "var-setid", e->path, value, message);
}

/* A walk that stopped at a bound: what lies past it was not looked at. */
static int report_limits(struct posture *pc, const char *place, const struct walk_stats *st)
{
        _cleanup_(freep) char *message = NULL;

        if (!st->over_limit && !st->too_deep)
                return 0;
        if (asprintf(&message, "the walk of %s stopped at its bounds (%d entries, %d levels): %llu entries and %llu "
                               "directories too deep were not looked at",
                     place, VAR_MAX_ENTRIES, VAR_MAX_DEPTH, st->over_limit, st->too_deep) < 0)
                return -ENOMEM;
        return emit(pc, "DW-POS-VAR-LIMIT", true, "var-walk-limit", place, NULL, message);
}

/* Walks one place; the executables into *set, setid files reported. */
static int walk_place(struct posture *pc, struct hasher *h, char *place, struct exec_set *set)
{
        _cleanup_(fim_tree_freep) struct fim_tree *tree = NULL;
        struct walk_stats stats = { 0 };
        struct walk_opts opts = {
                .attrs = ATTR_TYPE | ATTR_MODE | ATTR_UID | ATTR_GID | ATTR_SIZE | ATTR_MTIME,
                .cancel = pc->cancel, .max_entries = VAR_MAX_ENTRIES, .max_depth = VAR_MAX_DEPTH,
                .skip = var_skipped, .n_skip = ARRAY_SIZE(var_skipped),
        };
        int r;

        r = fim_walk(pc->root, &place, 1, &opts, &tree, &stats);
        if (r < 0)
                return r;
        for (size_t i = 0; i < tree->n; i++) {
                const struct fim_entry *e = &tree->entries[i];
                struct exec_record rec;

                if (pc->cancel && *pc->cancel)
                        return -ECANCELED;
                if (e->type != S_IFREG || e->err)
                        continue;
                if ((e->mode & S_ISUID) || ((e->mode & S_ISGID) && (e->mode & S_IXGRP))) {
                        r = report_setid(pc, e);
                        if (r < 0)
                                return r;
                }
                r = classify(pc, h, e, &rec);
                if (r <= 0) {
                        if (r < 0)
                                return r;
                        continue;
                }
                r = exec_set_add(set, &rec);
                free(rec.interpreter);
                if (r == -E2BIG) {
                        stats.over_limit++;
                        break;
                }
                if (r < 0)
                        return r;
        }
        return report_limits(pc, place, &stats);
}

static int report_one(struct posture *pc, const char *rule, bool alert, const char *action,
                      const struct exec_record *e, const char *before)
{
        _cleanup_(freep) char *value = NULL, *message = NULL;
        int r = describe(e, &value);

        if (r < 0)
                return r;
        if (strcmp(action, "var-executable") == 0)
                r = asprintf(&message, "executable under /var: %s (%s)", e->path, value);
        else if (strcmp(action, "var-exec-new") == 0)
                r = asprintf(&message, "a new executable under /var since the recorded set: %s (%s)", e->path,
                             value);
        else if (strcmp(action, "var-exec-changed") == 0)
                r = asprintf(&message, "an executable under /var changed since the recorded set: %s (was %s; now "
                                       "%s)", e->path, before, value);
        else
                r = asprintf(&message, "an executable of the recorded set is gone from /var: %s (was %s)", e->path,
                             value);
        if (r < 0)
                return -ENOMEM;
        return emit(pc, rule, alert, action, e->path, value, message);
}

static bool same(const struct exec_record *a, const struct exec_record *b)
{
        return a->kind == b->kind && a->size == b->size && a->mode == b->mode && a->uid == b->uid &&
               a->gid == b->gid && strcmp(a->sha256, b->sha256) == 0 &&
               strcmp(a->interpreter ?: "", b->interpreter ?: "") == 0;
}

/* cur (sorted) against the recorded set (sorted): merged by path. */
static int compare(struct posture *pc, const struct exec_set *old, const struct exec_set *cur)
{
        size_t i = 0, j = 0;
        int r = 0;

        while (r >= 0 && (i < old->n || j < cur->n)) {
                int c = i == old->n ? 1 : j == cur->n ? -1 : strcmp(old->v[i].path, cur->v[j].path);

                if (c < 0) {
                        r = report_one(pc, "DW-POS-VAR-EXEC-REMOVED", false, "var-exec-removed", &old->v[i++],
                                       NULL);
                } else if (c > 0) {
                        r = report_one(pc, "DW-POS-VAR-EXEC-NEW", true, "var-exec-new", &cur->v[j++], NULL);
                } else {
                        if (!same(&old->v[i], &cur->v[j])) {
                                _cleanup_(freep) char *before = NULL;

                                r = describe(&old->v[i], &before);
                                r = r ?: report_one(pc, "DW-POS-VAR-EXEC-CHANGED", true, "var-exec-changed",
                                                    &cur->v[j], before);
                        }
                        i++;
                        j++;
                }
        }
        return r;
}

static int state_error(struct posture *pc, int r, const char *reason)
{
        _cleanup_(freep) char *message = NULL;

        if (r == -ENOMEM || r == -ECANCELED)
                return r;
        if (asprintf(&message, "cannot use the state database '%s': %s: the executables are stated, not compared",
                     pc->state_path, reason ?: strerror(-r)) < 0)
                return -ENOMEM;
        return emit(pc, "DW-POS-CONFIG-INVALID", true, "config-invalid", pc->state_path, NULL, message);
}

/* The set of the root against the state database's; the new set recorded
 * once the findings are out. */
static int against_state(struct posture *pc, const struct exec_set *cur)
{
        _cleanup_(exec_store_freep) struct exec_store *store = NULL;
        _cleanup_(exec_set_release) struct exec_set old = { 0 };
        _cleanup_(freep) char *key = NULL, *message = NULL;
        const char *reason = NULL;
        int64_t taken = 0;
        int r, known;

        if (!pc->state_path)
                return emit(pc, "DW-POS-VAR-EXEC", false, "var-exec-unrecorded", NULL, "no state database",
                            "no state database (--state) for an offline root: the executables under /var are "
                            "stated, not compared with a recorded set");
        key = realpath(pc->root, NULL);
        if (!key && !(key = strdup(pc->root)))
                return -ENOMEM;
        r = exec_store_open(pc->state_path, pc->cancel, &store, &reason);
        if (r < 0)
                return state_error(pc, r, reason);
        known = exec_store_load(store, key, &old, &taken, &reason);
        if (known < 0)
                return state_error(pc, known, reason);
        if (known) {
                r = compare(pc, &old, cur);
        } else {
                if (asprintf(&message, "recorded %zu executables under /var as the set later runs compare with "
                                       "(state database '%s')", cur->n, pc->state_path) < 0)
                        return -ENOMEM;
                r = emit(pc, "DW-POS-VAR-EXEC", false, "var-exec-recorded", NULL, "recorded", message);
        }
        if (r < 0)
                return r;
        r = exec_store_replace(store, key, cur, pc->now, &reason);
        if (r >= 0)
                r = exec_store_commit(store, &reason);
        return r < 0 ? state_error(pc, r, reason) : 0;
}

int posture_check_var(struct posture *pc)
{
        _cleanup_(exec_set_release) struct exec_set set = { 0 };
        _cleanup_(hasher_freep) struct hasher *h = NULL;
        int r;

        r = hasher_new(&h);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ARRAY_SIZE(var_skipped); i++) {
                _cleanup_(freep) char *message = NULL;

                r = posture_exists(pc, var_skipped[i]);
                if (r <= 0) {
                        if (r < 0 && r != -EACCES)
                                return r;
                        continue;
                }
                if (asprintf(&message, "%s is left out of the walk for executables under /var: image layers and "
                                       "repository objects, checked by inventory and check", var_skipped[i]) < 0)
                        return -ENOMEM;
                r = emit(pc, "DW-POS-VAR-EXEC", false, "var-skipped", var_skipped[i], "skipped", message);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < ARRAY_SIZE(var_places); i++) {
                r = walk_place(pc, h, var_places[i], &set);
                if (r < 0)
                        return r;
        }
        exec_set_sort(&set);
        for (size_t i = 0; i < set.n; i++) {
                r = report_one(pc, "DW-POS-VAR-EXEC", false, "var-executable", &set.v[i], NULL);
                if (r < 0)
                        return r;
        }
        return against_state(pc, &set);
}
