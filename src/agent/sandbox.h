/* The agent's privileges (docs/agent.md, "Privileges"): what the agent drops
 * at start (every capability but the ones it reads the host with, from the
 * bounding set too, and PR_SET_NO_NEW_PRIVS), and the sandbox of the
 * schedules' child processes, which parse hostile input: a seccomp filter
 * (libseccomp) and, where the kernel has it, a Landlock ruleset that
 * confines their writes to the state directory. Library code: never prints. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* The capabilities the agent keeps (a mask of 1 << CAP_*): CAP_DAC_READ_SEARCH. */
uint64_t agent_privileges_kept(void);

/* Drops every capability not in keep from the effective, permitted and
 * inheritable sets and the ambient set, and (when the process may:
 * CAP_SETPCAP) from the bounding set, then sets PR_SET_NO_NEW_PRIVS.
 * *ret_bounding: false when the bounding set holds more and could not be
 * reduced (no CAP_SETPCAP). 0 or -errno. */
int agent_privileges_drop(uint64_t keep, bool *ret_bounding);

/* In a schedule's child, before it reads anything: writes confined to
 * beneath write_dir (NULL: no file may be opened for writing, created,
 * removed or renamed at all), no execve unless allow_exec (the status
 * schedule runs bootc or rpm-ostree), no socket but AF_UNIX, and none of
 * the calls that change the system (mount, ptrace, chmod, chown, modules,
 * namespaces, bpf ...): each fails with EPERM, so a parser's bug shows as an
 * error, not a crash. Needs PR_SET_NO_NEW_PRIVS. *ret_landlock: whether the
 * kernel applied the Landlock part. 0 or -errno (the filter not loaded). */
int agent_sandbox_child(const char *write_dir, bool allow_exec, bool *ret_landlock);
