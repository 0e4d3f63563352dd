/* A bounded reader for crontab(5) files as cron reads them (Debian's cron
 * and cronie, entry.c and env.c): '#' comment and blank lines, NAME=VALUE
 * environment settings, and entries of five time fields (or an @reboot /
 * @daily ... nickname), then, in /etc/crontab and /etc/cron.d, the user, then
 * the command. A line that is none of these makes cron ignore the whole file
 * ("Syntax error, this crontab file will be ignored"), so it fails the parse.
 * The same reader takes anacrontab(5): "PERIOD DELAY JOB-ID COMMAND" after
 * the environment settings. Pure: (buf, len) in, entries out; never prints. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "basic/macros.h"

#define CRONTAB_MAX_BYTES ((size_t) 1 << 20)
#define CRONTAB_MAX_ENTRIES 4096        /* entries and settings together */

enum crontab_kind {
        CRONTAB_SYSTEM,                 /* /etc/crontab, /etc/cron.d: a user field */
        CRONTAB_USER,                   /* /var/spool/cron/crontabs/USER */
        CRONTAB_ANACRON,                /* /etc/anacrontab */
};

struct crontab_entry {
        const char *name;               /* a setting: its name; an entry: NULL */
        const char *value;              /* a setting: its value */
        const char *schedule;           /* "m h dom mon dow", "@reboot"; anacron: "PERIOD DELAY" */
        const char *user;               /* CRONTAB_SYSTEM only, else NULL */
        const char *job;                /* CRONTAB_ANACRON: the job identifier, else NULL */
        const char *command;
        bool reboot;                    /* @reboot */
        unsigned line;                  /* from 1 */
};

struct crontab {
        struct crontab_entry *v;        /* in file order */
        size_t n;
        char *storage;                  /* the strings, one allocation */
};

/* -EBADMSG (a line cron refuses, a NUL byte) or -E2BIG (a limit) with
 * *ret_error "line N: reason" (or the limit), -ENOMEM. */
int crontab_parse(const char *buf, size_t len, enum crontab_kind kind, struct crontab **ret, char **ret_error);
struct crontab *crontab_free(struct crontab *c);
DEFINE_FREEP(struct crontab, crontab_free)
