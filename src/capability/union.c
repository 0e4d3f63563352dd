/* Union-aware file integrity; see union.h. */
#define _GNU_SOURCE
#include "union.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "report/json.h"
#include "host/inventory.h"
#include "host/layers.h"
#include "image/allowlist.h"

struct union_check {
        const struct dw_context *ctx;
        struct layers *layers;
        struct inventory *inv;
        struct allowlist *approved;
        struct fim_reporter *rep;
        int64_t now;
};

struct union_check *union_check_free(struct union_check *u)
{
        if (!u)
                return NULL;
        layers_free(u->layers);
        inventory_free(u->inv);
        allowlist_free(u->approved);
        free(u);
        return NULL;
}

/* The merged image of an extension layer, or NULL. */
static const struct inv_image *layer_image(const struct union_check *u, const struct union_mount *m,
                                           const struct layer *ly)
{
        size_t i;

        for (i = 0; ly->name && i < u->inv->n_images; i++) {
                const struct inv_image *im = &u->inv->images[i];

                if (im->merged == 1 && im->shadowed_by < 0 &&
                    im->class == (m->confext ? IMAGE_CONFEXT : IMAGE_SYSEXT) && strcmp(im->name, ly->name) == 0)
                        return im;
        }
        return NULL;
}

int union_check_open(const struct dw_context *ctx, const char *approved_path, struct union_check **ret,
                     struct dw_error *ret_error)
{
        _cleanup_(union_check_freep) struct union_check *u = calloc(1, sizeof(*u));
        _cleanup_(freep) char *reason = NULL;
        size_t i, j;
        int r;

        if (!u)
                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
        u->ctx = ctx;
        u->now = (int64_t) time(NULL);
        /* A bad list is an error whether or not anything is merged now. */
        if (approved_path) {
                r = allowlist_load(approved_path, true, &u->approved, ret_error);
                if (r < 0)
                        return r;
        }
        /* Every merge leaves its marker in the hierarchy: without one nothing is
         * merged, and libmount is not even loaded. */
        if (access("/usr/.systemd-sysext", F_OK) < 0 && access("/opt/.systemd-sysext", F_OK) < 0 &&
            access("/etc/.systemd-confext", F_OK) < 0) {
                *ret = NULL;
                return 0;
        }
        r = layers_read(&u->layers);
        if (r == -ELIBACC || r == -ELIBBAD || (r >= 0 && u->layers->n == 0)) {
                *ret = NULL;            /* nothing merged (or no mount table reader: nothing known merged) */
                return 0;
        }
        if (r < 0)
                return dw_error_set(ret_error, r, "/proc/self/mountinfo",
                                    "cannot read the merged hierarchies of '/proc/self/mountinfo': %s", strerror(-r));
        r = inventory_collect("/", ctx->cancel, &u->inv, &reason);
        if (r == -ECANCELED)
                return dw_error_set(ret_error, r, NULL, "interrupted");
        if (r < 0)
                return dw_error_set(ret_error, r, "/", "cannot read the extension images of '/': %s",
                                    reason ?: strerror(-r));
        for (i = 0; i < u->layers->n; i++)
                for (j = 0; j < u->layers->mounts[i].n; j++) {
                        const struct union_mount *m = &u->layers->mounts[i];
                        const struct inv_image *im = layer_image(u, m, &m->layers[j]);

                        if (im && (r = layers_attach_image(u->layers, im->name, m->confext, im->path, im->form)) < 0)
                                return dw_error_set(ret_error, r, NULL, "out of memory");
                }
        *ret = TAKE_PTR(u);
        return 0;
}

void union_check_set_reporter(struct union_check *u, struct fim_reporter *rep)
{
        u->rep = rep;
}

/* The approval of the image: the entry's description, or NULL. */
static char *approval(struct union_check *u, const struct inv_image *im)
{
        struct allow_entry *ae;
        bool expired = false;
        char *s = NULL;

        if (!u->approved || !im)
                return NULL;
        ae = allowlist_match_image(u->approved, im->name, im->hashed ? im->sha256 : NULL, im->roothash, u->now,
                                   &expired);
        if (!ae || expired)
                return NULL;
        if (asprintf(&s, "%s (owner %s, line %zu)", ae->path, ae->owner, ae->line) < 0)
                return NULL;
        return s;
}

struct layer_desc {
        const char *name;               /* NULL: the base */
        const char *image;
        const char *dir;
};

struct extension_json {
        struct layer_desc top, below;
        bool has_below, approved;
        const char *hierarchy;
};

static void json_layer(struct json *j, const char *key, const struct layer_desc *d)
{
        json_object_begin(j, key);
        json_string(j, "layer", d->name ? "extension" : "base");
        if (d->name)
                json_string(j, "name", d->name);
        if (d->image)
                json_string(j, "image", d->image);
        if (d->dir)
                json_string(j, "lowerdir", d->dir);
        json_object_end(j);
}

/* driftwatch.extension of a merge's own marker file: its hierarchy and layer. */
static void json_marker(struct json *j, const void *data)
{
        json_object_begin(j, "extension");
        json_string(j, "hierarchy", data);
        json_string(j, "layer", "meta");
        json_object_end(j);
}

/* driftwatch.extension: name, image, approved, hierarchy; shadowed: the lower layer. */
static void json_extension(struct json *j, const void *data)
{
        const struct extension_json *x = data;

        json_object_begin(j, "extension");
        if (x->top.name)
                json_string(j, "name", x->top.name);
        if (x->top.image)
                json_string(j, "image", x->top.image);
        json_string(j, "hierarchy", x->hierarchy);
        json_bool(j, "approved", x->approved);
        if (x->has_below) {
                json_layer(j, "shadows", &x->below);
                json_string(j, "wins", "extension");
        }
        json_object_end(j);
}

static void describe_layer(const struct union_check *u, const struct union_mount *m, const struct layer *ly,
                           struct layer_desc *ret)
{
        const struct inv_image *im = layer_image(u, m, ly);

        *ret = (struct layer_desc) { .name = ly->name, .image = im ? im->path : ly->image, .dir = ly->dir };
}

static int emit_shadow(struct union_check *u, const struct finding *like, struct extension_json *x)
{
        _cleanup_(freep) char *msg = NULL;
        struct finding f;
        int r;

        if (asprintf(&msg, "extension '%s' (%s) shadows the file of %s%s%s in %s: the extension's file wins "
                     "(the topmost layer)",
                     x->top.name, x->top.image ?: "image not found",
                     x->below.name ? "the lower extension '" : "the base image", x->below.name ?: "",
                     x->below.name ? "'" : "", x->hierarchy) < 0)
                return -ENOMEM;
        finding_init(&f);
        f.alert = true;
        f.rule = ruleset_rule(u->ctx->rules, "DW-INV-SHADOWS-BASE");
        f.category = "file";
        f.type = "info";
        f.action = "file-shadowed";
        f.dataset = like->dataset;
        f.root = like->root;
        f.path = like->path;
        f.path_len = like->path_len;
        f.message = msg;
        f.json_extra = json_extension;
        f.json_extra_data = x;
        r = output_emit(u->rep->out, &f);
        finding_release(&f);
        return r;
}

int union_report_change(const struct fim_change *c, void *userdata)
{
        struct union_check *u = userdata;
        _cleanup_(freep) char *path = NULL, *msg = NULL, *allowed = NULL;
        struct extension_json x = { 0 };
        struct layer_owner o;
        struct finding f;
        int r;

        r = fim_finding_from_change(u->rep, c, &f);
        if (r < 0)
                return r;
        if (r > 0) {
                finding_release(&f);    /* folded into another finding */
                return 0;
        }
        path = strndup(f.path, f.path_len);
        if (!path) {
                finding_release(&f);
                return -ENOMEM;
        }
        o = (struct layer_owner) { 0 };
        if (c->new && (c->kind == CHANGE_ADDED || c->kind == CHANGE_MODIFIED) && !memchr(f.path, '\0', f.path_len))
                layers_owner(u->layers, path, &o);
        if (o.top && o.top->name) {
                const struct inv_image *im = layer_image(u, o.mount, o.top);

                describe_layer(u, o.mount, o.top, &x.top);
                x.hierarchy = o.mount->target;
                allowed = approval(u, im);
                x.approved = allowed != NULL;
                if (o.below) {
                        x.has_below = true;
                        describe_layer(u, o.mount, o.below, &x.below);
                }
                if (x.approved) {
                        f.alert = false;
                        f.rule = ruleset_rule(u->ctx->rules, "DW-INV-EXTENSION-FILE");
                        f.allowed_by = allowed;
                        r = asprintf(&msg, "provided by the approved extension '%s' (%s) merged into %s",
                                     o.top->name, x.top.image ?: "image not found", o.mount->target);
                } else {
                        r = asprintf(&msg, "provided by the extension '%s' (%s) merged into %s, which %s",
                                     o.top->name, x.top.image ?: "image not found", o.mount->target,
                                     !im ? "has no image on a search path" :
                                     u->approved ? "no approved entry names" : "is not approved (no approved list)");
                }
                if (r < 0) {
                        finding_release(&f);
                        return -ENOMEM;
                }
                f.message = msg;
                f.json_extra = json_extension;
                f.json_extra_data = &x;
        } else if (o.meta) {
                /* Written by the merge, not into the base: the overlay itself
                 * is what `mounts` reports (DW-MNT-OVERLAY-NEW). */
                if (asprintf(&msg, "the marker systemd-%s writes into the meta layer of its merge into %s: "
                             "not part of the base", o.mount->confext ? "confext" : "sysext", o.mount->target) < 0) {
                        finding_release(&f);
                        return -ENOMEM;
                }
                f.alert = false;
                f.rule = ruleset_rule(u->ctx->rules, "DW-INV-MERGE-MARKER");
                f.message = msg;
                f.json_extra = json_marker;
                f.json_extra_data = o.mount->target;
        }
        r = output_emit(u->rep->out, &f);
        if (r >= 0 && x.has_below)
                r = emit_shadow(u, &f, &x);
        finding_release(&f);
        return r;
}

int union_report_merged(struct union_check *u, struct output *out)
{
        size_t i, j;
        int r = 0;

        for (i = 0; i < u->layers->n && r >= 0; i++) {
                const struct union_mount *m = &u->layers->mounts[i];

                for (j = 0; j < m->n && r >= 0; j++) {
                        const struct inv_image *im = layer_image(u, m, &m->layers[j]);
                        _cleanup_(freep) char *msg = NULL;
                        struct extension_json x = { .hierarchy = m->target };
                        struct finding f;
                        struct stat st;
                        int64_t changed;

                        if (!im || m->merge_time == 0 || lstat(im->path, &st) < 0)
                                continue;
                        changed = st.st_mtim.tv_sec > st.st_ctim.tv_sec ? st.st_mtim.tv_sec : st.st_ctim.tv_sec;
                        if (changed <= m->merge_time)
                                continue;
                        _cleanup_(freep) char *allowed = approval(u, im);

                        describe_layer(u, m, &m->layers[j], &x.top);
                        x.approved = allowed != NULL;
                        if (asprintf(&msg, "the image of extension '%s' (%s) changed %llds after it was merged into "
                                     "%s: what is merged is no longer what the file holds",
                                     im->name, im->path, (long long) (changed - m->merge_time), m->target) < 0)
                                return -ENOMEM;
                        finding_init(&f);
                        f.alert = true;
                        f.rule = ruleset_rule(u->ctx->rules, "DW-INV-CHANGED-SINCE-MERGE");
                        f.category = "configuration";
                        f.type = "change";
                        f.action = "image-changed-since-merge";
                        f.dataset = "driftwatch.inventory";
                        f.path = im->path;
                        f.path_len = strlen(im->path);
                        f.message = msg;
                        f.json_extra = json_extension;
                        f.json_extra_data = &x;
                        r = output_emit(out, &f);
                        finding_release(&f);
                }
        }
        return r;
}

int union_report_merged_live(const struct dw_context *ctx, const char *approved_path, struct output *out,
                             struct dw_error *ret_error)
{
        _cleanup_(union_check_freep) struct union_check *u = NULL;
        int r;

        r = union_check_open(ctx, approved_path, &u, ret_error);
        if (r < 0 || !u)
                return r;
        r = union_report_merged(u, out);
        if (r < 0)
                return dw_error_set(ret_error, out->error ?: r, NULL, "cannot write output: %s",
                                    strerror(-(out->error ?: r)));
        return 0;
}

unsigned union_usr_extensions(char *buf, size_t size)
{
        _cleanup_(layers_freep) struct layers *l = NULL;
        unsigned n = 0;
        size_t i, j, len = 0;

        if (size)
                buf[0] = '\0';
        if (size < 4 || layers_read(&l) < 0)
                return 0;
        for (i = 0; i < l->n; i++)
                for (j = 0; strcmp(l->mounts[i].target, "/usr") == 0 && j < l->mounts[i].n; j++) {
                        const char *name = l->mounts[i].layers[j].name;
                        int w;

                        if (!name)
                                continue;
                        n++;
                        if (len >= size - 4)
                                continue;
                        w = snprintf(buf + len, size - 3 - len, "%s%s", len ? "," : "", name);
                        if (w < 0 || (size_t) w >= size - 3 - len) {
                                memcpy(buf + (len = size - 4), "...", 4);
                                continue;
                        }
                        len += (size_t) w;
                }
        return n;
}
