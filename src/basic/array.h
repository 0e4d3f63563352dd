/* Arrays that grow one item at a time, grown geometrically: appending n items
 * costs O(n) copies and O(log n) allocations, not one reallocation per item
 * (which, under AddressSanitizer's quarantine, also maps fresh memory each time). */
#pragma once

#include <stddef.h>

/* Makes room for at least n items of size bytes in *p, whose capacity is *cap
 * items: doubles it (from 8) until n fit. *p and *cap are untouched on
 * failure (-ENOMEM, or -E2BIG when the bytes would overflow). */
int array_reserve(void **p, size_t *cap, size_t n, size_t size);

/* The capacity array_reserve() gave an array that holds n items and only ever
 * grew through it: for arrays that keep no capacity of their own. */
size_t array_capacity(size_t n);
