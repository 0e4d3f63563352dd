/* Posture: ostree remotes, as libostree reads them for the system repository
 * (ostree.repo-config(5)): [remote "NAME"] groups of the repository's config
 * (/sysroot/ostree/repo/config; /ostree is a symlink to it on a booted host)
 * and of /etc/ostree/remotes.d/NAME.conf. gpg-verify defaults to true,
 * sign-verify (a boolean or a list of signature types) to false; a remote
 * with neither pulls commits nobody signed. A plain http:// url lets the
 * network choose what is offered (ostree still verifies signatures when on). */
#define _GNU_SOURCE
#include "posture-check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse/keyfile.h"

#define OSTREE_REPO_CONFIG "/sysroot/ostree/repo/config"
#define OSTREE_REPO_CONFIG_DIRECT "/ostree/repo/config"
#define OSTREE_REMOTES_D "/etc/ostree/remotes.d"

/* The remote's name from a group name 'remote "NAME"', or NULL. */
static char *remote_name(const char *group)
{
        size_t n = strlen(group);

        if (n < 10 || strncmp(group, "remote \"", 8) != 0 || group[n - 1] != '"')
                return NULL;
        return strndup(group + 8, n - 9);
}

struct verify {
        bool on;
        const struct keyfile_entry *e;  /* where it was set, or NULL: the default */
        const char *value;
};

static int get_verify(const struct keyfile *kf, const char *group, const char *key, bool def, struct verify *ret)
{
        const struct keyfile_entry *e = keyfile_get(kf, group, key);
        bool b;

        *ret = (struct verify) { .on = def, .e = e, .value = def ? "true (default)" : "false (default)" };
        if (!e)
                return 0;
        ret->value = e->value;
        if (keyfile_boolean(e->value, &b) >= 0) {
                ret->on = b;
                return 0;
        }
        /* sign-verify also takes a list of signature types ("ed25519;"). */
        if (strcmp(key, "sign-verify") == 0 && e->value[0] && strspn(e->value, "abcdefghijklmnopqrstuvwxyz0123456789;"
                                                                               " ") == strlen(e->value)) {
                ret->on = true;
                return 0;
        }
        return -EINVAL;
}

static bool deploys_from(const struct posture *pc, const char *name)
{
        return pc->image.ostree_remote && strcmp(pc->image.ostree_remote, name) == 0;
}

static int check_remote(struct posture *pc, const char *file, const struct keyfile *kf, const char *group,
                        const char *name)
{
        const struct keyfile_entry *url = keyfile_get(kf, group, "url");
        const struct keyfile_entry *content = keyfile_get(kf, group, "contenturl");
        _cleanup_(freep) char *value = NULL, *message = NULL, *setting = NULL;
        struct verify gpg, sign;
        bool ours = deploys_from(pc, name);
        int r;

        if (get_verify(kf, group, "gpg-verify", true, &gpg) < 0 || get_verify(kf, group, "sign-verify", false, &sign) < 0) {
                if (asprintf(&message, "remote '%s': gpg-verify or sign-verify is no boolean (ostree refuses the "
                                       "remote)", name) < 0)
                        return -ENOMEM;
                return posture_invalid(pc, "ostree-remote", file, message);
        }
        if (asprintf(&setting, "remote \"%s\"", name) < 0 ||
            asprintf(&value, "url=%s gpg-verify=%s sign-verify=%s", url ? url->value : "(none)", gpg.value,
                     sign.value) < 0 ||
            asprintf(&message, "ostree remote '%s'%s: %s", name, ours ? " (the host deploys from it)" : "", value) < 0)
                return -ENOMEM;
        r = posture_emit(pc, &(struct posture_finding) {
                .rule_id = "DW-POS-OSTREE-REMOTE", .check = "ostree-remote", .action = "ostree-remote",
                .file = file, .line = url ? url->line : 0, .setting = setting, .value = value, .message = message,
        });
        if (r < 0)
                return r;
        if (!gpg.on && !sign.on) {
                const struct keyfile_entry *where = gpg.e ? gpg.e : sign.e;

                free(message);
                message = NULL;
                if (asprintf(&message, "ostree remote '%s' verifies no signature (gpg-verify=%s, sign-verify=%s)%s",
                             name, gpg.value, sign.value,
                             ours ? ": the host deploys from it, so the next upgrade takes any commit served" : "") < 0)
                        return -ENOMEM;
                r = posture_emit(pc, &(struct posture_finding) {
                        .rule_id = "DW-POS-OSTREE-UNVERIFIED", .alert = true,
                        .severity = ours || !pc->image.ref ? 0 : SEVERITY_MEDIUM, .check = "ostree-remote",
                        .action = "ostree-remote-unverified", .file = file, .line = where ? where->line : 0,
                        .setting = setting, .value = value, .message = message,
                });
                if (r < 0)
                        return r;
        }
        for (const struct keyfile_entry *u = url; u; u = u == url ? content : NULL) {
                if (strncasecmp(u->value, "http://", 7) != 0)
                        continue;
                free(message);
                message = NULL;
                if (asprintf(&message, "ostree remote '%s' is fetched over plain http: %s=%s", name, u->key,
                             u->value) < 0)
                        return -ENOMEM;
                r = posture_emit(pc, &(struct posture_finding) {
                        .rule_id = "DW-POS-OSTREE-HTTP", .alert = true, .check = "ostree-remote",
                        .action = "ostree-remote-http", .file = file, .line = u->line, .setting = setting,
                        .value = u->value, .message = message,
                });
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_keyfile(const char *buf, size_t len, void *ret, char **ret_error)
{
        return keyfile_parse(buf, len, ret, ret_error);
}

static int check_file(struct posture *pc, const char *file, bool *ret_found)
{
        _cleanup_(keyfile_freep) struct keyfile *kf = NULL;
        const char *done[KEYFILE_MAX_ENTRIES];
        size_t n_done = 0, i, k;
        int r;

        r = posture_load(pc, "ostree-remote", file, KEYFILE_MAX_BYTES, parse_keyfile, &kf);
        if (ret_found)
                *ret_found = r != POSTURE_MISSING;
        if (r != POSTURE_LOADED)
                return r < 0 ? r : 0;
        for (i = 0; i < kf->n; i++) {
                _cleanup_(freep) char *name = NULL;
                bool seen = false;

                for (k = 0; k < n_done && !seen; k++)
                        seen = strcmp(done[k], kf->v[i].group) == 0;
                if (seen || !(name = remote_name(kf->v[i].group)))
                        continue;
                done[n_done++] = kf->v[i].group;
                r = check_remote(pc, file, kf, kf->v[i].group, name);
                if (r < 0)
                        return r;
        }
        return 0;
}

int posture_check_ostree(struct posture *pc)
{
        _cleanup_(strv_release) struct strv names = { 0 };
        bool found = false;
        size_t i;
        int r;

        r = check_file(pc, OSTREE_REPO_CONFIG, &found);
        if (r >= 0 && !found)
                r = check_file(pc, OSTREE_REPO_CONFIG_DIRECT, &found);
        if (r < 0)
                return r;
        r = posture_list(pc, OSTREE_REMOTES_D, ".conf", &names);
        if (r < 0)
                return posture_invalid(pc, "ostree-remote", OSTREE_REMOTES_D,
                                       r == -E2BIG ? "more than 1024 drop-in files" : strerror(-r));
        for (i = 0; i < names.n; i++) {
                _cleanup_(freep) char *path = NULL;

                if (asprintf(&path, OSTREE_REMOTES_D "/%s", names.v[i]) < 0)
                        return -ENOMEM;
                r = check_file(pc, path, NULL);
                if (r < 0)
                        return r;
        }
        return 0;
}
