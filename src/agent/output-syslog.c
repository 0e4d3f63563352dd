/* The syslog outputs: syslog+tcp://HOST:PORT and syslog+tls://HOST:PORT
 * (default port 514 and 6514). Each event is one RFC 5424 message (rfc5424.c,
 * shared with relp://), its JSON line as MSG, framed by octet counting (RFC
 * 6587 3.4.1; RFC 5425 over TLS):
 *
 *   LEN <PRI>1 TIMESTAMP HOSTNAME driftwatch PID finding [driftwatch@32473 id=".." severity=".." rule=".."] JSON
 *
 * PRI is the facility (?facility=N, default 13, "log audit") times 8 plus the
 * syslog severity of the finding (critical 2, high 3, medium 4, low 5).
 * HOSTNAME is the event's host.name. TLS (libssl, loaded on first use): the
 * server's certificate is verified against ?ca=FILE (else the system's
 * store) and its name against the URL's host (or ?name=), a client
 * certificate given by ?cert=FILE&key=FILE. ?timeout=SECONDS (default 10)
 * bounds connecting and each write.
 *
 * Syslog has no acknowledgement at the application level: an event counts as
 * delivered once its bytes were written to the socket (after a check, before
 * each batch, that the receiver has not closed the connection). Bytes in
 * flight when a receiver dies can be lost: RELP (relp://) is the protocol
 * that acknowledges. docs/agent.md. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "agent/output-internal.h"
#include "agent/rfc5424.h"
#include "agent/url.h"
#include "basic/buf.h"
#include "basic/libssl.h"

#define SYSLOG_TIMEOUT_DEFAULT 10
/* The frames of one batch are written together, up to this many bytes. */
#define SYSLOG_BATCH_BYTES ((size_t) 1 << 20)

struct syslog_output {
        bool tls;
        char *url;
        char host[256], port[16], name[256];
        char *ca, *cert, *key;
        unsigned facility;
        int timeout_s;
        int fd;
        SSL_CTX *ctx;
        SSL *ssl;
        struct buf frames;
};

static void syslog_disconnect(struct syslog_output *s)
{
        if (s->ssl) {
                libssl.SSL_free(s->ssl);
                s->ssl = NULL;
        }
        if (s->fd >= 0) {
                close(s->fd);
                s->fd = -1;
        }
}

/* The end of a connection that worked: our end closed (TLS's close_notify
 * first), then the receiver's close waited for, up to the timeout: a
 * receiver closes once it has read everything before our end, so nothing
 * sent is left unread in its buffers when the agent exits. */
static void syslog_goodbye(struct syslog_output *s)
{
        struct pollfd p = { .fd = s->fd, .events = POLLIN };
        int64_t left = (int64_t) s->timeout_s * 1000;
        char scratch[512];

        if (s->fd < 0)
                return;
        if (s->ssl)
                (void) libssl.SSL_shutdown(s->ssl);
        (void) shutdown(s->fd, SHUT_WR);
        while (left > 0 && poll(&p, 1, 100) >= 0) {
                if (p.revents) {
                        ssize_t k = recv(s->fd, scratch, sizeof(scratch), MSG_DONTWAIT);

                        if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR))
                                break;
                }
                left -= 100;
        }
}

static void syslog_close(struct agent_output *o)
{
        struct syslog_output *s = (struct syslog_output *) o;

        if (!s)
                return;
        syslog_goodbye(s);
        syslog_disconnect(s);
        if (s->ctx)
                libssl.SSL_CTX_free(s->ctx);
        buf_release(&s->frames);
        free(s->url);
        free(s->ca);
        free(s->cert);
        free(s->key);
        free(s);
}

/* OpenSSL's error queue as one line. */
static const char *tls_error(char *out, size_t n)
{
        unsigned long err = libssl.ERR_get_error();

        if (!err)
                return "TLS handshake failed";
        libssl.ERR_error_string_n(err, out, n);
        libssl.ERR_clear_error();
        return out;
}

static int tls_context(struct syslog_output *s, struct dw_error *e)
{
        char msg[256];
        int r;

        r = libssl_load();
        if (r < 0)
                return dw_error_set(e, r, s->url, "cannot use output '%s': libssl cannot be loaded", s->url);
        s->ctx = libssl.SSL_CTX_new(libssl.TLS_client_method());
        if (!s->ctx)
                return dw_error_set(e, -ENOMEM, s->url, "cannot use output '%s': %s", s->url, tls_error(msg, sizeof(msg)));
        libssl.SSL_CTX_ctrl(s->ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, NULL);
        libssl.SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER, NULL);
        if (s->ca ? libssl.SSL_CTX_load_verify_locations(s->ctx, s->ca, NULL) != 1 :
                    libssl.SSL_CTX_set_default_verify_paths(s->ctx) != 1)
                return dw_error_set(e, -EINVAL, s->ca ?: s->url, "cannot use output '%s': cannot load CA '%s': %s",
                                    s->url, s->ca ?: "(system)", tls_error(msg, sizeof(msg)));
        if (s->cert && (libssl.SSL_CTX_use_certificate_chain_file(s->ctx, s->cert) != 1 ||
                        libssl.SSL_CTX_use_PrivateKey_file(s->ctx, s->key ?: s->cert, SSL_FILETYPE_PEM) != 1 ||
                        libssl.SSL_CTX_check_private_key(s->ctx) != 1))
                return dw_error_set(e, -EINVAL, s->cert, "cannot use output '%s': cannot load certificate '%s': %s",
                                    s->url, s->cert, tls_error(msg, sizeof(msg)));
        return 0;
}

static int syslog_open(const char *str, struct agent_output **ret, struct dw_error *e, bool tls)
{
        static const char *const known[] = { "ca", "cert", "key", "name", "facility", "timeout", NULL };
        _cleanup_(url_release) struct url u = { 0 };
        struct syslog_output *s;
        const char *why = NULL, *v;
        int r;

        r = url_parse(str, &u, &why);
        if (r < 0)
                return dw_error_set(e, r, str, "bad output '%s': %s", str, why ?: strerror(-r));
        if (!u.host[0] || (u.path[0] && strcmp(u.path, "/") != 0))
                return dw_error_set(e, -EINVAL, str, "bad output '%s': expected %s://HOST[:PORT]", str, u.scheme);
        if ((v = url_unknown_param(&u, known)))
                return dw_error_set(e, -EINVAL, str, "bad output '%s': unknown parameter '%s' (%s)", str, v,
                                    tls ? "ca, cert, key, name, facility, timeout" : "facility, timeout");
        if (!tls && (url_param(&u, "ca") || url_param(&u, "cert") || url_param(&u, "key") || url_param(&u, "name")))
                return dw_error_set(e, -EINVAL, str, "bad output '%s': ca, cert, key and name are for syslog+tls://",
                                    str);
        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->tls = tls;
        s->fd = -1;
        s->facility = RFC5424_FACILITY_DEFAULT;
        s->timeout_s = SYSLOG_TIMEOUT_DEFAULT;
        buf_init(&s->frames, SYSLOG_BATCH_BYTES + ((size_t) 64 << 20));
        snprintf(s->host, sizeof(s->host), "%s", u.host);
        snprintf(s->port, sizeof(s->port), "%u", u.port ? u.port : tls ? 6514 : 514);
        snprintf(s->name, sizeof(s->name), "%s", url_param(&u, "name") ?: u.host);
        s->url = strdup(str);
        if (!s->url || ((v = url_param(&u, "ca")) && !(s->ca = strdup(v))) ||
            ((v = url_param(&u, "cert")) && !(s->cert = strdup(v))) || ((v = url_param(&u, "key")) && !(s->key = strdup(v)))) {
                syslog_close((struct agent_output *) s);
                return -ENOMEM;
        }
        unsigned timeout = SYSLOG_TIMEOUT_DEFAULT;
        if (url_param_uint(&u, "facility", 0, 23, &s->facility) < 0) {
                syslog_close((struct agent_output *) s);
                return dw_error_set(e, -EINVAL, str, "bad output '%s': facility takes a number from 0 to 23", str);
        }
        if (url_param_uint(&u, "timeout", 1, 3600, &timeout) < 0) {
                syslog_close((struct agent_output *) s);
                return dw_error_set(e, -EINVAL, str, "bad output '%s': timeout takes seconds from 1 to 3600", str);
        }
        s->timeout_s = (int) timeout;
        if (tls) {
                r = tls_context(s, e);
                if (r < 0) {
                        syslog_close((struct agent_output *) s);
                        return r;
                }
        }
        *ret = (struct agent_output *) s;
        return 0;
}

static int syslog_tcp_open(const char *url, struct agent_output **ret, struct dw_error *e)
{
        return syslog_open(url, ret, e, false);
}

static int syslog_tls_open(const char *url, struct agent_output **ret, struct dw_error *e)
{
        return syslog_open(url, ret, e, true);
}

static bool is_ip_address(const char *h)
{
        return strspn(h, "0123456789.") == strlen(h) || strchr(h, ':');
}

static int syslog_connect(struct syslog_output *s, struct dw_error *e)
{
        struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG }, *res = NULL;
        struct timeval tv = { .tv_sec = s->timeout_s };
        char msg[640];
        int r = -ECONNREFUSED, rc;

        rc = getaddrinfo(s->host, s->port, &hints, &res);
        if (rc != 0)
                return dw_error_set(e, -EHOSTUNREACH, s->url, "cannot connect to '%s': %s", s->url, gai_strerror(rc));
        for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
                int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);

                if (fd < 0) {
                        r = -errno;
                        continue;
                }
                /* connect() and every write give up after the timeout. */
                (void) setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
                (void) setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
                if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
                        s->fd = fd;
                        break;
                }
                r = errno == EINPROGRESS ? -ETIMEDOUT : -errno;
                close(fd);
        }
        freeaddrinfo(res);
        if (s->fd < 0)
                return dw_error_set(e, r, s->url, "cannot connect to '%s': %s", s->url, strerror(-r));
        if (!s->tls)
                return 0;
        libssl.ERR_clear_error();
        s->ssl = libssl.SSL_new(s->ctx);
        if (!s->ssl || libssl.SSL_set_fd(s->ssl, s->fd) != 1 || libssl.SSL_set1_host(s->ssl, s->name) != 1) {
                syslog_disconnect(s);
                return dw_error_set(e, -ENOMEM, s->url, "cannot connect to '%s': %s", s->url,
                                    tls_error(msg, sizeof(msg)));
        }
        if (!is_ip_address(s->name))
                libssl.SSL_ctrl(s->ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, s->name);
        if (libssl.SSL_connect(s->ssl) != 1) {
                long v = libssl.SSL_get_verify_result(s->ssl);

                if (v != X509_V_OK)
                        snprintf(msg, sizeof(msg), "certificate verify failed: %s (expected name '%s')",
                                 libssl.X509_verify_cert_error_string(v), s->name);
                else
                        tls_error(msg, sizeof(msg));
                libssl.ERR_clear_error();
                syslog_disconnect(s);
                return dw_error_set(e, v != X509_V_OK ? -EKEYREJECTED : -ECONNABORTED, s->url,
                                    "cannot connect to '%s': %s", s->url, msg);
        }
        return 0;
}

/* Whether the receiver closed the connection: a syslog receiver never
 * sends, so anything to read (but TLS's own records) is its end. */
static bool syslog_closed(struct syslog_output *s)
{
        struct pollfd p = { .fd = s->fd, .events = POLLIN | POLLRDHUP };
        char scratch[512];

        if (poll(&p, 1, 0) <= 0)
                return false;
        if (p.revents & (POLLRDHUP | POLLHUP | POLLERR))
                return true;
        if (!s->tls)
                return true;
        /* TLS 1.3 session tickets and the like: read them without blocking. */
        for (;;) {
                int k, err;

                (void) fcntl(s->fd, F_SETFL, O_NONBLOCK);
                k = libssl.SSL_read(s->ssl, scratch, sizeof(scratch));
                err = libssl.SSL_get_error(s->ssl, k);
                (void) fcntl(s->fd, F_SETFL, 0);
                libssl.ERR_clear_error();
                if (k > 0)
                        continue;       /* application data from a syslog server: ignore it */
                return err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE;
        }
}

static int write_all_stream(struct syslog_output *s, const char *p, size_t n, struct dw_error *e)
{
        char msg[256];

        while (n > 0) {
                ssize_t k;

                if (s->tls) {
                        int w = libssl.SSL_write(s->ssl, p, (int) MIN(n, (size_t) 1 << 30));

                        if (w <= 0) {
                                int err = libssl.SSL_get_error(s->ssl, w);

                                if (err == SSL_ERROR_SYSCALL && errno)
                                        snprintf(msg, sizeof(msg), "%s", strerror(errno));
                                else
                                        tls_error(msg, sizeof(msg));
                                syslog_disconnect(s);
                                return dw_error_set(e, -EIO, s->url, "cannot write to '%s': %s", s->url, msg);
                        }
                        k = w;
                } else {
                        k = send(s->fd, p, n, MSG_NOSIGNAL);
                        if (k < 0 && errno == EINTR)
                                continue;
                        if (k <= 0) {
                                int r = k < 0 ? (errno == EAGAIN ? -ETIMEDOUT : -errno) : -EIO;

                                syslog_disconnect(s);
                                return dw_error_set(e, r, s->url, "cannot write to '%s': %s", s->url, strerror(-r));
                        }
                }
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

/* One event's message (rfc5424.c), octet-counted, appended to the batch's frames. */
static int frame(struct syslog_output *s, struct buf *msg, const struct agent_event *ev)
{
        char len[24];
        int r;

        buf_reset(msg);
        r = rfc5424_format(ev, s->facility, msg);
        if (r < 0)
                return r;
        snprintf(len, sizeof(len), "%zu ", msg->len);
        r = buf_puts(&s->frames, len);
        return r < 0 ? r : buf_append(&s->frames, msg->data, msg->len);
}

static int syslog_send(struct agent_output *o, const struct agent_event *events, size_t n, bool *acked,
                       struct dw_error *e)
{
        struct syslog_output *s = (struct syslog_output *) o;
        _cleanup_(buf_release) struct buf msg = { 0 };
        size_t i = 0;
        int r;

        if (s->fd >= 0 && syslog_closed(s))
                syslog_disconnect(s);
        if (s->fd < 0) {
                r = syslog_connect(s, e);
                if (r < 0)
                        return r;
        }
        buf_init(&msg, (size_t) 64 << 20);
        while (i < n) {
                size_t first = i;

                buf_reset(&s->frames);
                while (i < n && (i == first || s->frames.len < SYSLOG_BATCH_BYTES)) {
                        r = frame(s, &msg, &events[i]);
                        if (r < 0)
                                return dw_error_set(e, r, s->url, "cannot write to '%s': %s", s->url, strerror(-r));
                        i++;
                }
                r = write_all_stream(s, s->frames.data, s->frames.len, e);
                if (r < 0)
                        return r;
                for (size_t k = first; k < i; k++)
                        acked[k] = true;
        }
        return 0;
}

const struct agent_output_ops agent_output_syslog_tcp_ops = {
        .scheme = "syslog+tcp",
        .open = syslog_tcp_open,
        .send = syslog_send,
        .close = syslog_close,
};

const struct agent_output_ops agent_output_syslog_tls_ops = {
        .scheme = "syslog+tls",
        .open = syslog_tls_open,
        .send = syslog_send,
        .close = syslog_close,
};
