/* Entries and sorted trees of entries; see entry.h. */
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

int fim_tree_link_groups(struct fim_tree *t)
{
        _cleanup_(freep) struct inode_ref *refs = NULL;
        size_t n = 0, i, j;

        for (i = 0; i < t->n; i++)
                if (t->entries[i].type == S_IFREG && t->entries[i].nlink > 1)
                        n++;
        if (n < 2)
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

                for (j = i + 1; j < n && refs[j].dev == refs[i].dev && refs[j].ino == refs[i].ino; j++) {
                        struct fim_entry *e = &t->entries[refs[j].index];

                        e->link = first->path;
                        e->link_len = first->path_len;
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
