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
/* The URL as it may be shown (a log line, an event): without its query,
 * which holds the credentials (token=, password=) and key paths; at most
 * 400 bytes of it, into out (n bytes). */
void url_redact(const char *url, char *out, size_t n);
/* text (a reason an output gave) into out (n bytes, cut at its end) with
 * the values of url's secret query parameters (token=, password=) written
 * as "***" wherever url appears: after url up to its '?', its query to a
 * space or a quote (the whole query, or what a reason cut short kept). */
void url_redact_in(const char *text, const char *url, char *out, size_t n);
/* The value of a query parameter, or NULL. */
const char *url_param(const struct url *u, const char *key);
/* A query parameter's keys must be among known (NULL-terminated): the first
 * that is not, or NULL. */
const char *url_unknown_param(const struct url *u, const char *const *known);
/* A query parameter as a number from min to max: 0 when absent (*ret
 * untouched), 1 when read, -EINVAL when it is not such a number. */
int url_param_uint(const struct url *u, const char *key, unsigned min, unsigned max, unsigned *ret);
