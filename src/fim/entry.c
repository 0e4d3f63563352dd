/* Entries and sorted trees of entries; see entry.h. */
#define _GNU_SOURCE
#include "entry.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "basic/buf.h"
#include "basic/hash.h"

static const char *const attr_names[] = {
        "type", "mode", "uid", "gid", "size", "mtime", "content", "target",
        "rdev", "link", "xattrs", "statcache", "ostree-checksum",
};

const char *attr_name(unsigned bit)
{
        return bit < ARRAY_SIZE(attr_names) ? attr_names[bit] : NULL;
}

int attr_parse_list(const char *s, unsigned *ret_mask, const char **ret_bad)
{
        unsigned mask = 0, i;
        const char *p = s;

        while (*p) {
                size_t n = strcspn(p, ",");
                bool found = false;

                for (i = 0; i < ARRAY_SIZE(attr_names); i++)
                        if (strlen(attr_names[i]) == n && memcmp(attr_names[i], p, n) == 0) {
                                mask |= 1u << i;
                                found = true;
                        }
                if (!found && n > 0) {
                        if (ret_bad)
                                *ret_bad = p;
                        return -EINVAL;
                }
                p += n;
                if (*p == ',')
                        p++;
        }
        *ret_mask = mask;
        return 0;
}

int attr_format_list(struct buf *b, unsigned mask)
{
        bool first = true;
        unsigned i;
        int r;

        for (i = 0; i < ARRAY_SIZE(attr_names); i++) {
                if (!(mask & (1u << i)))
                        continue;
                r = buf_printf(b, "%s%s", first ? "" : ",", attr_names[i]);
                if (r < 0)
                        return r;
                first = false;
        }
        return 0;
}

const char *fim_type_name(uint32_t type)
{
        switch (type) {
        case S_IFREG: return "file";
        case S_IFDIR: return "dir";
        case S_IFLNK: return "symlink";
        case S_IFCHR: return "char";
        case S_IFBLK: return "block";
        case S_IFIFO: return "fifo";
        case S_IFSOCK: return "socket";
        default: return "unknown";
        }
}

int fim_tree_new(struct fim_tree **ret)
{
        struct fim_tree *t = calloc(1, sizeof(*t));

        if (!t)
                return -ENOMEM;
        arena_init(&t->arena);
        *ret = t;
        return 0;
}

struct fim_tree *fim_tree_free(struct fim_tree *t)
{
        if (!t)
                return NULL;
        free(t->entries);
        arena_release(&t->arena);
        free(t);
        return NULL;
}

struct fim_entry *fim_tree_add(struct fim_tree *t)
{
        if (t->n == t->cap) {
                size_t cap = t->cap ? t->cap * 2 : 1024;
                struct fim_entry *e = realloc(t->entries, cap * sizeof(*e));

                if (!e)
                        return NULL;
                t->entries = e;
                t->cap = cap;
        }
        memset(&t->entries[t->n], 0, sizeof(t->entries[0]));
        return &t->entries[t->n++];
}

int path_compare(const char *a, size_t alen, const char *b, size_t blen)
{
        int c = memcmp(a, b, alen < blen ? alen : blen);

        if (c != 0)
                return c;
        return alen < blen ? -1 : alen > blen ? 1 : 0;
}

static int entry_cmp(const void *x, const void *y)
{
        const struct fim_entry *a = x, *b = y;

        return path_compare(a->path, a->path_len, b->path, b->path_len);
}

void fim_tree_sort(struct fim_tree *t)
{
        if (t->n > 1)
                qsort(t->entries, t->n, sizeof(t->entries[0]), entry_cmp);
}

const struct fim_entry *fim_tree_find(const struct fim_tree *t, const char *path, size_t len)
{
        size_t lo = 0, hi = t->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                const struct fim_entry *e = &t->entries[mid];
                int c = path_compare(e->path, e->path_len, path, len);

                if (c == 0)
                        return e;
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

/* The index of the first entry whose path is not below 'path' followed by
 * 'sep' ('/' for the first descendant, '0' for the first entry past them). */
static size_t lower_bound_sep(const struct fim_tree *t, const char *path, size_t len, char sep)
{
        size_t lo = 0, hi = t->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                const struct fim_entry *e = &t->entries[mid];
                size_t n = e->path_len < len ? e->path_len : len;
                int c = memcmp(e->path, path, n);

                if (c == 0)     /* e against path+sep: a prefix sorts first */
                        c = e->path_len <= len ? -1 : (unsigned char) e->path[len] < (unsigned char) sep ? -1 : 1;
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

int fim_tree_keep_unlisted(struct fim_tree *unlisted, const struct fim_tree *cur)
{
        for (size_t i = 0; i < cur->n; i++) {
                const struct fim_entry *e = &cur->entries[i];
                struct fim_entry *u;

                if (!(e->flags & ENTRY_UNLISTED))
                        continue;
                u = fim_tree_add(unlisted);
                if (!u)
                        return -ENOMEM;
                u->path = arena_strndup(&unlisted->arena, e->path, e->path_len);
                if (!u->path)
                        return -ENOMEM;
                u->path_len = e->path_len;
                u->type = e->type;
                u->flags = ENTRY_UNLISTED;
        }
        return 0;
}

void fim_tree_below(const struct fim_tree *t, const char *path, size_t len, size_t *ret_lo, size_t *ret_hi)
{
        if (len == 1 && path[0] == '/') {
                *ret_lo = t->n && t->entries[0].path_len == 1;
                *ret_hi = t->n;
                return;
        }
        *ret_lo = lower_bound_sep(t, path, len, '/');
        *ret_hi = lower_bound_sep(t, path, len, '0');
}

size_t fim_tree_count_below(const struct fim_tree *t, const char *path, size_t len)
{
        size_t lo, hi;

        fim_tree_below(t, path, len, &lo, &hi);
        return hi - lo;
}

void fim_tree_reroot(struct fim_tree *t, const char *prefix)
{
        size_t plen = strlen(prefix), i, o = 0;

        for (i = 0; i < t->n; i++) {
                struct fim_entry *e = &t->entries[i];

                if (!path_has_prefix(e->path, e->path_len, prefix))
                        continue;
                if (e->path_len == plen) {
                        e->path = "/";
                        e->path_len = 1;
                } else {
                        e->path += plen;
                        e->path_len -= (uint32_t) plen;
                }
                t->entries[o++] = *e;
        }
        t->n = o;
}

int fim_index_build(const struct fim_tree *t, struct fim_index *ret)
{
        size_t cap = 16, i;

        if (t->n >= UINT32_MAX / 2)
                return -E2BIG;
        while (cap < t->n * 2)
                cap *= 2;
        *ret = (struct fim_index) { .tree = t, .mask = cap - 1 };
        ret->slots = calloc(cap, sizeof(*ret->slots));
        if (!ret->slots)
                return -ENOMEM;
        for (i = 0; i < t->n; i++) {
                size_t k = hash_bytes(t->entries[i].path, t->entries[i].path_len) & ret->mask;

                while (ret->slots[k])
                        k = (k + 1) & ret->mask;
                ret->slots[k] = (uint32_t) i + 1;
        }
        return 0;
}

void fim_index_release(struct fim_index *idx)
{
        free(idx->slots);
        idx->slots = NULL;
}

const struct fim_entry *fim_index_find(const struct fim_index *idx, const char *path, size_t len)
{
        size_t k = hash_bytes(path, len) & idx->mask;

        for (; idx->slots[k]; k = (k + 1) & idx->mask) {
                const struct fim_entry *e = &idx->tree->entries[idx->slots[k] - 1];

                if (e->path_len == len && memcmp(e->path, path, len) == 0)
                        return e;
        }
        return NULL;
}

bool path_range_contains(const struct path_range *r, const char *path, size_t len)
{
        return !r || ((!r->lo || path_compare(path, len, r->lo, r->lo_len) >= 0) &&
                      (!r->hi || path_compare(path, len, r->hi, r->hi_len) < 0));
}

/* Compares path followed by the byte c with s, in path order. */
static int compare_suffixed(const char *path, size_t len, char c, const char *s, size_t slen)
{
        int d = memcmp(path, s, len < slen ? len : slen);

        if (d != 0)
                return d;
        if (slen <= len)
                return 1;
        d = (unsigned char) c - (unsigned char) s[len];
        if (d != 0)
                return d;
        return slen == len + 1 ? 0 : -1;
}

/* Below "/D" lie exactly the paths in ["/D/", "/D0"): '0' follows '/'. Below
 * "/" lies every other path. */
bool path_range_meets_subtree(const struct path_range *r, const char *path, size_t len)
{
        if (!r)
                return true;
        if (len == 1 && path[0] == '/')
                return !r->hi || r->hi_len > 1;
        return (!r->hi || compare_suffixed(path, len, '/', r->hi, r->hi_len) < 0) &&
               (!r->lo || compare_suffixed(path, len, '0', r->lo, r->lo_len) > 0);
}

int path_cuts_add(struct path_cuts *c, const char *path, size_t len)
{
        struct path_cut *cut;

        if ((c->n & (c->n - 1)) == 0) {
                cut = reallocarray(c->cuts, c->n ? c->n * 2 : 1, sizeof(*cut));
                if (!cut)
                        return -ENOMEM;
                c->cuts = cut;
        }
        cut = &c->cuts[c->n];
        cut->path = malloc(len + 1);
        if (!cut->path)
                return -ENOMEM;
        memcpy(cut->path, path, len);
        cut->path[len] = '\0';
        cut->len = len;
        c->n++;
        return 0;
}

static int cut_cmp(const void *x, const void *y)
{
        const struct path_cut *a = x, *b = y;

        return path_compare(a->path, a->len, b->path, b->len);
}

void path_cuts_sort(struct path_cuts *c)
{
        size_t i, o = 0;

        if (c->n > 1)
                qsort(c->cuts, c->n, sizeof(*c->cuts), cut_cmp);
        for (i = 0; i < c->n; i++) {
                if (o > 0 && cut_cmp(&c->cuts[o - 1], &c->cuts[i]) == 0)
                        free(c->cuts[i].path);
                else
                        c->cuts[o++] = c->cuts[i];
        }
        c->n = o;
}

void path_cuts_release(struct path_cuts *c)
{
        for (size_t i = 0; i < c->n; i++)
                free(c->cuts[i].path);
        free(c->cuts);
        *c = (struct path_cuts) { 0 };
}

void path_cuts_range(const struct path_cuts *c, size_t i, struct path_range *ret)
{
        *ret = (struct path_range) { 0 };
        if (i > 0 && i <= c->n) {
                ret->lo = c->cuts[i - 1].path;
                ret->lo_len = c->cuts[i - 1].len;
        }
        if (i < c->n) {
                ret->hi = c->cuts[i].path;
                ret->hi_len = c->cuts[i].len;
        }
}

bool path_has_prefix(const char *path, size_t len, const char *prefix)
{
        size_t plen = strlen(prefix);

        while (plen > 1 && prefix[plen - 1] == '/')
                plen--;
        if (plen == 1 && prefix[0] == '/')
                return true;
        if (len < plen || memcmp(path, prefix, plen) != 0)
                return false;
        return len == plen || path[plen] == '/';
}

const char *fim_tree_unmatched_prefix(const struct fim_tree *t, char *const *prefixes, size_t n)
{
        size_t i, k;

        for (i = 0; i < n; i++) {
                for (k = 0; k < t->n; k++)
                        if (path_has_prefix(t->entries[k].path, t->entries[k].path_len, prefixes[i]))
                                break;
                if (k == t->n)
                        return prefixes[i];
        }
        return NULL;
}

struct inode_ref {
        uint64_t dev, ino;
        size_t index;
};

static int inode_ref_cmp(const void *x, const void *y)
{
        const struct inode_ref *a = x, *b = y;

        if (a->dev != b->dev)
                return a->dev < b->dev ? -1 : 1;
        if (a->ino != b->ino)
                return a->ino < b->ino ? -1 : 1;
        /* Entries are sorted by path, so index order is path order. */
        return a->index < b->index ? -1 : a->index > b->index;
}

struct link_slot {
        uint64_t dev, ino;
        const char *path;               /* in the arena; NULL: empty slot */
        uint32_t path_len;
};

struct fim_links {
        struct link_slot *slots;
        size_t n, mask;
        struct arena arena;
};

int fim_links_new(struct fim_links **ret)
{
        struct fim_links *l = calloc(1, sizeof(*l));

        if (!l)
                return -ENOMEM;
        l->slots = calloc(64, sizeof(*l->slots));
        if (!l->slots) {
                free(l);
                return -ENOMEM;
        }
        l->mask = 63;
        arena_init(&l->arena);
        *ret = l;
        return 0;
}

struct fim_links *fim_links_free(struct fim_links *l)
{
        if (!l)
                return NULL;
        free(l->slots);
        arena_release(&l->arena);
        free(l);
        return NULL;
}

static size_t inode_slot(uint64_t dev, uint64_t ino, size_t mask)
{
        uint64_t h = (ino ^ (dev * 0x9e3779b97f4a7c15ULL)) * 0xff51afd7ed558ccdULL;

        return (size_t) (h ^ (h >> 29)) & mask;
}

static struct link_slot *links_find(const struct fim_links *l, uint64_t dev, uint64_t ino)
{
        size_t k = inode_slot(dev, ino, l->mask);

        for (; l->slots[k].path; k = (k + 1) & l->mask)
                if (l->slots[k].dev == dev && l->slots[k].ino == ino)
                        return &l->slots[k];
        return &l->slots[k];
}

static int links_grow(struct fim_links *l)
{
        size_t cap = (l->mask + 1) * 2, i;
        struct link_slot *old = l->slots, *slots = calloc(cap, sizeof(*slots));

        if (!slots)
                return -ENOMEM;
        l->slots = slots;
        l->mask = cap - 1;
        for (i = 0; i < cap / 2; i++)
                if (old[i].path)
                        *links_find(l, old[i].dev, old[i].ino) = old[i];
        free(old);
        return 0;
}

/* The carried first path of (dev, ino), or NULL after remembering e as it. */
static const struct link_slot *links_first(struct fim_links *l, const struct fim_entry *e, int *r)
{
        struct link_slot *s;

        if ((l->n + 1) * 2 > l->mask + 1) {
                *r = links_grow(l);
                if (*r < 0)
                        return NULL;
        }
        s = links_find(l, e->dev, e->ino);
        if (s->path)
                return s;
        s->path = arena_strndup(&l->arena, e->path, e->path_len);
        if (!s->path) {
                *r = -ENOMEM;
                return NULL;
        }
        s->dev = e->dev;
        s->ino = e->ino;
        s->path_len = e->path_len;
        l->n++;
        return NULL;
}

int fim_tree_link_groups(struct fim_tree *t, struct fim_links *carry)
{
        _cleanup_(freep) struct inode_ref *refs = NULL;
        size_t n = 0, i, j;
        int r = 0;

        for (i = 0; i < t->n; i++)
                if (t->entries[i].type == S_IFREG && t->entries[i].nlink > 1)
                        n++;
        if (n < (carry ? 1 : 2))
                return 0;
        refs = malloc(n * sizeof(*refs));
        if (!refs)
                return -ENOMEM;
        for (i = 0, n = 0; i < t->n; i++) {
                const struct fim_entry *e = &t->entries[i];

                if (e->type == S_IFREG && e->nlink > 1)
                        refs[n++] = (struct inode_ref) { e->dev, e->ino, i };
        }
        qsort(refs, n, sizeof(*refs), inode_ref_cmp);
        for (i = 0; i < n; i = j) {
                const struct fim_entry *first = &t->entries[refs[i].index];
                const char *link = first->path;
                uint32_t link_len = first->path_len;
                const struct link_slot *earlier = carry ? links_first(carry, first, &r) : NULL;

                if (r < 0)
                        return r;
                if (earlier) {
                        /* The group began in an earlier tree: its first path is there. */
                        link = earlier->path;
                        link_len = earlier->path_len;
                        j = i;
                } else {
                        j = i + 1;
                }
                for (; j < n && refs[j].dev == refs[i].dev && refs[j].ino == refs[i].ino; j++) {
                        struct fim_entry *e = &t->entries[refs[j].index];

                        e->link = link;
                        e->link_len = link_len;
                }
        }
        return 0;
}

bool xattr_next(struct xattr_iter *it, const char **ret_name, size_t *ret_name_len,
                const uint8_t **ret_value, size_t *ret_value_len)
{
        uint16_t nlen;
        uint32_t vlen;

        if (it->left < sizeof(nlen))
                return false;
        memcpy(&nlen, it->p, sizeof(nlen));
        if (it->left - sizeof(nlen) < (size_t) nlen + sizeof(vlen))
                return false;
        memcpy(&vlen, it->p + sizeof(nlen) + nlen, sizeof(vlen));
        if (it->left - sizeof(nlen) - nlen - sizeof(vlen) < vlen)
                return false;
        *ret_name = (const char *) it->p + sizeof(nlen);
        *ret_name_len = nlen;
        *ret_value = it->p + sizeof(nlen) + nlen + sizeof(vlen);
        *ret_value_len = vlen;
        it->p += sizeof(nlen) + nlen + sizeof(vlen) + vlen;
        it->left -= sizeof(nlen) + nlen + sizeof(vlen) + vlen;
        return true;
}

static int xattr_pair_cmp(const void *x, const void *y)
{
        const struct xattr_pair *a = x, *b = y;

        return path_compare(a->name, a->name_len, b->name, b->name_len);
}

int xattr_pack(struct arena *a, struct xattr_pair *pairs, size_t n,
               const uint8_t **ret, uint32_t *ret_len)
{
        size_t total = 0, i;
        uint8_t *out, *p;

        if (n == 0) {
                *ret = NULL;
                *ret_len = 0;
                return 0;
        }
        if (n > XATTR_MAX_COUNT)
                return -E2BIG;
        for (i = 0; i < n; i++) {
                if (pairs[i].name_len > UINT16_MAX || pairs[i].value_len > XATTR_MAX_BYTES)
                        return -E2BIG;
                total += pairs[i].name_len + pairs[i].value_len;
        }
        if (total > XATTR_MAX_BYTES)
                return -E2BIG;
        total += n * (sizeof(uint16_t) + sizeof(uint32_t));
        qsort(pairs, n, sizeof(*pairs), xattr_pair_cmp);
        out = p = arena_alloc(a, total);
        if (!out)
                return -ENOMEM;
        for (i = 0; i < n; i++) {
                uint16_t nlen = (uint16_t) pairs[i].name_len;
                uint32_t vlen = (uint32_t) pairs[i].value_len;

                memcpy(p, &nlen, sizeof(nlen));
                p += sizeof(nlen);
                memcpy(p, pairs[i].name, nlen);
                p += nlen;
                memcpy(p, &vlen, sizeof(vlen));
                p += sizeof(vlen);
                if (vlen)
                        memcpy(p, pairs[i].value, vlen);
                p += vlen;
        }
        *ret = out;
        *ret_len = (uint32_t) total;
        return 0;
}
