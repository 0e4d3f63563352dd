/* The /etc allowlist: known, owned, temporary local configuration. Each entry
 * names a path or glob, optionally the one content it allows (SHA-256), who
 * owns it, why, and when it expires, so the list can be made to shrink.
 * Format (YAML, docs/etc-diff.md):
 *
 *   version: 1
 *   allow:
 *     - path: /etc/chrony.conf
 *       sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
 *       owner: platform-team
 *       reason: data-centre NTP servers
 *       expires: 2027-06-30          # a date (end of that day, UTC) or RFC 3339
 *       ticket: CHG-1234             # optional
 *
 * The approved extension images of `driftwatch inventory --approved` are the
 * same format under `approved:`, each entry naming an image (`name:`, a glob
 * on the image's name) instead of a path, pinned by `sha256:` of the image
 * file or `roothash:` (its verity root hash, hex) or neither.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/macros.h"
#include "basic/sha256.h"

#define ALLOWLIST_MAX_BYTES ((size_t) 4 << 20)

struct allow_entry {
        char *path;                     /* absolute path or glob; an approved image: its name or glob */
        bool image;                     /* an `approved:` entry (name, roothash) */
        char *roothash;                 /* approved images: verity root hash, lower-case hex */
        bool has_sha256;
        uint8_t sha256[SHA256_LEN];
        char *owner, *reason, *ticket;
        char *expires;                  /* as written */
        int64_t expires_at;             /* seconds since the epoch, inclusive */
        size_t line;
        unsigned long matches;          /* findings this entry allowed */
};

struct allowlist {
        struct allow_entry *v;
        size_t n;
};

int allowlist_parse(const char *buf, size_t len, struct allowlist **ret, char **ret_error);
/* The approved extension images (`approved:` entries, see above). */
int allowlist_parse_images(const char *buf, size_t len, struct allowlist **ret, char **ret_error);
/* Reads and parses the file at path (images: the approved images format);
 * on failure *ret_error names the file and the reason. */
struct dw_error;
int allowlist_load(const char *path, bool images, struct allowlist **ret, struct dw_error *ret_error);
struct allowlist *allowlist_free(struct allowlist *a);

bool allow_entry_expired(const struct allow_entry *e, int64_t now);

/* The entry that allows path (with content sha256, NULL when it has none): the
 * first unexpired entry whose glob matches and whose hash, if it has one,
 * equals. When only expired entries match, the first of them is returned with
 * *ret_expired set: it no longer allows anything, but says who to ask. */
struct allow_entry *allowlist_match(struct allowlist *a, const char *path, size_t len, const uint8_t *sha256,
                                    int64_t now, bool *ret_expired);

/* The entry that approves the image called name with file hash sha256 (NULL:
 * not hashed) and verity root hash roothash (NULL: none), as
 * allowlist_match() decides for paths. */
struct allow_entry *allowlist_match_image(struct allowlist *a, const char *name, const uint8_t *sha256,
                                          const char *roothash, int64_t now, bool *ret_expired);

/* Reports the entries that expired and those that matched nothing (so the
 * list can shrink) as alerts of the two rules, event.action "<what>-expired"
 * or "<what>-unused", with owner, reason, expires and line. */
struct output;
struct rule;
int allowlist_report(struct allowlist *a, int64_t now, const struct rule *expired_rule,
                     const struct rule *unused_rule, const char *what, const char *dataset, struct output *out);

/* The allowlist applied to finding f (about f->path, with content sha256 or
 * NULL): an unexpired entry turns the alert into an event and sets
 * f->allowed_by to "REASON (owner O, expires E, line N)" written into
 * buf; an expired one leaves the alert and adds the quality flag
 * "allowlist-entry-expired". Returns 1 when an entry allowed it, else 0. */
struct finding;
int allowlist_apply(struct allowlist *a, struct finding *f, const uint8_t *sha256, int64_t now, char *buf,
                    size_t size);

DEFINE_FREEP(struct allowlist, allowlist_free)
