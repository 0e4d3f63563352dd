/* A counted list of owned strings. */
#pragma once

#include <stddef.h>

struct strv {
        char **v;
        size_t n;
        size_t cap;     /* allocated slots of v (array.h); 0 for a list built by hand */
};

void strv_release(struct strv *s);
int strv_push(struct strv *s, const char *str);
int strv_copy(const struct strv *from, struct strv *to);
/* The strings with sep between them (malloc'd), or NULL out of memory. */
char *strv_join(const struct strv *s, const char *sep);
