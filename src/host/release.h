/* os-release(5) and extension-release files: a bounded KEY=VALUE parser, and
 * the compatibility decision systemd-sysext makes between an extension's
 * extension-release and the host's os-release (extension_release_validate()
 * in src/shared/extension-release.c of v252, extension-util.c in main). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "basic/macros.h"

#define RELEASE_MAX_BYTES ((size_t) 64 << 10)   /* an extension-release of more is refused */
#define RELEASE_MAX_FIELDS 256

struct release_field {
        char *key, *value;
};

struct os_release {
        struct release_field *v;
        size_t n;
};

/* Parses buf (os-release syntax: KEY=VALUE lines, values optionally in single
 * or double quotes with backslash escapes in the latter, '#' comments). A
 * malformed line is skipped, as systemd skips it; -E2BIG past
 * RELEASE_MAX_FIELDS fields or a buffer larger than RELEASE_MAX_BYTES. */
int os_release_parse(const char *buf, size_t len, struct os_release **ret);
struct os_release *os_release_free(struct os_release *r);
DEFINE_FREEP(struct os_release, os_release_free)
/* The value of key, the last one given, or NULL. */
const char *os_release_get(const struct os_release *r, const char *key);

enum release_verdict {
        RELEASE_COMPATIBLE,
        RELEASE_SCOPE_MISMATCH,         /* SYSEXT_SCOPE does not list the host's scope */
        RELEASE_ARCH_MISMATCH,          /* ARCHITECTURE is neither _any nor the host's */
        RELEASE_NO_ID,                  /* no ID= */
        RELEASE_ID_MISMATCH,
        RELEASE_LEVEL_MISMATCH,         /* SYSEXT_LEVEL / CONFEXT_LEVEL differ */
        RELEASE_NO_VERSION,             /* host has VERSION_ID, the extension neither it nor a level */
        RELEASE_VERSION_MISMATCH,
};

/* Whether systemd would merge an extension with these extension-release
 * fields onto a host with these os-release fields: confext reads CONFEXT_*
 * instead of SYSEXT_*; scope is "system" (or "initrd" in an initrd); arch is
 * the host's architecture in systemd's names ("x86-64", "arm64"). The reason
 * names the fields that decided, for a finding. */
enum release_verdict release_validate(const struct os_release *ext, const struct os_release *host, bool confext,
                                      const char *scope, const char *arch, char *reason, size_t reason_size);
const char *release_verdict_name(enum release_verdict v);

/* The running kernel's architecture in systemd's names, or NULL. */
const char *release_native_architecture(void);
