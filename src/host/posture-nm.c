/* Posture: NetworkManager dispatcher scripts (NetworkManager-dispatcher(8)):
 * the executables of /etc/NetworkManager/dispatcher.d run as root on every
 * interface and connectivity change, those of its pre-up.d, pre-down.d and
 * no-wait.d before or without waiting. NetworkManager refuses a script that
 * is not owned by root or is writable by group or others; a script that is
 * anyway is one anybody may have changed, so it is an alert here whether or
 * not NetworkManager would run it. Each is stated with its owner and mode. */
#define _GNU_SOURCE
#include "posture-check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NM_CHECK "networkmanager-dispatcher"

static int emit(struct posture *pc, const char *rule, bool alert, const char *action, const char *file,
                const char *value, const char *message)
{
        return posture_emit(pc, &(struct posture_finding) {
                .rule_id = rule, .alert = alert, .check = NM_CHECK, .action = action, .file = file,
                .setting = "script", .value = value, .message = message,
        });
}

static int check_script(struct posture *pc, const char *path, bool *said)
{
        _cleanup_(freep) char *target = NULL, *value = NULL, *message = NULL;
        struct stat st;
        int r;

        if (posture_lstat(pc, path, &st) < 0 || S_ISDIR(st.st_mode))
                return 0;
        if (S_ISLNK(st.st_mode) && posture_readlink(pc, path, &target) < 0)
                target = NULL;
        if (asprintf(&value, "uid %u gid %u mode %04o%s%s", (unsigned) st.st_uid, (unsigned) st.st_gid,
                     (unsigned) st.st_mode & 07777, target ? " -> " : "", target ? target : "") < 0 ||
            asprintf(&message, "dispatcher script %s (%s)", path, value) < 0)
                return -ENOMEM;
        r = emit(pc, "DW-POS-NM-STATE", false, "nm-script", path, value, message);
        if (r < 0)
                return r;
        free(message);
        message = NULL;
        if (target && posture_writable_path(target)) {
                if (asprintf(&message, "dispatcher script %s links into a writable place: %s", path, target) < 0)
                        return -ENOMEM;
        } else if (!target && (st.st_uid != 0 || (st.st_mode & 022))) {
                if (asprintf(&message, "dispatcher script %s is %s%s%s", path,
                             st.st_uid != 0 ? "not owned by root" : "", st.st_uid != 0 && (st.st_mode & 022)
                             ? " and " : "", st.st_mode & 022 ? "writable by group or others" : "") < 0)
                        return -ENOMEM;
        }
        if (message) {
                r = emit(pc, "DW-POS-NM-UNSAFE", true, "nm-unsafe", path, value, message);
                if (r < 0)
                        return r;
        }
        r = posture_added(pc, "DW-POS-NM-STATE", NM_CHECK, path, said);
        if (r <= 0)
                return r;
        return emit(pc, "DW-POS-NM-ADDED", true, "nm-added", path, value,
                    "a dispatcher script the image does not ship: it runs as root on network changes");
}

int posture_check_nm(struct posture *pc)
{
        static const char *const dirs[] = { "/etc/NetworkManager/dispatcher.d",
                                            "/etc/NetworkManager/dispatcher.d/pre-up.d",
                                            "/etc/NetworkManager/dispatcher.d/pre-down.d",
                                            "/etc/NetworkManager/dispatcher.d/no-wait.d" };
        bool said = false;
        int r = 0;

        for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(dirs); i++) {
                _cleanup_(strv_release) struct strv names = { 0 };

                r = posture_list_reported(pc, NM_CHECK, dirs[i], "", &names);
                for (size_t k = 0; r >= 0 && k < names.n; k++) {
                        _cleanup_(freep) char *path = NULL;

                        if (pc->cancel && *pc->cancel)
                                return -ECANCELED;
                        if (asprintf(&path, "%s/%s", dirs[i], names.v[k]) < 0)
                                return -ENOMEM;
                        r = check_script(pc, path, &said);
                }
        }
        return r < 0 ? r : 0;
}
