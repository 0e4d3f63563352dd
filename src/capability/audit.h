/* Capability: audit logs. Analysing them (driftwatch audit: the audit
 * analytics' findings, or the raw event view) and generating the auditd rules
 * the analytics expect (driftwatch audit-rules). */
#pragma once

#include <stdint.h>
#include <stdio.h>

#include "audit/detect.h"
#include "audit/event.h"
#include "audit/journal-index.h"
#include "capability/capability.h"

struct audit_request {
        char *const *inputs;            /* files, directories, globs, "-"; none: standard input */
        size_t n_inputs;
        uint64_t since_ms, until_ms;    /* report events in this range only; 0: open */
        bool follow;                    /* read the last input on as it grows, across rotation */
        bool plugin;                    /* an auditd plugin: standard input only, neither follow nor events */
        bool events;                    /* the raw event view instead of the analytics */
        bool show_suppressed;           /* report what was suppressed too, with the reason */
        size_t window;                  /* events of a node in flight before the oldest completes (0: 64) */
        uint64_t silence_ms;            /* report a stream quiet for this long (0: off) */
        const char *output;             /* append to this file instead of out->f (NULL: out->f) */
        const char *const *journals;    /* journal files, directories or export streams joined to a log
                                         * read offline: units and deployment messages by pid and time */
        size_t n_journals;
        const char *storage_root;       /* containers-storage for the containers of the analytics; NULL:
                                         * CTR_STORAGE_DEFAULT when live and present */
        const char *passwd;             /* the passwd of the host that wrote the logs, to name auids; NULL:
                                         * /etc/passwd for this host's logs (AUDIT_LOG_DIR, --follow,
                                         * --plugin), none for others */
        const char *group;              /* ... and its group file, to name the group of a written file
                                         * (file.group); NULL: /etc/group for this host's logs */
};

#define AUDIT_LOG_DIR "/var/log/audit"

struct audit_summary {
        size_t files;                   /* inputs read (a directory or a glob counts its files) */
        struct audit_stats assembly;
        bool analysed;                  /* not the event view: detect holds the analytics' counts */
        struct audit_detect_stats detect;
        bool joined;                    /* journals were given: journal holds the index's counts */
        struct journal_index_stats journal;
};

/* A warning while reading (the followed path briefly not a regular file):
 * one printable line. */
typedef void (*audit_note_fn)(void *userdata, const char *message);

/* Reads the inputs and reports into out: findings (counted in out), or with
 * req->events one JSON line per assembled event. The text output shows
 * suppressed findings too with req->show_suppressed (out->show_events). Live
 * inputs (standard input, follow) end normally when ctx->cancel is set, and
 * each finding or event is flushed as it is made. note (may be NULL) receives
 * warnings. 0 with *ret_summary, or -errno with *ret_error (an input, the
 * output, a bad request: -EINVAL). */
int capability_audit(const struct dw_context *ctx, const struct audit_request *req, struct output *out,
                     audit_note_fn note, void *userdata, struct audit_summary *ret_summary,
                     struct dw_error *ret_error);

struct audit_rules_request {
        bool existing;                  /* watch only paths that exist on this host */
        const char *format;             /* "auditctl" (NULL: the same) */
        const char *rules_path;         /* where ctx->rules came from, for the header; NULL: built-in */
};

/* Writes the auditd rules for ctx->rules to f. 0, or -errno with *ret_error. */
int capability_audit_rules(const struct dw_context *ctx, const struct audit_rules_request *req, FILE *f,
                           struct dw_error *ret_error);
