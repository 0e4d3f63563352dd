/* Output URLs of the agent: SCHEME://HOST:PORT/PATH?KEY=VALUE&... (an IPv6
 * host in brackets), or SCHEME:PATH (file:, journal:). Percent-escapes in
 * query values are decoded. Bounded: URL_MAX bytes. Pure. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define URL_MAX 4096
#define URL_MAX_PARAMS 16

struct url {
        char scheme[32];
        char host[256];         /* "" for SCHEME:PATH */
        unsigned port;          /* 0: none given */
        char *path;             /* after the authority (or the colon), without the query: "" none */
        char *params[URL_MAX_PARAMS * 2];       /* key, value, ... (decoded) */
        size_t n_params;
        char *buf;              /* owns the params (and path for SCHEME:PATH) */
        char *path_buf;         /* owns path for SCHEME://AUTHORITY/PATH */
};

/* -EINVAL (*ret_reason says why, static) for a URL that is not one. */
int url_parse(const char *s, struct url *ret, const char **ret_reason);
void url_release(struct url *u);
/* The value of a query parameter, or NULL. */
const char *url_param(const struct url *u, const char *key);
/* A query parameter's keys must be among known (NULL-terminated): the first
 * that is not, or NULL. */
const char *url_unknown_param(const struct url *u, const char *const *known);
/* A query parameter as a number from min to max: 0 when absent (*ret
 * untouched), 1 when read, -EINVAL when it is not such a number. */
int url_param_uint(const struct url *u, const char *key, unsigned min, unsigned max, unsigned *ret);
