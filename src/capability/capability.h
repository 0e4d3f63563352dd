/* The capability layer: each thing driftwatch can do (record a baseline,
 * check a tree, verify an image, compare /etc, read status, analyse audit
 * logs, ...) is one function here that the CLI, `scan` and the agent call
 * alike. A capability takes the context it runs in and a request, reports
 * findings into an output, never prints and never exits: it returns 0 or a
 * negative errno with *ret_error naming the input and the reason. */
#pragma once

#include <signal.h>
#include <stdbool.h>

#include "basic/error.h"
#include "fim/walk.h"
#include "report/finding.h"
#include "rules/rules.h"

/* What every capability runs in; no globals. */
struct dw_context {
        const struct ruleset *rules;
        const volatile sig_atomic_t *cancel;    /* checked in every loop and blocking read */
        unsigned threads;                       /* 0: one per CPU */
        const char *host;                       /* host.name of the analysed host */
        struct walk_progress *progress;         /* optional: counters a progress line reads */
        /* Optional: a directory the capability may write private copies beneath when it cannot have a
         * mount namespace (librpm's copy of an rpm database, fim/packages-rpm.h). capability_scan sets
         * STATE_DIR/scratch when the caller left it NULL. */
        const char *scratch_dir;
};
