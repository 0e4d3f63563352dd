/* Cleanup and ownership macros shared by every module: the half dozen that pay for
 * themselves, nothing more. */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Hands ownership of *p to the caller and leaves NULL behind, so the cleanup
 * attribute on the source variable becomes a no-op. */
#define TAKE_PTR(p)                                     \
        ({                                              \
                __typeof__(p) _taken = (p);             \
                (p) = NULL;                             \
                _taken;                                 \
        })

#define TAKE_FD(fd)                                     \
        ({                                              \
                int _taken = (fd);                      \
                (fd) = -1;                              \
                _taken;                                 \
        })

static inline void freep(void *p)
{
        free(*(void **) p);
}

static inline void closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}

#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif

/* Declares NAME##p(T **) calling FREE(T *) when non-NULL, for _cleanup_. */
#define DEFINE_FREEP(T, FREE)                           \
        static inline void FREE##p(T **p)               \
        {                                               \
                if (*p)                                 \
                        FREE(*p);                       \
        }

DEFINE_FREEP(FILE, fclose)

static inline int negative_errno(void)
{
        return errno > 0 ? -errno : -EIO;
}
