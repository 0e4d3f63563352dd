/* What the posture checks share (driftwatch posture): the root every path is
 * read beneath, the host image they judge the configuration for, the
 * allowlist, and one way to report a setting (event.kind state) or a problem
 * (alert) with the file and line or JSON pointer it came from. Each check is
 * one function in src/host/posture-*.c; capability/posture.c runs them. Never
 * prints: everything goes into the output. docs/internals/host.md. */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "basic/strv.h"
#include "host/mount-table.h"
#include "image/allowlist.h"
#include "report/finding.h"
#include "rules/rules.h"

#define POSTURE_MAX_DROPINS 1024        /* *.conf files read from one drop-in directory */

/* The host's own image, which the checks judge the configuration for. */
struct posture_image {
        const char *ref;                /* as given or found; NULL: unknown */
        const char *from;               /* "--image-ref", "bootc status", "rpm-ostree status" */
        const char *transport;          /* containers/image transport ("docker", "oci", ...); NULL: unknown */
        char *name;                     /* docker: "quay.io/x/y" (normalized) */
        char *identity;                 /* docker: "quay.io/x/y:tag" or "...@sha256:..." */
        struct strv namespaces;         /* docker: the policy scopes to try, most specific first */
        const char *signature;          /* "containerPolicy", "insecure", "ostreeRemote:NAME"; NULL unknown */
        char *ostree_remote;            /* the ostree remote the host deploys from, or NULL */
};

struct posture {
        const struct ruleset *rules;
        const volatile sig_atomic_t *cancel;
        struct output *out;
        int rootfd;
        const char *root;               /* as given, for messages */
        struct allowlist *allow;        /* or NULL */
        int64_t now;
        struct posture_image image;
        unsigned long allowed;          /* alerts an allowlist entry turned into events */
        int image_mode;                 /* image-mode root: -1 not yet looked, 0 no, 1 yes */
        const char *ssh_user;           /* sshd: a user evaluated besides root, or NULL */
        const char *ssh_connection;     /* sshd: "host=H,addr=A,laddr=L,lport=P,rdomain=R" (sshd -C), or NULL */
        /* posture-var.c, posture-mounts.c, posture-selinux.c */
        bool live;                      /* the root is this host's / */
        const char *state_path;         /* state database of the /var executables; NULL: none */
        const struct mount_table *mounts;       /* NULL: none (an offline root without --mountinfo) */
        const char *mounts_from;        /* the file the table was read from */
};

struct posture_finding {
        const char *rule_id;
        bool alert;                     /* else event.kind state */
        enum severity severity;         /* 0: the rule's */
        const char *check;              /* "signature-policy", "ostree-remote", "registries" */
        const char *action;             /* event.action */
        const char *file;               /* absolute, inside the root; NULL: none */
        unsigned line;                  /* 0: none */
        const char *pointer;            /* JSON pointer in file, or NULL */
        const char *setting;            /* what the value is of ("transports/docker/quay.io", "gpg-verify") */
        const char *value;              /* the effective value, or NULL */
        const char *message;
};

/* Reports pf: an alert an unexpired allowlist entry names the file of
 * becomes an event saying who allowed it; an expired entry is noted. */
int posture_emit(struct posture *pc, const struct posture_finding *pf);

/* The regular file at the absolute path 'path', read beneath the root
 * (never through a symlink, never out of it): 0, -ENOENT, -EFBIG past max,
 * -ELOOP for a symlink, or another -errno. */
int posture_read(struct posture *pc, const char *path, size_t max, char **ret, size_t *ret_len);
/* Whether the absolute path exists beneath the root (any type; a symlink is
 * not followed): 1 yes, 0 no, -errno when it cannot be told. */
int posture_exists(struct posture *pc, const char *path);
/* The names in directory dir (absolute, beneath the root) ending in suffix,
 * in strcmp order, at most POSTURE_MAX_DROPINS (-E2BIG past it). A missing
 * directory gives none. */
int posture_list(struct posture *pc, const char *dir, const char *suffix, struct strv *ret);

/* What the image ships for the absolute path etc_path ("/etc/..."): on an
 * image-mode root (ostree, bootc: /usr/etc holds the image's /etc, and
 * /run/ostree-booted, /ostree, /sysroot/ostree, /usr/lib/ostree or
 * /usr/lib/bootc says ostree or bootc made the root) the same
 * path under /usr/etc. 1 the image ships it, 0 it does not, -ENODATA the root
 * is not image-mode (there is nothing to compare with), -EINVAL etc_path is
 * not under /etc, another -errno when it cannot be told. *ret_image (may be
 * NULL) gets the path of the image's copy, to read with posture_read(). */
int posture_image_ships(struct posture *pc, const char *etc_path, char **ret_image);

/* A file that cannot be read or parsed as its program would need it: one
 * DW-POS-CONFIG-INVALID alert naming it and the reason. */
int posture_invalid(struct posture *pc, const char *check, const char *file, const char *reason);
/* The reason line for a posture_read() failure. */
const char *posture_read_error(int r);

enum {
        POSTURE_MISSING = 0,            /* no such file: nothing reported */
        POSTURE_LOADED = 1,             /* *ret set */
        POSTURE_REPORTED = 2,           /* unreadable or refused by parse: one DW-POS-CONFIG-INVALID alert */
};
/* Reads file (at most max bytes, posture_read()) and hands it to parse
 * (which sets *ret or fails with -errno and a reason to free()). Returns one
 * of the above, or -errno (out of memory, the output failing). */
typedef int (*posture_parse_fn)(const char *buf, size_t len, void *ret, char **ret_error);
int posture_load(struct posture *pc, const char *check, const char *file, size_t max, posture_parse_fn parse,
                 void *ret);

int posture_check_policy(struct posture *pc);
int posture_check_ostree(struct posture *pc);
int posture_check_registries(struct posture *pc);

/* Shared by the persistence checks (units, cron, linker and shells,
 * NetworkManager dispatcher). */
/* Whether the absolute path lies where unprivileged users or any process can
 * write: /tmp, /var/tmp, /dev/shm, /run/user, /home, /root, /var/home. */
bool posture_writable_path(const char *path);
/* The program the command line cmd runs (its first word, quotes removed;
 * past env(1) and its NAME=VALUE and options), and for a shell, python, perl
 * or ruby the script it runs (its first argument, or the first word of
 * sh -c's): the first of them in a writable place. 1 with *ret_path set, 0
 * none, -ENOMEM. */
int posture_command_writable(const char *cmd, char **ret_path);
struct stat;
/* lstat() of the absolute path beneath the root (its directory is opened
 * beneath it, the last component is not followed): 0 or -errno. */
int posture_lstat(struct posture *pc, const char *path, struct stat *ret_st);
/* The target of the symlink at the absolute path beneath the root (at most
 * PATH_MAX bytes): 0 or -errno. */
int posture_readlink(struct posture *pc, const char *path, char **ret_target);
/* Whether the image-mode root's image lacks the /etc path etc_path: 1 added
 * (the image does not ship it), 0 the image ships it or the root is not
 * image-mode. On a root that is not image-mode a state finding of rule_id
 * says so, once per *said. -errno when it cannot be told. */
int posture_added(struct posture *pc, const char *rule_id, const char *check, const char *etc_path, bool *said);

int posture_check_units(struct posture *pc);
/* posture_list(), a failure reported as DW-POS-CONFIG-INVALID naming dir
 * (then *ret is empty): 0, or -errno when reporting fails. */
int posture_list_reported(struct posture *pc, const char *check, const char *dir, const char *suffix,
                          struct strv *ret);
int posture_check_cron(struct posture *pc);
int posture_check_linker(struct posture *pc);
int posture_check_shells(struct posture *pc);
int posture_check_nm(struct posture *pc);
int posture_check_sshd(struct posture *pc);
/* Checks a --ssh-connection specification: 0, or -EINVAL with *ret_why. */
int posture_sshd_spec(const char *spec, char **ret_why);
/* posture_read() that also gives the file's stat (owner, mode) in *ret_st. */
int posture_read_stat(struct posture *pc, const char *path, size_t max, char **ret, size_t *ret_len,
                      struct stat *ret_st);

int posture_check_sudo(struct posture *pc);
int posture_check_pam(struct posture *pc);

/* Executable content under /var (posture-var.c): ELF and "#!" files found by
 * a bounded walk, stated, compared with the set recorded in the state
 * database; setuid and setgid files. */
int posture_check_var(struct posture *pc);
/* noexec, nosuid, nodev of /tmp, /var/tmp, /dev/shm, /var/log, /home, /var
 * and /var/lib/containers in the mount table (posture-mounts.c). */
int posture_check_mounts(struct posture *pc);
/* SELinux: /etc/selinux/config and, live, /sys/fs/selinux (posture-selinux.c). */
int posture_check_selinux(struct posture *pc);
/* Podman quadlet .container (and .kube) definitions judged for the container
 * posture of `container posture` (posture-quadlet.c). */
int posture_check_quadlet(struct posture *pc);
