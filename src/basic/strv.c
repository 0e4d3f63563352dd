/* Counted string lists; see strv.h. */
#include "strv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"

void strv_release(struct strv *s)
{
        size_t i;

        for (i = 0; i < s->n; i++)
                free(s->v[i]);
        free(s->v);
        *s = (struct strv) { 0 };
}

int strv_push(struct strv *s, const char *str)
{
        void *v = s->v;
        int r;

        /* A list built by hand (cap 0) is taken as full. */
        if (s->cap < s->n)
                s->cap = s->n;
        r = array_reserve(&v, &s->cap, s->n + 1, sizeof(char *));
        if (r < 0)
                return r;
        s->v = v;
        s->v[s->n] = strdup(str);
        if (!s->v[s->n])
                return -ENOMEM;
        s->n++;
        return 0;
}

int strv_copy(const struct strv *from, struct strv *to)
{
        size_t i;
        int r;

        for (i = 0; i < from->n; i++) {
                r = strv_push(to, from->v[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

char *strv_join(const struct strv *s, const char *sep)
{
        size_t i, n = 1, sl = strlen(sep);
        char *out, *o;

        for (i = 0; i < s->n; i++)
                n += strlen(s->v[i]) + sl;
        out = o = malloc(n);
        if (!out)
                return NULL;
        for (i = 0; i < s->n; i++) {
                size_t l = strlen(s->v[i]);

                if (i) {
                        memcpy(o, sep, sl);
                        o += sl;
                }
                memcpy(o, s->v[i], l);
                o += l;
        }
        *o = '\0';
        return out;
}
