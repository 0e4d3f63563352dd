/* Syscall names by architecture and number (raw logs carry only numbers), and
 * what the event assembler needs to know about a few syscalls: which execute a
 * program, which take directory file descriptors, which write files, which
 * change the mount table. */
#include <pthread.h>
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

static bool is_exec_slow(const struct audit_syscall *sc)
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

static bool uses_dirfd_slow(const struct audit_syscall *sc)
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

/* Syscalls that change the file system, by what they do to their path. */
static const struct {
        const char *name;
        enum audit_write what;
        int flags_arg;                  /* open flags in a<n>; -1: none */
} write_syscalls[] = {
        { "open", AUDIT_WRITE_MODIFY, 1 },      { "openat", AUDIT_WRITE_MODIFY, 2 },
        { "openat2", AUDIT_WRITE_MODIFY, -2 },  { "open_by_handle_at", AUDIT_WRITE_MODIFY, 2 },
        { "creat", AUDIT_WRITE_CREATE, -1 },    { "truncate", AUDIT_WRITE_MODIFY, -1 },
        { "truncate64", AUDIT_WRITE_MODIFY, -1 }, { "ftruncate", AUDIT_WRITE_MODIFY, -1 },
        { "mkdir", AUDIT_WRITE_CREATE, -1 },    { "mkdirat", AUDIT_WRITE_CREATE, -1 },
        { "mknod", AUDIT_WRITE_CREATE, -1 },    { "mknodat", AUDIT_WRITE_CREATE, -1 },
        { "link", AUDIT_WRITE_CREATE, -1 },     { "linkat", AUDIT_WRITE_CREATE, -1 },
        { "symlink", AUDIT_WRITE_CREATE, -1 },  { "symlinkat", AUDIT_WRITE_CREATE, -1 },
        { "unlink", AUDIT_WRITE_DELETE, -1 },   { "unlinkat", AUDIT_WRITE_DELETE, -1 },
        { "rmdir", AUDIT_WRITE_DELETE, -1 },    { "rename", AUDIT_WRITE_RENAME, -1 },
        { "renameat", AUDIT_WRITE_RENAME, -1 }, { "renameat2", AUDIT_WRITE_RENAME, -1 },
        { "chmod", AUDIT_WRITE_ATTR, -1 },      { "fchmod", AUDIT_WRITE_ATTR, -1 },
        { "fchmodat", AUDIT_WRITE_ATTR, -1 },   { "fchmodat2", AUDIT_WRITE_ATTR, -1 },
        { "chown", AUDIT_WRITE_ATTR, -1 },      { "fchown", AUDIT_WRITE_ATTR, -1 },
        { "lchown", AUDIT_WRITE_ATTR, -1 },     { "fchownat", AUDIT_WRITE_ATTR, -1 },
        { "chown32", AUDIT_WRITE_ATTR, -1 },    { "fchown32", AUDIT_WRITE_ATTR, -1 },
        { "lchown32", AUDIT_WRITE_ATTR, -1 },   { "setxattr", AUDIT_WRITE_ATTR, -1 },
        { "lsetxattr", AUDIT_WRITE_ATTR, -1 },  { "fsetxattr", AUDIT_WRITE_ATTR, -1 },
        { "setxattrat", AUDIT_WRITE_ATTR, -1 }, { "removexattr", AUDIT_WRITE_ATTR, -1 },
        { "lremovexattr", AUDIT_WRITE_ATTR, -1 }, { "fremovexattr", AUDIT_WRITE_ATTR, -1 },
        { "removexattrat", AUDIT_WRITE_ATTR, -1 }, { "utime", AUDIT_WRITE_ATTR, -1 },
        { "utimes", AUDIT_WRITE_ATTR, -1 },     { "utimensat", AUDIT_WRITE_ATTR, -1 },
        { "futimesat", AUDIT_WRITE_ATTR, -1 },
};

/* O_WRONLY | O_RDWR | O_CREAT | O_TRUNC: the same octal values on every
 * architecture this code names syscalls for. */
#define OPEN_WRITE_FLAGS 0x3u
#define OPEN_CREATE_FLAGS 01100u

static enum audit_write write_slow(const struct audit_syscall *sc, bool *ret_known)
{
        struct audit_str n = audit_syscall_get_name(sc);
        size_t i;
        int k;

        *ret_known = n.len > 0;
        if (!n.len)
                return AUDIT_WRITE_NONE;
        for (i = 0; i < sizeof(write_syscalls) / sizeof(write_syscalls[0]); i++) {
                if (!audit_str_eq(n, write_syscalls[i].name))
                        continue;
                k = write_syscalls[i].flags_arg;
                if (k == -2)
                        return AUDIT_WRITE_OPEN;        /* openat2: flags are behind a pointer */
                if (k < 0)
                        return write_syscalls[i].what;
                if (!(sc->has_a & (1u << k)))
                        return AUDIT_WRITE_OPEN;
                if (sc->a[k] & OPEN_CREATE_FLAGS)
                        return (sc->a[k] & 0100u) ? AUDIT_WRITE_CREATE : AUDIT_WRITE_MODIFY;
                return (sc->a[k] & OPEN_WRITE_FLAGS) ? AUDIT_WRITE_MODIFY : AUDIT_WRITE_NONE;
        }
        return AUDIT_WRITE_NONE;
}

/* Syscalls that change the mount table (mounts.c decides what each did). */
static const struct {
        const char *name;
        enum audit_mount what;
} mount_syscalls[] = {
        { "mount", AUDIT_MOUNT_MOUNT },         { "umount", AUDIT_MOUNT_UMOUNT },
        { "umount2", AUDIT_MOUNT_UMOUNT },
        { "mount_setattr", AUDIT_MOUNT_SETATTR }, { "move_mount", AUDIT_MOUNT_MOVE },
        { "fsmount", AUDIT_MOUNT_FSMOUNT },
};

static enum audit_mount mount_slow(const struct audit_syscall *sc)
{
        struct audit_str n = audit_syscall_get_name(sc);
        size_t i;

        for (i = 0; n.len && i < sizeof(mount_syscalls) / sizeof(mount_syscalls[0]); i++)
                if (audit_str_eq(n, mount_syscalls[i].name))
                        return mount_syscalls[i].what;
        return AUDIT_MOUNT_NONE;
}

/* The answers above by (architecture, number), computed once: every event
 * asks them, and raw logs carry only numbers. Syscalls whose answer depends on
 * the arguments (dirfd positions, open flags) keep a bit saying so. */
enum {
        CLASS_KNOWN = 1 << 0,           /* the table names it */
        CLASS_EXEC = 1 << 1,
        CLASS_DIRFD = 1 << 2,           /* takes directory fds: look at the arguments */
        CLASS_WRITE = 1 << 3,           /* changes the file system: look at the arguments */
        CLASS_MOUNT = 1 << 4,           /* changes the mount table: audit_syscall_mount() names it */
};

#define CLASS_MAX_NR 1024

static uint8_t classes[3][CLASS_MAX_NR];
static pthread_once_t classes_once = PTHREAD_ONCE_INIT;

static const uint32_t class_arches[3] = { AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64 };

static void classes_init(void)
{
        struct audit_syscall sc = { 0 };
        bool known;
        size_t a, nr;

        sc.has_a = 0xf;
        sc.a[0] = sc.a[1] = sc.a[2] = sc.a[3] = 0x3;   /* "writes", "not AT_FDCWD": the cautious answers */
        for (a = 0; a < 3; a++)
                for (nr = 0; nr < CLASS_MAX_NR; nr++) {
                        uint8_t c = 0;

                        sc.arch = class_arches[a];
                        sc.number = (int64_t) nr;
                        if (!audit_syscall_name(sc.arch, sc.number))
                                continue;
                        c |= CLASS_KNOWN;
                        if (is_exec_slow(&sc))
                                c |= CLASS_EXEC;
                        if (uses_dirfd_slow(&sc))
                                c |= CLASS_DIRFD;
                        if (write_slow(&sc, &known) != AUDIT_WRITE_NONE)
                                c |= CLASS_WRITE;
                        if (mount_slow(&sc) != AUDIT_MOUNT_NONE)
                                c |= CLASS_MOUNT;
                        classes[a][nr] = c;
                }
}

/* The class of a raw (arch, number), or -1 when the name must decide (an
 * ENRICHED name, another architecture, a number past the table). */
static int class_of(const struct audit_syscall *sc)
{
        size_t a;

        if (sc->name.len || sc->number < 0 || sc->number >= CLASS_MAX_NR)
                return -1;
        for (a = 0; a < 3 && class_arches[a] != sc->arch; a++)
                ;
        if (a == 3)
                return -1;
        pthread_once(&classes_once, classes_init);
        return classes[a][sc->number];
}

bool audit_syscall_is_exec(const struct audit_syscall *sc)
{
        int c = class_of(sc);

        return c >= 0 ? (c & CLASS_EXEC) != 0 : is_exec_slow(sc);
}

bool audit_syscall_uses_dirfd(const struct audit_syscall *sc)
{
        int c = class_of(sc);

        return c >= 0 && !(c & CLASS_DIRFD) ? false : uses_dirfd_slow(sc);
}

enum audit_write audit_syscall_write(const struct audit_syscall *sc, bool *ret_known)
{
        int c = class_of(sc);

        if (c >= 0 && !(c & CLASS_WRITE)) {
                *ret_known = (c & CLASS_KNOWN) != 0;
                return AUDIT_WRITE_NONE;
        }
        return write_slow(sc, ret_known);
}

enum audit_mount audit_syscall_mount(const struct audit_syscall *sc)
{
        int c = class_of(sc);

        return c >= 0 && !(c & CLASS_MOUNT) ? AUDIT_MOUNT_NONE : mount_slow(sc);
}
