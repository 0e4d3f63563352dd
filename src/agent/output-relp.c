/* The relp:// output: events to rsyslog's imrelp (or any RELP server) through
 * librelp, loaded on first use, each event one RFC 5424 message (rfc5424.c).
 *
 *   relp://HOST:PORT[?timeout=S&window=N&facility=N]
 *   relp+tls://HOST:PORT?ca=FILE&cert=FILE&key=FILE[&peer=NAME]   (or relp://...&tls=1)
 *
 * Acknowledgement. RELP's transaction numbers are the acknowledgement: an event
 * is acked only when the server answered its txnr with "200 OK". librelp's
 * client API does not say which: relpCltSendSyslog() returns once a frame is
 * sent, the library keeps the unanswered frames to itself and frees them with
 * the session. What it does report, to the trace hook every librelp user may
 * install (relpEngineSetDbgprint), is each answer as it is processed: "in rsp
 * command handler, txnr %d, code %d" (unchanged since librelp 1.0, 2008). So
 * each send() runs one session: open (txnr 1), the batch's frames (txnr 2,
 * 3, ... in order: this client never reconnects inside a session, which is
 * what would renumber them), then close, whose answer comes after every other
 * answer; events[i] is acked when the trace showed txnr i + 2 answered with
 * 200. Anything else (a refused frame, a timeout, "serverclose" from a server
 * going down mid-batch, a broken connection) leaves the rest unacked, to be
 * sent again: duplicates are possible, losses are not. Should a librelp ever
 * stop tracing answers, a batch whose close was answered but none of whose
 * frames was would be seen as such: an error, never an ack.
 *
 * TLS. librelp verifies the server only when the client presents a
 * certificate of its own (without one it falls back to anonymous TLS), so
 * relp+tls requires ca, cert and key; the server's certificate must chain to
 * ca and name the URL's host (or peer=NAME). librelp's OpenSSL context is one
 * per process, made with the first connection's files: every relp+tls
 * output of one agent must name the same ca, cert and key (checked).
 *
 * Time. A send() never runs much past its timeout (default 10 s): connecting
 * and each wait inside librelp are bounded by half of it, frames stop being
 * sent once half of it has passed, and the close waits at most the other
 * half. One step librelp does not bound: its OpenSSL handshake reads a
 * blocking socket, so a receiver that accepted the connection and then
 * stopped (SIGSTOP, a hung host) would hold it forever. Interrupting it with
 * a signal is no answer: OpenSSL takes EINTR for "try again", and librelp
 * then skips its certificate checks. So a watchdog thread, a second past the
 * timeout, shuts down (shutdown(2)) the socket the session opened (found in
 * /proc/self/fd: a socket the send did not find open, connected to the
 * receiver's port): every read returns end of file, the handshake fails as a
 * handshake, checks and all. */
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/librelp-dl.h"
#include "agent/output-internal.h"
#include "agent/url.h"
#include "agent/rfc5424.h"
#include "basic/buf.h"

#define RELP_BATCH_MAX 100000           /* frames in one session: txnr stays far below its wrap */
#define RELP_MESSAGE_MAX (1 << 20)      /* bytes of one message */
#define RELP_ERROR_MAX 512

struct relp_output {
        char *url;              /* for messages: scheme://host:port, no query */
        char *host, *port;
        char *peer;             /* the name the server's certificate must carry */
        char *ca, *cert, *key;
        bool tls;
        unsigned timeout;       /* seconds */
        unsigned window;
        unsigned facility;
        relpEngine_t *engine;
        struct buf msg;

        /* one session's record, filled by the callbacks */
        bool *answered;         /* [i]: txnr i + 2 answered 200 */
        size_t n_sent;
        size_t n_answers;       /* answers to the batch's frames */
        bool refused;           /* a frame answered other than 200 */
        char error[RELP_ERROR_MAX];
};

/* The callbacks that carry no user pointer (the trace hook, generic errors)
 * reach the output whose send() runs on this thread. */
static _Thread_local struct relp_output *current;

static void note_error(struct relp_output *o, const char *what, const char *detail)
{
        if (!o || o->error[0])
                return;
        snprintf(o->error, sizeof(o->error), "%s%s%s", what, detail && *detail ? ": " : "",
                 detail ? detail : "");
        /* librelp's messages may end in a newline */
        o->error[strcspn(o->error, "\n")] = '\0';
}

static void on_trace(char *fmt, ...)
{
        static const char rsp[] = "in rsp command handler, txnr %d, code %d";
        struct relp_output *o = current;
        va_list ap;
        int txnr, code;

        if (!o || fmt[0] != 'i' || strncmp(fmt, rsp, sizeof(rsp) - 1) != 0)
                return;
        va_start(ap, fmt);
        txnr = va_arg(ap, int);
        code = va_arg(ap, int);
        va_end(ap);
        if (txnr < 2 || (size_t) (txnr - 2) >= o->n_sent)
                return;         /* open, close, or none of ours */
        if (code != 200) {
                o->refused = true;
                return;
        }
        if (!o->answered[txnr - 2]) {
                o->answered[txnr - 2] = true;
                o->n_answers++;
        }
}

static void on_error(void *user, char *objinfo, char *errmsg, relpRetVal code)
{
        note_error(user, errmsg, objinfo);
}

static void on_auth_error(void *user, char *authinfo, char *errmsg, relpRetVal code)
{
        struct relp_output *o = user;

        if (o)
                o->error[0] = '\0';     /* the certificate's story beats "connection failed" */
        note_error(o, errmsg, authinfo);
}

static void on_generic_error(char *objinfo, char *errmsg, relpRetVal code)
{
        note_error(current, errmsg, objinfo);
}

static void relp_output_free(struct relp_output *o)
{
        if (!o)
                return;
        if (o->engine)
                librelp.relpEngineDestruct(&o->engine);
        buf_release(&o->msg);
        free(o->url);
        free(o->host);
        free(o->port);
        free(o->peer);
        free(o->ca);
        free(o->cert);
        free(o->key);
        free(o);
}
DEFINE_FREEP(struct relp_output, relp_output_free)

/* The one TLS identity librelp's process-wide OpenSSL context is made from. */
static pthread_mutex_t tls_lock = PTHREAD_MUTEX_INITIALIZER;
static char *tls_identity;

static int claim_tls_identity(const struct relp_output *o, struct dw_error *e)
{
        _cleanup_(freep) char *id = NULL;
        int r = 0;

        if (asprintf(&id, "%s\n%s\n%s", o->ca, o->cert, o->key) < 0)
                return -ENOMEM;
        pthread_mutex_lock(&tls_lock);
        if (!tls_identity)
                tls_identity = TAKE_PTR(id);
        else if (strcmp(tls_identity, id) != 0)
                r = dw_error_set(e, -EINVAL, NULL,
                                 "relp output '%s': every relp+tls output must use the same ca, cert and key "
                                 "(librelp keeps one TLS context per process)", o->url);
        pthread_mutex_unlock(&tls_lock);
        return r;
}

static int take_file(const struct url *u, const char *key, char **ret, const char *name, struct dw_error *e)
{
        const char *v = url_param(u, key);

        if (!v || !*v)
                return dw_error_set(e, -EINVAL, name,
                                    "bad output '%s': TLS needs ca, cert and key (librelp checks the server only "
                                    "when the client has a certificate); '%s' is missing", name, key);
        if (access(v, R_OK) < 0)
                return dw_error_set(e, negative_errno(), v, "bad output '%s': cannot read %s '%s': %m", name, key, v);
        *ret = strdup(v);
        return *ret ? 0 : -ENOMEM;
}

static int relp_open(const char *url, struct agent_output **ret, struct dw_error *e)
{
        static const char *const known[] = { "tls", "ca", "cert", "key", "peer", "timeout", "window", "facility",
                                             NULL };
        _cleanup_(url_release) struct url u = { 0 };
        _cleanup_(relp_output_freep) struct relp_output *o = NULL;
        const char *why = NULL, *v, *tls;
        int r;

        o = calloc(1, sizeof(*o));
        if (!o)
                return -ENOMEM;
        buf_init(&o->msg, RELP_MESSAGE_MAX);
        /* what messages quote: no query */
        o->url = strndup(url, strcspn(url, "?"));
        if (!o->url)
                return -ENOMEM;
        r = url_parse(url, &u, &why);
        if (r < 0)
                return dw_error_set(e, r, o->url, "bad output '%s': %s", o->url, why ?: strerror(-r));
        if (!u.host[0] || !u.port || (u.path[0] && strcmp(u.path, "/") != 0))
                return dw_error_set(e, -EINVAL, o->url, "bad output '%s': expected %s://HOST:PORT (imrelp has no "
                                    "default port)", o->url, u.scheme);
        if ((v = url_unknown_param(&u, known)))
                return dw_error_set(e, -EINVAL, o->url, "bad output '%s': unknown parameter '%s' (%s)", o->url, v,
                                    "tls, ca, cert, key, peer, timeout, window, facility");
        tls = url_param(&u, "tls");
        if (tls && strcmp(tls, "1") != 0 && strcmp(tls, "0") != 0)
                return dw_error_set(e, -EINVAL, o->url, "bad output '%s': tls takes 1 or 0", o->url);
        o->tls = strcmp(u.scheme, "relp+tls") == 0 || (tls && strcmp(tls, "1") == 0);
        if (strcmp(u.scheme, "relp+tls") == 0 && tls && strcmp(tls, "0") == 0)
                return dw_error_set(e, -EINVAL, o->url, "bad output '%s': relp+tls with tls=0", o->url);
        o->timeout = 10;
        o->window = 1024;
        o->facility = RFC5424_FACILITY_DEFAULT;
        if (url_param_uint(&u, "timeout", 1, 3600, &o->timeout) < 0 ||
            url_param_uint(&u, "window", 2, 65536, &o->window) < 0 ||
            url_param_uint(&u, "facility", 0, 23, &o->facility) < 0)
                return dw_error_set(e, -EINVAL, o->url,
                                    "bad output '%s': timeout takes seconds from 1 to 3600, window a number from "
                                    "2 to 65536, facility one from 0 to 23", o->url);
        o->host = strdup(u.host);
        if (!o->host || asprintf(&o->port, "%u", u.port) < 0) {
                o->port = NULL;
                return -ENOMEM;
        }
        if (o->tls) {
                const char *peer = url_param(&u, "peer");
                if ((r = take_file(&u, "ca", &o->ca, o->url, e)) < 0 ||
                    (r = take_file(&u, "cert", &o->cert, o->url, e)) < 0 ||
                    (r = take_file(&u, "key", &o->key, o->url, e)) < 0)
                        return r;
                o->peer = strdup(peer && *peer ? peer : o->host);
                if (!o->peer)
                        return -ENOMEM;
        } else if (url_param(&u, "ca") || url_param(&u, "cert") || url_param(&u, "key") || url_param(&u, "peer"))
                return dw_error_set(e, -EINVAL, o->url,
                                    "bad output '%s': ca, cert, key and peer need relp+tls:// or tls=1", o->url);

        r = librelp_load();
        if (r < 0)
                return dw_error_set(e, r, o->url, "bad output '%s': cannot load librelp (librelp.so.0): %s", o->url,
                                    r == -ELIBACC ? "not installed" : "not the expected version");
        if (o->tls) {
                r = claim_tls_identity(o, e);
                if (r < 0)
                        return r;
        }
        if (librelp.relpEngineConstruct(&o->engine) != RELP_RET_OK) {
                o->engine = NULL;
                return dw_error_set(e, -ENOMEM, o->url, "bad output '%s': cannot set up librelp", o->url);
        }
        librelp.relpEngineSetDbgprint(o->engine, on_trace);
        librelp.relpEngineSetOnErr(o->engine, on_error);
        librelp.relpEngineSetOnAuthErr(o->engine, on_auth_error);
        librelp.relpEngineSetOnGenericErr(o->engine, on_generic_error);
        librelp.relpEngineSetEnableCmd(o->engine, (unsigned char *) "syslog", eRelpCmdState_Required);
        if (o->tls && librelp.relpEngineSetTLSLibByName(o->engine, "openssl") != RELP_RET_OK)
                return dw_error_set(e, -ENOTSUP, o->url, "bad output '%s': this librelp has no OpenSSL support",
                                    o->url);
        *ret = (struct agent_output *) TAKE_PTR(o);
        return 0;
}

/* ---- the watchdog ---- */

#define WATCH_FDS_MAX 4096

struct watchdog {
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t cond;
        bool done, fired;
        struct timespec deadline;       /* CLOCK_MONOTONIC */
        unsigned short port;
        bool *before;                   /* [fd]: a socket open when the send began */
};

static int socket_port(int fd, unsigned short *ret)
{
        struct sockaddr_storage sa;
        socklen_t len = sizeof(sa);
        struct stat st;

        if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode) || getpeername(fd, (struct sockaddr *) &sa, &len) < 0)
                return -ENOTSOCK;
        if (sa.ss_family == AF_INET)
                *ret = ntohs(((struct sockaddr_in *) &sa)->sin_port);
        else if (sa.ss_family == AF_INET6)
                *ret = ntohs(((struct sockaddr_in6 *) &sa)->sin6_port);
        else
                return -EAFNOSUPPORT;
        return 0;
}

/* Calls f(fd, w) for each descriptor below WATCH_FDS_MAX this process has open. */
static void each_fd(void (*f)(int, struct watchdog *), struct watchdog *w)
{
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d))) {
                char *end;
                long fd = strtol(de->d_name, &end, 10);
                if (*end || end == de->d_name || fd < 0 || fd >= WATCH_FDS_MAX || fd == dirfd(d))
                        continue;
                f((int) fd, w);
        }
        closedir(d);
}

static void note_socket(int fd, struct watchdog *w)
{
        unsigned short port;

        if (socket_port(fd, &port) == 0)
                w->before[fd] = true;
}

static void cut_socket(int fd, struct watchdog *w)
{
        unsigned short port;

        if (!w->before[fd] && socket_port(fd, &port) == 0 && port == w->port)
                shutdown(fd, SHUT_RDWR);
}

static void *watchdog_run(void *p)
{
        struct watchdog *w = p;

        pthread_mutex_lock(&w->lock);
        while (!w->done)
                if (pthread_cond_timedwait(&w->cond, &w->lock, &w->deadline) == ETIMEDOUT) {
                        if (!w->done) {
                                each_fd(cut_socket, w);
                                w->fired = true;
                        }
                        break;
                }
        pthread_mutex_unlock(&w->lock);
        return NULL;
}

static int watchdog_start(struct watchdog *w, unsigned short port, unsigned seconds)
{
        pthread_condattr_t attr;
        int r;

        *w = (struct watchdog) { .port = port };
        w->before = calloc(WATCH_FDS_MAX, sizeof(*w->before));
        if (!w->before)
                return -ENOMEM;
        each_fd(note_socket, w);
        clock_gettime(CLOCK_MONOTONIC, &w->deadline);
        w->deadline.tv_sec += seconds;
        pthread_mutex_init(&w->lock, NULL);
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&w->cond, &attr);
        pthread_condattr_destroy(&attr);
        r = -pthread_create(&w->thread, NULL, watchdog_run, w);
        if (r < 0) {
                pthread_cond_destroy(&w->cond);
                pthread_mutex_destroy(&w->lock);
                free(w->before);
        }
        return r;
}

/* Stops the watchdog: whether it had fired. */
static bool watchdog_stop(struct watchdog *w)
{
        pthread_mutex_lock(&w->lock);
        w->done = true;
        pthread_cond_signal(&w->cond);
        pthread_mutex_unlock(&w->lock);
        pthread_join(w->thread, NULL);
        pthread_cond_destroy(&w->cond);
        pthread_mutex_destroy(&w->lock);
        free(w->before);
        return w->fired;
}

static int64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A new client with the output's settings, connected: RELP_RET_OK or the
 * error (o->error says why). */
static relpRetVal session_open(struct relp_output *o, relpClt_t **ret)
{
        relpClt_t *c = NULL;
        unsigned half = o->timeout / 2 ? o->timeout / 2 : 1;
        relpRetVal r;

        r = librelp.relpEngineCltConstruct(o->engine, &c);
        if (r != RELP_RET_OK)
                return r;
        librelp.relpCltSetUsrPtr(c, o);
        librelp.relpCltSetTimeout(c, half);
        librelp.relpCltSetConnTimeout(c, (int) half);
        librelp.relpCltSetWindowSize(c, (int) o->window);
        if (o->tls) {
                if ((r = librelp.relpCltEnableTLS(c)) != RELP_RET_OK ||
                    (r = librelp.relpCltSetCACert(c, o->ca)) != RELP_RET_OK ||
                    (r = librelp.relpCltSetOwnCert(c, o->cert)) != RELP_RET_OK ||
                    (r = librelp.relpCltSetPrivKey(c, o->key)) != RELP_RET_OK ||
                    (r = librelp.relpCltSetAuthMode(c, (char *) "name")) != RELP_RET_OK ||
                    (r = librelp.relpCltAddPermittedPeer(c, o->peer)) != RELP_RET_OK) {
                        librelp.relpEngineCltDestruct(o->engine, &c);
                        return r;
                }
        }
        r = librelp.relpCltConnect(c, AF_UNSPEC, (unsigned char *) o->port, (unsigned char *) o->host);
        if (r != RELP_RET_OK) {
                librelp.relpEngineCltDestruct(o->engine, &c);
                return r;
        }
        *ret = c;
        return RELP_RET_OK;
}

static int relp_send(struct agent_output *out, const struct agent_event *events, size_t n, bool *acked,
                     struct dw_error *e)
{
        struct relp_output *o = (struct relp_output *) out;
        _cleanup_(freep) bool *answered = NULL;
        struct watchdog w;
        relpClt_t *c = NULL;
        int64_t stop;
        relpRetVal rr;
        bool cut;
        size_t i;
        int r;

        if (n == 0)
                return 0;
        if (n > RELP_BATCH_MAX)
                n = RELP_BATCH_MAX;     /* the rest waits for the next call, unacked */
        answered = calloc(n, sizeof(*answered));
        if (!answered)
                return -ENOMEM;
        o->answered = answered;
        o->n_sent = o->n_answers = 0;
        o->refused = false;
        o->error[0] = '\0';
        current = o;
        stop = now_ns() + (int64_t) (o->timeout / 2 ? o->timeout / 2 : 1) * 1000000000;
        r = watchdog_start(&w, (unsigned short) atoi(o->port), o->timeout + 1);
        if (r < 0) {
                current = NULL;
                o->answered = NULL;
                return r;
        }

        rr = session_open(o, &c);
        if (rr != RELP_RET_OK) {
                cut = watchdog_stop(&w);
                current = NULL;
                o->answered = NULL;
                return dw_error_set(e, cut ? -ETIMEDOUT : -ECONNREFUSED, NULL, "relp output '%s': cannot connect: %s",
                                    o->url, cut ? "no answer in time" : o->error[0] ? o->error : "no RELP session");
        }
        librelp.relpCltHintBurstBegin(c);
        for (i = 0; i < n && now_ns() < stop; i++) {
                buf_reset(&o->msg);
                if (rfc5424_format(&events[i], o->facility, &o->msg) < 0) {
                        note_error(o, "an event larger than 1 MiB", NULL);
                        break;
                }
                o->n_sent = i + 1;      /* its answer may come while librelp sends it */
                rr = librelp.relpCltSendSyslog(c, (unsigned char *) o->msg.data, o->msg.len);
                if (rr != RELP_RET_OK) {
                        note_error(o, "sending failed", NULL);
                        break;
                }
        }
        librelp.relpCltHintBurstEnd(c);
        /* The close: its answer follows every other answer of the session. */
        librelp.relpEngineCltDestruct(o->engine, &c);
        cut = watchdog_stop(&w);
        current = NULL;
        o->answered = NULL;
        if (cut && !o->error[0])
                note_error(o, "no answer in time", NULL);

        for (i = 0; i < n; i++)
                if (answered[i])
                        acked[i] = true;
        if (o->n_answers == 0 && o->n_sent > 0 && !o->error[0] && !o->refused)
                return dw_error_set(e, -EPROTO, NULL,
                                    "relp output '%s': librelp reported no answer to any message (the trace "
                                    "driftwatch reads acknowledgements from has changed)",
                                    o->url);
        if (o->n_answers == o->n_sent && o->n_sent == n)
                return 0;
        if (o->n_answers > 0)
                return 0;       /* part delivered: the rest is sent again */
        if (o->refused)
                return dw_error_set(e, -EBADMSG, NULL, "relp output '%s': the server refused the messages", o->url);
        return dw_error_set(e, -ETIMEDOUT, NULL, "relp output '%s': no message acknowledged: %s", o->url,
                            o->error[0] ? o->error : "timed out");
}

static void relp_close(struct agent_output *out)
{
        relp_output_free((struct relp_output *) out);
}

const struct agent_output_ops agent_output_relp_ops = {
        .scheme = "relp",
        .open = relp_open,
        .send = relp_send,
        .close = relp_close,
};

const struct agent_output_ops agent_output_relp_tls_ops = {
        .scheme = "relp+tls",
        .open = relp_open,
        .send = relp_send,
        .close = relp_close,
};
