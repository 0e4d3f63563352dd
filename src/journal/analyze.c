/* Journal analytics; see analyze.h.
 *
 * Message shapes, from the writers' sources:
 *  rpm-ostree  src/daemon/rpmostree-sysroot-upgrader.cxx: sd_journal_send of
 *              MESSAGE_ID 9bddbda177cd44d891b1b561a8a0ce9e, MESSAGE "Created
 *              new deployment /PATH", DEPLOYMENT_REFSPEC, _CHECKSUM, _VERSION,
 *              AGENT_SD_UNIT.
 *  bootc       crates/lib/src/deploy.rs stage(): message_id
 *              8f7a2b1c3d4e5f6a7b8c9d0e1f2a3b4c with bootc.image.reference and
 *              bootc.manifest_digest; cli.rs and bootc_composefs/switch.rs:
 *              7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1 (33 digits, as written) with
 *              bootc.new_image_reference / bootc.target_image. Logged through
 *              tracing-journald, whose default field prefix makes them
 *              F_MESSAGE_ID, F_BOOTC_IMAGE_REFERENCE, ...
 *  sysext      src/sysext/sysext.c merge_subprocess(), in the "(sd-merge)"
 *              child: "Using extensions 'a', 'b'." then "Merged extensions
 *              into '/usr'." per hierarchy (confext: '/etc').
 *  logind      src/login/logind-dbus.c bus_manager_log_shutdown(), when the
 *              shutdown runs: PRIORITY 5, MESSAGE_ID SD_MESSAGE_SHUTDOWN
 *              98268866d1d54a499c4e98921d93bc40 (src/systemd/sd-messages.h),
 *              SHUTDOWN= the action's log_verb and MESSAGE its message with
 *              '.' (and " (wall message)" before it), from
 *              src/login/logind-action.c handle_action_data_table (systemd
 *              3a4e3d4f): reboot "System is rebooting" (:43-44), kexec
 *              "System is rebooting with kexec" (:67-68), soft-reboot "System
 *              userspace is rebooting" (:79-80), power-off, halt. SHUTDOWN=
 *              is matched, not the text, which differs between versions.
 *  PID 1       src/core/job.c job_emit_start_message(): a start job logs
 *              MESSAGE_ID SD_MESSAGE_UNIT_STARTING
 *              7d4958e842da4a758f6c1cdc7b36dcc5 with UNIT=, JOB_TYPE=start,
 *              "Starting systemd-soft-reboot.service - ...": the services
 *              soft-reboot.target, reboot.target and kexec.target pull in
 *              (units/systemd-{soft-reboot,reboot,kexec}.service). A plain
 *              `systemctl reboot` goes to PID 1 without logind.
 *  a new boot  journald stamps every entry with _BOOT_ID; a soft-reboot
 *              keeps it (the kernel does not restart), a reboot or kexec
 *              does not. */
#define _GNU_SOURCE
#include "analyze.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/buf.h"
#include "basic/time-util.h"

#define RPM_OSTREE_DEPLOYMENT_ID "9bddbda177cd44d891b1b561a8a0ce9e"
#define BOOTC_STAGE_ID "8f7a2b1c3d4e5f6a7b8c9d0e1f2a3b4c"
#define BOOTC_SWITCH_ID "7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1"
#define SHUTDOWN_ID "98268866d1d54a499c4e98921d93bc40"
#define UNIT_STARTING_ID "7d4958e842da4a758f6c1cdc7b36dcc5"

#define MAX_DEPLOY_TIMES 64             /* recent deployments remembered for merges */
#define MAX_PENDING_MERGES 256
#define MAX_PENDING_AUDIT 1024
#define AUDIT_WAIT_US (5 * 1000000ULL)  /* a SYSCALL's PATH records arrive within this */
#define NAMES_MAX 1024
#define MAX_BOOTS 64                    /* boots remembered to tell a new one from one seen */
#define REBOOT_FOLD_US (300 * 1000000ULL)       /* logind's message and PID 1's start job: one reboot */

struct pending_merge {
        uint64_t us;
        char hierarchy[256];
        char names[NAMES_MAX];          /* "a, b"; "" unknown */
        char unit[128];
        char input[256];
};

enum reboot_kind { REBOOT_NONE, REBOOT_SOFT, REBOOT_FULL, REBOOT_KEXEC, REBOOT_OFF };

struct boot {
        char id[33];
        bool ended;                     /* a reboot, kexec, power-off or halt was logged in it */
};

struct pending_audit {
        uint64_t us;
        char id[64];                    /* _BOOT_ID/_AUDIT_ID */
};

struct journal_analyzer {
        struct journal_check c;
        struct journal_stats stats;
        char input[256];
        bool has_last;
        uint64_t last_us;
        uint64_t deploy_us[MAX_DEPLOY_TIMES];
        size_t n_deploy, deploy_next;
        struct pending_merge merges[MAX_PENDING_MERGES];
        size_t n_merges;
        char using_pid[32];
        char using_names[NAMES_MAX];
        struct pending_audit audit[MAX_PENDING_AUDIT];
        size_t n_audit;
        char audit_first[64];
        uint64_t audit_first_us;
        struct boot boots[MAX_BOOTS];
        size_t n_boots, boot_next;
        struct boot *boot;              /* the current input's current boot; NULL: none yet */
        enum reboot_kind last_kind;     /* the last shutdown reported, folding its other messages */
        uint64_t last_kind_us;
        const struct boot *last_kind_boot;
};

int journal_analyzer_new(const struct journal_check *c, struct journal_analyzer **ret)
{
        struct journal_analyzer *a = calloc(1, sizeof(*a));

        if (!a)
                return -ENOMEM;
        a->c = *c;
        if (a->c.merge_window_s <= 0)
                a->c.merge_window_s = JOURNAL_MERGE_WINDOW_DEFAULT;
        *ret = a;
        return 0;
}

struct journal_analyzer *journal_analyzer_free(struct journal_analyzer *a)
{
        free(a);
        return NULL;
}

void journal_analyzer_input(struct journal_analyzer *a, const char *label)
{
        snprintf(a->input, sizeof(a->input), "%s", strcmp(label, "-") == 0 ? "(standard input)" : label);
        a->has_last = false;
        a->boot = NULL;         /* inputs need not follow each other in time: no boot change across them */
}

static void copy_str(char *dst, size_t size, const char *s)
{
        snprintf(dst, size, "%s", s ? s : "");
}

struct emit {
        const char *rule, *action, *category, *type;
        bool alert;
};

/* One finding at time us with message and (attr, value) pairs, NULL-ended. */
static int emit(struct journal_analyzer *a, const struct emit *e, uint64_t us, const char *message, ...)
{
        char ts[RFC3339_MS_LEN];
        struct finding f;
        va_list ap;
        int r = 0;

        finding_init(&f);
        f.alert = e->alert;
        f.rule = ruleset_rule(a->c.rules, e->rule);     /* required by the rules loader */
        f.category = e->category;
        f.type = e->type;
        f.action = e->action;
        f.dataset = "driftwatch.journal";
        rfc3339_format_ms((int64_t) (us / 1000000), (unsigned) (us / 1000 % 1000), ts);
        f.timestamp = us ? ts : NULL;
        f.message = message;
        va_start(ap, message);
        for (const char *attr; r >= 0 && (attr = va_arg(ap, const char *));) {
                const char *v = va_arg(ap, const char *);

                if (v && *v)
                        r = finding_add_value(&f, attr, NULL, 0, v, strlen(v));
        }
        va_end(ap);
        if (r >= 0)
                r = output_emit(a->c.out, &f);
        finding_release(&f);
        return r;
}

static bool field_is(const struct journal_entry *e, const char *name, const char *value)
{
        const char *v = journal_entry_str(e, name);

        return v && strcmp(v, value) == 0;
}

/* MESSAGE_ID as systemd writes it, or F_MESSAGE_ID as tracing-journald does. */
static bool message_id_is(const struct journal_entry *e, const char *id)
{
        return field_is(e, "MESSAGE_ID", id) || field_is(e, "F_MESSAGE_ID", id);
}

static void remember_deployment(struct journal_analyzer *a, uint64_t us)
{
        a->deploy_us[a->deploy_next] = us;
        a->deploy_next = (a->deploy_next + 1) % MAX_DEPLOY_TIMES;
        if (a->n_deploy < MAX_DEPLOY_TIMES)
                a->n_deploy++;
}

static int report_deployment(struct journal_analyzer *a, const struct journal_entry *e, const char *writer,
                             const char *image, const char *id, const char *version, const char *unit)
{
        const struct maintenance_window *w = status_policy_window(a->c.policy, (int64_t) (e->realtime_us / 1000000));
        bool judged = a->c.policy && a->c.policy->n_windows > 0;
        struct emit em = { .rule = judged && !w ? "DW-JRN-DEPLOYMENT-OUTSIDE-WINDOW" : "DW-JRN-DEPLOYMENT",
                           .action = "deployment-created", .category = "configuration", .type = "change",
                           .alert = judged && !w };
        _cleanup_(buf_release) struct buf msg;
        int r;

        buf_init(&msg, 0);
        r = buf_printf(&msg, "%s created a new deployment of '%s'", writer, image ?: "(no image reference)");
        if (r >= 0 && id)
                r = buf_printf(&msg, " (%s)", id);
        if (r >= 0)
                r = !judged ? buf_puts(&msg, "; the policy gives no maintenance window") :
                    w ? buf_printf(&msg, " inside the maintenance window %s", w->text) :
                        buf_puts(&msg, " outside every maintenance window");
        if (r < 0)
                return r;
        a->stats.deployments++;
        remember_deployment(a, e->realtime_us);
        return emit(a, &em, e->realtime_us, msg.data, "image", image, "digest", id, "version", version, "unit",
                    unit, "window", w ? w->text : NULL, "journal", a->input, NULL);
}

static int check_deployment(struct journal_analyzer *a, const struct journal_entry *e)
{
        if (message_id_is(e, RPM_OSTREE_DEPLOYMENT_ID)) {
                /* rpm-ostree writes its optional fields empty: the client's unit, else the daemon's. */
                const char *unit = journal_entry_str(e, "AGENT_SD_UNIT");

                return report_deployment(a, e, "rpm-ostree", journal_entry_str(e, "DEPLOYMENT_REFSPEC"),
                                         journal_entry_str(e, "DEPLOYMENT_CHECKSUM"),
                                         journal_entry_str(e, "DEPLOYMENT_VERSION"),
                                         unit && *unit ? unit : journal_entry_str(e, "_SYSTEMD_UNIT"));
        }
        if (message_id_is(e, BOOTC_STAGE_ID))
                return report_deployment(a, e, "bootc", journal_entry_str(e, "F_BOOTC_IMAGE_REFERENCE"),
                                         journal_entry_str(e, "F_BOOTC_MANIFEST_DIGEST"), NULL,
                                         journal_entry_str(e, "_SYSTEMD_UNIT"));
        /* A switch is followed by its staging message: counted for merges only. */
        if (message_id_is(e, BOOTC_SWITCH_ID))
                remember_deployment(a, e->realtime_us);
        return 0;
}

/* A deployment within the merge window of us (before_only: at or before us). */
static bool near_deployment(const struct journal_analyzer *a, uint64_t us, bool before_only)
{
        uint64_t w = (uint64_t) a->c.merge_window_s * 1000000;

        for (size_t i = 0; i < a->n_deploy; i++)
                if (a->deploy_us[i] <= us ? us - a->deploy_us[i] <= w : !before_only && a->deploy_us[i] - us <= w)
                        return true;
        return false;
}

/* The first ticket naming one of the extensions ("a, b"). */
static const struct change_ticket *merge_ticket(const struct journal_analyzer *a, const struct pending_merge *m)
{
        const char *p = m->names;
        char name[NAMES_MAX];

        if (!a->c.tickets)
                return NULL;
        do {
                const char *sep = strstr(p, ", ");
                size_t n = sep ? (size_t) (sep - p) : strlen(p);
                const struct change_ticket *k;

                snprintf(name, sizeof(name), "%.*s", (int) n, p);
                k = ticket_find_name(a->c.tickets, name, (int64_t) (m->us / 1000000));
                if (k)
                        return k;
                p = sep ? sep + 2 : NULL;
        } while (p);
        return NULL;
}

static int decide_merge(struct journal_analyzer *a, const struct pending_merge *m)
{
        const struct change_ticket *k = merge_ticket(a, m);
        bool deployed = !k && near_deployment(a, m->us, false);
        struct emit em = { .rule = k || deployed ? "DW-JRN-EXTENSION-MERGE" : "DW-JRN-EXTENSION-UNMATCHED",
                           .action = "extensions-merged", .category = "configuration", .type = "change",
                           .alert = !k && !deployed };
        char msg[2048], window[32];

        snprintf(window, sizeof(window), "%" PRId64 "s", a->c.merge_window_s);
        snprintf(msg, sizeof(msg), "extensions '%s' merged into '%s'%s%s%s", m->names[0] ? m->names : "(not logged)",
                 m->hierarchy, k ? "; change ticket " : deployed ? "; a deployment within " : "",
                 k ? k->id : deployed ? window : "", !k && !deployed ? ": no change ticket and no deployment "
                                                                        "within the merge window" : "");
        if (em.alert)
                a->stats.merges_unmatched++;
        return emit(a, &em, m->us, msg, "extensions", m->names, "hierarchy", m->hierarchy, "unit", m->unit,
                    "ticket", k ? k->id : NULL, "journal", m->input, NULL);
}

/* Merges wait for a deployment logged after them, up to the window. */
static int flush_merges(struct journal_analyzer *a, uint64_t now_us, bool all)
{
        uint64_t w = (uint64_t) a->c.merge_window_s * 1000000;
        size_t keep = 0;
        int r = 0;

        for (size_t i = 0; i < a->n_merges; i++) {
                if (r >= 0 && (all || now_us > a->merges[i].us + w))
                        r = decide_merge(a, &a->merges[i]);
                else
                        a->merges[keep++] = a->merges[i];
        }
        a->n_merges = keep;
        return r;
}

static int check_merge(struct journal_analyzer *a, const struct journal_entry *e)
{
        const char *msg = journal_entry_str(e, "MESSAGE"), *ident = journal_entry_str(e, "SYSLOG_IDENTIFIER");
        const char *unit = journal_entry_str(e, "_SYSTEMD_UNIT"), *pid = journal_entry_str(e, "_PID");
        bool sysext = (ident && (strcmp(ident, "(sd-merge)") == 0 || strncmp(ident, "systemd-sysext", 14) == 0 ||
                                 strncmp(ident, "systemd-confext", 15) == 0)) ||
                      (unit && (strcmp(unit, "systemd-sysext.service") == 0 ||
                                strcmp(unit, "systemd-confext.service") == 0));
        struct pending_merge *m;
        size_t n;
        int r;

        if (!msg || !sysext)
                return 0;
        if (strncmp(msg, "Using extensions '", 18) == 0) {
                n = strlen(msg + 18);
                if (n >= 2 && strcmp(msg + 18 + n - 2, "'.") == 0) {
                        /* "a', 'b" as logged: "a, b" */
                        size_t k = 0;

                        for (size_t i = 18; i < 18 + n - 2 && k + 1 < sizeof(a->using_names); i++)
                                if (!(msg[i] == '\'' && (msg[i + 1] == ',' || (i > 0 && msg[i - 1] == ' '))))
                                        a->using_names[k++] = msg[i];
                        a->using_names[k] = '\0';
                        copy_str(a->using_pid, sizeof(a->using_pid), pid);
                }
                return 0;
        }
        if (strncmp(msg, "Merged extensions into '", 24) != 0)
                return 0;
        if (a->n_merges == MAX_PENDING_MERGES) {
                r = decide_merge(a, &a->merges[0]);
                memmove(a->merges, a->merges + 1, (MAX_PENDING_MERGES - 1) * sizeof(a->merges[0]));
                a->n_merges--;
                if (r < 0)
                        return r;
        }
        m = &a->merges[a->n_merges++];
        m->us = e->realtime_us;
        n = strlen(msg + 24);
        snprintf(m->hierarchy, sizeof(m->hierarchy), "%.*s", (int) (n >= 2 ? n - 2 : n), msg + 24);
        copy_str(m->names, sizeof(m->names), pid && strcmp(pid, a->using_pid) == 0 ? a->using_names : "");
        copy_str(m->unit, sizeof(m->unit), unit);
        copy_str(m->input, sizeof(m->input), a->input);
        a->stats.merges++;
        return 0;
}

static const struct {
        const char *verb, *unit;        /* logind's SHUTDOWN=, the service PID 1 starts */
        enum reboot_kind kind;
} shutdowns[] = {
        { "soft-reboot", "systemd-soft-reboot.service", REBOOT_SOFT },
        { "reboot", "systemd-reboot.service", REBOOT_FULL },
        { "kexec", "systemd-kexec.service", REBOOT_KEXEC },
        { "power-off", "systemd-poweroff.service", REBOOT_OFF },
        { "halt", "systemd-halt.service", REBOOT_OFF },
};

static const char *reboot_kind_name(enum reboot_kind k)
{
        return k == REBOOT_SOFT ? "soft-reboot" : k == REBOOT_KEXEC ? "kexec" : "reboot";
}

/* A soft-reboot, reboot or kexec at us: accounted for by a change ticket
 * naming it (a kexec also by one naming "reboot"), a maintenance window or a
 * deployment within the merge window before it; else an alert. */
static int report_reboot(struct journal_analyzer *a, enum reboot_kind kind, uint64_t us, const char *how,
                         const char *unit, const char *boot)
{
        const char *name = reboot_kind_name(kind);
        int64_t t = (int64_t) (us / 1000000);
        const struct change_ticket *k = ticket_find_name(a->c.tickets, name, t);
        const struct maintenance_window *w;
        bool deployed;
        struct emit em = { .rule = kind == REBOOT_SOFT ? "DW-JRN-SOFT-REBOOT" : "DW-JRN-REBOOT", .action = name,
                           .category = "host", .type = "change" };
        char msg[1024], window[32];

        if (!k && kind == REBOOT_KEXEC)
                k = ticket_find_name(a->c.tickets, "reboot", t);
        w = k ? NULL : status_policy_window(a->c.policy, t);
        deployed = !k && !w && near_deployment(a, us, true);
        em.alert = !k && !w && !deployed;
        snprintf(window, sizeof(window), "%" PRId64 "s", a->c.merge_window_s);
        snprintf(msg, sizeof(msg), "%s %s%s%s%s", name, how,
                 k ? "; change ticket " : w ? "; inside the maintenance window " :
                 deployed ? "; a deployment within " : "",
                 k ? k->id : w ? w->text : deployed ? window : "",
                 em.alert ? ": no change ticket, maintenance window or deployment before it accounts for it" :
                 !deployed ? "" : kind == REBOOT_SOFT ? " before it (which a soft-reboot does not apply)" :
                 " before it");
        if (kind == REBOOT_SOFT)
                a->stats.soft_reboots++;
        else
                a->stats.reboots++;
        if (em.alert)
                a->stats.reboots_unscheduled++;
        return emit(a, &em, us, msg, "kind", name, "unit", unit, "ticket", k ? k->id : NULL,
                    "window", w ? w->text : NULL, "boot", boot, "journal", a->input, NULL);
}

/* The boot an entry belongs to: a boot not seen before, after another one of
 * the same input that logged no shutdown, ended unannounced (a crash, a
 * power cut, `reboot --force`, or its last records lost). */
static int check_boot(struct journal_analyzer *a, const struct journal_entry *e)
{
        const char *id = journal_entry_str(e, "_BOOT_ID");
        struct boot *prev = a->boot, *b = NULL;
        char prev_id[33];

        if (!id || strlen(id) != 32)
                return 0;
        if (prev && strcmp(prev->id, id) == 0)
                return 0;
        for (size_t i = 0; i < a->n_boots && !b; i++)
                if (strcmp(a->boots[i].id, id) == 0)
                        b = &a->boots[i];
        if (b) {
                a->boot = b;
                return 0;
        }
        b = &a->boots[a->boot_next];
        a->boot_next = (a->boot_next + 1) % MAX_BOOTS;
        if (a->n_boots < MAX_BOOTS)
                a->n_boots++;
        copy_str(prev_id, sizeof(prev_id), prev && prev != b ? prev->id : NULL);
        if (prev == b || (prev && prev->ended))
                prev = NULL;
        *b = (struct boot) { 0 };
        copy_str(b->id, sizeof(b->id), id);
        a->boot = b;
        if (!prev || !e->has_realtime)
                return 0;
        return report_reboot(a, REBOOT_FULL, e->realtime_us, "(a new boot; the boot before it logged no shutdown)",
                             NULL, prev_id);
}

/* logind's shutdown message or PID 1's start job of a shutdown service. */
static int check_reboot(struct journal_analyzer *a, const struct journal_entry *e)
{
        const char *id = journal_entry_str(e, "MESSAGE_ID"), *verb = NULL, *unit = NULL;
        bool logind = id && strcmp(id, SHUTDOWN_ID) == 0 && (verb = journal_entry_str(e, "SHUTDOWN"));
        bool job = id && strcmp(id, UNIT_STARTING_ID) == 0 && (unit = journal_entry_str(e, "UNIT"));
        enum reboot_kind kind = REBOOT_NONE;
        char how[256];

        if (!logind && !job)    /* one field looked up for every other entry */
                return 0;
        for (size_t i = 0; i < sizeof(shutdowns) / sizeof(shutdowns[0]) && kind == REBOOT_NONE; i++)
                if (strcmp(logind ? verb : unit, logind ? shutdowns[i].verb : shutdowns[i].unit) == 0)
                        kind = shutdowns[i].kind;
        if (kind == REBOOT_NONE)
                return 0;
        if (kind != REBOOT_SOFT && a->boot)
                a->boot->ended = true;
        if (kind == a->last_kind && a->boot == a->last_kind_boot && (e->realtime_us >= a->last_kind_us ? e->realtime_us - a->last_kind_us :
                                     a->last_kind_us - e->realtime_us) <= REBOOT_FOLD_US)
                return 0;
        a->last_kind = kind;
        a->last_kind_us = e->realtime_us;
        a->last_kind_boot = a->boot;
        if (kind == REBOOT_OFF)
                return 0;
        if (logind)
                snprintf(how, sizeof(how), "logged by systemd-logind");
        else
                snprintf(how, sizeof(how), "started as %.200s", unit);
        return report_reboot(a, kind, e->realtime_us, how, logind ? NULL : unit, journal_entry_str(e, "_BOOT_ID"));
}

static void audit_decide(struct journal_analyzer *a, const struct pending_audit *p)
{
        if (a->stats.audit_path_missing++ == 0) {
                copy_str(a->audit_first, sizeof(a->audit_first), p->id);
                a->audit_first_us = p->us;
        }
}

static void audit_flush(struct journal_analyzer *a, uint64_t now_us, bool all)
{
        size_t keep = 0;

        for (size_t i = 0; i < a->n_audit; i++) {
                if (all || now_us > a->audit[i].us + AUDIT_WAIT_US)
                        audit_decide(a, &a->audit[i]);
                else
                        a->audit[keep++] = a->audit[i];
        }
        a->n_audit = keep;
}

/* items=N of a SYSCALL record: the PATH records the kernel announces. */
static unsigned long audit_items(const struct journal_entry *e)
{
        const char *msg = journal_entry_str(e, "MESSAGE"), *v = journal_entry_str(e, "_AUDIT_FIELD_ITEMS");

        if (!v && msg && (v = strstr(msg, " items=")))
                v += 7;
        return v ? strtoul(v, NULL, 10) : 0;
}

static void check_audit(struct journal_analyzer *a, const struct journal_entry *e)
{
        const char *type = journal_entry_str(e, "_AUDIT_TYPE_NAME"), *num = journal_entry_str(e, "_AUDIT_TYPE");
        const char *serial = journal_entry_str(e, "_AUDIT_ID"), *boot = journal_entry_str(e, "_BOOT_ID");
        char id[64];

        if (!field_is(e, "_TRANSPORT", "audit") || !serial)
                return;
        snprintf(id, sizeof(id), "%.32s/%.20s", boot ? boot : "", serial);
        if ((type && strcmp(type, "PATH") == 0) || (num && strcmp(num, "1302") == 0)) {
                for (size_t i = 0; i < a->n_audit; i++)
                        if (strcmp(a->audit[i].id, id) == 0) {
                                a->audit[i] = a->audit[--a->n_audit];
                                break;
                        }
                return;
        }
        if (!((type && strcmp(type, "SYSCALL") == 0) || (num && strcmp(num, "1300") == 0)) || audit_items(e) == 0)
                return;
        if (a->n_audit == MAX_PENDING_AUDIT) {
                audit_decide(a, &a->audit[0]);
                a->audit[0] = a->audit[--a->n_audit];
        }
        a->audit[a->n_audit].us = e->realtime_us;
        copy_str(a->audit[a->n_audit].id, sizeof(a->audit[0].id), id);
        a->n_audit++;
}

static int check_input(struct journal_analyzer *a, const struct journal_entry *e)
{
        char msg[512];
        int r = 0;

        if (e->oversized[0]) {
                static const struct emit em = { .rule = "DW-JRN-FIELD-TOO-LARGE", .action = "field-too-large",
                                                .category = "host", .type = "info", .alert = true };

                a->stats.oversized++;
                snprintf(msg, sizeof(msg), "journal %s: an entry's field '%s' declares %" PRIu64 " bytes, more than "
                         "the %zu KiB limit: skipped, the rest of the entry read", a->input, e->oversized,
                         e->oversized_size, JOURNAL_FIELD_MAX >> 10);
                r = emit(a, &em, e->has_realtime ? e->realtime_us : 0, msg, "field", e->oversized, "journal",
                         a->input, NULL);
        }
        if (r >= 0 && e->has_realtime && a->has_last && e->realtime_us + 1000000 < a->last_us) {
                static const struct emit em = { .rule = "DW-JRN-CLOCK-BACKWARDS", .action = "clock-backwards",
                                                .category = "host", .type = "info", .alert = true };
                char from[RFC3339_LEN], to[RFC3339_LEN];

                a->stats.clock_backwards++;
                rfc3339_format((int64_t) (a->last_us / 1000000), from);
                rfc3339_format((int64_t) (e->realtime_us / 1000000), to);
                snprintf(msg, sizeof(msg), "journal %s: the clock went back %" PRIu64 " s, from %s to %s: "
                         "windows and tickets are judged by the time each entry carries", a->input,
                         (a->last_us - e->realtime_us) / 1000000, from, to);
                r = emit(a, &em, e->realtime_us, msg, "journal", a->input, NULL);
        }
        if (e->has_realtime && (!a->has_last || e->realtime_us > a->last_us)) {
                a->last_us = e->realtime_us;
                a->has_last = true;
        }
        return r;
}

int journal_analyzer_entry(struct journal_analyzer *a, const struct journal_entry *e)
{
        int r;

        a->stats.entries++;
        r = check_input(a, e);
        if (r >= 0 && a->has_last) {
                r = flush_merges(a, a->last_us, false);
                audit_flush(a, a->last_us, false);
        }
        if (r >= 0)
                r = check_deployment(a, e);
        if (r >= 0)
                r = check_merge(a, e);
        if (r >= 0)
                r = check_boot(a, e);
        if (r >= 0)
                r = check_reboot(a, e);
        if (r >= 0)
                check_audit(a, e);
        return r;
}

int journal_analyzer_finish(struct journal_analyzer *a, struct journal_stats *ret_stats)
{
        int r = flush_merges(a, 0, true);

        audit_flush(a, 0, true);
        if (r >= 0 && a->stats.audit_path_missing > 0) {
                static const struct emit em = { .rule = "DW-JRN-AUDIT-PATH-MISSING", .action = "path-records-missing",
                                                .category = "host", .type = "info", .alert = true };
                char msg[256], count[24];

                snprintf(count, sizeof(count), "%" PRIu64, a->stats.audit_path_missing);
                snprintf(msg, sizeof(msg), "%" PRIu64 " audit syscall record%s in the journal announced PATH records "
                         "that never arrived (first: audit event %s): a rule set excluding PATH records blinds "
                         "file watches", a->stats.audit_path_missing, a->stats.audit_path_missing == 1 ? "" : "s",
                         a->audit_first);
                r = emit(a, &em, a->audit_first_us, msg, "count", count, "first", a->audit_first, NULL);
        }
        if (ret_stats)
                *ret_stats = a->stats;
        return r;
}

int journal_analyzer_idle(struct journal_analyzer *a, uint64_t now_us)
{
        return flush_merges(a, now_us, false);
}

int journal_analyzer_health(struct journal_analyzer *a, const char *rule, const char *action, uint64_t us,
                            const char *message, const char *attr, const char *value)
{
        const struct emit em = { .rule = rule, .action = action, .category = "host", .type = "info", .alert = true };

        return emit(a, &em, us, message, attr, value, "journal", a->input, NULL);
}
