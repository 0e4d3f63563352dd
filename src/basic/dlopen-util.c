/* Libraries loaded on first use; see dlopen-util.h. */
#define _GNU_SOURCE
#include "dlopen-util.h"

#include <dlfcn.h>
#include <errno.h>

int dlopen_symbols(const char *soname, const struct dl_symbol *symbols, size_t n)
{
        void *dl = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
        size_t i;

        if (!dl)
                return -ELIBACC;
        for (i = 0; i < n; i++)
                if (!dlsym(dl, symbols[i].name)) {
                        dlclose(dl);
                        return -ELIBBAD;
                }
        for (i = 0; i < n; i++)
                *symbols[i].fn = dlsym(dl, symbols[i].name);
        return 0;
}
