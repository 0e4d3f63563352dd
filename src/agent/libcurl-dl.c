/* libcurl loaded on first use; see libcurl-dl.h. */
#include "agent/libcurl-dl.h"

#include <errno.h>
#include <pthread.h>

#include "basic/dlopen-util.h"
#include "basic/macros.h"

/* The ABI of libcurl 7 and 8 (soname 4). */
#define LIBCURL_SONAME "libcurl.so.4"

struct libcurl libcurl;
static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static int load_error;

#define SYM(name) DL_SYMBOL(#name, libcurl.name)

static void load(void)
{
        const struct dl_symbol symbols[] = {
                SYM(curl_global_init),
                SYM(curl_easy_init),
                SYM(curl_easy_setopt),
                SYM(curl_easy_perform),
                SYM(curl_easy_getinfo),
                SYM(curl_easy_cleanup),
                SYM(curl_easy_strerror),
                SYM(curl_slist_append),
                SYM(curl_slist_free_all),
        };

        load_error = dlopen_symbols(LIBCURL_SONAME, symbols, ARRAY_SIZE(symbols));
        if (load_error == 0 && libcurl.curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                load_error = -EIO;
}

int libcurl_load(void)
{
        pthread_once(&load_once, load);
        return load_error;
}
