/* libcurl (the HTTP client of https:// outputs) loaded on first use: a
 * driftwatch that ships nothing over HTTP never maps it nor its TLS stack. */
#pragma once

/* The functions are called through pointers: no type-checking macros. */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

struct libcurl {
        CURLcode (*curl_global_init)(long);
        CURL *(*curl_easy_init)(void);
        CURLcode (*curl_easy_setopt)(CURL *, CURLoption, ...);
        CURLcode (*curl_easy_perform)(CURL *);
        CURLcode (*curl_easy_getinfo)(CURL *, CURLINFO, ...);
        void (*curl_easy_cleanup)(CURL *);
        const char *(*curl_easy_strerror)(CURLcode);
        struct curl_slist *(*curl_slist_append)(struct curl_slist *, const char *);
        void (*curl_slist_free_all)(struct curl_slist *);
};

extern struct libcurl libcurl;

/* Loads libcurl once and initializes it (curl_global_init): 0, -ELIBACC
 * (not installed), -ELIBBAD or -EIO (its initialization failed). */
int libcurl_load(void);
