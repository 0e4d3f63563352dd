/* Posture: the mount options of the places that should never hold
 * executables, devices or setuid programs (DW-POS-MOUNT-*), from the mount
 * table (this host's /proc/self/mountinfo, or the saved one given).
 *
 * What is recommended where: the seeds ask for noexec on the /var
 * subdirectories that should never hold executables, /var/tmp by name, and
 * warn that noexec on /var/lib/containers breaks Podman; nosuid and nodev on
 * /tmp, /var/tmp, /dev/shm, /var/log, /home and /var and noexec on the
 * scratch and log places are the usual hardening baseline (CIS 1.1). A place
 * that is not a mount of its own is stated with the mount it lies on, not
 * alerted: the option can only be set by making it one. */
#define _GNU_SOURCE
#include "posture-check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "host/mounts-diff.h"

#define MOUNT_CHECK "mounts"

enum { WANT_NOEXEC = 1u << 0, WANT_NOSUID = 1u << 1, WANT_NODEV = 1u << 2 };

static const struct {
        const char *path;
        unsigned want;
        unsigned seed;                  /* the options the seeds name for it: alerted at medium */
} places[] = {
        { "/tmp", WANT_NOEXEC | WANT_NOSUID | WANT_NODEV, 0 },
        { "/var/tmp", WANT_NOEXEC | WANT_NOSUID | WANT_NODEV, WANT_NOEXEC },
        { "/dev/shm", WANT_NOEXEC | WANT_NOSUID | WANT_NODEV, 0 },
        { "/var/log", WANT_NOEXEC | WANT_NOSUID | WANT_NODEV, 0 },
        { "/home", WANT_NOSUID | WANT_NODEV, 0 },
        { "/var", WANT_NOSUID | WANT_NODEV, 0 },
};

static const char *const option_names[] = { "noexec", "nosuid", "nodev" };

/* The finding is about the mount point (file.path, what an allowlist entry
 * names); setting says which option, the message which table. */
static int emit(struct posture *pc, const char *rule, bool alert, enum severity sev, const char *action,
                const char *path, const char *setting, const char *value, const char *message)
{
        return posture_emit(pc, &(struct posture_finding) {
                .rule_id = rule, .alert = alert, .severity = sev, .check = MOUNT_CHECK, .action = action,
                .file = path, .setting = setting, .value = value, .message = message,
        });
}

static int check_place(struct posture *pc, size_t k)
{
        const char *path = places[k].path;
        const struct mount_entry *e = mount_table_covering(pc->mounts, path);
        _cleanup_(freep) char *value = NULL, *message = NULL;
        bool own;
        int r;

        if (!e)
                return 0;
        own = strcmp(e->target, path) == 0;
        if (asprintf(&value, "%s", e->options) < 0 ||
            (own ? asprintf(&message, "%s is mounted from %s (%s) with %s", path, e->source, e->fstype, e->options)
                 : asprintf(&message, "%s is not a mount of its own: it lies on %s (%s, %s), so noexec, nosuid "
                                      "and nodev cannot be set for it alone",
                            path, e->target, e->fstype, e->options)) < 0)
                return -ENOMEM;
        r = emit(pc, "DW-POS-MOUNT", false, 0, own ? "mount-options" : "mount-not-separate", path, "options", value,
                 message);
        if (r < 0 || !own)
                return r;
        for (unsigned bit = 0; bit < ARRAY_SIZE(option_names); bit++) {
                if (!(places[k].want & (1u << bit)) || mount_option(e->options, option_names[bit], NULL, NULL))
                        continue;
                free(message);
                message = NULL;
                if (asprintf(&message, "%s is mounted without %s (options %s, in %s)", path, option_names[bit],
                             e->options, pc->mounts_from) < 0)
                        return -ENOMEM;
                r = emit(pc, "DW-POS-MOUNT-OPTION", true,
                         places[k].seed & (1u << bit) ? SEVERITY_MEDIUM : SEVERITY_LOW, "mount-option-missing",
                         path, "option", option_names[bit], message);
                if (r < 0)
                        return r;
        }
        return 0;
}

int posture_check_mounts(struct posture *pc)
{
        const struct mount_entry *c;
        _cleanup_(freep) char *message = NULL;
        int r;

        if (!pc->mounts)
                return emit(pc, "DW-POS-MOUNT", false, 0, "mount-table-unknown", NULL, "mount-table", "none",
                            "an offline root has no mount table of its own (give --mountinfo): mount options "
                            "are not judged");
        for (size_t k = 0; k < ARRAY_SIZE(places); k++) {
                r = check_place(pc, k);
                if (r < 0)
                        return r;
        }
        /* The other way round: container storage must be able to run what it stores. */
        c = mount_table_covering(pc->mounts, "/var/lib/containers");
        if (!c || !mount_option(c->options, "noexec", NULL, NULL))
                return 0;
        if (asprintf(&message, "/var/lib/containers lies on %s mounted noexec: Podman and bootc cannot run the "
                               "containers they store there", c->target) < 0)
                return -ENOMEM;
        return emit(pc, "DW-POS-MOUNT-CONTAINERS-NOEXEC", true, 0, "mount-containers-noexec", "/var/lib/containers",
                    "options", c->options, message);
}
