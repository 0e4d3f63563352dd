/* A bounded reader for the systemd unit file syntax (systemd.syntax(7)) as
 * podman's quadlet generator reads .container and .pod files: "[Section]"
 * lines, "Key=Value" lines with the whitespace around both dropped, '#' and
 * ';' comment lines, a trailing backslash joining the next line (with a space,
 * comment lines inside the continuation skipped), and repeated keys kept in
 * order (Volume= may be given many times). A NUL byte, an assignment before
 * the first section, a line that is neither, or a section header left open is
 * an error. unit_file_parse_systemd() reads as systemd's own config_parse()
 * does (src/shared/conf-parser.c): an assignment before the first section and
 * a line without '=' are ignored ("Ignoring."), counted in 'ignored'. Pure:
 * (buf, len) in, entries out; never prints. */
#pragma once

#include <stddef.h>

#include "basic/macros.h"

#define UNIT_FILE_MAX_BYTES ((size_t) 1 << 20)
#define UNIT_FILE_MAX_ENTRIES 4096
#define UNIT_FILE_MAX_LINE ((size_t) 64 << 10)     /* one logical line, continuations joined */

struct unit_entry {
        const char *section;            /* points into the file's storage */
        const char *key;
        const char *value;
        unsigned line;                  /* where the assignment starts, from 1 */
};

struct unit_file {
        struct unit_entry *v;           /* in file order, repeats kept */
        size_t n;
        char *storage;                  /* the strings, one allocation */
        unsigned ignored;               /* lines systemd ignores (unit_file_parse_systemd()) */
        unsigned first_ignored;         /* the first of them, from 1 */
};

/* -EBADMSG (malformed) or -E2BIG (a limit) with *ret_error "line N: reason"
 * (or the limit), -ENOMEM. */
int unit_file_parse(const char *buf, size_t len, struct unit_file **ret, char **ret_error);
/* The same, with the lines systemd ignores skipped and counted. */
int unit_file_parse_systemd(const char *buf, size_t len, struct unit_file **ret, char **ret_error);
struct unit_file *unit_file_free(struct unit_file *u);
DEFINE_FREEP(struct unit_file, unit_file_free)
