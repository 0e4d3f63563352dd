/* Geometrically growing arrays; see array.h. */
#include "array.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#define ARRAY_MIN_CAPACITY 8

int array_reserve(void **p, size_t *cap, size_t n, size_t size)
{
        size_t c = *cap ? *cap : ARRAY_MIN_CAPACITY;
        void *v;

        if (n <= *cap && (*p || n == 0))
                return 0;
        while (c < n) {
                if (c > SIZE_MAX / 2)
                        return -E2BIG;
                c *= 2;
        }
        if (size && c > SIZE_MAX / size)
                return -E2BIG;
        v = realloc(*p, c * size);
        if (!v)
                return -ENOMEM;
        *p = v;
        *cap = c;
        return 0;
}

size_t array_capacity(size_t n)
{
        size_t c = ARRAY_MIN_CAPACITY;

        if (n == 0)
                return 0;
        while (c < n)
                c *= 2;
        return c;
}
