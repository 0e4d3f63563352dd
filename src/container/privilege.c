/* What a container is granted: host paths it must not be given, capabilities; see privilege.h. */
#define _GNU_SOURCE
#include "privilege.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "basic/macros.h"
#include "basic/path-util.h"

static const struct {
        const char *path;
        const char *what;
} sensitive[] = {
        { "/var/lib/extensions", "the sysext search path" },
        { "/var/lib/confexts", "the confext search path" },
        { "/etc/extensions", "the sysext search path" },
        { "/etc/confexts", "the confext search path" },
        { "/run/extensions", "the sysext search path" },
        { "/run/confexts", "the confext search path" },
        { "/usr/lib/extensions", "the sysext search path" },
        { "/var/run/docker.sock", "the Docker socket" },
        { "/run/docker.sock", "the Docker socket" },
        { "/run/containerd/containerd.sock", "the containerd socket" },
        { "/var/run/containerd/containerd.sock", "the containerd socket" },
        { "/run/crio/crio.sock", "the CRI-O socket" },
        { "/var/run/crio/crio.sock", "the CRI-O socket" },
        { "/run/podman/podman.sock", "the podman socket" },
        { "/var/run/podman/podman.sock", "the podman socket" },
        { "/etc", "the host's" },          /* last: the search paths below it are named first */
};

enum host_path_risk host_path_classify(const char *p, char *what, size_t size)
{
        char norm[4096];

        if (!path_normalize_lexical(p, norm, sizeof(norm))) {
                snprintf(what, size, "a path that is not absolute");
                return HOST_PATH_SENSITIVE;
        }
        if (strcmp(norm, "/") == 0) {
                snprintf(what, size, "the host's root, /etc, the extension search paths and the runtime sockets in it");
                return HOST_PATH_SENSITIVE;
        }
        for (size_t i = 0; i < ARRAY_SIZE(sensitive); i++)
                if (path_is_within(norm, sensitive[i].path)) {
                        snprintf(what, size, "%s %s", sensitive[i].what, sensitive[i].path);
                        return HOST_PATH_SENSITIVE;
                }
        for (size_t i = 0; i < ARRAY_SIZE(sensitive); i++)
                if (path_is_within(sensitive[i].path, norm)) {
                        snprintf(what, size, "%s %s below it", sensitive[i].what, sensitive[i].path);
                        return HOST_PATH_SENSITIVE;
                }
        return HOST_PATH_PLAIN;
}

/* The order capabilities are named in, most dangerous first. */
static const char *const cap_order[] = { "SYS_ADMIN", "NET_ADMIN", "SYS_PTRACE", "SYS_MODULE", "ALL" };

static size_t cap_rank(const char *cap)
{
        if (strncasecmp(cap, "CAP_", 4) == 0)
                cap += 4;
        for (size_t i = 0; i < ARRAY_SIZE(cap_order); i++)
                if (strcasecmp(cap, cap_order[i]) == 0)
                        return i;
        return ARRAY_SIZE(cap_order);
}

int caps_judge(const struct strv *caps, char **ret_list, enum severity *ret_severity)
{
        _cleanup_(freep) char *list = NULL;
        size_t best = ARRAY_SIZE(cap_order), len = 0;
        FILE *m;

        m = open_memstream(&list, &len);
        if (!m)
                return -ENOMEM;
        for (size_t rank = 0; rank <= ARRAY_SIZE(cap_order); rank++)
                for (size_t i = 0; i < caps->n; i++)
                        if (cap_rank(caps->v[i]) == rank) {
                                fprintf(m, "%s%s", ftell(m) ? ", " : "", caps->v[i]);
                                if (rank < best)
                                        best = rank;
                        }
        if (fclose(m) != 0)
                return -ENOMEM;
        /* SYS_ADMIN and ALL give the host away; the next three nearly. */
        *ret_severity = best == 0 || best == 4 ? SEVERITY_CRITICAL : best < 4 ? SEVERITY_HIGH : SEVERITY_MEDIUM;
        *ret_list = TAKE_PTR(list);
        return 0;
}
