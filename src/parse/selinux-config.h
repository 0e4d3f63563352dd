/* A reader for /etc/selinux/config as libselinux reads it
 * (libselinux/src/selinux_config.c): SELINUX= is taken from the first line
 * that begins with exactly "SELINUX=" and whose value (blanks skipped)
 * starts with enforcing, permissive or disabled, in any case (other lines
 * are passed over: selinux_getenforcemode()); SELINUXTYPE= from the last
 * line, leading blanks skipped, the tag in any case, '#' comments skipped,
 * trailing blanks and controls cut (init_selinux_config(); "targeted" when
 * none). Pure: (buf, len) in, the settings out; never prints. */
#pragma once

#include <stddef.h>

#include "basic/macros.h"

#define SELINUX_CONFIG_MAX_BYTES ((size_t) 64 << 10)
#define SELINUX_TYPE_MAX 255

enum selinux_mode {
        SELINUX_MODE_UNSET,             /* no SELINUX= line libselinux takes */
        SELINUX_MODE_ENFORCING,
        SELINUX_MODE_PERMISSIVE,
        SELINUX_MODE_DISABLED,
};

struct selinux_config {
        enum selinux_mode mode;
        unsigned mode_line;             /* from 1; 0: unset */
        char *type;                     /* NULL: none given (libselinux takes "targeted") */
        unsigned type_line;
};

void selinux_config_release(struct selinux_config *c);
/* 0 with *ret set, or -EBADMSG (a NUL byte: not a text file), -E2BIG (a
 * SELINUXTYPE longer than SELINUX_TYPE_MAX), -ENOMEM, with a one-line reason
 * naming the line in *ret_error (free() it). */
int selinux_config_parse(const char *buf, size_t len, struct selinux_config *ret, char **ret_error);
/* "enforcing", "permissive", "disabled", "unset". */
const char *selinux_mode_name(enum selinux_mode m);
