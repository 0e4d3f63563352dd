/* The previous run's finding ids; see seen.h. */
#include "seen.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "basic/fd-util.h"
#include "basic/hex.h"

#define SEEN_HEADER "driftwatch-seen 1 "
#define SEEN_FILE_MAX ((size_t) (SEEN_MAX_IDS + 1) * (SEEN_ID_LEN + 1) + 64)

static int cmp_id(const void *a, const void *b)
{
        return memcmp(a, b, SEEN_ID_LEN);
}

int seen_ids_parse(const char *buf, size_t len, struct seen_ids *s)
{
        const char *p = buf, *end = buf + len, *nl;
        size_t hl = strlen(SEEN_HEADER), n = 0;
        uint64_t start = 0;
        char *ids;

        nl = memchr(p, '\n', len);
        if (!nl || (size_t) (nl - p) <= hl || (size_t) (nl - p) > hl + 19 || memcmp(p, SEEN_HEADER, hl) != 0)
                return -EBADMSG;
        for (const char *d = p + hl; d < nl; d++) {
                if (*d < '0' || *d > '9')
                        return -EBADMSG;
                start = start * 10 + (uint64_t) (*d - '0');     /* at most 19 digits: within 64 bits */
        }
        if (start > INT64_MAX)
                return -EBADMSG;
        p = nl + 1;
        if ((size_t) (end - p) % (SEEN_ID_LEN + 1) != 0)
                return -EBADMSG;
        n = (size_t) (end - p) / (SEEN_ID_LEN + 1);
        if (n > SEEN_MAX_IDS)
                return -E2BIG;
        ids = malloc(n ? n * SEEN_ID_LEN : 1);
        if (!ids)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++, p += SEEN_ID_LEN + 1) {
                if (!hex_valid(p, SEEN_ID_LEN, true) || p[SEEN_ID_LEN] != '\n') {
                        free(ids);
                        return -EBADMSG;
                }
                memcpy(ids + i * SEEN_ID_LEN, p, SEEN_ID_LEN);
        }
        qsort(ids, n, SEEN_ID_LEN, cmp_id);
        s->previous = true;
        s->previous_ns = (int64_t) start;
        s->prev = ids;
        s->n_prev = n;
        return 0;
}

int seen_ids_load(const char *path, struct seen_ids *s)
{
        _cleanup_(freep) char *buf = NULL;
        size_t len;
        int r;

        r = read_file(path, SEEN_FILE_MAX, &buf, &len);
        if (r == -ENOENT)
                return 0;
        if (r == -EFBIG)
                return -E2BIG;
        if (r < 0)
                return r;
        return seen_ids_parse(buf, len, s);
}

bool seen_ids_note(struct seen_ids *s, const char *id)
{
        bool is_new = strlen(id) != SEEN_ID_LEN || !s->n_prev || !bsearch(id, s->prev, s->n_prev, SEEN_ID_LEN, cmp_id);

        if (strlen(id) == SEEN_ID_LEN && s->n_cur < SEEN_MAX_IDS) {
                if (s->n_cur == s->cap_cur) {
                        size_t cap = s->cap_cur ? 2 * s->cap_cur : 256;
                        char *v = realloc(s->cur, cap * SEEN_ID_LEN);

                        if (!v)
                                return is_new;  /* not kept: it counts as new next time */
                        s->cur = v;
                        s->cap_cur = cap;
                }
                memcpy(s->cur + s->n_cur++ * SEEN_ID_LEN, id, SEEN_ID_LEN);
        }
        return is_new;
}

int seen_ids_format(const struct seen_ids *s, int64_t start_ns, struct buf *out)
{
        int r = buf_printf(out, SEEN_HEADER "%" PRId64 "\n", start_ns < 0 ? 0 : start_ns);

        for (size_t i = 0; r >= 0 && i < s->n_cur; i++) {
                r = buf_append(out, s->cur + i * SEEN_ID_LEN, SEEN_ID_LEN);
                if (r >= 0)
                        r = buf_putc(out, '\n');
        }
        return r < 0 ? r : 0;
}

void seen_ids_release(struct seen_ids *s)
{
        free(s->prev);
        free(s->cur);
        *s = (struct seen_ids) { 0 };
}
