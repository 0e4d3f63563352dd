/* The one hash for hash tables and sets of seen keys: 64-bit FNV-1a over
 * bytes. Not for anything an attacker must not collide on purpose: callers
 * compare the keys themselves (or, for counting distinct paths, accept that a
 * collision counts two paths as one). */
#pragma once

#include <stddef.h>
#include <stdint.h>

static inline uint64_t hash_bytes(const void *p, size_t n)
{
        const unsigned char *s = p;
        uint64_t h = 0xcbf29ce484222325ULL;
        size_t i;

        for (i = 0; i < n; i++) {
                h ^= s[i];
                h *= 0x100000001b3ULL;
        }
        return h;
}
