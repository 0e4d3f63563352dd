/* Mount table changes; see mounts-diff.h. Sorting both tables by key makes
 * the match O(n log n): a table of 100,000 mounts compares in well under a
 * second. */
#define _GNU_SOURCE
#include "mounts-diff.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules.h"

struct keyed {
        const struct mount_entry *e;
        size_t idx;
};

static int key_compare(const struct mount_entry *a, const struct mount_entry *b)
{
        int c = strcmp(a->target, b->target);

        c = c ?: strcmp(a->source, b->source);
        c = c ?: strcmp(a->fstype, b->fstype);
        return c ?: strcmp(a->root, b->root);
}

static int keyed_compare(const void *x, const void *y)
{
        const struct keyed *a = x, *b = y;
        int c = key_compare(a->e, b->e);

        return c ?: (a->idx > b->idx) - (a->idx < b->idx);
}

static struct keyed *sorted(const struct mount_table *t)
{
        struct keyed *k = calloc(t->n ?: 1, sizeof(*k));

        if (!k)
                return NULL;
        for (size_t i = 0; i < t->n; i++)
                k[i] = (struct keyed) { &t->entries[i], i };
        qsort(k, t->n, sizeof(*k), keyed_compare);
        return k;
}

const struct mount_entry *mount_table_covering(const struct mount_table *t, const char *path)
{
        const struct mount_entry *best = NULL;
        size_t best_len = 0;

        for (size_t i = 0; i < t->n; i++) {
                const struct mount_entry *e = &t->entries[i];
                size_t n = strlen(e->target);

                if (path_is_under(path, e->target) && (!best || n >= best_len)) {
                        best = e;
                        best_len = n;
                }
        }
        return best;
}

bool mount_table_image_mode(const struct mount_table *t)
{
        const struct mount_entry *root = mount_table_covering(t, "/");

        for (size_t i = 0; i < t->n; i++)
                if (strcmp(t->entries[i].target, "/sysroot") == 0)
                        return true;
        return root && (strcmp(root->fstype, "composefs") == 0 || strcmp(root->source, "composefs") == 0);
}

/* The directory part of a glob before its first wildcard: "/etc/cron*" -> "/etc". */
static size_t fixed_prefix(const char *glob)
{
        size_t n = strcspn(glob, "*?[");

        if (glob[n] == '\0')
                return n;
        while (n > 0 && glob[n - 1] != '/')
                n--;
        return n > 1 ? n - 1 : n;
}

const char *mounts_watched(const struct strv *watch, const char *target)
{
        size_t tlen = strlen(target);

        for (size_t i = 0; watch && i < watch->n; i++) {
                const char *g = watch->v[i];
                size_t n = fixed_prefix(g);

                if (path_glob(g, target, tlen))
                        return g;
                /* target hides the glob's fixed part: it is a proper ancestor of
                 * it. Not "/": the root is there from the start, and what
                 * replaces it (a pivot) is not a mount over a surface. */
                if (tlen > 1 && n > tlen && strncmp(g, target, tlen) == 0 && g[tlen] == '/')
                        return g;
        }
        return NULL;
}

static void verity_of(const struct mount_entry *e, int *ret_level, bool *ret_digest)
{
        const char *v;
        size_t n;

        *ret_level = 0;
        if (mount_option(e->super_options, "verity", &v, &n))
                *ret_level = n == 7 && strncmp(v, "require", 7) == 0 ? 2 : n == 2 && strncmp(v, "on", 2) == 0 ? 1 : 0;
        *ret_digest = mount_option(e->super_options, "digest", NULL, NULL);
}

int mount_verity_level(const struct mount_entry *e)
{
        int level;
        bool digest;

        verity_of(e, &level, &digest);
        return level ?: digest;
}

/* What of before's verity protection after lacks, or NULL. */
static const char *verity_lost(const struct mount_entry *before, const struct mount_entry *after)
{
        int lb, la;
        bool db, da;

        verity_of(before, &lb, &db);
        verity_of(after, &la, &da);
        if (db && !da)
                return "digest";
        if (lb > la)
                return lb == 2 ? "verity=require" : "verity=on";
        return NULL;
}

static bool is_overlay_root(const char *target)
{
        return path_is_under(target, "/usr") || path_is_under(target, "/etc") || path_is_under(target, "/opt");
}

struct diff {
        const struct mount_table *prev, *cur;
        const struct mounts_policy *p;
        const struct mount_entry *usr;  /* cur's mount visible at /usr */
        mount_change_fn fn;
        void *userdata;
};

static int emit(struct diff *d, enum mount_change_kind kind, const struct mount_entry *before,
                const struct mount_entry *after, const char *watched, const char *detail)
{
        struct mount_change c = { kind, before, after, watched, detail };

        return d->fn(&c, d->userdata);
}

/* A mount that stayed (same key) or was replaced at its target (before may
 * then differ in source or type): /usr made writable, verity lost, options
 * of a watched mount changed. *ret_reported: a finding came out. */
static int compare(struct diff *d, const struct mount_entry *before, const struct mount_entry *after,
                   bool *ret_reported)
{
        const char *lost = verity_lost(before, after), *watched;
        bool reported = false;
        int r;

        if (d->usr == after && mount_entry_read_only(before) &&
            !mount_entry_read_only(after)) {
                r = emit(d, MOUNT_USR_RW, before, after, NULL, NULL);
                if (r < 0)
                        return r;
                reported = true;
        }
        if (lost) {
                r = emit(d, MOUNT_VERITY_REMOVED, before, after, NULL, lost);
                if (r < 0)
                        return r;
                reported = true;
        }
        watched = mounts_watched(d->p->watch, after->target);
        if (!reported && watched && key_compare(before, after) == 0 &&
            (strcmp(before->options, after->options) != 0 ||
             strcmp(before->super_options, after->super_options) != 0)) {
                r = emit(d, MOUNT_WATCHED_OPTIONS, before, after, watched, NULL);
                if (r < 0)
                        return r;
                reported = true;
        }
        *ret_reported = reported;
        return 0;
}

static int appeared(struct diff *d, const struct mount_entry *after, const struct mount_entry *replaced)
{
        const char *watched = mounts_watched(d->p->watch, after->target);
        bool reported = false;
        int r;

        if (replaced) {
                r = compare(d, replaced, after, &reported);
                if (r < 0)
                        return r;
        }
        if (strcmp(after->fstype, "overlay") == 0 && is_overlay_root(after->target))
                return emit(d, MOUNT_OVERLAY_NEW, replaced, after, watched, NULL);
        if (watched && !reported)
                return emit(d, MOUNT_WATCHED_NEW, replaced, after, watched, NULL);
        return 0;
}

/* The first of the sorted k[0..n) whose target is not below 'target' in order. */
static size_t first_at(const struct keyed *k, size_t n, const char *target)
{
        size_t lo = 0, hi = n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (strcmp(k[mid].e->target, target) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

int mounts_diff(const struct mount_table *prev, const struct mount_table *cur, const struct mounts_policy *p,
                mount_change_fn fn, void *userdata)
{
        _cleanup_(freep) struct keyed *kp = NULL, *kc = NULL;
        _cleanup_(freep) ssize_t *match = NULL;         /* cur index -> prev index, -1: appeared */
        _cleanup_(freep) bool *used = NULL;             /* prev index matched or replaced */
        struct diff d = { prev, cur, p, mount_table_covering(cur, "/usr"), fn, userdata };
        size_t i, j;
        int r;

        kp = sorted(prev);
        kc = sorted(cur);
        match = calloc(cur->n ?: 1, sizeof(*match));
        used = calloc(prev->n ?: 1, sizeof(*used));
        if (!kp || !kc || !match || !used)
                return -ENOMEM;
        for (i = 0; i < cur->n; i++)
                match[i] = -1;
        for (i = j = 0; i < cur->n && j < prev->n;) {
                int c = key_compare(kc[i].e, kp[j].e);

                if (c == 0) {
                        match[kc[i].idx] = (ssize_t) kp[j].idx;
                        used[kp[j].idx] = true;
                        i++, j++;
                } else if (c < 0) {
                        i++;
                } else {
                        j++;
                }
        }

        for (i = 0; i < cur->n; i++) {
                const struct mount_entry *after = &cur->entries[i], *replaced = NULL;
                bool reported;

                if (match[i] >= 0) {
                        r = compare(&d, &prev->entries[match[i]], after, &reported);
                        if (r < 0)
                                return r;
                        continue;
                }
                /* The mount that went away at the same target, if any: replaced.
                 * kp is sorted by target first: a binary search finds the run. */
                for (j = first_at(kp, prev->n, after->target); j < prev->n; j++) {
                        if (strcmp(kp[j].e->target, after->target) != 0)
                                break;
                        if (!used[kp[j].idx]) {
                                replaced = kp[j].e;
                                used[kp[j].idx] = true;
                                break;
                        }
                }
                r = appeared(&d, after, replaced);
                if (r < 0)
                        return r;
        }
        for (j = 0; j < prev->n; j++) {
                const char *watched;

                if (used[j])
                        continue;
                watched = mounts_watched(p->watch, prev->entries[j].target);
                if (watched) {
                        r = emit(&d, MOUNT_WATCHED_REMOVED, &prev->entries[j], NULL, watched, NULL);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int mounts_posture(const struct mount_table *cur, const struct mounts_policy *p, mount_change_fn fn,
                   void *userdata)
{
        const struct mount_entry *usr = mount_table_covering(cur, "/usr");
        struct mount_change c = { .kind = MOUNT_USR_RW_IMAGE, .after = usr };

        if (!p->image_mode || !usr || mount_entry_read_only(usr))
                return 0;
        return fn(&c, userdata);
}
