/* Counted string lists; see strv.h. */
#include "strv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
        char **v = realloc(s->v, (s->n + 1) * sizeof(char *));

        if (!v)
                return -ENOMEM;
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
