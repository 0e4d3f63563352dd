/* The files a well-known writer's command line says it writes: cp, mv,
 * install, ln (the last operand, or -t DIR), tee (every operand), dd (of=),
 * sed -i (the files after the script), rsync (a local destination), curl -o
 * and wget -O. Each program's options are parsed as the program does: short
 * options in clusters, options that take a value (attached or next), long
 * options with '=' or a separate value, '--'. Pure: argv in, paths out, for
 * the analytics to report writes a rule set did not watch (detect-argv.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "basic/buf.h"

/* What a writer does to a destination: the finding's event.action. */
enum argv_write_kind {
        ARGV_WRITE_MODIFY,              /* cp, install, tee, dd, sed -i, rsync, curl, wget: file-modified */
        ARGV_WRITE_CREATE,              /* ln, install -d: file-added */
        ARGV_WRITE_RENAME,              /* mv: file-renamed */
};

/* Called with each destination: absolute and lexically normalized (cwd joined
 * to a relative one), NUL-terminated, valid during the call. A negative
 * return stops the parse and is returned. */
typedef int (*argv_write_fn)(const char *path, size_t len, enum argv_write_kind kind, void *userdata);

/* ARGV_WRITES_MAX destinations at most are reported per command line. */
#define ARGV_WRITES_MAX 64

/* The program a command line runs, for argv_writes(): its index, or -1 when
 * it is none of the writers. name: the executable's base name (or argv[0]'s). */
int argv_writer_find(const char *name);
const char *argv_writer_name(int writer);

/* Reports each file the command line args (args[0] the program) of writer
 * says it writes. Relative paths are joined to cwd (absolute, or NULL: they
 * are skipped); remote destinations and "-" (standard output) are skipped.
 * scratch holds the paths. Returns the number of destinations reported, or
 * the callback's negative return, or -ENOMEM. */
int argv_writes(int writer, const char *const *args, size_t n, const char *cwd, struct buf *scratch, argv_write_fn fn,
                void *userdata);
