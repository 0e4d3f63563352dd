/* The agent's privileges and its children's sandbox; see sandbox.h.
 *
 * Capabilities are dropped with capget/capset and prctl directly (three
 * calls: libcap would add a dependency for nothing more). The filter is
 * built with libseccomp, which resolves the calls by name for the
 * architecture and writes the BPF; its default is to allow, and what it
 * refuses fails with an errno, never a kill. */
#define _GNU_SOURCE
#include "agent/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/landlock.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "basic/macros.h"

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#define __NR_landlock_restrict_self 446
#endif
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif

uint64_t agent_privileges_kept(void)
{
        return UINT64_C(1) << CAP_DAC_READ_SEARCH;
}

static int cap_last(void)
{
        FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
        int v = CAP_LAST_CAP;

        if (f) {
                if (fscanf(f, "%d", &v) != 1 || v < 0 || v > 63)
                        v = CAP_LAST_CAP;
                fclose(f);
        }
        return v;
}

int agent_privileges_drop(uint64_t keep, bool *ret_bounding)
{
        struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct d[2], want[2];
        int last = cap_last();
        bool wider = false;

        if (syscall(SYS_capget, &h, d) < 0)
                return -errno;
        for (int c = 0; c <= last; c++)
                wider |= !(keep & (UINT64_C(1) << c)) && prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1;
        if (wider && d[0].effective & (1U << CAP_SETPCAP)) {
                for (int c = 0; c <= last; c++) {
                        if (keep & (UINT64_C(1) << c) || prctl(PR_CAPBSET_READ, c, 0, 0, 0) != 1)
                                continue;
                        if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
                                return -errno;
                }
                wider = false;
        }
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                return -errno;
        for (int i = 0; i < 2; i++) {
                uint32_t k = (uint32_t) (keep >> (32 * i));

                want[i].permitted = d[i].permitted & k;
                want[i].effective = want[i].permitted;
                want[i].inheritable = 0;
        }
        /* Under a unit that left only these (capset may be filtered out
         * there, with @privileged), there is nothing to set. */
        if (memcmp(want, d, sizeof(d)) != 0 && syscall(SYS_capset, &h, want) < 0)
                return -errno;
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -errno;
        if (ret_bounding)
                *ret_bounding = !wider;
        return 0;
}

/* Writes beneath write_dir only (none without it). 0 when applied, -errno
 * (-EOPNOTSUPP, -ENOSYS: a kernel without Landlock) otherwise. */
static int landlock_confine(const char *write_dir)
{
        struct landlock_ruleset_attr attr = {
                .handled_access_fs = LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |
                                     LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
                                     LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
                                     LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO |
                                     LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM,
        };
        long abi = syscall(__NR_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
        _cleanup_(closep) int ruleset = -1;

        if (abi < 0)
                return -errno;
        if (abi >= 2)
                attr.handled_access_fs |= LANDLOCK_ACCESS_FS_REFER;
        if (abi >= 3)
                attr.handled_access_fs |= LANDLOCK_ACCESS_FS_TRUNCATE;
        ruleset = (int) syscall(__NR_landlock_create_ruleset, &attr, sizeof(attr), 0);
        if (ruleset < 0)
                return -errno;
        if (write_dir) {
                struct landlock_path_beneath_attr beneath = { .allowed_access = attr.handled_access_fs };
                int r = 0;

                beneath.parent_fd = open(write_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (beneath.parent_fd < 0)
                        return -errno;
                if (syscall(__NR_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &beneath, 0) < 0)
                        r = -errno;
                close(beneath.parent_fd);
                if (r < 0)
                        return r;
        }
        if (syscall(__NR_landlock_restrict_self, ruleset, 0) < 0)
                return -errno;
        return 0;
}

/* Calls no schedule makes: each fails with EPERM. */
static const char *const denied[] = {
        "ptrace", "process_vm_readv", "process_vm_writev", "mount", "umount2", "pivot_root", "chroot",
        "move_mount", "open_tree", "fsopen", "fsmount", "fsconfig", "mount_setattr", "swapon", "swapoff", "reboot",
        "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "bpf", "perf_event_open",
        "setns", "unshare", "keyctl", "add_key", "request_key", "acct", "settimeofday", "clock_settime", "adjtimex",
        "clock_adjtime", "sethostname", "setdomainname", "fanotify_init", "open_by_handle_at", "name_to_handle_at",
        "mknod", "mknodat", "link", "linkat", "symlink", "symlinkat", "chmod", "fchmodat", "fchmodat2",
        "chown", "fchown", "lchown", "fchownat", "setxattr", "lsetxattr", "fsetxattr", "setxattrat", "removexattr",
        "lremovexattr", "fremovexattr", "removexattrat", "userfaultfd", "io_uring_setup", "quotactl", "vhangup",
};
/* ... and with no directory to write to, these too. */
static const char *const denied_writes[] = {
        "creat", "unlink", "unlinkat", "rmdir", "rename", "renameat", "renameat2", "mkdir", "mkdirat", "truncate",
};

static int deny(scmp_filter_ctx ctx, const char *name, int err)
{
        int nr = seccomp_syscall_resolve_name(name);

        if (nr == __NR_SCMP_ERROR)
                return 0;       /* not a call of this architecture */
        return seccomp_rule_add(ctx, SCMP_ACT_ERRNO((uint32_t) err), nr, 0);
}

/* open(2) and openat(2) with any of the flags that write, create or truncate. */
static int deny_write_opens(scmp_filter_ctx ctx)
{
        static const int flags[] = { O_WRONLY, O_RDWR, O_CREAT, O_TRUNC };
        static const struct { const char *name; unsigned arg; } calls[] = { { "open", 1 }, { "openat", 2 } };
        int r;

        for (size_t c = 0; c < ARRAY_SIZE(calls); c++) {
                int nr = seccomp_syscall_resolve_name(calls[c].name);

                if (nr == __NR_SCMP_ERROR)
                        continue;
                for (size_t i = 0; i < ARRAY_SIZE(flags); i++) {
                        struct scmp_arg_cmp cmp = {
                                .arg = calls[c].arg, .op = SCMP_CMP_MASKED_EQ,
                                .datum_a = (scmp_datum_t) flags[i], .datum_b = (scmp_datum_t) flags[i],
                        };

                        r = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1, &cmp);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

/* fchmod(2): none at all without a directory to write to; else only to
 * modes that give others nothing, the group no write and set no special bit
 * (a new state file made 0600, a baseline 0640, whatever the umask): the
 * call that remains cannot open a file to anyone who could not read it. */
static int limit_fchmod(scmp_filter_ctx ctx, bool any)
{
        static const unsigned bits[] = { 01, 02, 04, 020, 01000, 02000, 04000 };
        int r = 0;

        if (!any)
                return deny(ctx, "fchmod", EPERM);
        for (size_t i = 0; i < ARRAY_SIZE(bits) && r >= 0; i++)
                r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(fchmod), 1,
                                     SCMP_A1(SCMP_CMP_MASKED_EQ, bits[i], bits[i]));
        return r;
}

int agent_sandbox_child(const char *write_dir, bool allow_exec, bool *ret_landlock)
{
        scmp_filter_ctx ctx;
        int r = 0;

        /* Landlock first: its own calls are not in the filter's way then. */
        *ret_landlock = landlock_confine(write_dir) >= 0;
        ctx = seccomp_init(SCMP_ACT_ALLOW);
        if (!ctx)
                return -ENOMEM;
        /* A binary tree of the calls rather than a list: a scan makes millions
         * of calls, each one through the filter. */
        (void) seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
        for (size_t i = 0; i < ARRAY_SIZE(denied) && r >= 0; i++)
                r = deny(ctx, denied[i], EPERM);
        for (size_t i = 0; !write_dir && i < ARRAY_SIZE(denied_writes) && r >= 0; i++)
                r = deny(ctx, denied_writes[i], EPERM);
        if (r >= 0 && !write_dir)
                r = deny_write_opens(ctx);
        if (r >= 0)
                r = limit_fchmod(ctx, write_dir != NULL);
        /* openat2's flags are in a structure the filter cannot read: ENOSYS
         * makes a caller fall back to openat, which it can. */
        if (r >= 0)
                r = deny(ctx, "openat2", ENOSYS);
        if (r >= 0 && !allow_exec)
                r = deny(ctx, "execve", EPERM);
        if (r >= 0 && !allow_exec)
                r = deny(ctx, "execveat", EPERM);
        if (r >= 0)
                r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 1,
                                     SCMP_A0(SCMP_CMP_NE, AF_UNIX));
        if (r >= 0)
                r = seccomp_load(ctx);
        seccomp_release(ctx);
        return r;
}
