/* Package-manager awareness for file drift: which installed package owns a
 * path of a tree, and whether the file's content is what that package
 * shipped. Two backends, picked by what the tree has:
 * - dpkg: ROOT/var/lib/dpkg/status (installed packages, their conffiles'
 *   digests), info/PKG[:ARCH].list (the paths each owns),
 *   info/PKG[:ARCH].md5sums (the digests of its other files), diversions
 *   (a package's file installed under another name); the install time from
 *   ROOT/var/log/dpkg.log, else the .list's mtime;
 * - rpm: the database in ROOT/usr/lib/sysimage/rpm, else ROOT/var/lib/rpm,
 *   read by librpm (fim/packages-rpm.h).
 * Nothing is read until the first lookup (a check with no findings pays
 * nothing); every file is hostile input, read within the limits below.
 * Library code: never prints. docs/internals/fim.md, "Packages". */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/macros.h"

#define PKG_STATUS_MAX ((size_t) 64 << 20)      /* var/lib/dpkg/status */
#define PKG_INFO_MAX ((size_t) 16 << 20)        /* one .list or .md5sums */
#define PKG_LOG_MAX ((size_t) 16 << 20)         /* the tail of dpkg.log read */
#define PKG_LINE_MAX ((size_t) 64 << 10)        /* one line of status */
#define PKG_PATH_MAX 4096                       /* one path of a .list, .md5sums, Conffiles */
#define PKG_MAX_PACKAGES 100000
#define PKG_MAX_FILES 8000000
#define PKG_MAX_DIVERSIONS 100000               /* triples of var/lib/dpkg/diversions */
#define PKG_NAME_MAX 256                        /* a package name */
#define PKG_MD5_LEN 16

/* One paragraph of the status file, as pointers into its buffer (not
 * NUL-terminated; len 0: absent). conffiles: the continuation lines of the
 * Conffiles field, newlines included. */
struct dpkg_field {
        const char *s;
        size_t len;
};
struct dpkg_paragraph {
        struct dpkg_field package, version, architecture, status, conffiles;
        unsigned line;                  /* where it starts, from 1 */
};

/* The parsers every file goes through, (buf, len) in, one callback per item;
 * a callback's negative return stops them and is returned. -EBADMSG for
 * malformed input, -E2BIG past a limit, with *ret_line (when given) the line
 * at fault. */
int dpkg_status_parse(const char *buf, size_t len, int (*fn)(const struct dpkg_paragraph *p, void *userdata),
                      void *userdata, unsigned *ret_line);
/* Lines "MD5  path" (.md5sums: path relative, no leading '/') or, with
 * conffiles, " /path MD5 [obsolete]" (a digest that is not 32 hex digits,
 * dpkg's "newconffile", gives no file). */
int dpkg_md5sums_parse(const char *buf, size_t len, bool conffiles,
                       int (*fn)(const char *path, size_t path_len, const uint8_t md5[PKG_MD5_LEN], void *userdata),
                       void *userdata, unsigned *ret_line);
/* Lines "/absolute/path" (a .list); "/." is skipped. */
int dpkg_list_parse(const char *buf, size_t len, int (*fn)(const char *path, size_t path_len, void *userdata),
                    void *userdata, unsigned *ret_line);
/* var/lib/dpkg/diversions: triples of lines "FROM", "TO", "PACKAGE" (FROM and
 * TO absolute paths, PACKAGE the diverting package's name or ":", a local
 * diversion by the administrator: local true, package empty). A triple cut
 * short, an empty or relative path, an empty package: -EBADMSG. */
struct dpkg_diversion {
        struct dpkg_field from, to, package;
        bool local;
        unsigned line;                  /* of FROM, from 1 */
};
int dpkg_diversions_parse(const char *buf, size_t len, int (*fn)(const struct dpkg_diversion *d, void *userdata),
                          void *userdata, unsigned *ret_line);
/* The last "DATE TIME status installed NAME:ARCH VERSION" line of a dpkg.log
 * for a package: its time (local time, as dpkg writes it) in seconds since
 * the epoch, 0 when there is none. Lines that are not such are skipped. */
int64_t dpkg_log_installed(const char *buf, size_t len, const char *name, const char *arch, const char *version);

struct pkg_info {
        const char *name, *version, *architecture;
        int64_t installed;              /* seconds since the epoch; 0: unknown */
        const char *installed_from;     /* "dpkg.log", "list-mtime", "rpmdb" (static) */
        const char *manager;            /* "dpkg", "rpm" (static) */
};

enum pkg_verdict {
        PKG_NOT_OWNED,                  /* no installed package lists the path (or no database) */
        PKG_MATCHES,                    /* a regular file whose content is the package's digest */
        PKG_DIFFERS,                    /* a regular file whose content is not the package's digest */
        PKG_LISTED,                     /* owned, nothing to compare: a directory, a symlink, no digest recorded,
                                         * an rpm %ghost */
};

/* What a lookup found. */
struct pkg_lookup {
        enum pkg_verdict verdict;
        const struct pkg_info *pkg;     /* NULL when not owned; valid as long as the database */
        const char *digest;             /* the digest compared: "md5sum" (dpkg), "sha256", "md5" (rpm); or NULL */
        bool config;                    /* a dpkg conffile, an rpm %config file */
        bool ghost;                     /* an rpm %ghost file: owned, its content not recorded */
};

struct pkgdb;

/* A database of the tree at root: *ret owns it (pkgdb_free()). Reads nothing.
 * scratch: where librpm's copy of an rpm database may be made when a mount
 * namespace cannot be had (rpmdb_read()); NULL: nowhere. */
int pkgdb_new(const char *root, const char *scratch, struct pkgdb **ret);
struct pkgdb *pkgdb_free(struct pkgdb *db);
DEFINE_FREEP(struct pkgdb, pkgdb_free);

/* Whether the tree has a package database at all (a few stats, no
 * reading): var/lib/dpkg/status, else an rpm database file (rpmdb.sqlite,
 * Packages.db, Packages) in usr/lib/sysimage/rpm or var/lib/rpm; an empty
 * rpm directory (Debian's rpm package makes one) is none. */
bool pkgdb_present(struct pkgdb *db);

/* Loads the database (once: later calls return the first's result). 0, or
 * -errno with pkgdb_error() naming the file and the reason. */
int pkgdb_load(struct pkgdb *db);

/* What the database says about path (absolute within the tree, "/usr/bin/x");
 * regular: compare the file's content under root with the package's digest;
 * sha256: the file's SHA-256 when the caller has it (NULL: read the file
 * when a SHA-256 is to be compared). The database is loaded on the first
 * call. 0 with *ret; -errno when the database cannot be loaded (every later
 * call too), with pkgdb_error() naming the file and the reason; a file that
 * cannot be read to compare gives PKG_LISTED. */
int pkgdb_lookup(struct pkgdb *db, const char *path, size_t path_len, bool regular, const uint8_t *sha256,
                 struct pkg_lookup *ret);
/* After a failed load: "cannot read package database 'FILE': REASON". */
const char *pkgdb_error(const struct pkgdb *db);
/* Index of pkg in the database's packages (for per-package counts), and their number. */
size_t pkgdb_index(const struct pkgdb *db, const struct pkg_info *pkg);
size_t pkgdb_count(const struct pkgdb *db);
const struct pkg_info *pkgdb_package(const struct pkgdb *db, size_t i);
