/* A host's identity for host.* and observer.*: its hostname and machine-id,
 * read from its root (a mounted image, an offline sysroot, or / itself). */
#pragma once

#include <stddef.h>

#define HOST_NAME_MAX_LEN 253           /* a DNS name */
#define MACHINE_ID_LEN 32               /* hex digits */

struct host_identity_buf {
        char name[HOST_NAME_MAX_LEN + 1];       /* "": unknown */
        char machine_id[MACHINE_ID_LEN + 1];    /* "": unknown */
};

/* Reads rootfd's etc/hostname (its first line, without blanks) and
 * etc/machine-id (32 hex digits, lower-cased) without following a symlink out
 * of the root. A file that is missing, larger than a few KiB or malformed
 * leaves its member empty: it is not an error. */
void host_identity_read(int rootfd, struct host_identity_buf *ret);
/* Reads rootfd's etc/passwd and etc/group (group(5) has the passwd shape
 * "name:x:id:...") into *ret_users and *ret_groups, for file.owner and
 * file.group; a file that is missing or unreadable leaves its map empty. */
struct passwd_map;
void host_accounts_read(int rootfd, struct passwd_map *ret_users, struct passwd_map *ret_groups);
/* Parses the content of a hostname file into ret->name ("" when it holds
 * none or a malformed one). */
void host_identity_parse_name(const char *buf, size_t len, struct host_identity_buf *ret);
/* Parses the content of a machine-id file into ret->machine_id. */
void host_identity_parse_machine_id(const char *buf, size_t len, struct host_identity_buf *ret);
