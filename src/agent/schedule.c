/* The agent's schedules: the names, the defaults, the parsing of the
 * configuration's settings, and what each runs: the capability function the
 * command of the same name calls, with that command's defaults for this host,
 * writing JSON Lines to the output it is given (agent.c runs it in a child
 * process whose output is a pipe). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent/agent.h"
#include "agent/schedule.h"
#include "capability/container.h"
#include "capability/inventory.h"
#include "capability/journal.h"
#include "capability/mounts.h"
#include "capability/posture.h"
#include "capability/scan.h"
#include "capability/status.h"

static const char *const names[_AGENT_CAPABILITY_MAX] = {
        [AGENT_SCAN] = "scan",
        [AGENT_STATUS] = "status",
        [AGENT_INVENTORY] = "inventory",
        [AGENT_MOUNTS] = "mounts",
        [AGENT_POSTURE] = "posture",
        [AGENT_CONTAINER] = "container",
        [AGENT_JOURNAL] = "journal",
};

static const uint64_t default_interval[_AGENT_CAPABILITY_MAX] = {
        [AGENT_SCAN] = 6 * 3600,
        [AGENT_STATUS] = 15 * 60,
        [AGENT_INVENTORY] = 3600,
        [AGENT_MOUNTS] = 5 * 60,
        [AGENT_POSTURE] = 3600,
        [AGENT_CONTAINER] = 3600,
        [AGENT_JOURNAL] = 3600,         /* woken by the journal's descriptor: the period is a fallback */
};

/* What a run of the bootc / rpm-ostree status may take. */
#define SCHEDULE_TIMEOUT_S 120

const char *agent_capability_name(enum agent_capability c)
{
        return c < _AGENT_CAPABILITY_MAX ? names[c] : NULL;
}

void agent_schedules_default(struct agent_schedule s[_AGENT_CAPABILITY_MAX])
{
        for (size_t i = 0; i < _AGENT_CAPABILITY_MAX; i++)
                s[i] = (struct agent_schedule) { default_interval[i], default_interval[i] / 10 };
}

static int parse_scaled(const char *s, const char *units, const uint64_t *scales, uint64_t *ret)
{
        uint64_t v = 0, scale = 1;
        const char *p = s, *u;

        if (!*p)
                return -EINVAL;
        for (; *p >= '0' && *p <= '9'; p++) {
                if (v > UINT64_MAX / 10)
                        return -EINVAL;
                v = v * 10 + (uint64_t) (*p - '0');
        }
        if (p == s)
                return -EINVAL;
        if (*p) {
                if (p[1] || !(u = strchr(units, *p)))
                        return -EINVAL;
                scale = scales[u - units];
        }
        if (v > UINT64_MAX / scale)
                return -EINVAL;
        *ret = v * scale;
        return 0;
}

int agent_parse_duration(const char *s, uint64_t *ret)
{
        static const uint64_t scales[] = { 1, 60, 3600, 86400 };

        return parse_scaled(s, "smhd", scales, ret);
}

int agent_parse_size(const char *s, uint64_t *ret)
{
        static const uint64_t scales[] = { 1 << 10, 1 << 20, 1 << 30, (uint64_t) 1 << 40 };

        return parse_scaled(s, "KMGT", scales, ret);
}

static int bad(const char **ret_reason, const char *why)
{
        if (ret_reason)
                *ret_reason = why;
        return -EINVAL;
}

int agent_parse_schedule(const char *spec, struct agent_schedule s[_AGENT_CAPABILITY_MAX], const char **ret_reason)
{
        char name[32], value[64], *slash;
        const char *eq = strchr(spec, '=');
        struct agent_schedule v = { 0 };
        size_t n;

        if (!eq || (n = (size_t) (eq - spec)) == 0 || n >= sizeof(name) || strlen(eq + 1) >= sizeof(value))
                return bad(ret_reason, "expected CAPABILITY=INTERVAL[/JITTER] or CAPABILITY=off");
        memcpy(name, spec, n);
        name[n] = '\0';
        strcpy(value, eq + 1);
        if (strcmp(value, "off") != 0) {
                slash = strchr(value, '/');
                if (slash)
                        *slash++ = '\0';
                if (agent_parse_duration(value, &v.interval_s) < 0 || v.interval_s == 0)
                        return bad(ret_reason, "an interval is a number of seconds, or with s, m, h or d (5m), "
                                               "or off");
                if (slash && agent_parse_duration(slash, &v.jitter_s) < 0)
                        return bad(ret_reason, "a jitter is a number of seconds, or with s, m, h or d");
                if (!slash)
                        v.jitter_s = v.interval_s / 10;
        }
        if (strcmp(name, "all") == 0) {
                for (size_t i = 0; i < _AGENT_CAPABILITY_MAX; i++)
                        s[i] = v;
                return 0;
        }
        for (size_t i = 0; i < _AGENT_CAPABILITY_MAX; i++)
                if (strcmp(names[i], name) == 0) {
                        s[i] = v;
                        return 0;
                }
        return bad(ret_reason, "no such schedule (scan, status, inventory, mounts, posture, container, journal, all)");
}

/* The journal directory the journal schedule reads: the persistent one when
 * it is there, else the volatile one. */
const char *agent_journal_directory(const char *given)
{
        struct stat st;

        if (given)
                return given;
        return stat("/var/log/journal", &st) == 0 && S_ISDIR(st.st_mode) ? "/var/log/journal" : "/run/log/journal";
}

int agent_schedule_run(const struct dw_context *ctx, enum agent_capability c, const struct agent_run_paths *p,
                       struct output *out, struct dw_error *e)
{
        switch (c) {
        case AGENT_SCAN: {
                struct scan_request req = { .state_dir = p->state_dir, .root = p->scan_root ?: "/" };
                struct scan_summary sum = { 0 };
                int r = capability_scan(ctx, &req, out, &sum, e);

                scan_summary_release(&sum);
                return r;
        }
        case AGENT_STATUS: {
                struct status_request req = { .state_path = p->state_db, .timeout_s = SCHEDULE_TIMEOUT_S };
                struct status_summary sum;

                return capability_status(ctx, &req, out, &sum, e);
        }
        case AGENT_INVENTORY: {
                struct inventory_request req = { .approved_path = NULL };
                struct inventory_summary sum;
                struct stat st;

                if (stat(SCAN_DEFAULT_APPROVED, &st) == 0)
                        req.approved_path = SCAN_DEFAULT_APPROVED;
                return capability_inventory(ctx, &req, out, &sum, e);
        }
        case AGENT_MOUNTS: {
                struct mounts_request req = { .state_path = p->state_db, .timeout_s = SCHEDULE_TIMEOUT_S };
                struct mounts_summary sum;

                return capability_mounts(ctx, &req, out, &sum, e);
        }
        case AGENT_POSTURE: {
                struct posture_request req = { .state_path = p->state_db, .timeout_s = SCHEDULE_TIMEOUT_S };
                struct posture_summary sum;

                return capability_posture(ctx, &req, out, &sum, e);
        }
        case AGENT_CONTAINER: {
                struct container_diff_summary sum = { 0 };
                struct dw_context cx = *ctx;

                cx.scratch_dir = p->scratch_dir;
                return capability_container_scan(&cx, p->scan_root ?: "/", out, &sum, e);
        }
        case AGENT_JOURNAL: {
                struct journal_input in = { JOURNAL_INPUT_DIRECTORY, agent_journal_directory(p->journal_dir) };
                struct journal_request req = {
                        .inputs = &in,
                        .n_inputs = 1,
                        .cursor_file = p->journal_cursor,
                };
                struct journal_stats st;

                return capability_journal(ctx, &req, out, &st, e);
        }
        default:
                return dw_error_set(e, -EINVAL, NULL, "no such schedule");
        }
}
