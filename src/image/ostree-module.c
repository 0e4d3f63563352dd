/* Loading the ostree module on first use, and the entry points that call
 * into it; see ostree-module.h. */
#define _GNU_SOURCE
#include "ostree-module.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef DW_MODULE_DIR
#define DW_MODULE_DIR "/usr/lib/driftwatch"
#endif

static pthread_once_t once = PTHREAD_ONCE_INIT;
static const struct ostree_module *module;
static char reason[PATH_MAX + 128];

/* Whether path may be loaded: a regular file owned by root or by us that no
 * one else can write; a reason in 'reason' when not. */
static bool trusted(const char *path)
{
        struct stat st;

        if (stat(path, &st) < 0) {
                snprintf(reason, sizeof(reason), "cannot find '%s': %s", path, strerror(errno));
                return false;
        }
        if (!S_ISREG(st.st_mode) || (st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & 022)) {
                snprintf(reason, sizeof(reason),
                         "refusing '%s': not a regular file owned by root (or by this user) and writable only by "
                         "its owner",
                         path);
                return false;
        }
        return true;
}

static bool try_load(const char *path)
{
        const struct ostree_module *m;
        void *h;

        if (!trusted(path))
                return false;
        h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
                snprintf(reason, sizeof(reason), "cannot load '%s': %s", path, dlerror());
                return false;
        }
        m = dlsym(h, OSTREE_MODULE_SYMBOL);
        if (!m || m->abi != OSTREE_MODULE_ABI) {
                snprintf(reason, sizeof(reason), "'%s' is not a driftwatch ostree module of this version", path);
                dlclose(h);
                return false;
        }
        module = m;     /* kept loaded for the life of the process */
        return true;
}

#ifdef DW_MODULE_RELDIR
#define MODULE_RELDIR_SIZE sizeof(DW_MODULE_RELDIR)
#else
#define MODULE_RELDIR_SIZE 0
#endif

static void load(void)
{
        char exe[PATH_MAX], path[PATH_MAX + MODULE_RELDIR_SIZE + sizeof(OSTREE_MODULE_NAME) + 1];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        char *slash;

        if (n > 0) {
                exe[n] = '\0';
                slash = strrchr(exe, '/');
                if (slash) {
                        *slash = '\0';
                        snprintf(path, sizeof(path), "%s/%s", exe, OSTREE_MODULE_NAME);
                        if (access(path, F_OK) == 0) {
                                try_load(path);
                                return;
                        }
#ifdef DW_MODULE_RELDIR
                        /* An installed tree moved as a whole (DESTDIR, a relocated prefix). */
                        snprintf(path, sizeof(path), "%s/" DW_MODULE_RELDIR "/%s", exe, OSTREE_MODULE_NAME);
                        if (access(path, F_OK) == 0) {
                                try_load(path);
                                return;
                        }
#endif
                }
        }
        try_load(DW_MODULE_DIR "/" OSTREE_MODULE_NAME);
}

int ostree_module_get(const struct ostree_module **ret, const char **ret_reason)
{
        pthread_once(&once, load);
        if (!module) {
                if (ret_reason)
                        *ret_reason = reason;
                return -ELIBACC;
        }
        *ret = module;
        return 0;
}

/* The module, or -ELIBACC with its reason copied to *ret_error. */
static int get(const struct ostree_module **ret, char **ret_error)
{
        const char *why = NULL;
        int r = ostree_module_get(ret, &why);

        if (r < 0 && ret_error && !*ret_error)
                *ret_error = strdup(why);
        return r;
}

int sysroot_load(const char *sysroot, struct sysroot **ret, char **ret_error)
{
        const struct ostree_module *m;
        int r = get(&m, ret_error);

        return r < 0 ? r : m->sysroot_load(sysroot, ret, ret_error);
}

int image_verify(const struct sysroot *ds, const struct sysroot_deployment *d, const struct verify_opts *opts,
                 fim_change_fn fn, void *userdata, struct verify_stats *ret_stats, char **ret_error)
{
        const struct ostree_module *m;
        int r = get(&m, ret_error);

        return r < 0 ? r : m->image_verify(ds, d, opts, fn, userdata, ret_stats, ret_error);
}

int ostree_tree_from_ref(const char *repo_path, const char *ref, char *const *prefixes, size_t n_prefixes,
                         unsigned threads, struct fim_tree **ret, char **ret_commit,
                         struct walk_stats *ret_stats, char **ret_error)
{
        const struct ostree_module *m;
        int r = get(&m, ret_error);

        return r < 0 ? r : m->tree_from_ref(repo_path, ref, prefixes, n_prefixes, threads, ret, ret_commit,
                                            ret_stats, ret_error);
}
