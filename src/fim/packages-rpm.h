/* The rpm backend of fim/packages.h: a tree's rpm database read through
 * librpm (loaded on first use, never linked), in a child process that
 * works on a private copy:
 * - the child makes a mount namespace of its own, mounts a tmpfs there (the
 *   host never sees it), copies the database's files into it from a
 *   directory the parent opened beneath the root, and points librpm (root
 *   "/", %_dbpath the tmpfs) at the copy: whatever librpm and SQLite write
 *   (the -shm of a WAL database, a database created where one could not be
 *   opened) lands in the copy, nothing in the tree or on the host;
 * - a process that may not make a mount namespace (no CAP_SYS_ADMIN, the
 *   agent's sandbox) and was given a scratch directory gets the copy in a
 *   private directory beneath it instead (mkdtemp, 0700), removed once the
 *   child has ended, however it ended;
 * - a database librpm chokes on kills the child, not driftwatch;
 * - the child writes records to a pipe: per package its name,
 *   version-release, architecture and install time, per file its path,
 *   flags and digest (MD5 or SHA-256; other algorithms are not kept). The
 *   parent parses them as input (rpmdb_records_parse). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RPMDB_COPY_MAX ((uint64_t) 2 << 30)    /* the database's files copied, together */
#define RPMDB_RECORDS_MAX ((size_t) 1 << 30)    /* what the child writes */

/* The directories an rpm database lives in below a root, in order, and the
 * files that make one (sqlite, ndb, bdb). */
extern const char *const rpmdb_dirs[2];
extern const char *const rpmdb_files[3];

enum {
        RPMDB_FILE_CONFIG = 1u << 0,    /* %config */
        RPMDB_FILE_GHOST = 1u << 1,     /* %ghost */
};

struct rpmdb_package {
        const char *name, *version, *arch;      /* not NUL-terminated */
        size_t name_len, version_len, arch_len;
        int64_t installed;
};

struct rpmdb_file {
        const char *path;               /* absolute, not NUL-terminated */
        size_t path_len;
        unsigned flags;
        const uint8_t *digest;          /* NULL: none kept */
        size_t digest_len;              /* 16 (MD5) or 32 (SHA-256) */
};

/* Reads the database in dbdir (an fd of the directory, opened beneath the
 * root) as librpm sees it: 0 with the records in *ret (heap, *ret_len
 * bytes); -errno with *ret_reason (heap, or NULL when out of memory) saying
 * why: -ELIBACC or -ELIBBAD, librpm is missing; -EBADMSG, the child failed
 * (no private mount namespace and no scratch, the copy past RPMDB_COPY_MAX,
 * librpm's own first error, the child killed); -E2BIG, the records past
 * RPMDB_RECORDS_MAX; another -errno, scratch could not be used.
 *
 * scratch: a directory the caller may write to, where the copy is made
 * when a mount namespace cannot be had (made 0700 when missing; it must be
 * the caller's and writable by nobody else; it is locked while the copy
 * lives, and copies a crashed run left there, "rpmdb-copy.XXXXXX", are
 * removed, nothing else). NULL: the mount namespace or nothing. */
int rpmdb_read(int dbdir, const char *scratch, char **ret, size_t *ret_len, char **ret_reason);

/* The records of rpmdb_read(): each file after its package. -EBADMSG when
 * they are malformed; a callback's negative return stops it and is returned. */
int rpmdb_records_parse(const char *buf, size_t len, int (*on_package)(const struct rpmdb_package *p, void *userdata),
                        int (*on_file)(const struct rpmdb_file *f, void *userdata), void *userdata);
