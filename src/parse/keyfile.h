/* A bounded reader for GLib key files (the syntax of ostree's repo config and
 * /etc/ostree/remotes.d/NAME.conf files) as GKeyFile reads them: "[group]" lines,
 * "key=value" lines with the whitespace around '=' and at the line's ends
 * dropped, '#' comments, a group named twice merged, a key set twice taking
 * the later value, the escapes \s \n \t \r \\ undone. A key before the first
 * group, or a line that is none of these, is an error, as GKeyFile makes it
 * (and ostree then refuses the file). GLib is in driftwatch only inside the
 * ostree module (loaded on first use); these files are read by commands that
 * load no ostree, so the ~150 lines here cost less than GLib at every start.
 * Pure: (buf, len) in, entries out; never prints. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "basic/macros.h"

#define KEYFILE_MAX_BYTES ((size_t) 1 << 20)
#define KEYFILE_MAX_ENTRIES 4096

struct keyfile_entry {
        char *group;
        char *key;
        char *value;                    /* escapes undone */
        unsigned line;                  /* of the assignment that took effect */
};

struct keyfile {
        struct keyfile_entry *v;        /* in the order keys first appear */
        size_t n;
};

/* -EBADMSG (malformed) or -E2BIG (a limit) with *ret_error "line N: reason". */
int keyfile_parse(const char *buf, size_t len, struct keyfile **ret, char **ret_error);
struct keyfile *keyfile_free(struct keyfile *kf);
DEFINE_FREEP(struct keyfile, keyfile_free)

const struct keyfile_entry *keyfile_get(const struct keyfile *kf, const char *group, const char *key);
/* GKeyFile's booleans: "true"/"1" and "false"/"0"; -EINVAL for anything else. */
int keyfile_boolean(const char *value, bool *ret);
