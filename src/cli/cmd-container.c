/* driftwatch container: the container subcommands (one file each). */
#include "cli.h"
#include "options.h"

int cmd_container(int argc, char **argv)
{
        static const struct subcommand subs[] = {
                { "digests", cmd_container_digests,
                  "running image digests against an approved manifest; mutable tags (kubectl pods JSON)" },
                { "posture", cmd_container_posture,
                  "pod and container security posture from kubectl JSON: privileges, host namespaces, hostPath" },
        };

        return options_dispatch("container", subs, ARRAY_SIZE(subs), argc, argv);
}
