/* Complete lines out of a byte stream in pieces; see lines.h. */
#include "agent/lines.h"

#include <string.h>

void lines_init(struct lines *l, size_t max)
{
        buf_init(&l->b, max + LINES_CHUNK);
        l->max = max;
        l->skipping = false;
        l->skipped = 0;
}

void lines_release(struct lines *l)
{
        buf_release(&l->b);
}

void lines_reset(struct lines *l)
{
        buf_reset(&l->b);
        l->skipping = false;
}

int lines_feed(struct lines *l, const char *p, size_t n, lines_fn fn, void *userdata)
{
        while (n > 0) {
                const char *nl = memchr(p, '\n', n);
                size_t take = nl ? (size_t) (nl - p) : n;
                int r;

                if (l->skipping) {
                        if (nl)
                                l->skipping = false;
                } else if (l->b.len + take > l->max) {
                        buf_reset(&l->b);
                        l->skipped++;
                        l->skipping = !nl;
                } else {
                        r = buf_append(&l->b, p, take);
                        if (r < 0)
                                return r;
                        if (nl) {
                                r = fn(userdata, l->b.data ?: "", l->b.len);
                                buf_reset(&l->b);
                                if (r < 0)
                                        return r;
                        }
                }
                p += take + (nl ? 1 : 0);
                n -= take + (nl ? 1 : 0);
        }
        return 0;
}
