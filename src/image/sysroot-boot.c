/* Deployments from the boot loader entries, without libostree; see sysroot.h.
 *
 * ostree lists deployments in its boot loader entries: /boot/loader (a
 * symlink to loader.0 or loader.1) holds entries/ *.conf, each with a
 * "version" (the highest boots by default) and an "options" line whose
 * ostree= argument is a boot link, /ostree/boot.N/OSNAME/BOOTCSUM/INDEX, a
 * symlink to ../../../deploy/OSNAME/deploy/CHECKSUM.SERIAL. This reads that
 * and nothing else: what it does not understand, it leaves to libostree. */
#define _GNU_SOURCE
#include "sysroot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "basic/fd-util.h"
#include "basic/macros.h"

#define ENTRY_MAX_BYTES (64 << 10)
#define ENTRIES_MAX 256

static void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

struct boot_entry {
        unsigned long version;
        char *osname, *checksum;
        int serial;
};

/* The value of "key" on its own line of a boot loader entry, or NULL. */
static const char *entry_value(const char *text, const char *key, size_t *ret_len)
{
        size_t klen = strlen(key);
        const char *p = text;

        while (p && *p) {
                const char *eol = strchrnul(p, '\n');

                if ((size_t) (eol - p) > klen && strncmp(p, key, klen) == 0 && (p[klen] == ' ' || p[klen] == '\t')) {
                        const char *v = p + klen;

                        while (*v == ' ' || *v == '\t')
                                v++;
                        *ret_len = (size_t) (eol - v);
                        return v;
                }
                p = *eol ? eol + 1 : NULL;
        }
        return NULL;
}

/* "ostree=/ostree/boot.N/OS/BOOTCSUM/INDEX" among the options, resolved
 * through its symlink to OS, CHECKSUM and SERIAL. -EOPNOTSUPP for anything
 * else. */
static int resolve_boot_link(int rootfd, const char *opts, size_t len, struct boot_entry *e)
{
        char karg[PATH_MAX], target[PATH_MAX], os[256], csum[65];
        const char *p = opts, *end = opts + len;
        ssize_t n;
        int serial, consumed = 0;

        for (;;) {
                const char *sp;

                while (p < end && *p == ' ')
                        p++;
                if (p >= end)
                        return -EOPNOTSUPP;
                sp = memchr(p, ' ', (size_t) (end - p));
                if (!sp)
                        sp = end;
                if ((size_t) (sp - p) > 8 && strncmp(p, "ostree=/", 8) == 0 && (size_t) (sp - p) - 8 < sizeof(karg)) {
                        memcpy(karg, p + 8, (size_t) (sp - p) - 8);
                        karg[sp - p - 8] = '\0';
                        break;
                }
                p = sp;
        }
        if (strncmp(karg, "ostree/boot.", 12) != 0 || strstr(karg, ".."))
                return -EOPNOTSUPP;
        n = readlinkat(rootfd, karg, target, sizeof(target) - 1);
        if (n < 0)
                return -EOPNOTSUPP;
        target[n] = '\0';
        if (sscanf(target, "../../../deploy/%255[^/]/deploy/%64[0-9a-f].%d%n", os, csum, &serial, &consumed) != 3 ||
            target[consumed] != '\0' || strlen(csum) != 64 || serial < 0)
                return -EOPNOTSUPP;
        e->osname = strdup(os);
        e->checksum = strdup(csum);
        e->serial = serial;
        return e->osname && e->checksum ? 0 : -ENOMEM;
}

static int by_version_desc(const void *a, const void *b)
{
        const struct boot_entry *x = a, *y = b;

        return x->version < y->version ? 1 : x->version > y->version ? -1 : 0;
}

/* The [origin] key of a deployment's .origin file, or NULL. */
static char *origin_value(int rootfd, const char *rel, const char *key)
{
        _cleanup_(freep) char *text = NULL;
        size_t len = 0, vlen;
        const char *sec, *v;
        char line[128];

        if (read_file_beneath(rootfd, rel, ENTRY_MAX_BYTES, &text, &len) < 0)
                return NULL;
        sec = strstr(text, "[origin]");
        if (!sec)
                return NULL;
        snprintf(line, sizeof(line), "%s=", key);
        for (v = sec; (v = strstr(v, line)); v++)
                if (v[-1] == '\n') {
                        v += strlen(line);
                        vlen = strcspn(v, "\n");
                        return strndup(v, vlen);
                }
        return NULL;
}

int sysroot_load_boot(const char *sysroot, struct sysroot **ret)
{
        _cleanup_(sysroot_freep) struct sysroot *d = NULL;
        _cleanup_(closep) int rootfd = -1, entfd = -1;
        _cleanup_(freep) struct boot_entry *v = NULL;
        _cleanup_(closedirp) DIR *dir = NULL;
        char link[16], entries[64];
        struct dirent *de;
        size_t n = 0, i;
        ssize_t k;
        struct stat root_st = { 0 };
        int r = 0, booted = -1;

        r = sysroot_new(sysroot, &d);
        if (r < 0)
                return r;
        /* A staged deployment lives in /run: libostree reads it. */
        if (d->live && access("/run/ostree/staged-deployment", F_OK) == 0)
                return -EOPNOTSUPP;
        rootfd = open(d->sysroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return -errno;
        /* loader -> loader.0 or loader.1, nothing else. */
        k = readlinkat(rootfd, "boot/loader", link, sizeof(link) - 1);
        if (k < 0)
                return -EOPNOTSUPP;
        link[k] = '\0';
        if (strcmp(link, "loader.0") != 0 && strcmp(link, "loader.1") != 0)
                return -EOPNOTSUPP;
        snprintf(entries, sizeof(entries), "boot/%s/entries", link);
        entfd = open_beneath(rootfd, entries, O_RDONLY | O_DIRECTORY);
        if (entfd < 0)
                return -EOPNOTSUPP;
        dir = fdopendir(entfd);
        if (!dir)
                return -errno;
        entfd = -1;     /* owned by dir */
        v = calloc(ENTRIES_MAX, sizeof(*v));
        if (!v)
                return -ENOMEM;
        while (r >= 0 && (de = readdir(dir))) {
                _cleanup_(freep) char *text = NULL, *rel = NULL;
                size_t len = 0, vlen, olen;
                const char *ver, *opts;
                char *endp;

                if (de->d_name[0] == '.' || !strstr(de->d_name, ".conf"))
                        continue;
                if (n == ENTRIES_MAX || asprintf(&rel, "%s/%s", entries, de->d_name) < 0) {
                        r = n == ENTRIES_MAX ? -EOPNOTSUPP : -ENOMEM;
                        break;
                }
                r = read_file_beneath(rootfd, rel, ENTRY_MAX_BYTES, &text, &len);
                if (r < 0 || memchr(text, '\0', len)) {
                        r = -EOPNOTSUPP;
                        break;
                }
                ver = entry_value(text, "version", &vlen);
                opts = entry_value(text, "options", &olen);
                if (!ver || !opts) {
                        r = -EOPNOTSUPP;
                        break;
                }
                v[n].version = strtoul(ver, &endp, 10);
                if (endp == ver || (size_t) (endp - ver) != vlen) {
                        r = -EOPNOTSUPP;
                        break;
                }
                r = resolve_boot_link(rootfd, opts, olen, &v[n]);
                n++;
        }
        if (r >= 0 && n == 0)
                r = -EOPNOTSUPP;
        if (r >= 0 && d->live && stat("/", &root_st) < 0)
                r = -errno;
        if (r >= 0) {
                qsort(v, n, sizeof(*v), by_version_desc);
                d->v = calloc(n, sizeof(*d->v));
                if (!d->v)
                        r = -ENOMEM;
        }
        for (i = 0; r >= 0 && i < n; i++) {
                struct sysroot_deployment *x = &d->v[d->n++];
                _cleanup_(freep) char *rel = NULL;
                struct stat st;

                x->index = (unsigned) i;
                x->osname = TAKE_PTR(v[i].osname);
                x->checksum = TAKE_PTR(v[i].checksum);
                x->serial = v[i].serial;
                x->unlocked = "none";
                if (asprintf(&rel, "ostree/deploy/%s/deploy/%s.%d", x->osname, x->checksum, x->serial) < 0 ||
                    asprintf(&x->path, "%s/%s", strcmp(d->sysroot, "/") ? d->sysroot : "", rel) < 0) {
                        r = -ENOMEM;
                        break;
                }
                if (fstatat(rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode)) {
                        r = -EOPNOTSUPP;
                        break;
                }
                /* Live, the booted deployment is the one / is. */
                if (d->live && root_st.st_dev == st.st_dev && root_st.st_ino == st.st_ino)
                        booted = (int) i;
                free(rel);
                rel = NULL;
                if (asprintf(&rel, "ostree/deploy/%s/deploy/%s.%d.origin", x->osname, x->checksum, x->serial) < 0) {
                        r = -ENOMEM;
                        break;
                }
                x->refspec = origin_value(rootfd, rel, "refspec");
                x->image = origin_value(rootfd, rel, "container-image-reference");
        }
        for (i = 0; i < n; i++) {
                free(v[i].osname);
                free(v[i].checksum);
        }
        if (r < 0)
                return r;
        if (d->live && booted < 0)
                return -EOPNOTSUPP;
        if (d->live)
                d->v[booted].booted = true;
        sysroot_assign_roles(d);
        *ret = TAKE_PTR(d);
        return 0;
}
