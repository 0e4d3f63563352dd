/* The user names of a passwd(5) file by uid, as getpwuid() would find them
 * in that file: the first line of a uid wins. Used to show an audit log's
 * auid as a name when the passwd of the host that wrote the log is known.
 * Pure: (buf, len) in, a sorted table out; never prints. Lines that are not
 * "name:x:uid:..." (comments, NIS "+" entries, a uid that is not a number)
 * are skipped. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "basic/macros.h"

#define PASSWD_MAX_BYTES ((size_t) 16 << 20)
#define PASSWD_MAX_USERS ((size_t) 1 << 20)
#define PASSWD_MAX_NAME 256

struct passwd_user {
        uint32_t uid;
        char *name;
};

struct passwd_map {
        struct passwd_user *users;      /* sorted by uid, one per uid */
        size_t n;
        char *names;                    /* owns the names */
};

/* Parses buf; 0 with *ret (empty when no line names a user), -EFBIG past the
 * limits, -ENOMEM. */
int passwd_map_parse(const char *buf, size_t len, struct passwd_map *ret);
/* The name of uid, or NULL. */
const char *passwd_map_name(const struct passwd_map *m, long long uid);
void passwd_map_release(struct passwd_map *m);
