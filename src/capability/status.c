/* Capability: image status transitions; see status.h. */
#define _GNU_SOURCE
#include "status.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "basic/fd-util.h"
#include "basic/path-util.h"
#include "basic/spawn.h"
#include "basic/time-util.h"
#include "image/status-findings.h"
#include "image/status-policy.h"
#include "image/status-store.h"

int status_read_input(const struct dw_context *ctx, const struct status_request *req, enum host_source *ret_source,
                       char **ret_text, size_t *ret_len, char **ret_label, struct dw_error *ret_error)
{
        static char *const bootc_argv[] = { "bootc", "status", "--format=json", NULL };
        static char *const rpm_ostree_argv[] = { "rpm-ostree", "status", "--json", NULL };
        _cleanup_(freep) char *path = NULL, *label = NULL;
        _cleanup_(spawn_result_release) struct spawn_result res = { 0 };
        char *const *argv;
        int r;

        *ret_source = req->source;
        if (req->input) {
                bool in = strcmp(req->input, "-") == 0;

                if (in ? !(label = strdup("from standard input")) : asprintf(&label, "'%s'", req->input) < 0)
                        return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
                r = in ? read_fd_all(STDIN_FILENO, HOST_STATUS_MAX_BYTES, ret_text, ret_len)
                       : read_file(req->input, HOST_STATUS_MAX_BYTES, ret_text, ret_len);
                if (r == -EINTR && ctx->cancel && *ctx->cancel)
                        return dw_error_set(ret_error, -ECANCELED, req->input, "cannot read status %s: interrupted",
                                            label);
                if (r < 0)
                        return dw_error_set(ret_error, r, req->input, "cannot read status %s: %s", label,
                                            r == -EFBIG ? "larger than 16 MiB" : strerror(-r));
                *ret_label = TAKE_PTR(label);
                return 0;
        }

        if (find_executable("bootc", &path) >= 0) {
                *ret_source = HOST_SOURCE_BOOTC;
                argv = bootc_argv;
        } else if (find_executable("rpm-ostree", &path) >= 0) {
                *ret_source = HOST_SOURCE_RPM_OSTREE;
                argv = rpm_ostree_argv;
        } else {
                return dw_error_set(ret_error, -ENOENT, NULL,
                                    "neither bootc nor rpm-ostree is in PATH: pass --bootc-json FILE or "
                                    "--rpm-ostree-json FILE");
        }
        if (asprintf(&label, "from '%s %s %s'", argv[0], argv[1], argv[2]) < 0)
                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
        r = spawn_capture(path, argv, HOST_STATUS_MAX_BYTES, req->timeout_s * 1000, ctx->cancel, &res);
        if (r == -ECANCELED)
                return dw_error_set(ret_error, r, NULL, "interrupted");
        if (r < 0)
                return dw_error_set(ret_error, r, path, "cannot read status %s: %s", label,
                                    r == -EFBIG ? "more than 16 MiB of output" :
                                    r == -ETIMEDOUT ? "timed out" : strerror(-r));
        if (res.status != 0)
                return dw_error_set(ret_error, -EIO, path, "cannot read status %s: exit status %d%s%s", label,
                                    res.status, res.err_line ? ": " : "", res.err_line ?: "");
        *ret_len = res.out_len;
        *ret_text = TAKE_PTR(res.out);
        *ret_label = TAKE_PTR(label);
        return 0;
}

/* A small text file (policy, tickets), read and handed to parse. */
static int load_text(const char *what, const char *path, size_t max,
                     int (*parse)(const char *buf, size_t len, void *ret, char **ret_error), void *ret,
                     struct dw_error *ret_error)
{
        _cleanup_(freep) char *text = NULL, *msg = NULL;
        size_t len = 0;
        int r;

        r = read_file(path, max, &text, &len);
        if (r < 0)
                return dw_error_set(ret_error, r, path, "cannot read %s '%s': %s", what, path,
                                    r == -EFBIG ? "larger than 1 MiB" : strerror(-r));
        r = parse(text, len, ret, &msg);
        if (r < 0)
                return dw_error_set(ret_error, r, path, "cannot load %s '%s': %s", what, path, msg ?: strerror(-r));
        return 0;
}

static int parse_policy(const char *buf, size_t len, void *ret, char **ret_error)
{
        return status_policy_parse(buf, len, ret, ret_error);
}

static int parse_tickets(const char *buf, size_t len, void *ret, char **ret_error)
{
        return ticket_list_parse(buf, len, ret, ret_error);
}

int status_load_policy(const char *policy_path, const char *tickets_path, struct status_policy **ret_policy,
                       struct ticket_list **ret_tickets, struct dw_error *ret_error)
{
        _cleanup_(status_policy_freep) struct status_policy *policy = NULL;
        _cleanup_(ticket_list_freep) struct ticket_list *tickets = NULL;
        int r;

        if (policy_path) {
                r = load_text("policy", policy_path, STATUS_POLICY_MAX_BYTES, parse_policy, &policy, ret_error);
                if (r < 0)
                        return r;
        }
        if (tickets_path) {
                r = load_text("tickets", tickets_path, STATUS_POLICY_MAX_BYTES, parse_tickets, &tickets, ret_error);
                if (r < 0)
                        return r;
        }
        *ret_policy = TAKE_PTR(policy);
        *ret_tickets = TAKE_PTR(tickets);
        return 0;
}

int state_mkdir(const char *state_path, struct dw_error *ret_error)
{
        int r = mkdir_parents(state_path, 0700);

        if (r < 0)
                return dw_error_set(ret_error, r, state_path, "cannot create the directory of state '%s': %s",
                                    state_path, strerror(-r));
        return 0;
}

int state_open_error(int r, const char *state_path, const char *reason, struct dw_error *ret_error)
{
        if (r == -ECANCELED)
                return dw_error_set(ret_error, r, NULL, "interrupted");
        if (r == -ENOENT)
                return dw_error_set(ret_error, r, state_path, "cannot open state '%s': its directory does not exist",
                                    state_path);
        return dw_error_set(ret_error, r, state_path, "cannot open state '%s': %s", state_path,
                            reason ?: strerror(-r));
}

/* The text view's head: the deployments as `bootc status` shows them, then
 * what the findings below compare with. */
static int print_state(struct output *out, const struct host_status *cur, const struct status_snapshot_info *prev)
{
        _cleanup_(buf_release) struct buf b;
        char seen[RFC3339_LEN];
        int r;

        buf_init(&b, 0);
        r = status_render_text(cur, &b);
        if (r >= 0 && prev) {
                rfc3339_format(prev->last_seen, seen);
                r = buf_printf(&b, "\nChanges since the last run (%s):\n", seen);
        } else if (r >= 0) {
                r = buf_puts(&b, "\nFirst run, nothing to compare with yet:\n");
        }
        if (r < 0)
                return r;
        return output_text(out, b.data, b.len);
}

/* The text summary's line: the first snapshot recorded, or what this run
 * compared with (alerts and events: the output's counts before it). */
static int status_note(struct output *out, const struct status_request *req, enum host_source source,
                       const struct host_status *cur, const struct status_snapshot_info *prev, unsigned long alerts,
                       unsigned long events)
{
        char seen[RFC3339_LEN];

        if (!prev)
                return output_note(out, "no status snapshot yet: recorded the first one (%s, %zu deployment%s) in "
                                        "'%s'; later runs report what changed",
                                   host_source_name(cur->source), cur->n_deployments,
                                   cur->n_deployments == 1 ? "" : "s", req->state_path);
        rfc3339_format(prev->last_seen, seen);
        alerts = out->alerts - alerts;
        events = out->events - events;
        return output_note(out, "%s status compared with the snapshot last seen %s: %lu alert%s, %lu event%s",
                           host_source_name(source), seen, alerts, alerts == 1 ? "" : "s", events,
                           events == 1 ? "" : "s");
}

int capability_status(const struct dw_context *ctx, const struct status_request *req, struct output *out,
                      struct status_summary *ret_summary, struct dw_error *ret_error)
{
        _cleanup_(status_policy_freep) struct status_policy *policy = NULL;
        _cleanup_(ticket_list_freep) struct ticket_list *tickets = NULL;
        _cleanup_(host_status_freep) struct host_status *cur = NULL;
        _cleanup_(status_store_freep) struct status_store *store = NULL;
        _cleanup_(freep) char *text = NULL, *msg = NULL, *label = NULL;
        const struct host_status *prev = NULL;
        struct status_snapshot_info info = { 0 };
        struct status_check check;
        enum host_source source;
        const char *reason = NULL;
        unsigned long alerts = out->alerts, events = out->events;
        unsigned long by_severity[SEVERITY_CRITICAL + 1];
        size_t len = 0, i;
        int64_t now = (int64_t) time(NULL);
        int r;

        memcpy(by_severity, out->by_severity, sizeof(by_severity));
        r = status_load_policy(req->policy_path, req->tickets_path, &policy, &tickets, ret_error);
        if (r < 0)
                return r;
        r = status_read_input(ctx, req, &source, &text, &len, &label, ret_error);
        if (r < 0)
                return r;
        r = host_status_parse(source, text, len, &cur, &msg);
        if (r < 0)
                return dw_error_set(ret_error, r, req->input, "cannot read status %s: %s", label, msg ?: strerror(-r));

        /* Only a status that parsed reaches the database. Its directory is
         * made only when asked (the default location): a missing one elsewhere
         * is an error, not a new history. */
        if (req->create_state_dir) {
                r = state_mkdir(req->state_path, ret_error);
                if (r < 0)
                        return r;
        }
        r = status_store_open(req->state_path, ctx->cancel, &store, &reason);
        if (r >= 0)
                r = status_store_last(store, &prev, &info, &reason);
        if (r < 0)
                return state_open_error(r, req->state_path, reason, ret_error);

        check = (struct status_check) { .rules = ctx->rules, .out = out, .policy = policy, .tickets = tickets,
                                        .since = prev ? info.last_seen : now, .now = now };
        if (out->format == OUTPUT_TEXT) {
                r = print_state(out, cur, prev ? &info : NULL);
                if (r < 0)
                        return dw_error_set(ret_error, r, NULL, "cannot write output: %s", strerror(-r));
        }
        r = status_report(&check, prev, cur);
        if (r >= 0 && out->format == OUTPUT_TEXT && out->alerts == alerts && out->events == events)
                r = prev ? output_text(out, "  nothing changed\n", 18) : output_text(out, "  no finding\n", 13);
        if (r >= 0 && out->format == OUTPUT_TEXT)
                r = status_note(out, req, source, cur, prev ? &info : NULL, alerts, events);
        if (r >= 0 && req->flush_output)
                r = output_flush(out);
        if (fflush(out->f) != 0 && r >= 0)
                r = negative_errno();
        if (r < 0)      /* nothing is recorded: the next run reports it again */
                return dw_error_set(ret_error, out->error ?: r, NULL, "cannot write output: %s",
                                    strerror(-(out->error ?: r)));
        r = status_store_record(store, cur, now, &reason);
        if (r >= 0)
                r = status_store_commit(store, &reason);
        if (r < 0)
                return dw_error_set(ret_error, r, req->state_path, "cannot write state '%s': %s", req->state_path,
                                    reason ?: strerror(-r));
        if (ret_summary) {
                *ret_summary = (struct status_summary) {
                        .first = !prev, .source = cur->source, .n_deployments = cur->n_deployments,
                        .last_seen = info.last_seen, .alerts = out->alerts - alerts, .events = out->events - events,
                };
                for (i = 0; i < ARRAY_SIZE(by_severity); i++)
                        ret_summary->by_severity[i] = out->by_severity[i] - by_severity[i];
        }
        return 0;
}
