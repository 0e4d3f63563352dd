/* Host paths a container must not be given; see host-paths.h. */
#include "host-paths.h"

#include <stdio.h>
#include <string.h>

#include "basic/macros.h"
#include "basic/path-util.h"

static const struct {
        const char *path;
        const char *what;
} sensitive[] = {
        { "/etc", "the host's /etc" },
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
