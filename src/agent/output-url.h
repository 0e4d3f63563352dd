/* The URL that names an agent output, taken apart: scheme, host, port, path and
 * the query's options (?ca=FILE&cert=FILE&timeout=5 ...), percent-decoded. Every
 * backend parses its URL here and refuses options it does not know, so a typo
 * in a configuration file is an error rather than a silently plain connection. */
#pragma once

#include <stddef.h>

#include "basic/error.h"

#define AGENT_URL_MAX 4096              /* bytes of a URL */
#define AGENT_URL_QUERY_MAX 32          /* options in its query */

struct agent_url_option {
        char *key;
        char *value;
};

struct agent_url {
        char *scheme;           /* "relp", "https", ... (lower case as given) */
        char *user;             /* userinfo before ':' (decoded), or NULL */
        char *password;         /* userinfo after ':' (decoded), or NULL */
        char *host;             /* without the brackets of an IPv6 literal */
        char *port;             /* digits, or NULL when the URL names none */
        char *path;             /* from the first '/' (not decoded), or "" */
        struct agent_url_option *query;
        size_t n_query;
};

/* Parses url ("scheme://[user[:password]@]host[:port][/path][?k=v&...]").
 * On success *ret owns the parts (agent_url_release()); on failure *ret is
 * untouched, e says why (quoting the URL) and -EINVAL or -E2BIG is returned. */
int agent_url_parse(const char *url, struct agent_url *ret, struct dw_error *e);
void agent_url_release(struct agent_url *u);

/* The value of option key, or NULL when the query lacks it. */
const char *agent_url_option(const struct agent_url *u, const char *key);
/* -EINVAL (e names the option) when the query has an option not in the
 * NULL-terminated list allowed. */
int agent_url_check_options(const struct agent_url *u, const char *const *allowed, const char *url,
                            struct dw_error *e);
/* Option key as a number in [min, max], def when absent; -EINVAL when it is
 * not one. */
int agent_url_option_uint(const struct agent_url *u, const char *key, unsigned def, unsigned min, unsigned max,
                          unsigned *ret, const char *url, struct dw_error *e);
/* Option key as a boolean (1/0, yes/no, true/false), def when absent. */
int agent_url_option_bool(const struct agent_url *u, const char *key, int def, int *ret, const char *url,
                          struct dw_error *e);
