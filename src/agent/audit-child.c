/* The audit stream's child: the analytics over standard input, records into
 * a pipe; and the agent's reading of those records. See audit-child.h. */
#define _GNU_SOURCE
#include "agent/audit-child.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "agent/lines.h"
#include "audit/detect.h"
#include "audit/event.h"
#include "audit/reader.h"
#include "basic/hex.h"
#include "basic/time-util.h"
#include "parse/audit-record.h"

#define AUDIT_WINDOW_MS 2000
#define AUDIT_TICK_MS 500
/* The longest the child keeps what it wrote while the stream flows. */
#define AUDIT_FLUSH_MS 100
/* How long after the last audit line the detector is still ticked past the
 * longest it may hold something (its buckets and upgrade events close by the
 * wall clock). */
#define AUDIT_TICK_MARGIN_MS 30000

/* Per node: the newest event handed to the analytics (pos: a resent event
 * at or before it is skipped), and the position saved in the state, which
 * lags it by the analytics' longest hold (replay_s of stream time). The
 * ring keeps one candidate per second of stream time. */
#define POSITION_RING 256
struct node_position {
        char node[AUDIT_CHILD_NODE_MAX];
        struct agent_audit_position pos, saved;
        bool known, dirty;
        struct agent_audit_position ring[POSITION_RING];
        unsigned ring_head, ring_n;
};

struct audit_child {
        FILE *f;
        struct output *out;
        struct audit_assembler *assembler;
        struct audit_detect *detect;
        struct node_position nodes[AUDIT_CHILD_MAX_NODES];
        size_t n_nodes;
        uint64_t events, resent;
        uint64_t replay_s;              /* the analytics' longest hold, in stream seconds */
        uint64_t tick_for_ms;           /* how long the analytics are ticked after the last line */
        uint64_t last_ms;               /* when the last line came */
};

void audit_child_error(FILE *f, const char *text)
{
        fputc('!', f);
        for (const char *p = text; *p; p++)
                fputc((unsigned char) *p < 0x20 || *p == 0x7f ? '?' : *p, f);
        fputc('\n', f);
}

/* ---- positions ---- */

static struct node_position *node_get(struct audit_child *c, const struct audit_str *node)
{
        char name[AUDIT_CHILD_NODE_MAX];
        size_t n = MIN(node->len, sizeof(name) - 1);
        struct node_position *p;

        memcpy(name, node->s ?: "", n);
        name[n] = '\0';
        for (size_t i = 0; i < c->n_nodes; i++)
                if (strcmp(c->nodes[i].node, name) == 0)
                        return &c->nodes[i];
        if (c->n_nodes >= AUDIT_CHILD_MAX_NODES)
                return NULL;    /* more nodes than tracked: no dedupe for the rest */
        p = &c->nodes[c->n_nodes++];
        *p = (struct node_position) { 0 };
        strcpy(p->node, name);
        return p;
}

static bool position_after(const struct audit_event *ev, const struct agent_audit_position *p)
{
        if (ev->sec != p->sec)
                return ev->sec > p->sec;
        if (ev->msec != p->msec)
                return ev->msec > p->msec;
        return ev->serial > p->serial;
}

/* The newest event of each second goes into the ring; the candidates older
 * than the hold become the saved position (the ring full: the oldest). */
static void position_advance(struct audit_child *c, struct node_position *p)
{
        struct agent_audit_position *last = p->ring_n ?
                &p->ring[(p->ring_head + p->ring_n - 1) % POSITION_RING] : NULL;

        if (last && last->sec == p->pos.sec)
                *last = p->pos;
        else {
                if (p->ring_n == POSITION_RING) {
                        p->saved = p->ring[p->ring_head];
                        p->ring_head = (p->ring_head + 1) % POSITION_RING;
                        p->ring_n--;
                        p->dirty = true;
                }
                p->ring[(p->ring_head + p->ring_n++) % POSITION_RING] = p->pos;
        }
        while (p->ring_n > 0 && p->ring[p->ring_head].sec + c->replay_s < p->pos.sec) {
                p->saved = p->ring[p->ring_head];
                p->ring_head = (p->ring_head + 1) % POSITION_RING;
                p->ring_n--;
                p->dirty = true;
        }
}

static void position_write(struct audit_child *c, struct node_position *p)
{
        fputs("@position x", c->f);
        for (const char *s = p->node; *s; s++)
                fprintf(c->f, "%02x", (unsigned char) *s);
        fprintf(c->f, " %" PRIu64 " %" PRIu32 " %" PRIu64 "\n", p->saved.sec, p->saved.msec, p->saved.serial);
        p->dirty = false;
}

/* Everything analysed is out (the end of the stream, a stop): the saved
 * position is the newest. */
static void positions_settle(struct audit_child *c)
{
        for (size_t i = 0; i < c->n_nodes; i++) {
                struct node_position *p = &c->nodes[i];

                if (p->known) {
                        p->saved = p->pos;
                        p->ring_n = 0;
                        p->dirty = true;
                }
        }
}

/* The records of what changed since the last: positions, then the counts. */
static int records_flush(struct audit_child *c, uint64_t *counted)
{
        for (size_t i = 0; i < c->n_nodes; i++)
                if (c->nodes[i].dirty)
                        position_write(c, &c->nodes[i]);
        if (*counted != c->events + c->resent) {
                fprintf(c->f, "@counts %" PRIu64 " %" PRIu64 "\n", c->events, c->resent);
                *counted = c->events + c->resent;
        }
        return fflush(c->f) != 0 || ferror(c->f) ? -EPIPE : 0;
}

/* ---- the analytics ---- */

/* An event of the stream: one already handed to the analytics before a
 * restart (auditd's dispatcher may send it again) is skipped. Its node's
 * position, when its saved one moved, follows its findings. */
static int on_event(const struct audit_event *ev, void *userdata)
{
        struct audit_child *c = userdata;
        struct node_position *p = node_get(c, &ev->node);
        int r;

        if (p && p->known && !position_after(ev, &p->pos)) {
                c->resent++;
                return 0;
        }
        if (p) {
                p->pos = (struct agent_audit_position) { .sec = ev->sec, .msec = ev->msec, .serial = ev->serial };
                p->known = true;
                position_advance(c, p);
        }
        c->events++;
        r = audit_detect_event(ev, c->detect);
        if (r >= 0 && p && p->dirty)
                position_write(c, p);
        return r;
}

static int on_finding(const struct finding *f, void *userdata)
{
        struct audit_child *c = userdata;

        return output_emit(c->out, f);
}

static int on_line(void *userdata, const char *line, size_t len)
{
        struct audit_child *c = userdata;

        return audit_assembler_feed(c->assembler, line, len, 0);
}

static int tick(struct audit_child *c)
{
        int r = audit_assembler_tick(c->assembler, clock_ms(CLOCK_MONOTONIC));

        if (r >= 0)
                r = audit_detect_tick(c->detect, clock_ms(CLOCK_REALTIME));
        return r;
}

/* The end of the stream (or a stop): everything still open is reported. */
static int finish(struct audit_child *c, struct lines *l)
{
        int r = 0;

        if (l->b.len > 0) {
                r = audit_assembler_feed(c->assembler, l->b.data, l->b.len, LINE_NO_NEWLINE);
                lines_reset(l);
        }
        if (r >= 0)
                r = audit_assembler_flush(c->assembler);
        if (r >= 0)
                r = audit_detect_flush(c->detect);
        if (r >= 0)
                positions_settle(c);
        return r;
}

static int setup(struct audit_child *c, const struct dw_context *ctx, const struct audit_child_saved *saved,
                 size_t n_saved)
{
        struct audit_detect_options o = {
                .rules = ctx->rules,
                .resolve_units = true,  /* a live stream: units from /proc */
        };
        struct audit_limits lim;
        int r;

        for (size_t i = 0; i < n_saved && c->n_nodes < AUDIT_CHILD_MAX_NODES; i++) {
                struct node_position *p = &c->nodes[c->n_nodes++];

                snprintf(p->node, sizeof(p->node), "%s", saved[i].node);
                p->pos = p->saved = saved[i].pos;
                p->known = true;
        }
        audit_limits_default(&lim);
        lim.window_ms = AUDIT_WINDOW_MS;
        /* What the analytics may hold back: a create for its rename (2 s), a
         * write inferred from argv, a bulk bucket; the assembler's window on top. */
        c->replay_s = MAX(MAX(ctx->rules->audit.argv_window_s, ctx->rules->audit.bulk_window_s), 2u) +
                      AUDIT_WINDOW_MS / 1000 + 1;
        c->tick_for_ms = (uint64_t) MAX(c->replay_s, (uint64_t) ctx->rules->audit.upgrade_idle_s) * 1000 +
                         AUDIT_TICK_MARGIN_MS;
        r = audit_detect_new(&o, on_finding, c, &c->detect);
        if (r >= 0)
                r = audit_assembler_new(&lim, on_event, c, &c->assembler);
        return r;
}

static bool more_waits(int fd)
{
        struct pollfd p = { .fd = fd, .events = POLLIN };

        return poll(&p, 1, 0) > 0 && (p.revents & POLLIN);
}

/* SIGTERM, SIGINT or SIGHUP from the parent: true. From anyone else: ignored. */
static bool stop_asked(int sfd)
{
        struct signalfd_siginfo si;
        bool stop = false;

        while (read(sfd, &si, sizeof(si)) == sizeof(si))
                stop |= (pid_t) si.ssi_pid == getppid();
        return stop;
}

int audit_child_run(const struct dw_context *ctx, const struct audit_child_saved *saved, size_t n_saved, int in_fd,
                    struct output *out, FILE *f)
{
        static struct audit_child c;    /* its ring of positions is large for a stack */
        struct lines l;
        sigset_t mask;
        uint64_t counted = 0, flushed = 0;
        int sfd, r;

        c = (struct audit_child) { .f = f, .out = out };
        lines_init(&l, LINE_READER_DEFAULT_MAX);
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
        r = sfd < 0 ? -errno : setup(&c, ctx, saved, n_saved);
        if (r < 0) {
                char msg[256];

                snprintf(msg, sizeof(msg), "cannot set up the audit analytics: %s", strerror(-r));
                audit_child_error(f, msg);
                return fflush(f) != 0 ? 3 : 1;
        }
        for (bool end = false; !end;) {
                struct pollfd p[2] = {
                        { .fd = in_fd, .events = POLLIN },
                        { .fd = sfd, .events = POLLIN },
                };
                uint64_t now = clock_ms(CLOCK_MONOTONIC);
                bool ticking = c.last_ms && now - c.last_ms < c.tick_for_ms + AUDIT_TICK_MS;
                char buf[LINES_CHUNK];
                ssize_t n;

                r = 0;
                if (poll(p, 2, ticking ? AUDIT_TICK_MS : -1) < 0 && errno != EINTR) {
                        r = -errno;
                        break;
                }
                if (p[1].revents && stop_asked(sfd))
                        end = true;
                if (!end && p[0].revents) {
                        n = read(in_fd, buf, sizeof(buf));
                        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                                continue;
                        if (n < 0) {
                                char msg[256];

                                snprintf(msg, sizeof(msg), "cannot read the audit stream: %s: taken as its end",
                                         strerror(errno));
                                audit_child_error(f, msg);
                        }
                        if (n <= 0)
                                end = true;
                        else {
                                c.last_ms = clock_ms(CLOCK_MONOTONIC);
                                r = lines_feed(&l, buf, (size_t) n, on_line, &c);
                        }
                } else if (!end && ticking && clock_ms(CLOCK_MONOTONIC) - c.last_ms >= AUDIT_TICK_MS)
                        r = tick(&c);
                if (r >= 0 && end)
                        r = finish(&c, &l);
                /* What was written, findings and records, whatever failed; while
                 * more of the stream waits, after AUDIT_FLUSH_MS at the latest:
                 * the agent commits what each write brings (a fsync). */
                if (r < 0 || end || !more_waits(in_fd) || clock_ms(CLOCK_MONOTONIC) - flushed >= AUDIT_FLUSH_MS) {
                        if (records_flush(&c, &counted) < 0)
                                return 3;
                        flushed = clock_ms(CLOCK_MONOTONIC);
                }
                if (r < 0)
                        break;
        }
        if (r < 0) {
                char msg[256];

                snprintf(msg, sizeof(msg), "cannot analyse the audit stream: %s", strerror(-r));
                audit_child_error(f, msg);
                return fflush(f) != 0 ? 3 : 1;
        }
        return 0;
}

/* ---- in the agent ---- */

/* "@position xHEX SEC MSEC SERIAL", "@counts EVENTS RESENT": each field
 * separated by one space, nothing after the last. */
static int record_fields(const char *p, const char *end, struct audit_str *fields, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                const char *sp = memchr(p, ' ', (size_t) (end - p));
                const char *e = i + 1 < n ? sp : end;

                if (!e || (i + 1 == n && sp))
                        return -EBADMSG;
                fields[i] = (struct audit_str) { p, (size_t) (e - p) };
                p = e + 1;
        }
        return 0;
}

int audit_child_record_parse(const char *line, size_t len, struct audit_child_record *ret)
{
        const char *end = line + len;
        struct audit_str fv[4];
        uint64_t msec;

        *ret = (struct audit_child_record) { .kind = AUDIT_CHILD_RECORD_NONE, .text = line, .len = len };
        if (len == 0)
                return 0;
        if (line[0] == '{') {
                ret->kind = AUDIT_CHILD_RECORD_FINDING;
                return 0;
        }
        if (line[0] == '!') {
                ret->kind = AUDIT_CHILD_RECORD_ERROR;
                ret->text = line + 1;
                ret->len = len - 1;
                return 0;
        }
        if (line[0] != '@')
                return 0;
        if (len > 10 && memcmp(line, "@position ", 10) == 0) {
                if (record_fields(line + 10, end, fv, 4) < 0 || fv[0].len < 1 || fv[0].s[0] != 'x' ||
                    (fv[0].len - 1) / 2 >= AUDIT_CHILD_NODE_MAX || (fv[0].len > 1 && !hex_valid(fv[0].s + 1,
                                                                                          fv[0].len - 1, true)) ||
                    audit_parse_u64(fv[1], 10, &ret->pos.sec) < 0 || audit_parse_u64(fv[2], 10, &msec) < 0 ||
                    msec > UINT32_MAX || audit_parse_u64(fv[3], 10, &ret->pos.serial) < 0)
                        return -EBADMSG;
                if (hex_decode(fv[0].s + 1, fv[0].len - 1, ret->node) < 0)
                        return -EBADMSG;
                ret->node[(fv[0].len - 1) / 2] = '\0';
                if (strlen(ret->node) != (fv[0].len - 1) / 2)
                        return -EBADMSG;        /* a NUL inside */
                ret->pos.msec = (uint32_t) msec;
                ret->kind = AUDIT_CHILD_RECORD_POSITION;
                return 0;
        }
        if (len > 8 && memcmp(line, "@counts ", 8) == 0) {
                if (record_fields(line + 8, end, fv, 2) < 0 || audit_parse_u64(fv[0], 10, &ret->events) < 0 ||
                    audit_parse_u64(fv[1], 10, &ret->resent) < 0)
                        return -EBADMSG;
                ret->kind = AUDIT_CHILD_RECORD_COUNTS;
                return 0;
        }
        return -EBADMSG;
}
