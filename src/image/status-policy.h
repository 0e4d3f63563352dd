/* What `driftwatch status` checks deployments against: a policy (minimum
 * version, minimum build time, allowed digests) and change tickets (a digest
 * and a time window). Both are small line-oriented text files, documented in
 * docs/status.md; the parsers take (buf, len) and fail with -EBADMSG or
 * -E2BIG and a one-line reason naming the line. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "basic/arena.h"
#include "basic/macros.h"
#include "host-status.h"

#define STATUS_POLICY_MAX_BYTES ((size_t) 1 << 20)
#define STATUS_POLICY_MAX_ITEMS 4096

/* When changes may happen: days of the week, a time of day range (crossing
 * midnight when it ends before it starts, the day being the start's) and a
 * fixed offset from UTC or a time zone of the tz database, whose wall clock
 * (daylight saving time included) the days and times are read on. */
struct maintenance_window {
        unsigned days;                  /* bit 0 Monday ... bit 6 Sunday */
        int start, end;                 /* minutes of the day */
        int offset;                     /* minutes east of UTC; without zone */
        const char *zone;               /* "Europe/Berlin", under STATUS_ZONEINFO_DIR; NULL: offset */
        const char *text;               /* as written, for messages */
};

#define STATUS_ZONEINFO_DIR "/usr/share/zoneinfo"
#define STATUS_ZONE_NAME_MAX 128

struct status_policy {
        const char *minimum_version;    /* NULL: none */
        int64_t minimum_timestamp;      /* HOST_TIME_UNKNOWN: none */
        const char **allowed;           /* allowed digests (or ostree commits); none: any */
        size_t n_allowed;
        struct maintenance_window *windows;     /* driftwatch journal */
        size_t n_windows;
        struct arena arena;
};

struct change_ticket {
        const char *id;
        const char *digest;             /* image digest or ostree commit */
        int64_t from, until;            /* seconds since the epoch, inclusive */
};

struct ticket_list {
        struct change_ticket *v;
        size_t n;
        struct arena arena;
};

int status_policy_parse(const char *buf, size_t len, struct status_policy **ret, char **ret_error);
struct status_policy *status_policy_free(struct status_policy *p);
int ticket_list_parse(const char *buf, size_t len, struct ticket_list **ret, char **ret_error);
struct ticket_list *ticket_list_free(struct ticket_list *t);

/* rpm-style version order: digit runs compare as numbers and sort after
 * letter runs, other characters separate; "9.10" > "9.9" > "9.9rc1" > "9".
 * Returns <0, 0 or >0. */
int version_compare(const char *a, const char *b);

/* Whether d is below the policy's minimum version or build time, with why
 * ("version 9.4 is below the minimum 9.6") written into reason. A deployment
 * without a version or build time is below a minimum on it: it cannot show
 * that it meets it. */
bool status_policy_below_minimum(const struct status_policy *p, const struct deployment *d, char *reason,
                                size_t reason_len);
bool status_policy_digest_allowed(const struct status_policy *p, const struct deployment *d);

/* The window of p that time t (seconds since the epoch) falls in, or NULL.
 * A window in a named zone is read on that zone's wall clock: on the day
 * daylight saving time starts, the skipped hour's part of a window is not
 * covered; on the day it ends, the repeated hour is covered twice. */
const struct maintenance_window *status_policy_window(const struct status_policy *p, int64_t t);

/* The first ticket whose digest is d's digest or ostree commit and whose
 * window overlaps [from, until] (when the change happened), or NULL. */
const struct change_ticket *ticket_find(const struct ticket_list *t, const struct deployment *d, int64_t from,
                                        int64_t until);

/* The first ticket naming 'name' (or '*') whose window contains t, or NULL. */
const struct change_ticket *ticket_find_name(const struct ticket_list *t, const char *name, int64_t when);

DEFINE_FREEP(struct status_policy, status_policy_free)
DEFINE_FREEP(struct ticket_list, ticket_list_free)
