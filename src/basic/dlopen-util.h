/* Libraries loaded on first use rather than linked: their mapping and
 * relocation is most of a process's start-up, and commands that do not use
 * them should not pay for it (libcrypto, libsystemd; libostree has a module
 * of its own, image/ostree-module.c). */
#pragma once

#include <stddef.h>

/* One entry point: its name and where its address goes. */
struct dl_symbol {
        const char *name;
        void **fn;
};

#define DL_SYMBOL(name, field) { name, (void **) &(field) }

/* Loads soname (kept for the life of the process) and resolves each symbol.
 * -ELIBACC when the library cannot be loaded, -ELIBBAD when it lacks an
 * entry point; nothing is resolved then. Call it once (pthread_once). */
int dlopen_symbols(const char *soname, const struct dl_symbol *symbols, size_t n);
