/* The https:// output: events to Elasticsearch / OpenSearch (_bulk) or Splunk
 * (HTTP Event Collector) through libcurl, loaded on first use. The URL's path
 * picks the protocol (or api=bulk|hec):
 *
 *   https://HOST:9200/_bulk  or  https://HOST:9200/INDEX/_bulk     _bulk
 *   https://HOST:8088/services/collector[/event]                   HEC
 *
 * options: ca=FILE (verify the server against it; the system's CAs without),
 * cert=FILE&key=FILE (a client certificate), token=T or token_file=FILE (HEC:
 * "Authorization: Splunk T"; _bulk: "Authorization: ApiKey T"), user=NAME with
 * password=P or password_file=FILE (_bulk: basic authentication), index=NAME (_bulk: "_index" of
 * each action; HEC: "index" of each event), sourcetype=NAME (HEC, default
 * "driftwatch"), ack=1 (HEC indexer acknowledgement), timeout=S (default 10),
 * retries=N (attempts inside one send, default 4). http:// is accepted for a
 * receiver on a trusted network; the token then travels in clear.
 *
 * _bulk: each event is a "create" action with "_id" its event.id, so an event
 * sent twice (at-least-once delivery) is refused by the receiver as a 409
 * conflict: already there, so acknowledged. Per item: 200/201 acked, 409
 * acked, 429 and 5xx sent again, any other 4xx refused (a mapping error: it
 * would be refused forever), which is acknowledged so it leaves the spool,
 * counted, and reported (see send's return below).
 * HEC: the batch is acknowledged as a whole by HTTP 200 with code 0 (and,
 * with ack=1, by the indexer acknowledgement of its ackId, polled until the
 * send's time is up); HEC keeps no ids, so a batch sent again after a lost
 * answer is indexed twice (dedupe on event.id in the search).
 *
 * Retries: inside one send(), a 429, 502, 503, 504, a per-item 429/5xx or a
 * failed connection is tried again, only the events not yet taken, after an
 * exponential backoff with jitter (250 ms doubling up to 8 s, each wait a
 * random point in its upper half, or the server's Retry-After), at most
 * `retries` attempts and never past the send's timeout. A Retry-After longer
 * than what is left is remembered: sends before it return -EBUSY at once.
 *
 * send() returns 0 when the receiver answered (even if it refused items), and
 * then fills e with -EBADMSG and a reason when it refused and dropped items:
 * a warning the agent turns into a health event. */
#define _GNU_SOURCE
#include "agent/output-http.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "agent/libcurl-dl.h"
#include "agent/output-internal.h"
#include "agent/event.h"
#include "agent/url.h"
#include "basic/buf.h"
#include "basic/escape.h"
#include "basic/fd-util.h"

#define HTTP_BODY_MAX ((size_t) 8 << 20)        /* bytes of one request: the rest waits for the next */
#define HTTP_RESPONSE_MAX ((size_t) 32 << 20)   /* bytes of a response read */
#define HTTP_BATCH_MAX 20000                    /* events in one request */
#define HTTP_TOKEN_MAX 4096
#define BACKOFF_FIRST_MS 250
#define BACKOFF_MAX_MS 8000

enum http_api { API_BULK, API_HEC };

struct http_output {
        char *url;              /* scheme://host[:port]/path: what messages quote */
        char *endpoint;         /* what is POSTed to: the URL without its query */
        char *ack_endpoint;     /* HEC with ack=1: .../services/collector/ack */
        enum http_api api;
        char *index, *sourcetype, *ca, *cert, *key, *userpwd;
        struct curl_slist *headers;
        unsigned timeout, retries;
        bool hec_ack;
        char hostname[256];
        CURL *curl;
        struct buf body, response;
        long long retry_after;  /* CLOCK_MONOTONIC ms before which nothing is sent, or 0 */
        long long header_retry_after;   /* Retry-After of the last response, seconds, or -1 */
        unsigned long long refused_total;
        unsigned seed;
        char curl_error[CURL_ERROR_SIZE];
};

static long long now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the protocols' responses ---- */

static enum http_item item_of_status(long long status)
{
        if (status == 200 || status == 201 || status == 409)
                return HTTP_ITEM_ACKED;
        if (status == 429 || status >= 500)
                return HTTP_ITEM_RETRY;
        return HTTP_ITEM_REFUSED;
}

int http_bulk_response(const char *body, size_t len, size_t n, enum http_item *ret, char **ret_refusal)
{
        json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, NULL), *items;
        _cleanup_(freep) enum http_item *out = NULL;
        _cleanup_(freep) char *refusal = NULL;
        int r = -EBADMSG;

        items = root ? json_object_get(root, "items") : NULL;
        if (!json_is_array(items) || json_array_size(items) != n)
                goto done;
        out = calloc(n ? n : 1, sizeof(*out));
        if (!out) {
                r = -ENOMEM;
                goto done;
        }
        for (size_t i = 0; i < n; i++) {
                json_t *item = json_array_get(items, i), *action = NULL, *status, *error;
                const char *key;

                if (!json_is_object(item) || json_object_size(item) != 1)
                        goto done;
                json_object_foreach(item, key, action)
                        break;
                status = json_object_get(action, "status");
                if (!json_is_integer(status))
                        goto done;
                out[i] = item_of_status(json_integer_value(status));
                if (out[i] != HTTP_ITEM_REFUSED || refusal)
                        continue;
                error = json_object_get(action, "error");
                if (asprintf(&refusal, "%lld %s: %s", json_integer_value(status),
                             json_string_value(json_object_get(error, "type")) ?: "error",
                             json_string_value(json_object_get(error, "reason")) ?: "no reason given") < 0) {
                        refusal = NULL;
                        r = -ENOMEM;
                        goto done;
                }
        }
        memcpy(ret, out, n * sizeof(*out));
        if (ret_refusal)
                *ret_refusal = TAKE_PTR(refusal);
        r = 0;
done:
        json_decref(root);
        return r;
}

int http_hec_response(const char *body, size_t len, int *ret_code, long long *ret_ack_id, long long *ret_invalid,
                      char **ret_text)
{
        json_t *root = json_loadb(body, len, 0, NULL), *code, *ack, *invalid;
        const char *text;
        int r = -EBADMSG;

        code = json_object_get(root, "code");
        if (!json_is_integer(code))
                goto done;
        ack = json_object_get(root, "ackId");
        invalid = json_object_get(root, "invalid-event-number");
        text = json_string_value(json_object_get(root, "text"));
        if (ret_text) {
                *ret_text = strdup(text ? text : "");
                if (!*ret_text) {
                        r = -ENOMEM;
                        goto done;
                }
        }
        *ret_code = (int) json_integer_value(code);
        *ret_ack_id = json_is_integer(ack) ? json_integer_value(ack) : -1;
        *ret_invalid = json_is_integer(invalid) ? json_integer_value(invalid) : -1;
        r = 0;
done:
        json_decref(root);
        return r;
}

int http_hec_ack_response(const char *body, size_t len, long long ack_id)
{
        json_t *root = json_loadb(body, len, 0, NULL), *acks, *v;
        char key[32];
        int r = -EBADMSG;

        acks = json_object_get(root, "acks");
        if (json_is_object(acks)) {
                snprintf(key, sizeof(key), "%lld", ack_id);
                v = json_object_get(acks, key);
                r = json_is_true(v) ? 1 : 0;
        }
        json_decref(root);
        return r;
}

/* ---- the output ---- */

static void http_output_free(struct http_output *o)
{
        if (!o)
                return;
        if (o->curl)
                libcurl.curl_easy_cleanup(o->curl);
        if (o->headers)
                libcurl.curl_slist_free_all(o->headers);
        buf_release(&o->body);
        buf_release(&o->response);
        free(o->url);
        free(o->endpoint);
        free(o->ack_endpoint);
        free(o->index);
        free(o->sourcetype);
        free(o->ca);
        free(o->cert);
        free(o->key);
        if (o->userpwd)
                explicit_bzero(o->userpwd, strlen(o->userpwd));
        free(o->userpwd);
        free(o);
}
DEFINE_FREEP(struct http_output, http_output_free)

static size_t on_body(char *p, size_t size, size_t nmemb, void *user)
{
        struct http_output *o = user;

        return buf_append(&o->response, p, size * nmemb) < 0 ? 0 : size * nmemb;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *user)
{
        struct http_output *o = user;
        size_t n = size * nmemb;

        if (n > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
                char *end;
                long long v = strtoll(p + 12, &end, 10);
                if (end != p + 12 && v >= 0 && v <= 86400)
                        o->header_retry_after = v;
        }
        return n;
}

/* Adds "NAME: VALUE" (NAME with its colon, VALUE may be NULL). */
static int add_header(struct http_output *o, const char *name, const char *value)
{
        _cleanup_(freep) char *h = NULL;
        struct curl_slist *l;

        if (asprintf(&h, "%s%s%s", name, value ? " " : "", value ? value : "") < 0)
                return -ENOMEM;
        l = libcurl.curl_slist_append(o->headers, h);
        explicit_bzero(h, strlen(h));
        if (!l)
                return -ENOMEM;
        o->headers = l;
        return 0;
}

/* A secret: KEY=VALUE, or the first line of KEY_file=FILE; *ret NULL when
 * neither is given. */
static int read_secret(const struct url *u, const char *key, char **ret, struct dw_error *e, const char *name)
{
        char file_key[32];
        const char *t, *f;
        char *data = NULL;
        size_t len;
        int r;

        snprintf(file_key, sizeof(file_key), "%s_file", key);
        t = url_param(u, key);
        f = url_param(u, file_key);
        if (t && f)
                return dw_error_set(e, -EINVAL, name, "bad output '%s': %s and %s both given", name, key, file_key);
        if (t) {
                data = strdup(t);
                if (!data)
                        return -ENOMEM;
        } else if (f) {
                r = read_file(f, HTTP_TOKEN_MAX, &data, &len);
                if (r < 0)
                        return dw_error_set(e, r, f, "bad output '%s': cannot read %s '%s': %s", name, file_key, f,
                                            strerror(-r));
                data[strcspn(data, "\r\n")] = '\0';
        } else {
                *ret = NULL;
                return 0;
        }
        if (!data[0] || has_control(data, strlen(data))) {
                free(data);
                return dw_error_set(e, -EINVAL, name, "bad output '%s': an empty or unprintable %s", name, key);
        }
        *ret = data;
        return 0;
}

static int set_file(const struct url *u, const char *key, char **ret, const char *name, struct dw_error *e)
{
        const char *v = url_param(u, key);

        if (!v)
                return 0;
        if (!*v || access(v, R_OK) < 0)
                return dw_error_set(e, *v ? negative_errno() : -EINVAL, v, "bad output '%s': cannot read %s '%s': %s",
                                    name, key, v, *v ? strerror(errno) : "empty");
        *ret = strdup(v);
        return *ret ? 0 : -ENOMEM;
}

static int http_open(const char *url, struct agent_output **ret, struct dw_error *e)
{
        static const char *const known[] = { "ca", "cert", "key", "token", "token_file", "user", "password",
                                             "password_file", "index", "sourcetype", "ack", "timeout", "retries",
                                             "api", NULL };
        _cleanup_(url_release) struct url u = { 0 };
        _cleanup_(http_output_freep) struct http_output *o = NULL;
        _cleanup_(freep) char *token = NULL, *password = NULL;
        const char *api, *path_end, *why = NULL, *v;
        unsigned ack = 0;
        size_t plen;
        int r;

        o = calloc(1, sizeof(*o));
        if (!o)
                return -ENOMEM;
        buf_init(&o->body, HTTP_BODY_MAX + ((size_t) 1 << 20));
        buf_init(&o->response, HTTP_RESPONSE_MAX);
        o->header_retry_after = -1;
        /* what is POSTed to, and what messages quote: the URL without its query */
        o->endpoint = strndup(url, strcspn(url, "?"));
        o->url = o->endpoint ? strdup(o->endpoint) : NULL;
        if (!o->url)
                return -ENOMEM;
        r = url_parse(url, &u, &why);
        if (r < 0)
                return dw_error_set(e, r, o->url, "bad output '%s': %s", o->url, why ?: strerror(-r));
        if (!u.host[0])
                return dw_error_set(e, -EINVAL, o->url, "bad output '%s': expected %s://HOST[:PORT]/PATH", o->url,
                                    u.scheme);
        if ((v = url_unknown_param(&u, known)))
                return dw_error_set(e, -EINVAL, o->url, "bad output '%s': unknown parameter '%s'", o->url, v);

        path_end = u.path + strlen(u.path);
        while (path_end > u.path && path_end[-1] == '/')
                path_end--;
        plen = (size_t) (path_end - u.path);
        api = url_param(&u, "api");
        if (api ? strcmp(api, "bulk") == 0 : plen >= 6 && memcmp(path_end - 6, "/_bulk", 6) == 0)
                o->api = API_BULK;
        else if (api ? strcmp(api, "hec") == 0 : strncmp(u.path, "/services/collector", 19) == 0)
                o->api = API_HEC;
        else if (api)
                return dw_error_set(e, -EINVAL, o->url, "bad output '%s': api '%s' is not bulk or hec", o->url, api);
        else
                return dw_error_set(e, -EINVAL, o->url,
                                    "bad output '%s': the path names no protocol (.../_bulk for Elasticsearch "
                                    "and OpenSearch, /services/collector/event for Splunk HEC, or api=bulk|hec)",
                                    o->url);

        o->timeout = 10;
        o->retries = 4;
        if (url_param_uint(&u, "timeout", 1, 3600, &o->timeout) < 0 ||
            url_param_uint(&u, "retries", 1, 100, &o->retries) < 0 || url_param_uint(&u, "ack", 0, 1, &ack) < 0)
                return dw_error_set(e, -EINVAL, o->url,
                                    "bad output '%s': timeout takes seconds from 1 to 3600, retries a number "
                                    "from 1 to 100, ack 1 or 0", o->url);
        o->hec_ack = ack;
        if (o->hec_ack && o->api != API_HEC)
                return dw_error_set(e, -EINVAL, o->url, "bad output '%s': ack=1 is for Splunk HEC", o->url);
        if ((r = set_file(&u, "ca", &o->ca, o->url, e)) < 0 || (r = set_file(&u, "cert", &o->cert, o->url, e)) < 0 ||
            (r = set_file(&u, "key", &o->key, o->url, e)) < 0)
                return r;
        if (!o->cert != !o->key)
                return dw_error_set(e, -EINVAL, o->url, "bad output '%s': cert and key go together", o->url);
        if ((v = url_param(&u, "index"))) {
                if (!*v || has_control(v, strlen(v)))
                        return dw_error_set(e, -EINVAL, o->url, "bad output '%s': a bad index name", o->url);
                o->index = strdup(v);
                if (!o->index)
                        return -ENOMEM;
        }
        o->sourcetype = strdup(url_param(&u, "sourcetype") ?: "driftwatch");
        if (!o->sourcetype)
                return -ENOMEM;
        if (has_control(o->sourcetype, strlen(o->sourcetype)))
                return dw_error_set(e, -EINVAL, o->url, "bad output '%s': a bad sourcetype", o->url);
        r = read_secret(&u, "token", &token, e, o->url);
        if (r >= 0)
                r = read_secret(&u, "password", &password, e, o->url);
        if (r < 0)
                return r;
        if (o->api == API_HEC && !token)
                return dw_error_set(e, -EINVAL, o->url, "bad output '%s': Splunk HEC needs token= or token_file=",
                                    o->url);
        if (token && (strchr(token, '\r') || strchr(token, '\n') || has_control(token, strlen(token))))
                return dw_error_set(e, -EINVAL, o->url, "bad output '%s': a bad token", o->url);
        if (!!url_param(&u, "user") != !!password)
                return dw_error_set(e, -EINVAL, o->url, "bad output '%s': user and password (or password_file) go "
                                    "together", o->url);
        if (password) {
                if (strchr(url_param(&u, "user"), ':') ||
                    asprintf(&o->userpwd, "%s:%s", url_param(&u, "user"), password) < 0) {
                        o->userpwd = NULL;
                        return dw_error_set(e, -EINVAL, o->url, "bad output '%s': a user name with ':'", o->url);
                }
                explicit_bzero(password, strlen(password));
        }
        if (o->hec_ack) {
                size_t at = strlen(o->endpoint) - strlen(u.path);
                if (asprintf(&o->ack_endpoint, "%.*s/services/collector/ack", (int) at, o->endpoint) < 0) {
                        o->ack_endpoint = NULL;
                        return -ENOMEM;
                }
        }

        r = libcurl_load();
        if (r < 0)
                return dw_error_set(e, r, o->url, "bad output '%s': cannot load libcurl (libcurl.so.4): %s", o->url,
                                    r == -ELIBACC ? "not installed" : "unusable");
        o->curl = libcurl.curl_easy_init();
        if (!o->curl)
                return -ENOMEM;
        if ((r = add_header(o, "Content-Type:",
                            o->api == API_BULK ? "application/x-ndjson" : "application/json")) < 0)
                return r;
        if (token) {
                _cleanup_(freep) char *auth = NULL;
                if (asprintf(&auth, "%s %s", o->api == API_HEC ? "Splunk" : "ApiKey", token) < 0)
                        return -ENOMEM;
                r = add_header(o, "Authorization:", auth);
                explicit_bzero(auth, strlen(auth));
                if (r < 0)
                        return r;
        }
        if (token)
                explicit_bzero(token, strlen(token));
        if (o->hec_ack) {
                unsigned char b[16];
                char ch[64];
                if (getrandom(b, sizeof(b), 0) != sizeof(b))
                        return -EIO;
                b[6] = (b[6] & 0x0f) | 0x40;
                b[8] = (b[8] & 0x3f) | 0x80;
                snprintf(ch, sizeof(ch), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                         b[14], b[15]);
                if ((r = add_header(o, "X-Splunk-Request-Channel:", ch)) < 0)
                        return r;
        }
        if ((r = add_header(o, "Expect:", NULL)) < 0)   /* no 100-continue round trip */
                return r;
        if (getrandom(&o->seed, sizeof(o->seed), 0) != sizeof(o->seed))
                o->seed = (unsigned) getpid();
        if (gethostname(o->hostname, sizeof(o->hostname) - 1) < 0)
                o->hostname[0] = '\0';

        CURL *c = o->curl;
        libcurl.curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        libcurl.curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, strcmp(u.scheme, "https") == 0 ? "https" : "http");
        libcurl.curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
        libcurl.curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
        libcurl.curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
        if (o->ca)
                libcurl.curl_easy_setopt(c, CURLOPT_CAINFO, o->ca);
        if (o->cert) {
                libcurl.curl_easy_setopt(c, CURLOPT_SSLCERT, o->cert);
                libcurl.curl_easy_setopt(c, CURLOPT_SSLKEY, o->key);
        }
        if (o->userpwd)
                libcurl.curl_easy_setopt(c, CURLOPT_USERPWD, o->userpwd);
        libcurl.curl_easy_setopt(c, CURLOPT_HTTPHEADER, o->headers);
        libcurl.curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        libcurl.curl_easy_setopt(c, CURLOPT_WRITEDATA, o);
        libcurl.curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
        libcurl.curl_easy_setopt(c, CURLOPT_HEADERDATA, o);
        libcurl.curl_easy_setopt(c, CURLOPT_ERRORBUFFER, o->curl_error);
        libcurl.curl_easy_setopt(c, CURLOPT_USERAGENT, "driftwatch-agent");
        libcurl.curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
        *ret = (struct agent_output *) TAKE_PTR(o);
        return 0;
}

/* POSTs the body to endpoint within the time left: 0 with *ret_status the
 * HTTP status and o->response the body, or -errno (e says why) when no
 * response came. */
static int post(struct http_output *o, const char *endpoint, const char *body, size_t len, long long deadline,
                long *ret_status, struct dw_error *e)
{
        long long left = deadline - now_ms();
        CURLcode cc;

        if (left <= 0)
                return dw_error_set(e, -ETIMEDOUT, NULL, "https output '%s': timed out", o->url);
        buf_reset(&o->response);
        o->header_retry_after = -1;
        o->curl_error[0] = '\0';
        libcurl.curl_easy_setopt(o->curl, CURLOPT_URL, endpoint);
        libcurl.curl_easy_setopt(o->curl, CURLOPT_POSTFIELDS, body);
        libcurl.curl_easy_setopt(o->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) len);
        libcurl.curl_easy_setopt(o->curl, CURLOPT_TIMEOUT_MS, (long) left);
        libcurl.curl_easy_setopt(o->curl, CURLOPT_CONNECTTIMEOUT_MS, (long) left);
        cc = libcurl.curl_easy_perform(o->curl);
        if (cc != CURLE_OK) {
                int r = cc == CURLE_OPERATION_TIMEDOUT                       ? -ETIMEDOUT
                        : cc == CURLE_COULDNT_CONNECT                        ? -ECONNREFUSED
                        : cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE ||
                                        cc == CURLE_SSL_CONNECT_ERROR || cc == CURLE_SSL_CERTPROBLEM
                                ? -EPROTO
                                : -EIO;
                return dw_error_set(e, r, NULL, "https output '%s': %s", o->url,
                                    o->curl_error[0] ? o->curl_error : libcurl.curl_easy_strerror(cc));
        }
        libcurl.curl_easy_getinfo(o->curl, CURLINFO_RESPONSE_CODE, ret_status);
        return 0;
}

/* The body of one request: the events not yet taken (todo[0..m), indexes
 * into events), as far as HTTP_BODY_MAX goes; *ret_m the number it holds. */
static int build_body(struct http_output *o, const struct agent_event *events, const size_t *todo, size_t m,
                      size_t *ret_m)
{
        size_t i;
        int r = 0;

        buf_reset(&o->body);
        for (i = 0; i < m && r >= 0; i++) {
                const struct agent_event *ev = &events[todo[i]];
                size_t before = o->body.len, vn;
                const char *v;

                if (i > 0 && o->body.len + ev->len + 256 > HTTP_BODY_MAX)
                        break;
                if (o->api == API_BULK) {
                        r = buf_puts(&o->body, "{\"create\":{\"_id\":");
                        if (r >= 0)
                                r = json_quote(&o->body, ev->id, strlen(ev->id));
                        if (r >= 0 && o->index) {
                                r = buf_puts(&o->body, ",\"_index\":");
                                if (r >= 0)
                                        r = json_quote(&o->body, o->index, strlen(o->index));
                        }
                        if (r >= 0)
                                r = buf_puts(&o->body, "}}\n");
                        if (r >= 0)
                                r = buf_append(&o->body, ev->json, ev->len);
                        if (r >= 0)
                                r = buf_putc(&o->body, '\n');
                } else {
                        int64_t ms = ev->time_ns / 1000000;
                        r = buf_printf(&o->body, "{\"time\":%lld.%03d,\"host\":", (long long) (ms / 1000),
                                       (int) (ms % 1000 < 0 ? -(ms % 1000) : ms % 1000));
                        /* the event's host.name (the agent's --host-name), a JSON string's bytes as they are */
                        if (r >= 0 && agent_json_member(ev->json, ev->len, "host", "name", &v, &vn)) {
                                r = buf_putc(&o->body, '"');
                                r = r ?: buf_append(&o->body, v, vn);
                                r = r ?: buf_putc(&o->body, '"');
                        } else if (r >= 0)
                                r = json_quote(&o->body, o->hostname, strlen(o->hostname));
                        if (r >= 0) {
                                r = buf_puts(&o->body, ",\"sourcetype\":");
                                if (r >= 0)
                                        r = json_quote(&o->body, o->sourcetype, strlen(o->sourcetype));
                        }
                        if (r >= 0 && o->index) {
                                r = buf_puts(&o->body, ",\"index\":");
                                if (r >= 0)
                                        r = json_quote(&o->body, o->index, strlen(o->index));
                        }
                        if (r >= 0)
                                r = buf_puts(&o->body, ",\"event\":");
                        if (r >= 0)
                                r = buf_append(&o->body, ev->json, ev->len);
                        if (r >= 0)
                                r = buf_puts(&o->body, "}\n");
                }
                if (r < 0 && i > 0) {
                        o->body.len = before;   /* this one waits for the next request */
                        o->body.data[before] = '\0';
                        r = 0;
                        break;
                }
        }
        if (r < 0)
                return r;
        *ret_m = i;
        return 0;
}

/* Waits for the HEC indexer to acknowledge ack_id, until the deadline: 1
 * acknowledged, 0 not in time, -errno. */
static int hec_wait_ack(struct http_output *o, long long ack_id, long long deadline, struct dw_error *e)
{
        char body[64];
        long status;
        unsigned wait = 100;

        snprintf(body, sizeof(body), "{\"acks\":[%lld]}", ack_id);
        for (;;) {
                int r = post(o, o->ack_endpoint, body, strlen(body), deadline, &status, NULL);
                if (r == 0 && status == 200) {
                        r = http_hec_ack_response(o->response.data ?: "", o->response.len, ack_id);
                        if (r != 0)
                                return r < 0 ? dw_error_set(e, r, NULL,
                                                            "https output '%s': a bad indexer acknowledgement "
                                                            "response",
                                                            o->url)
                                             : 1;
                }
                if (now_ms() + wait >= deadline)
                        return 0;
                usleep(wait * 1000);
                wait = wait * 2 > 2000 ? 2000 : wait * 2;
        }
}

static unsigned backoff_ms(struct http_output *o, unsigned attempt)
{
        unsigned b = BACKOFF_FIRST_MS << (attempt < 6 ? attempt : 6);

        if (b > BACKOFF_MAX_MS)
                b = BACKOFF_MAX_MS;
        return b / 2 + (unsigned) rand_r(&o->seed) % (b / 2 + 1);
}

static int http_send(struct agent_output *out, const struct agent_event *events, size_t n, bool *acked,
                     struct dw_error *e)
{
        struct http_output *o = (struct http_output *) out;
        long long deadline = now_ms() + (long long) o->timeout * 1000;
        _cleanup_(freep) size_t *todo = NULL;
        _cleanup_(freep) enum http_item *items = NULL;
        _cleanup_(freep) char *refusal = NULL;
        size_t m, sent, n_refused = 0, n_acked = 0;
        struct dw_error last = { 0 };
        int r;

        if (n == 0)
                return 0;
        if (o->retry_after && now_ms() < o->retry_after)
                return dw_error_set(e, -EBUSY, NULL, "https output '%s': the receiver asked to wait %lld s more",
                                    o->url, (o->retry_after - now_ms() + 999) / 1000);
        o->retry_after = 0;
        if (n > HTTP_BATCH_MAX)
                n = HTTP_BATCH_MAX;
        todo = calloc(n, sizeof(*todo));
        items = calloc(n, sizeof(*items));
        if (!todo || !items)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                todo[i] = i;
        m = n;

        for (unsigned attempt = 0; m > 0 && attempt < o->retries; attempt++) {
                long status = 0;
                bool retry = false;

                if (attempt > 0) {
                        long long wait = o->header_retry_after >= 0 ? o->header_retry_after * 1000
                                                                    : backoff_ms(o, attempt - 1);
                        if (now_ms() + wait >= deadline) {
                                if (o->header_retry_after > 0)
                                        o->retry_after = now_ms() + o->header_retry_after * 1000;
                                break;
                        }
                        usleep((useconds_t) wait * 1000);
                }
                r = build_body(o, events, todo, m, &sent);
                if (r < 0)
                        return r;
                dw_error_release(&last);
                r = post(o, o->endpoint, o->body.data, o->body.len, deadline, &status, &last);
                if (r < 0) {
                        if (r == -EPROTO)
                                break;          /* a TLS failure does not heal by itself */
                        continue;
                }
                if (status == 429 || status == 502 || status == 503 || status == 504) {
                        dw_error_set(&last, -EBUSY, NULL, "https output '%s': the receiver answered %ld", o->url,
                                     status);
                        continue;
                }
                if (status == 401 || status == 403) {
                        dw_error_set(&last, -EACCES, NULL, "https output '%s': the receiver refused the credentials "
                                     "(HTTP %ld)", o->url, status);
                        break;
                }
                if (o->api == API_BULK) {
                        _cleanup_(freep) char *why = NULL;
                        if (status != 200 ||
                            http_bulk_response(o->response.data ?: "", o->response.len, sent, items, &why) < 0) {
                                dw_error_set(&last, status >= 500 ? -EIO : -EBADMSG, NULL,
                                             "https output '%s': HTTP %ld and no _bulk response: %.200s", o->url,
                                             status, o->response.data ?: "");
                                if (status >= 500)
                                        continue;
                                break;
                        }
                        if (why && !refusal)
                                refusal = TAKE_PTR(why);
                } else {
                        int code;
                        long long ack_id, invalid;
                        _cleanup_(freep) char *text = NULL;
                        if (http_hec_response(o->response.data ?: "", o->response.len, &code, &ack_id, &invalid,
                                              &text) < 0) {
                                dw_error_set(&last, status >= 500 ? -EIO : -EBADMSG, NULL,
                                             "https output '%s': HTTP %ld and no HEC response: %.200s", o->url, status,
                                             o->response.data ?: "");
                                if (status >= 500)
                                        continue;
                                break;
                        }
                        for (size_t i = 0; i < sent; i++)
                                items[i] = HTTP_ITEM_RETRY;
                        if (status == 200 && code == 0) {
                                bool taken = true;
                                if (o->hec_ack) {
                                        r = ack_id >= 0 ? hec_wait_ack(o, ack_id, deadline, &last) : -EBADMSG;
                                        if (r == -EBADMSG && ack_id < 0)
                                                dw_error_set(&last, r, NULL,
                                                             "https output '%s': ack=1 but the receiver gave no "
                                                             "ackId (is indexer acknowledgement on for the token?)",
                                                             o->url);
                                        else if (r == 0)
                                                dw_error_set(&last, -ETIMEDOUT, NULL,
                                                             "https output '%s': the indexer did not acknowledge "
                                                             "in time", o->url);
                                        taken = r > 0;
                                }
                                for (size_t i = 0; taken && i < sent; i++)
                                        items[i] = HTTP_ITEM_ACKED;
                        } else if (status == 400 && invalid >= 0 && (size_t) invalid < sent) {
                                items[invalid] = HTTP_ITEM_REFUSED;
                                if (!refusal && asprintf(&refusal, "400 HEC code %d: %s", code, text) < 0)
                                        refusal = NULL;
                        } else if (status >= 500) {
                                dw_error_set(&last, -EIO, NULL, "https output '%s': HTTP %ld: %s", o->url, status,
                                             text);
                                continue;
                        } else {
                                dw_error_set(&last, -EBADMSG, NULL, "https output '%s': HTTP %ld, HEC code %d: %s",
                                             o->url, status, code, text);
                                break;
                        }
                }
                /* settle each event of the request; keep the ones to try again */
                size_t k = 0;
                for (size_t i = 0; i < sent; i++) {
                        size_t j = todo[i];
                        switch (items[i]) {
                        case HTTP_ITEM_ACKED:
                                acked[j] = true;
                                n_acked++;
                                break;
                        case HTTP_ITEM_REFUSED:
                                acked[j] = true;
                                n_refused++;
                                break;
                        case HTTP_ITEM_RETRY:
                                todo[k++] = j;
                                retry = true;
                                break;
                        }
                }
                memmove(todo + k, todo + sent, (m - sent) * sizeof(*todo));
                m = k + (m - sent);
                if (!retry && m > 0)
                        attempt--;      /* a full request taken: the next part is no retry (wraps to 0) */
                if (retry && !last.r)
                        dw_error_set(&last, -EBUSY, NULL, "https output '%s': the receiver took part of a request",
                                     o->url);
        }

        o->refused_total += n_refused;
        if (n_refused > 0) {
                /* delivered as far as it goes: the warning travels in e */
                dw_error_release(&last);
                dw_error_set(e, -EBADMSG, NULL,
                             "https output '%s': the receiver refused %zu event%s, dropped (%llu so far): %s", o->url,
                             n_refused, n_refused == 1 ? "" : "s", o->refused_total,
                             refusal ? refusal : "no reason given");
                return 0;
        }
        if (n_acked > 0 || m == 0) {
                dw_error_release(&last);
                return 0;
        }
        if (!last.r)
                return dw_error_set(e, -ETIMEDOUT, NULL, "https output '%s': timed out", o->url);
        r = last.r;
        if (e && !e->r)
                *e = last;      /* e takes it over */
        else
                dw_error_release(&last);
        return r;
}

static void http_close(struct agent_output *out)
{
        http_output_free((struct http_output *) out);
}

const struct agent_output_ops agent_output_https_ops = {
        .scheme = "https",
        .open = http_open,
        .send = http_send,
        .close = http_close,
};

const struct agent_output_ops agent_output_http_ops = {
        .scheme = "http",
        .open = http_open,
        .send = http_send,
        .close = http_close,
};
