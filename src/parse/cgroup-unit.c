/* The systemd unit and the container of a process from /proc/PID/cgroup;
 * see cgroup-unit.h. */
#include <stdbool.h>
#include <string.h>

#include "cgroup-unit.h"

static const char *const unit_suffixes[] = { ".service", ".scope", ".socket", ".timer", ".mount" };

static bool unit_char(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == ':' || c == '-' || c == '_' || c == '.' || c == '\\' || c == '@';
}

/* Whether s (n bytes) is a unit name of one of the suffixes. */
static bool is_unit(const char *s, size_t n)
{
        size_t i, k;

        if (n == 0 || n >= CGROUP_UNIT_MAX)
                return false;
        for (i = 0; i < n; i++)
                if (!unit_char(s[i]))
                        return false;
        for (k = 0; k < sizeof(unit_suffixes) / sizeof(unit_suffixes[0]); k++) {
                size_t m = strlen(unit_suffixes[k]);

                if (n > m && memcmp(s + n - m, unit_suffixes[k], m) == 0)
                        return true;
        }
        return false;
}

int cgroup_unit_of_path(const char *p, size_t n, char ret[CGROUP_UNIT_MAX])
{
        const char *found = NULL, *c, *end = p + n;
        size_t found_len = 0, len;

        while (p < end) {
                c = memchr(p, '/', (size_t) (end - p));
                len = (size_t) ((c ? c : end) - p);
                /* systemd escapes a cgroup name that could clash with a
                 * kernel file (or starts with '_') by prefixing '_'. */
                if (len > 1 && p[0] == '_' && is_unit(p + 1, len - 1))
                        found = p + 1, found_len = len - 1;
                else if (is_unit(p, len))
                        found = p, found_len = len;
                p = c ? c + 1 : end;
        }
        if (!found)
                return 0;
        memcpy(ret, found, found_len);
        ret[found_len] = '\0';
        return 1;
}

/* Whether a controller list (comma-separated) holds name. */
static bool has_controller(const char *s, size_t n, const char *name)
{
        size_t m = strlen(name), len;
        const char *c, *end = s + n;

        while (s < end) {
                c = memchr(s, ',', (size_t) (end - s));
                len = (size_t) ((c ? c : end) - s);
                if (len == m && memcmp(s, name, m) == 0)
                        return true;
                s = c ? c + 1 : end;
        }
        return false;
}

/* One line of /proc/PID/cgroup text from *p (moved past it):
 * hierarchy-ID:controller-list:cgroup-path, the path may hold ':'. *ret_path
 * is NULL for a line of another form. False at the end. */
static bool cgroup_line(const char **p, const char *end, const char **ret_id, size_t *ret_id_len,
                        const char **ret_ctl, size_t *ret_ctl_len, const char **ret_path, size_t *ret_path_len)
{
        const char *line = *p, *nl, *c1, *c2;
        size_t n;

        if (line >= end)
                return false;
        nl = memchr(line, '\n', (size_t) (end - line));
        n = (size_t) ((nl ? nl : end) - line);
        *p = nl ? nl + 1 : end;
        c1 = memchr(line, ':', n);
        c2 = c1 ? memchr(c1 + 1, ':', n - (size_t) (c1 + 1 - line)) : NULL;
        *ret_path = NULL;
        if (!c2 || c2 + 1 >= line + n || c2[1] != '/')
                return true;
        *ret_id = line, *ret_id_len = (size_t) (c1 - line);
        *ret_ctl = c1 + 1, *ret_ctl_len = (size_t) (c2 - c1 - 1);
        *ret_path = c2 + 1, *ret_path_len = n - (size_t) (c2 + 1 - line);
        return true;
}

/* The path of the hierarchy systemd manages in /proc/PID/cgroup text: the v1
 * "name=systemd" line's when there is one, else the v2 "0::" line's. Returns
 * true with it in *ret_path and *ret_len. */
static bool cgroup_systemd_path(const char *buf, size_t len, const char **ret_path, size_t *ret_len)
{
        const char *p = buf, *end = buf + len, *id, *ctl, *path, *v2 = NULL;
        size_t id_len, ctl_len, path_len, v2_len = 0;

        while (cgroup_line(&p, end, &id, &id_len, &ctl, &ctl_len, &path, &path_len)) {
                if (!path)
                        continue;
                if (id_len == 1 && id[0] == '0' && ctl_len == 0) {
                        if (!v2)
                                v2 = path, v2_len = path_len;
                } else if (has_controller(ctl, ctl_len, "name=systemd")) {
                        *ret_path = path, *ret_len = path_len;
                        return true;
                }
        }
        if (!v2)
                return false;
        *ret_path = v2, *ret_len = v2_len;
        return true;
}

int cgroup_unit_parse(const char *buf, size_t len, char ret[CGROUP_UNIT_MAX])
{
        const char *path;
        size_t n;

        return cgroup_systemd_path(buf, len, &path, &n) ? cgroup_unit_of_path(path, n, ret) : 0;
}

/* ---- containers ---- */

/* The cgroup names container engines give a container's cgroup: prefix, the
 * 64 hex digits of the id, an optional ".scope" (the systemd cgroup
 * manager's; the cgroupfs manager's has none). The conmon scopes
 * (libpod-conmon-ID, crio-conmon-ID) hold the monitor, which is outside the
 * container: their prefix is followed by "conmon-", not by hex digits. */
static const struct {
        const char *prefix, *runtime;
} container_prefixes[] = {
        { "libpod-", "podman" },
        { "crio-", "cri-o" },
        { "docker-", "docker" },
        { "cri-containerd-", "containerd" },
};

static bool is_container_id(const char *s, size_t n)
{
        size_t i;

        if (n != CGROUP_CONTAINER_ID_MAX - 1)
                return false;
        for (i = 0; i < n; i++)
                if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
                        return false;
        return true;
}

static bool has_prefix(const char *s, size_t n, const char *prefix)
{
        size_t m = strlen(prefix);

        return n >= m && memcmp(s, prefix, m) == 0;
}

int cgroup_container_of_path(const char *p, size_t n, struct cgroup_container *ret)
{
        const char *c, *end = p + n, *found = NULL, *runtime = NULL;
        const char *runtime_of_dir = NULL;
        bool engine_dir = false;        /* below a "docker" or "kubepods..." component */
        size_t len, k;

        while (p < end) {
                c = memchr(p, '/', (size_t) (end - p));
                len = (size_t) ((c ? c : end) - p);
                if (len > 6 && memcmp(p + len - 6, ".scope", 6) == 0)
                        len -= 6;
                for (k = 0; k < sizeof(container_prefixes) / sizeof(container_prefixes[0]); k++) {
                        size_t m = strlen(container_prefixes[k].prefix);

                        if (has_prefix(p, len, container_prefixes[k].prefix) && is_container_id(p + m, len - m)) {
                                found = p + m, runtime = container_prefixes[k].runtime;
                                break;
                        }
                }
                /* The cgroupfs managers' bare ids: /docker/ID (Docker),
                 * /kubepods/QOS/podUID/ID (a kubelet's runtime, unnamed). */
                if (k == sizeof(container_prefixes) / sizeof(container_prefixes[0]) && engine_dir &&
                    is_container_id(p, len))
                        found = p, runtime = runtime_of_dir;
                if (len == 6 && memcmp(p, "docker", 6) == 0)
                        engine_dir = true, runtime_of_dir = "docker";
                else if (has_prefix(p, len, "kubepods"))
                        engine_dir = true, runtime_of_dir = NULL;
                p = c ? c + 1 : end;
        }
        if (!found)
                return 0;
        memcpy(ret->id, found, CGROUP_CONTAINER_ID_MAX - 1);
        ret->id[CGROUP_CONTAINER_ID_MAX - 1] = '\0';
        ret->runtime = runtime;
        return 1;
}

int cgroup_container_parse(const char *buf, size_t len, struct cgroup_container *ret)
{
        const char *p = buf, *end = buf + len, *id, *ctl, *path;
        size_t n, id_len, ctl_len;

        if (cgroup_systemd_path(buf, len, &path, &n) && cgroup_container_of_path(path, n, ret) > 0)
                return 1;
        /* Engines with the cgroupfs manager on cgroup v1 may leave the
         * name=systemd hierarchy alone (the process stays where its parent
         * was) and put the container in the controllers they use. */
        while (cgroup_line(&p, end, &id, &id_len, &ctl, &ctl_len, &path, &n))
                if (path && cgroup_container_of_path(path, n, ret) > 0)
                        return 1;
        return 0;
}

/* PF_EXITING (include/linux/sched.h). */
#define PF_EXITING_FLAG 0x00000004ul

bool proc_stat_exiting(const char *buf, size_t n)
{
        const char *p = NULL, *end = buf + n;
        unsigned long flags = 0;
        size_t i;
        int field;

        for (i = n; i > 0; i--)
                if (buf[i - 1] == ')') {
                        p = buf + i;
                        break;
                }
        /* ") S ppid pgrp session tty_nr tpgid flags ...": the state is field
         * 3, the flags field 9. */
        if (!p || end - p < 3 || p[0] != ' ')
                return true;
        if (p[1] == 'Z' || p[1] == 'X')
                return true;
        p += 1;
        for (field = 3; field < 9; field++) {
                while (p < end && *p != ' ')
                        p++;
                if (p == end)
                        return false;   /* cut before the flags: its state alone says */
                p++;
        }
        if (p == end || *p < '0' || *p > '9')
                return false;
        for (; p < end && *p >= '0' && *p <= '9'; p++) {
                if (flags > (~0ul - 9) / 10)
                        return false;
                flags = flags * 10 + (unsigned long) (*p - '0');
        }
        return (flags & PF_EXITING_FLAG) != 0;
}
