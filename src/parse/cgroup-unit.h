/* The systemd unit and the container a process runs in, from the text of
 * /proc/PID/cgroup, and whether that text can be trusted, from
 * /proc/PID/stat: pure, buffer and length in, any bytes. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* systemd's UNIT_NAME_MAX, with the NUL. */
#define CGROUP_UNIT_MAX 256

/* The unit of the process whose /proc/PID/cgroup is buf: the last component
 * of its systemd cgroup path that names a unit (.service, .scope, .socket,
 * .timer, .mount), systemd's '_' escape removed. The path is the v1
 * "name=systemd" line's when there is one (the hierarchy systemd manages on
 * a hybrid system), else the v2 "0::" line's. Lines that fit neither form,
 * and components that are no valid unit name or longer than
 * CGROUP_UNIT_MAX - 1, are skipped. Returns 1 with the unit in ret
 * (NUL-terminated), 0 when there is none (ret untouched). */
int cgroup_unit_parse(const char *buf, size_t len, char ret[CGROUP_UNIT_MAX]);

/* The last component of one cgroup path (n bytes, e.g. a journal entry's
 * _SYSTEMD_CGROUP, or a unit name alone) that names a unit, under the same
 * rules: 1 with it in ret, 0 when there is none (ret untouched). */
int cgroup_unit_of_path(const char *path, size_t n, char ret[CGROUP_UNIT_MAX]);

/* A container id is 64 lowercase hex digits (podman, CRI-O, Docker,
 * containerd); with the NUL. */
#define CGROUP_CONTAINER_ID_MAX 65

struct cgroup_container {
        char id[CGROUP_CONTAINER_ID_MAX];       /* NUL-terminated */
        const char *runtime;    /* static: "podman", "cri-o", "docker", "containerd"; NULL: not told */
};

/* The container of the process whose /proc/PID/cgroup is buf: from the path
 * cgroup_unit_parse() reads, its innermost component that a container
 * engine names: libpod-ID[.scope] (podman, systemd or cgroupfs manager),
 * crio-ID[.scope], docker-ID[.scope], cri-containerd-ID[.scope], or a bare ID
 * below a "docker" or "kubepods..." component (the cgroupfs managers); when
 * that path names none, the first other hierarchy's line that does (a v1
 * host whose engine leaves name=systemd alone). The monitors' scopes
 * (libpod-conmon-ID, crio-conmon-ID) are outside their container: no match.
 * Returns 1 with it in ret, 0 when there is none (ret untouched). */
int cgroup_container_parse(const char *buf, size_t len, struct cgroup_container *ret);
/* The same for one cgroup path of n bytes. */
int cgroup_container_of_path(const char *path, size_t n, struct cgroup_container *ret);

/* Whether the process whose /proc/PID/stat is buf (n bytes, possibly cut)
 * is exiting or exited: state Z or X, or PF_EXITING in its flags. PF_EXITING
 * is set first thing in the kernel's do_exit(); from then on a cgroup v1
 * hierarchy shows the task in its root cgroup while its state is still R or
 * D. The command name in parentheses may hold any byte: the fields are read
 * after the last ')'. Text that is not a stat line counts as exited. */
bool proc_stat_exiting(const char *buf, size_t n);
