/* The agent (driftwatch agent): one process that runs the capabilities on
 * schedules, analyses the audit dispatcher stream on standard input, and
 * ships every finding, rendered once to its ECS JSON line and spooled in the
 * state database, to any number of outputs with at-least-once delivery. One
 * poll() over a signalfd, a timerfd, the audit stream and the pipe of the
 * schedule running: no busy polling. docs/agent.md. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capability/capability.h"

enum agent_capability {
        AGENT_SCAN,
        AGENT_STATUS,
        AGENT_INVENTORY,
        AGENT_MOUNTS,
        AGENT_POSTURE,
        AGENT_CONTAINER,
        AGENT_JOURNAL,
        _AGENT_CAPABILITY_MAX,
};

struct agent_schedule {
        uint64_t interval_s;            /* 0: off */
        uint64_t jitter_s;              /* each run is put off by a random 0 to jitter_s more */
};

#define AGENT_HEARTBEAT_DEFAULT 300
#define AGENT_SPOOL_MAX_DEFAULT ((uint64_t) 256 << 20)

struct agent_config {
        const char *state_dir;
        const char *const *outputs;     /* URLs */
        size_t n_outputs;
        bool audit_stdin;               /* the auditd dispatcher stream on standard input; its end ends the agent */
        bool once;                      /* what is due, then deliver what the receivers accept, and exit */
        uint64_t spool_max;             /* bytes; 0: no cap */
        uint64_t heartbeat_s;           /* 0: none */
        struct agent_schedule schedules[_AGENT_CAPABILITY_MAX];
        const char *journal_dir;        /* the journal schedule's input; NULL: /var/log/journal or /run/log/journal */
        const char *scan_root;          /* the tree the scan and container schedules check; NULL: / */
        /* observer.* of every event: the machine the agent runs on, under the name the agent goes by
         * (ctx->host); host_id is host.id of this host's findings (its machine-id), NULL when the agent was
         * given a name of its own (--host-name: the name is the host's identity, and event.id follows it). */
        struct output_host observer;
        const char *host_id;
        const char *rule_reference_base; /* rule.reference's base URL (output.rule_reference_base) */
        /* What the agent guards besides its binary and state (DW-AGENT-TAMPER): NULL when none. */
        const char *config_path;        /* the configuration file read */
        const char *rules_path;         /* --rules */
        const char *rules_dir;          /* the rules directory (may not exist) */
};

const char *agent_capability_name(enum agent_capability c);
/* The defaults: scan 6h, status 15m, inventory 1h, mounts 5m, posture 1h,
 * container 1h, journal 1h (woken by the journal's descriptor: the period is
 * a fallback), each with a tenth of its interval as jitter. */
void agent_schedules_default(struct agent_schedule s[_AGENT_CAPABILITY_MAX]);
/* "300", "30s", "5m", "6h", "1d": seconds. -EINVAL otherwise. */
int agent_parse_duration(const char *s, uint64_t *ret);
/* "256M", "1G", "4096", "512K": bytes. -EINVAL otherwise. */
int agent_parse_size(const char *s, uint64_t *ret);
/* One schedule setting into s: "CAPABILITY=INTERVAL[/JITTER]" or
 * "CAPABILITY=off", CAPABILITY one of the names above or "all". -EINVAL with
 * *ret_reason (static) otherwise. */
int agent_parse_schedule(const char *spec, struct agent_schedule s[_AGENT_CAPABILITY_MAX], const char **ret_reason);

/* A line for the person or the service's log: what the agent did or why an
 * output fails. */
typedef void (*agent_log_fn)(void *userdata, const char *message);

/* Runs until SIGTERM, SIGINT or SIGHUP, the end of the audit stream, or with
 * cfg->once the end of what was due. 0 (a clean end; events the receivers
 * did not take stay spooled for the next start), or -errno with *e (the
 * state cannot be opened or written, an output URL is bad). */
int agent_run(const struct dw_context *ctx, const struct agent_config *cfg, agent_log_fn log, void *userdata,
              struct dw_error *e);
