/* Posture: SELinux (DW-POS-SELINUX-*). The configured mode and policy type
 * from /etc/selinux/config beneath the root, read as libselinux reads it
 * (parse/selinux-config.c); on a live root the running mode from
 * /sys/fs/selinux/enforce (no selinuxfs: the kernel runs without SELinux)
 * and the policy version from /sys/fs/selinux/policyvers. Permissive or
 * disabled, configured or running, is an alert, and so is a running mode
 * other than the configured one (setenforce 0 since boot, selinux=0 on the
 * kernel command line). A root with no SELinux at all (no configuration,
 * none in the image, none running) is one state finding, not an alert; an
 * image-mode root whose image ships /usr/etc/selinux/config is expected to
 * run it, so there a missing or disabled SELinux is an alert. */
#define _GNU_SOURCE
#include "posture-check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/selinux-config.h"

#define SELINUX_CHECK "selinux"
#define SELINUX_CONFIG "/etc/selinux/config"
#define SELINUX_ENFORCE "/sys/fs/selinux/enforce"
#define SELINUX_POLICYVERS "/sys/fs/selinux/policyvers"

static int parse(const char *buf, size_t len, void *ret, char **ret_error)
{
        return selinux_config_parse(buf, len, ret, ret_error);
}

static int emit(struct posture *pc, const char *rule, bool alert, const char *action, const char *file,
                unsigned line, const char *setting, const char *value, const char *message)
{
        return posture_emit(pc, &(struct posture_finding) {
                .rule_id = rule, .alert = alert, .check = SELINUX_CHECK, .action = action, .file = file,
                .line = line, .setting = setting, .value = value, .message = message,
        });
}

/* The running mode: SELINUX_MODE_UNSET when not live or unreadable. */
static int current_mode(struct posture *pc, enum selinux_mode *ret, char **ret_policyvers)
{
        _cleanup_(freep) char *text = NULL;
        size_t len = 0;
        int r;

        *ret = SELINUX_MODE_UNSET;
        if (!pc->live)
                return 0;
        r = posture_read(pc, SELINUX_ENFORCE, 64, &text, &len);
        if (r == -ENOENT || r == -ENOTDIR) {
                *ret = SELINUX_MODE_DISABLED;   /* no selinuxfs: the kernel runs without it */
                return 0;
        }
        if (r < 0)
                return r == -ENOMEM ? r : 0;
        *ret = text[0] == '1' ? SELINUX_MODE_ENFORCING : text[0] == '0' ? SELINUX_MODE_PERMISSIVE
                                                                          : SELINUX_MODE_UNSET;
        free(text);
        text = NULL;
        if (posture_read(pc, SELINUX_POLICYVERS, 64, &text, &len) >= 0) {
                text[strcspn(text, "\n")] = '\0';
                *ret_policyvers = TAKE_PTR(text);
        }
        return 0;
}

static int mode_alert(struct posture *pc, enum selinux_mode m, const char *file, unsigned line, const char *what,
                      const char *image_note)
{
        _cleanup_(freep) char *message = NULL;

        if (m != SELINUX_MODE_PERMISSIVE && m != SELINUX_MODE_DISABLED)
                return 0;
        if (asprintf(&message, "SELinux is %s%s%s", what, selinux_mode_name(m), image_note) < 0)
                return -ENOMEM;
        return emit(pc, m == SELINUX_MODE_PERMISSIVE ? "DW-POS-SELINUX-PERMISSIVE" : "DW-POS-SELINUX-DISABLED", true,
                    m == SELINUX_MODE_PERMISSIVE ? "selinux-permissive" : "selinux-disabled", file, line, "mode",
                    selinux_mode_name(m), message);
}

int posture_check_selinux(struct posture *pc)
{
        _cleanup_(selinux_config_release) struct selinux_config cfg = { 0 }, img = { 0 };
        _cleanup_(freep) char *image_path = NULL, *policyvers = NULL, *message = NULL, *note = NULL;
        enum selinux_mode cur;
        int loaded, ships, r;

        loaded = posture_load(pc, SELINUX_CHECK, SELINUX_CONFIG, SELINUX_CONFIG_MAX_BYTES, parse, &cfg);
        if (loaded < 0)
                return loaded;
        ships = posture_image_ships(pc, SELINUX_CONFIG, &image_path);
        if (ships < 0 && ships != -ENODATA)
                return ships;
        ships = ships > 0;
        if (ships) {
                r = posture_load(pc, SELINUX_CHECK, image_path, SELINUX_CONFIG_MAX_BYTES, parse, &img);
                if (r < 0)
                        return r;
                if (r == POSTURE_LOADED && img.mode &&
                    asprintf(&note, " (the image's own %s says %s)", image_path, selinux_mode_name(img.mode)) < 0)
                        return -ENOMEM;
        }
        r = current_mode(pc, &cur, &policyvers);
        if (r < 0)
                return r;

        if (loaded == POSTURE_MISSING && !ships && cur != SELINUX_MODE_ENFORCING && cur != SELINUX_MODE_PERMISSIVE)
                return emit(pc, "DW-POS-SELINUX", false, "selinux-absent", NULL, 0, "mode", "absent",
                            pc->live ? "SELinux is not configured on this root (no " SELINUX_CONFIG ", none in the "
                                       "image) and the kernel runs without it"
                                     : "SELinux is not configured on this root (no " SELINUX_CONFIG ", none in the "
                                       "image)");

        /* What is configured. */
        if (loaded == POSTURE_LOADED) {
                if (asprintf(&message, "SELinux is configured %s, policy type %s%s", selinux_mode_name(cfg.mode),
                             cfg.type ?: "targeted", cfg.type ? "" : " (the default: no SELINUXTYPE=)") < 0)
                        return -ENOMEM;
                r = emit(pc, "DW-POS-SELINUX", false, "selinux-config", SELINUX_CONFIG, cfg.mode_line, "SELINUX",
                         selinux_mode_name(cfg.mode), message);
                r = r ?: emit(pc, "DW-POS-SELINUX", false, "selinux-config", SELINUX_CONFIG, cfg.type_line,
                              "SELINUXTYPE", cfg.type ?: "targeted", message);
                if (r < 0)
                        return r;
                if (!cfg.mode)
                        r = posture_invalid(pc, SELINUX_CHECK, SELINUX_CONFIG,
                                            "no SELINUX= line libselinux takes (enforcing, permissive or disabled "
                                            "at the start of the line)");
                r = r ?: mode_alert(pc, cfg.mode, SELINUX_CONFIG, cfg.mode_line, "configured ", note ?: "");
        } else if (loaded == POSTURE_MISSING && ships) {
                r = emit(pc, "DW-POS-SELINUX-DISABLED", true, "selinux-disabled", SELINUX_CONFIG, 0, "mode", "absent",
                         "SELinux is not configured: " SELINUX_CONFIG " is gone although the image ships one");
        }
        if (r < 0)
                return r;

        /* What runs. */
        if (!pc->live)
                return 0;
        free(message);
        message = NULL;
        if (asprintf(&message, "SELinux is running %s%s%s", selinux_mode_name(cur),
                     policyvers ? ", policy version " : "", policyvers ?: "") < 0)
                return -ENOMEM;
        r = emit(pc, "DW-POS-SELINUX", false, "selinux-current", SELINUX_ENFORCE, 0, "current",
                 selinux_mode_name(cur), message);
        if (r >= 0 && !(loaded == POSTURE_LOADED && cur == cfg.mode))  /* else alerted above */
                r = mode_alert(pc, cur, SELINUX_ENFORCE, 0, "running ", "");
        if (r < 0 || loaded != POSTURE_LOADED || !cfg.mode || !cur || cur == cfg.mode)
                return r;
        free(message);
        message = NULL;
        if (asprintf(&message, "SELinux runs %s but is configured %s (changed since boot, or overridden on the "
                               "kernel command line)", selinux_mode_name(cur), selinux_mode_name(cfg.mode)) < 0)
                return -ENOMEM;
        return emit(pc, "DW-POS-SELINUX-MISMATCH", true, "selinux-mismatch", SELINUX_ENFORCE, 0, "current",
                    selinux_mode_name(cur), message);
}
