/* What a container is granted, judged alike for Kubernetes pods and podman
 * quadlets. Host paths a container must not be given (a Kubernetes hostPath volume, a
 * podman Volume= or Mount=): the host's root, /etc, the extension search
 * paths systemd-sysext and systemd-confext merge from (a file written there
 * becomes part of /usr or /etc at the next merge), and the container
 * runtimes' sockets (whoever talks to them starts privileged containers).
 * A bind of a directory above one of them reaches it too. Pure. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "rules/rules.h"
#include "basic/strv.h"

enum host_path_risk {
        HOST_PATH_PLAIN = 0,            /* an ordinary host directory */
        HOST_PATH_SENSITIVE = 1,        /* reaches one of the paths above */
};

/* Classifies the host path p (lexically normalized first; a relative or
 * over-long path is HOST_PATH_SENSITIVE: it cannot be told). For a sensitive
 * one, *what (size bytes) says what it reaches ("the sysext search path
 * /var/lib/extensions", "/run/containerd/containerd.sock below it"). */
enum host_path_risk host_path_classify(const char *p, char *what, size_t size);

/* Added capabilities (CAP_ prefix optional, any case) named most dangerous
 * first (SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE, ALL, then the others
 * as written), joined with ", " into *ret_list; *ret_severity critical for
 * SYS_ADMIN or ALL, high for NET_ADMIN, SYS_PTRACE or SYS_MODULE, else
 * medium. 0, or -ENOMEM. */
int caps_judge(const struct strv *caps, char **ret_list, enum severity *ret_severity);
