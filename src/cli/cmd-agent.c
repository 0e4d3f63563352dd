/* driftwatch agent: option table over agent_run (agent/agent.h). Schedules,
 * heartbeat and spool cap come from the table, so [agent] in the
 * configuration file sets them too; the outputs from --output, else the
 * configuration's [driftwatch] outputs. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "cli.h"
#include "options.h"
#include "parse/dw-conf.h"

static void on_log(void *userdata, const char *message)
{
        (void) userdata;
        fprintf(stderr, "driftwatch: agent: %s\n", message);
}

/* [driftwatch] outputs as URLs: file:/PATH and journal as they are. */
static int config_outputs(char ***urls, size_t *n)
{
        for (size_t i = 0; cli_conf && i < cli_conf->n_outputs; i++) {
                const struct dw_conf_output *o = &cli_conf->outputs[i];
                char **v;

                if (o->kind == DW_OUTPUT_SYSLOG)
                        return error("bad configuration '%s': the output 'syslog' (the local syslog) is not one the "
                                     "agent ships to: name the receiver, syslog+tcp://HOST:PORT", cli_conf_path);
                v = realloc(*urls, (*n + 1) * sizeof(char *));
                if (!v)
                        return error("out of memory");
                *urls = v;
                v[*n] = o->kind == DW_OUTPUT_JOURNAL ? strdup("journal:") :
                        o->kind == DW_OUTPUT_FILE ? (asprintf(&v[*n], "file:%s", o->path) < 0 ? NULL : v[*n]) :
                                                    strdup(o->path);
                if (!v[*n])
                        return error("out of memory");
                (*n)++;
        }
        return EXIT_CLEAN;
}

int cmd_agent(int argc, char **argv)
{
        _cleanup_(dw_error_release) struct dw_error err = { 0 };
        _cleanup_(ruleset_freep) struct ruleset *rules = NULL;
        struct agent_config cfg = { .state_dir = DEFAULT_STATE_DIR, .spool_max = AGENT_SPOOL_MAX_DEFAULT,
                                    .heartbeat_s = AGENT_HEARTBEAT_DEFAULT };
        char **outputs = NULL, **schedules = NULL;
        size_t n_outputs = 0, n_schedules = 0;
        const char *heartbeat = NULL, *spool_max = NULL, *host = NULL;
        const struct option_spec options[] = {
                OPT_STRING("state-dir", &cfg.state_dir, "DIR",
                           "the agent's state (agent.db: spool, schedules, positions) and the schedules' own "
                           "state; default " DEFAULT_STATE_DIR),
                OPT_FILES("output", &outputs, &n_outputs, "URL",
                          "where findings go, repeatable: file:/PATH[?max=BYTES&keep=N], "
                          "syslog+tcp://HOST[:PORT], syslog+tls://HOST[:PORT][?ca=FILE&cert=FILE&key=FILE&name=NAME], "
                          "journal:; default the configuration's outputs"),
                OPT_BOOL("audit-stdin", &cfg.audit_stdin,
                         "analyse the auditd dispatcher stream on standard input; its end flushes what the "
                         "receivers accept and ends the agent"),
                OPT_BOOL("once", &cfg.once, "run the schedules that are due, deliver what the receivers accept, exit"),
                OPT_FILES("schedule", &schedules, &n_schedules, "CAP=INTERVAL[/JITTER]",
                          "a schedule, repeatable: scan, status, inventory, mounts, posture, container, journal or "
                          "all, with an interval (30s, 5m, 6h, 1d) and jitter, or off"),
                OPT_STRING("heartbeat", &heartbeat, "INTERVAL", "the heartbeat event's interval; default 5m; 0: none"),
                OPT_STRING("spool-max", &spool_max, "SIZE",
                           "the spool's cap (bytes, or with K, M, G); past it the oldest low-severity events are "
                           "dropped; default 256M; 0: none"),
                OPT_STRING("journal-directory", &cfg.journal_dir, "DIR",
                           "the journal the journal schedule reads; default /var/log/journal, else /run/log/journal"),
                OPT_STRING("scan-root", &cfg.scan_root, "DIR",
                           "the tree the scan and container schedules check, e.g. a mounted disk image; default /"),
                OPT_STRING("host-name", &host, "NAME",
                           "the name the agent ships this host under (host.name, observer.hostname, the syslog "
                           "HOSTNAME); default this host's name"),
                OPT_END(),
        };
        const struct command_spec spec = {
                .name = "agent",
                .description =
                        "Runs the checks on schedules (scan, status, inventory, mounts, posture, container,\n"
                        "journal), analyses the auditd dispatcher stream on standard input (--audit-stdin), and\n"
                        "ships every finding as an ECS JSON line to the outputs with at-least-once delivery:\n"
                        "an event leaves the spool (SQLite, under --state-dir) only once every output took it.\n"
                        "A heartbeat event every interval; killed and started again, it resumes its schedules,\n"
                        "the audit stream, the journal cursor and the spool. docs/agent.md has the details.",
                .options = options,
        };
        struct dw_context ctx;
        const char *why = NULL;
        int r = options_run(&spec, argc, argv, NULL, NULL);

        agent_schedules_default(cfg.schedules);
        if (r != PARSE_OK) {
                r = options_exit(r);
                goto out;
        }
        r = EXIT_TROUBLE;
        if (!cfg.state_dir[0]) {
                usage_error("agent", "--state-dir needs a directory");
                goto out;
        }
        for (size_t i = 0; i < n_schedules; i++)
                if (agent_parse_schedule(schedules[i], cfg.schedules, &why) < 0) {
                        usage_error("agent", "bad --schedule '%s': %s", schedules[i], why);
                        goto out;
                }
        if (heartbeat && agent_parse_duration(heartbeat, &cfg.heartbeat_s) < 0) {
                usage_error("agent", "bad --heartbeat '%s': a number of seconds, or with s, m, h or d", heartbeat);
                goto out;
        }
        if (spool_max && agent_parse_size(spool_max, &cfg.spool_max) < 0) {
                usage_error("agent", "bad --spool-max '%s': a number of bytes, or with K, M, G or T", spool_max);
                goto out;
        }
        if (cfg.scan_root && !cfg.scan_root[0]) {
                usage_error("agent", "--scan-root needs a directory");
                goto out;
        }
        if (host && !host[0]) {
                usage_error("agent", "--host-name needs a name");
                goto out;
        }
        if (!n_outputs && config_outputs(&outputs, &n_outputs) != EXIT_CLEAN)
                goto out;
        if (!n_outputs) {
                usage_error("agent", "no output: give --output URL or outputs in the configuration file");
                goto out;
        }
        cfg.outputs = (const char *const *) outputs;
        cfg.config_path = cli_conf ? cli_conf_path : NULL;
        cfg.rule_reference_base = cli_rule_reference_base();
        cfg.rules_path = cli.rules_path;
        cfg.rules_dir = cli.rules_dir ?: DEFAULT_RULES_DIR;
        cfg.n_outputs = n_outputs;
        if (cli_load_rules(&rules) != EXIT_CLEAN)
                goto out;
        cli_context(&ctx, rules, 0, NULL);
        /* --host-name names the host everywhere the agent ships it: host.name, observer.hostname and the
         * syslog HOSTNAME; host.id (this machine's machine-id) only when the agent keeps this host's name. */
        cfg.observer = *cli_observer();
        if (host)
                ctx.host = cfg.observer.name = host;
        else if (ctx.host == cfg.observer.name)
                cfg.host_id = cfg.observer.id;
        if (agent_run(&ctx, &cfg, on_log, NULL, &err) < 0) {
                r = cli_fail(&err);
                goto out;
        }
        r = EXIT_CLEAN;
out:
        cli_strv_free(outputs, n_outputs);
        cli_strv_free(schedules, n_schedules);
        return r;
}
