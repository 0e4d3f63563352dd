/* Syscall names by architecture and number (raw logs carry only numbers), and
 * what the event assembler needs to know about a few syscalls: which execute a
 * program, which take directory file descriptors. */
#include <string.h>

#include "event.h"
#include "syscall-table.h"

#define AUDIT_ARCH_X86_64 0xc000003eu
#define AUDIT_ARCH_I386 0x40000003u
#define AUDIT_ARCH_AARCH64 0xc00000b7u

const char *audit_syscall_name(uint32_t arch, int64_t number)
{
        const char *const *t;
        size_t n;

        switch (arch) {
        case AUDIT_ARCH_X86_64:
                t = syscalls_x86_64, n = sizeof(syscalls_x86_64) / sizeof(syscalls_x86_64[0]);
                break;
        case AUDIT_ARCH_I386:
                t = syscalls_i386, n = sizeof(syscalls_i386) / sizeof(syscalls_i386[0]);
                break;
        case AUDIT_ARCH_AARCH64:
                t = syscalls_aarch64, n = sizeof(syscalls_aarch64) / sizeof(syscalls_aarch64[0]);
                break;
        default:
                return NULL;
        }
        if (number < 0 || (uint64_t) number >= n)
                return NULL;
        return t[number];
}

struct audit_str audit_syscall_get_name(const struct audit_syscall *sc)
{
        const char *n;

        if (sc->name.len)
                return sc->name;
        n = audit_syscall_name(sc->arch, sc->number);
        return (struct audit_str) { n, n ? strlen(n) : 0 };
}

bool audit_syscall_is_exec(const struct audit_syscall *sc)
{
        struct audit_str n = audit_syscall_get_name(sc);

        return audit_str_eq(n, "execve") || audit_str_eq(n, "execveat");
}

/* Syscalls that resolve a path relative to a directory fd, with the argument
 * positions (bit i: a<i>) holding such fds. */
static const struct {
        const char *name;
        unsigned args;
} dirfd_syscalls[] = {
        { "execveat", 1 },      { "faccessat", 1 },     { "faccessat2", 1 },    { "fanotify_mark", 8 },
        { "fchmodat", 1 },      { "fchmodat2", 1 },     { "fchownat", 1 },      { "fspick", 1 },
        { "fstatat64", 1 },     { "futimesat", 1 },     { "getxattrat", 1 },    { "linkat", 5 },
        { "listxattrat", 1 },   { "mkdirat", 1 },       { "mknodat", 1 },       { "mount_setattr", 1 },
        { "move_mount", 5 },    { "name_to_handle_at", 1 }, { "newfstatat", 1 }, { "open_tree", 1 },
        { "openat", 1 },        { "openat2", 1 },       { "readlinkat", 1 },    { "removexattrat", 1 },
        { "renameat", 5 },      { "renameat2", 5 },     { "setxattrat", 1 },    { "statx", 1 },
        { "symlinkat", 2 },     { "unlinkat", 1 },      { "utimensat", 1 },
};

#define AT_FDCWD_32 0xffffff9cu

bool audit_syscall_uses_dirfd(const struct audit_syscall *sc)
{
        struct audit_str n = audit_syscall_get_name(sc);
        size_t i, k;

        if (!n.len)
                return false;
        for (i = 0; i < sizeof(dirfd_syscalls) / sizeof(dirfd_syscalls[0]); i++) {
                if (!audit_str_eq(n, dirfd_syscalls[i].name))
                        continue;
                for (k = 0; k < 4; k++)
                        if ((dirfd_syscalls[i].args & (1u << k)) && (sc->has_a & (1u << k)) &&
                            (uint32_t) sc->a[k] != AT_FDCWD_32)
                                return true;
                return false;
        }
        return false;
}
