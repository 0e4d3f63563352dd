/* Event assembly; see event.h and docs/internals/audit.md.
 *
 * Incomplete events live in slots (a table that grows as needed; memory is
 * bounded by max_pending_bytes, which counts each slot), found by a hash of
 * (serial, time, node) and kept on two lists in the order they began: one of
 * all incomplete events, so the oldest is completed first, and one per node,
 * so the reorder window counts the events of one node only (an aggregated log
 * interleaves many nodes). A slot keeps its records' lines in one byte buffer
 * and their fields in one array, both as offsets, and both reused by the next
 * event. Completing an event turns offsets into pointers, derives the syscall
 * summary, argv, PROCTITLE and paths into a scratch arena (derive.c), calls
 * back, and resets the arena. */
#include "event.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/reader.h"
#include "basic/arena.h"
#include "basic/buf.h"
#include "basic/hash.h"
#include "derive.h"

#define NONE UINT32_MAX
/* Nodes remembered (for serial tracking) while none of their events is
 * incomplete; past this (or twice the nodes with incomplete events) the idle
 * ones are forgotten. */
#define NODES_KEPT 1024
/* A slot whose buffers grew past this gives them back when its event is done,
 * and free slots keep at most IDLE_KEEP_BYTES of buffers between them. */
#define SLOT_KEEP_BYTES ((size_t) 64 << 10)
#define IDLE_KEEP_BYTES ((size_t) 8 << 20)
/* Under memory pressure a node's window shrinks down to this many newer events
 * (or window_events when smaller); an event completed with fewer is early. */
#define MIN_WINDOW 4
#define NODE_DONE 4
/* slot.wall_ms of an event that received a record since the last tick. */
#define UNSTAMPED UINT64_MAX

struct stored_record {
        uint32_t line, len;             /* in slot.bytes */
        uint32_t field, n_fields;       /* in slot.fields */
        uint32_t type_name, type_len;   /* relative to the line */
        int type;
        uint16_t flags;
        bool truncated;
};

/* A slot's place on a list of slots, by number (NONE: the end). */
struct link {
        uint32_t prev, next;
};

struct slot {
        uint64_t serial, sec, ms, node_hash;
        uint32_t msec;
        uint32_t node_len;              /* the node name is slot.bytes[0, node_len) */
        struct link all;                /* all incomplete events (free slots: next only) */
        struct link by_node;            /* its node's incomplete events */
        uint32_t hnext;                 /* the hash chain */
        uint32_t node;
        uint64_t touched_ms;            /* the stream's time when a record last arrived */
        uint64_t wall_ms;               /* the caller's clock at the first tick after that (UNSTAMPED: none yet) */
        size_t cost;                    /* line bytes counted against max_event_bytes */
        size_t mem;                     /* memory counted against max_pending_bytes */
        size_t kept;                    /* free slot: buffer bytes counted in idle_bytes */
        struct buf bytes;
        struct audit_field *fields;
        size_t n_fields, cap_fields;
        struct stored_record *recs;
        size_t n_recs, cap_recs;
        size_t n_seen;
        uint64_t quality, malformed_before, gap_first, gap_missing;
};

struct emitted_key {
        uint64_t serial, ms, node_hash;
};

struct node_state {
        uint64_t hash;
        uint64_t high;                  /* highest serial that began an event */
        bool tracked;                   /* high is set */
        uint32_t head, tail;            /* its incomplete events, oldest first */
        size_t n_pending;
        /* Its last completed events (serial, ms): with many nodes in flight the
         * shared ring turns over before a late record of one of them comes. */
        uint64_t done[NODE_DONE][2];
        uint64_t n_done;
};

struct audit_assembler {
        struct audit_limits lim;
        audit_event_fn fn;
        void *userdata;

        struct slot *slots;
        uint32_t n_slots;               /* allocated */
        uint32_t free_head;
        uint32_t head, tail;            /* incomplete events, oldest first */
        size_t n_pending;
        size_t pending_bytes;
        size_t idle_bytes;              /* buffers kept by free slots */
        uint32_t *buckets;
        size_t n_buckets;               /* a power of two, at least twice n_slots */
        uint32_t last;                  /* the slot of the previous record */
        uint64_t newest_ms;
        bool fed_since_tick;            /* a record arrived since the last audit_assembler_tick() */
        uint64_t tick_due;              /* no event can be idle long enough before this (caller's clock) */
        uint64_t tick_last;             /* now_ms of the last tick */

        struct emitted_key *ring;       /* recently completed events, to spot late records */
        size_t ring_size, ring_pos, ring_n;

        struct node_state *nodes;
        uint32_t n_nodes, cap_nodes;
        uint32_t *node_index;           /* open addressing: node numbers, NONE empty */
        size_t n_node_index;            /* a power of two, at least twice cap_nodes */

        uint64_t malformed_pending;
        struct arena scratch;
        struct buf arg;                 /* one EXECVE argument being reassembled */
        struct audit_stats stats;
        struct audit_record rec;        /* the record being fed (large: keep off the stack) */
};

static const char *const quality_names[AUDIT_Q_COUNT_] = {
        "execve-truncated", "execve-malformed",  "proctitle-only", "path-unresolved", "path-missing",
        "records-dropped",  "record-truncated",  "fields-truncated", "malformed-lines-skipped",
        "sequence-gap",     "serial-reset",      "lost-events",    "event-split",     "completed-early",
        "name-unresolved",  "ancestry-inferred", "unit-unresolved",
        "container-unresolved",
};

const char *audit_quality_name(unsigned bit_index)
{
        return bit_index < AUDIT_Q_COUNT_ ? quality_names[bit_index] : NULL;
}

void audit_event_id_format(char out[AUDIT_EVENT_ID_MAX], uint64_t sec, uint32_t msec, uint64_t serial)
{
        snprintf(out, AUDIT_EVENT_ID_MAX, "%llu.%03u:%llu", (unsigned long long) sec, msec,
                 (unsigned long long) serial);
}

const char *audit_nametype_name(enum audit_nametype t)
{
        static const char *const names[] = {
                [AUDIT_NAMETYPE_NONE] = "",           [AUDIT_NAMETYPE_NORMAL] = "NORMAL",
                [AUDIT_NAMETYPE_PARENT] = "PARENT",   [AUDIT_NAMETYPE_CREATE] = "CREATE",
                [AUDIT_NAMETYPE_DELETE] = "DELETE",   [AUDIT_NAMETYPE_UNKNOWN] = "UNKNOWN",
                [AUDIT_NAMETYPE_OTHER] = "OTHER",
        };

        return (unsigned) t < sizeof(names) / sizeof(names[0]) ? names[t] : "";
}

void audit_limits_default(struct audit_limits *l)
{
        *l = (struct audit_limits) {
                .window_events = 64,
                .window_ms = 0,
                .max_records = 1024,
                .max_event_bytes = (size_t) 4 << 20,
                .max_pending_bytes = (size_t) 32 << 20,
                .max_argc = 65536,
        };
}

static uint64_t mix(uint64_t x)
{
        x ^= x >> 33;
        x *= 0xff51afd7ed558ccdULL;
        x ^= x >> 33;
        x *= 0xc4ceb9fe1a85ec53ULL;
        x ^= x >> 33;
        return x;
}

static size_t bucket_of(const struct audit_assembler *a, uint64_t serial, uint64_t ms, uint64_t nh)
{
        return (size_t) (mix(serial ^ mix(ms ^ nh)) & (a->n_buckets - 1));
}

int audit_assembler_new(const struct audit_limits *limits, audit_event_fn fn, void *userdata,
                        struct audit_assembler **ret)
{
        _cleanup_(audit_assembler_freep) struct audit_assembler *a = NULL;

        a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        if (limits)
                a->lim = *limits;
        else
                audit_limits_default(&a->lim);
        if (a->lim.window_events == 0 || a->lim.window_events > 65536 || a->lim.max_records == 0 ||
            a->lim.max_event_bytes == 0 || a->lim.max_event_bytes > UINT32_MAX / 2 || a->lim.max_pending_bytes == 0)
                return -EINVAL;
        a->fn = fn;
        a->userdata = userdata;
        arena_init(&a->scratch);
        buf_init(&a->arg, a->lim.max_event_bytes);
        a->free_head = a->head = a->tail = a->last = NONE;
        a->ring_size = 2 * a->lim.window_events;
        a->ring = calloc(a->ring_size, sizeof(*a->ring));
        if (!a->ring)
                return -ENOMEM;
        *ret = TAKE_PTR(a);
        return 0;
}

void audit_assembler_free(struct audit_assembler *a)
{
        uint32_t i;

        if (!a)
                return;
        for (i = 0; a->slots && i < a->n_slots; i++) {
                buf_release(&a->slots[i].bytes);
                free(a->slots[i].fields);
                free(a->slots[i].recs);
        }
        free(a->slots);
        free(a->buckets);
        free(a->ring);
        free(a->nodes);
        free(a->node_index);
        arena_release(&a->scratch);
        buf_release(&a->arg);
        free(a);
}

const struct audit_stats *audit_assembler_stats(const struct audit_assembler *a)
{
        return &a->stats;
}

/* ---- the table of incomplete events ---- */

static bool slot_matches(const struct slot *s, const struct audit_record *r, uint64_t nh)
{
        return s->serial == r->serial && s->sec == r->sec && s->msec == r->msec && s->node_hash == nh &&
               s->node_len == (r->node_len > 255 ? 255 : r->node_len) &&
               memcmp(s->bytes.data, r->line + r->node, s->node_len) == 0;
}

static uint32_t find_slot(const struct audit_assembler *a, const struct audit_record *r, uint64_t nh, uint64_t ms)
{
        uint32_t i;

        if (a->last != NONE && slot_matches(&a->slots[a->last], r, nh))
                return a->last;
        if (!a->buckets)
                return NONE;
        for (i = a->buckets[bucket_of(a, r->serial, ms, nh)]; i != NONE; i = a->slots[i].hnext)
                if (slot_matches(&a->slots[i], r, nh))
                        return i;
        return NONE;
}

/* Doubles the slots (and rehashes the incomplete events) when none is free. */
static int more_slots(struct audit_assembler *a)
{
        uint32_t n = a->n_slots ? 2 * a->n_slots : 64, i;
        size_t nb = 16;
        struct slot *s;
        uint32_t *b;

        if (a->free_head != NONE)
                return 0;
        if (a->n_slots >= UINT32_MAX / 4)
                return -E2BIG;
        while (nb < 2 * (size_t) n)
                nb *= 2;
        s = realloc(a->slots, n * sizeof(*s));
        if (!s)
                return -ENOMEM;
        a->slots = s;
        b = malloc(nb * sizeof(*b));
        if (!b)
                return -ENOMEM;         /* the slots stay as they were, only more room behind them */
        for (i = a->n_slots; i < n; i++) {
                s[i] = (struct slot) { .all.next = i + 1 < n ? i + 1 : NONE };
                /* The node name (<= 255 bytes kept) rides in front of the lines. */
                buf_init(&s[i].bytes, a->lim.max_event_bytes + 256);
        }
        a->free_head = a->n_slots;
        a->n_slots = n;
        free(a->buckets);
        a->buckets = b;
        a->n_buckets = nb;
        for (i = 0; i < nb; i++)
                b[i] = NONE;
        for (i = a->head; i != NONE; i = s[i].all.next) {
                size_t k = bucket_of(a, s[i].serial, s[i].ms, s[i].node_hash);

                s[i].hnext = b[k];
                b[k] = i;
        }
        return 0;
}

/* A slot's link at offset off: its place on one list or the other. */
static struct link *link_at(struct audit_assembler *a, uint32_t i, size_t off)
{
        return (struct link *) ((char *) &a->slots[i] + off);
}

/* Appends slot i to a list (head, tail) through its link at offset off. */
static void list_append(struct audit_assembler *a, uint32_t *head, uint32_t *tail, size_t off, uint32_t i)
{
        struct link *l = link_at(a, i, off);

        l->prev = *tail;
        l->next = NONE;
        if (*tail != NONE)
                link_at(a, *tail, off)->next = i;
        else
                *head = i;
        *tail = i;
}

static void list_remove(struct audit_assembler *a, uint32_t *head, uint32_t *tail, size_t off, uint32_t i)
{
        struct link *l = link_at(a, i, off);

        if (l->prev != NONE)
                link_at(a, l->prev, off)->next = l->next;
        else
                *head = l->next;
        if (l->next != NONE)
                link_at(a, l->next, off)->prev = l->prev;
        else
                *tail = l->prev;
}

static void unlink_slot(struct audit_assembler *a, uint32_t i)
{
        struct slot *s = &a->slots[i];
        struct node_state *n = &a->nodes[s->node];
        uint32_t *p = &a->buckets[bucket_of(a, s->serial, s->ms, s->node_hash)];

        while (*p != i)
                p = &a->slots[*p].hnext;
        *p = s->hnext;
        list_remove(a, &a->head, &a->tail, offsetof(struct slot, all), i);
        list_remove(a, &n->head, &n->tail, offsetof(struct slot, by_node), i);
        n->n_pending--;
        if (a->last == i)
                a->last = NONE;
        a->n_pending--;
        a->pending_bytes -= s->mem;
}

/* The memory a slot holds: its buffers as allocated, not as filled. */
static size_t slot_buffers(const struct slot *s)
{
        return s->bytes.cap + s->cap_fields * sizeof(*s->fields) + s->cap_recs * sizeof(*s->recs);
}

static size_t slot_mem(const struct slot *s)
{
        return sizeof(*s) + slot_buffers(s);
}

static void release_slot(struct audit_assembler *a, uint32_t i)
{
        struct slot *s = &a->slots[i];
        size_t kept = slot_buffers(s);

        /* Buffers kept for the next event, within a budget for all free slots. */
        if (kept > SLOT_KEEP_BYTES || a->idle_bytes + kept > IDLE_KEEP_BYTES) {
                buf_release(&s->bytes);
                free(s->fields);
                free(s->recs);
                s->fields = NULL;
                s->recs = NULL;
                s->cap_fields = s->cap_recs = 0;
                kept = 0;
        } else
                buf_reset(&s->bytes);
        s->kept = kept;
        a->idle_bytes += kept;
        s->n_fields = s->n_recs = s->n_seen = 0;
        s->all.next = a->free_head;
        a->free_head = i;
}

static bool recently_emitted(const struct audit_assembler *a, const struct node_state *n, uint64_t serial,
                             uint64_t ms, uint64_t nh)
{
        size_t i;

        for (i = 0; i < NODE_DONE && i < n->n_done; i++)
                if (n->done[i][0] == serial && n->done[i][1] == ms)
                        return true;
        for (i = 0; i < a->ring_n; i++)
                if (a->ring[i].serial == serial && a->ring[i].ms == ms && a->ring[i].node_hash == nh)
                        return true;
        return false;
}

/* ---- nodes ---- */

static void node_index_insert(struct audit_assembler *a, uint32_t k)
{
        size_t mask = a->n_node_index - 1, h = (size_t) mix(a->nodes[k].hash) & mask;

        while (a->node_index[h] != NONE)
                h = (h + 1) & mask;
        a->node_index[h] = k;
}

/* Makes room for one more node: forgets the nodes without incomplete events
 * once NODES_KEPT (or twice those with some) are known, else grows the table. */
static int node_room(struct audit_assembler *a)
{
        uint32_t cap = a->cap_nodes, k, n = 0, *map = NULL;
        size_t ni, i;

        if (a->n_nodes < cap)
                return 0;
        if (cap >= NODES_KEPT) {
                for (k = 0; k < a->n_nodes; k++)
                        n += a->nodes[k].n_pending > 0;
                if ((size_t) n * 2 <= cap) {
                        /* Renumber the busy nodes in place, and their slots. */
                        map = malloc(a->n_nodes * sizeof(*map));
                        if (!map)
                                return -ENOMEM;
                        for (k = 0, n = 0; k < a->n_nodes; k++)
                                if (a->nodes[k].n_pending > 0) {
                                        map[k] = n;
                                        a->nodes[n++] = a->nodes[k];
                                }
                        for (k = a->head; k != NONE; k = a->slots[k].all.next)
                                a->slots[k].node = map[a->slots[k].node];
                        free(map);
                        a->n_nodes = n;
                        for (i = 0; i < a->n_node_index; i++)
                                a->node_index[i] = NONE;
                        for (k = 0; k < n; k++)
                                node_index_insert(a, k);
                        return 0;
                }
        }
        cap = cap ? 2 * cap : 64;
        for (ni = 16; ni < 2 * (size_t) cap; ni *= 2)
                ;
        {
                struct node_state *nodes = realloc(a->nodes, cap * sizeof(*nodes));
                uint32_t *index;

                if (!nodes)
                        return -ENOMEM;
                a->nodes = nodes;
                index = malloc(ni * sizeof(*index));
                if (!index)
                        return -ENOMEM;
                free(a->node_index);
                a->node_index = index;
        }
        a->cap_nodes = cap;
        a->n_node_index = ni;
        for (i = 0; i < ni; i++)
                a->node_index[i] = NONE;
        for (k = 0; k < a->n_nodes; k++)
                node_index_insert(a, k);
        return 0;
}

/* The number of the node with hash nh, added when new. */
static int node_get(struct audit_assembler *a, uint64_t nh, uint32_t *ret)
{
        size_t mask, h;
        uint32_t k;
        int r;

        if (a->n_nodes) {
                mask = a->n_node_index - 1;
                for (h = (size_t) mix(nh) & mask; (k = a->node_index[h]) != NONE; h = (h + 1) & mask)
                        if (a->nodes[k].hash == nh) {
                                *ret = k;
                                return 0;
                        }
        }
        r = node_room(a);
        if (r < 0)
                return r;
        k = a->n_nodes++;
        a->nodes[k] = (struct node_state) { .hash = nh, .head = NONE, .tail = NONE };
        node_index_insert(a, k);
        *ret = k;
        return 0;
}

/* Serial bookkeeping for a new event: records of an event already complete,
 * gaps, resets, and late events filling the gap an earlier event recorded. */
static void track_serial(struct audit_assembler *a, struct slot *s)
{
        uint64_t reset_distance = 4 * a->lim.window_events + 1024;
        struct node_state *n = &a->nodes[s->node];
        uint32_t i;

        if (!n->tracked) {
                n->tracked = true;
                n->high = s->serial;
                return;
        }
        /* Only an old serial can belong to a completed event: the common case
         * (a new highest serial) skips the search. */
        if (s->serial <= n->high && recently_emitted(a, n, s->serial, s->ms, s->node_hash)) {
                s->quality |= AUDIT_Q_SPLIT;
                a->stats.split_events++;
                return;
        }
        if (s->serial > n->high) {
                if (s->serial - n->high > 1) {
                        s->gap_first = n->high + 1;
                        s->gap_missing = s->serial - n->high - 1;
                }
                n->high = s->serial;
                return;
        }
        if (n->high - s->serial > reset_distance) {
                s->quality |= AUDIT_Q_SERIAL_RESET;
                n->high = s->serial;
                return;
        }
        /* A late event: it fills part of a gap some incomplete event of its
         * node noted. */
        for (i = n->head; i != NONE; i = a->slots[i].by_node.next) {
                struct slot *o = &a->slots[i];

                if (o != s && o->gap_missing && s->serial >= o->gap_first && s->serial < o->serial) {
                        o->gap_missing--;
                        break;
                }
        }
}

/* Begins an event of node number node in a free slot: *ret. */
static int new_slot(struct audit_assembler *a, const struct audit_record *r, uint64_t nh, uint64_t ms,
                    uint32_t node, uint32_t *ret)
{
        struct node_state *n = &a->nodes[node];
        struct slot *s;
        uint32_t i;
        size_t b;
        int k;

        k = more_slots(a);
        if (k < 0)
                return k;
        i = a->free_head;
        s = &a->slots[i];
        buf_reset(&s->bytes);
        k = buf_append(&s->bytes, r->line + r->node, r->node_len > 255 ? 255 : r->node_len);
        if (k < 0)
                return k;       /* the slot stays free */
        a->free_head = s->all.next;
        a->idle_bytes -= s->kept;
        s->kept = 0;
        s->serial = r->serial;
        s->sec = r->sec;
        s->msec = r->msec;
        s->ms = ms;
        s->node_hash = nh;
        s->node_len = r->node_len > 255 ? 255 : r->node_len;
        s->quality = s->malformed_before = s->gap_first = s->gap_missing = 0;
        s->cost = 0;
        s->mem = slot_mem(s);

        b = bucket_of(a, s->serial, ms, nh);
        s->hnext = a->buckets[b];
        a->buckets[b] = i;
        list_append(a, &a->head, &a->tail, offsetof(struct slot, all), i);
        s->node = node;
        list_append(a, &n->head, &n->tail, offsetof(struct slot, by_node), i);
        n->n_pending++;
        a->n_pending++;
        a->pending_bytes += s->mem;

        if (a->malformed_pending) {
                s->quality |= AUDIT_Q_MALFORMED_SKIPPED;
                s->malformed_before = a->malformed_pending;
                a->malformed_pending = 0;
        }
        /* DAEMON_* records (1200-1299) are auditd's own, numbered by auditd, not
         * the kernel: they are not part of the kernel's serial sequence. */
        if (r->type < 1200 || r->type > 1299)
                track_serial(a, s);
        *ret = i;
        return 0;
}


static int grow(void **p, size_t *cap, size_t need, size_t size)
{
        size_t c = *cap ? *cap : 16;
        void *q;

        if (need <= *cap)
                return 0;
        while (c < need)
                c *= 2;
        q = realloc(*p, c * size);
        if (!q)
                return -ENOMEM;
        *p = q;
        *cap = c;
        return 0;
}

/* Keeps a record in its event's slot, or counts it as dropped past a limit. */
static int store_record(struct audit_assembler *a, uint32_t i, const struct audit_record *r, unsigned line_flags)
{
        struct slot *s = &a->slots[i];
        size_t cost = r->len + r->n_fields * sizeof(struct audit_field) + sizeof(struct stored_record);
        struct stored_record *sr;
        int k;

        s->n_seen++;
        s->touched_ms = a->newest_ms;
        s->wall_ms = UNSTAMPED;
        a->fed_since_tick = true;
        if (s->n_recs >= a->lim.max_records || s->cost + cost > a->lim.max_event_bytes) {
                s->quality |= AUDIT_Q_RECORDS_DROPPED;
                a->stats.dropped_records++;
                return 0;
        }
        k = grow((void **) &s->recs, &s->cap_recs, s->n_recs + 1, sizeof(*s->recs));
        if (k < 0)
                return k;
        k = grow((void **) &s->fields, &s->cap_fields, s->n_fields + r->n_fields, sizeof(*s->fields));
        if (k < 0)
                return k;
        sr = &s->recs[s->n_recs];
        *sr = (struct stored_record) {
                .line = (uint32_t) s->bytes.len,
                .len = (uint32_t) r->len,
                .field = (uint32_t) s->n_fields,
                .n_fields = (uint32_t) r->n_fields,
                .type_name = r->type_name,
                .type_len = r->type_len,
                .type = r->type,
                .flags = (uint16_t) r->flags,
                .truncated = !!(line_flags & LINE_TRUNCATED),
        };
        k = buf_append(&s->bytes, r->line, r->len);
        if (k < 0)
                return k;
        if (r->n_fields)
                memcpy(s->fields + s->n_fields, r->fields, r->n_fields * sizeof(*r->fields));
        s->n_fields += r->n_fields;
        s->n_recs++;
        s->cost += cost;
        a->pending_bytes += slot_mem(s) - s->mem;    /* buffers only grow while pending */
        s->mem = slot_mem(s);
        return 0;
}

static int build_event(struct audit_assembler *a, const struct slot *s, struct audit_event *ev)
{
        struct audit_event_record *recs;
        size_t i;

        *ev = (struct audit_event) {
                .node = { s->node_len ? s->bytes.data : NULL, s->node_len },
                .sec = s->sec,
                .msec = s->msec,
                .serial = s->serial,
                .n_records = s->n_recs,
                .n_records_seen = s->n_seen,
                .execve_argc = -1,
                .quality = s->quality,
                .malformed_before = s->malformed_before,
                .gap_first = s->gap_missing ? s->gap_first : 0,
                .gap_missing = s->gap_missing,
        };
        if (s->gap_missing) {
                ev->quality |= AUDIT_Q_SEQUENCE_GAP;
                a->stats.gaps++;
                a->stats.missing_serials += s->gap_missing;
        }
        recs = arena_alloc(&a->scratch, (s->n_recs ? s->n_recs : 1) * sizeof(*recs));
        if (!recs)
                return -ENOMEM;
        for (i = 0; i < s->n_recs; i++) {
                const struct stored_record *sr = &s->recs[i];
                const char *line = s->bytes.data + sr->line;

                recs[i] = (struct audit_event_record) {
                        .type = sr->type,
                        .flags = sr->flags,
                        .truncated = sr->truncated,
                        .type_name = { line + sr->type_name, sr->type_len },
                        .line = line,
                        .len = sr->len,
                        .fields = sr->n_fields ? s->fields + sr->field : NULL,
                        .n_fields = sr->n_fields,
                };
                if (sr->truncated || (sr->flags & AUDIT_RECORD_UNTERMINATED))
                        ev->quality |= AUDIT_Q_RECORD_TRUNCATED |
                                       (sr->type == AUDIT_TYPE_EXECVE ? AUDIT_Q_EXECVE_TRUNCATED : 0);
                if (sr->flags & AUDIT_RECORD_FIELDS_TRUNCATED)
                        ev->quality |= AUDIT_Q_FIELDS_TRUNCATED;
        }
        ev->records = recs;
        if (s->n_recs) {
                ev->type = recs[0].type;
                ev->type_name = recs[0].type_name;
        }
        return audit_event_derive(&(struct audit_derive) { &a->scratch, &a->arg, a->lim.max_argc }, ev);
}

/* Completes the event in slot i: unlinks it, calls back, recycles the slot. */
static int emit(struct audit_assembler *a, uint32_t i, uint64_t extra_quality)
{
        struct slot *s = &a->slots[i];
        struct node_state *n;
        struct audit_event ev;
        int r;

        unlink_slot(a, i);
        n = &a->nodes[s->node];
        n->done[n->n_done++ % NODE_DONE][0] = s->serial;
        n->done[(n->n_done - 1) % NODE_DONE][1] = s->ms;
        a->ring[a->ring_pos] = (struct emitted_key) { s->serial, s->ms, s->node_hash };
        a->ring_pos = (a->ring_pos + 1) % a->ring_size;
        if (a->ring_n < a->ring_size)
                a->ring_n++;
        s->quality |= extra_quality;

        r = build_event(a, s, &ev);
        if (r >= 0 && a->fn)
                r = a->fn(&ev, a->userdata);
        a->stats.events++;
        release_slot(a, i);
        arena_reset(&a->scratch);
        return r;
}

/* Completes events the stream's time has moved past. */
static int expire(struct audit_assembler *a)
{
        int r;

        while (a->lim.window_ms && a->head != NONE &&
               a->newest_ms - a->slots[a->head].touched_ms > a->lim.window_ms) {
                r = emit(a, a->head, 0);
                if (r < 0)
                        return r;
        }
        return 0;
}

int audit_assembler_tick(struct audit_assembler *a, uint64_t now_ms)
{
        uint64_t due = UINT64_MAX;
        uint32_t i, next;
        int r;

        if (!a->lim.window_ms || (!a->fed_since_tick && now_ms < a->tick_due && now_ms >= a->tick_last))
                return 0;
        a->fed_since_tick = false;
        a->tick_last = now_ms;
        for (i = a->head; i != NONE; i = next) {
                struct slot *s = &a->slots[i];

                next = s->all.next;     /* emit() recycles the slot */
                /* A record that arrived since the last tick is taken to have
                 * arrived now: late by at most one tick, never early. A clock
                 * that went back restarts the wait. */
                if (s->wall_ms == UNSTAMPED || s->wall_ms > now_ms)
                        s->wall_ms = now_ms;
                if (now_ms - s->wall_ms >= a->lim.window_ms) {
                        r = emit(a, i, 0);
                        if (r < 0) {
                                a->fed_since_tick = true;       /* look at the rest next time */
                                return r;
                        }
                        continue;
                }
                if (s->wall_ms < due - a->lim.window_ms)
                        due = s->wall_ms + a->lim.window_ms;
        }
        a->tick_due = due;
        return 0;
}

static bool blank_or_comment(struct audit_assembler *a, const char *line, size_t len)
{
        size_t i = 0;

        while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
                i++;
        if (i == len) {
                a->stats.blank++;
                return true;
        }
        if (line[i] == '#') {
                a->stats.comments++;
                return true;
        }
        return false;
}


/* Over max_pending_bytes: completes the oldest events. Each node's window
 * shrinks so; an event with fewer than MIN_WINDOW newer events of its node
 * still incomplete is completed early and flagged. */
static int relieve(struct audit_assembler *a)
{
        size_t min_window = a->lim.window_events < MIN_WINDOW ? a->lim.window_events : MIN_WINDOW;
        int r;

        while (a->pending_bytes > a->lim.max_pending_bytes && a->head != NONE) {
                /* The oldest of all is the oldest of its node too. */
                bool early = a->nodes[a->slots[a->head].node].n_pending - 1 < min_window;

                if (early)
                        a->stats.early_events++;
                r = emit(a, a->head, early ? AUDIT_Q_EARLY : 0);
                if (r < 0)
                        return r;
        }
        return 0;
}

int audit_assembler_feed(struct audit_assembler *a, const char *line, size_t len, unsigned line_flags)
{
        struct audit_record *rec = &a->rec;
        uint64_t nh, ms;
        uint32_t i, node;
        int r;

        a->stats.lines++;
        if (line_flags & LINE_TRUNCATED)
                a->stats.truncated_lines++;
        if (blank_or_comment(a, line, len))
                return 0;
        if (audit_record_parse(line, len, rec) < 0) {
                a->stats.malformed++;
                a->malformed_pending++;
                return 0;
        }
        a->stats.records++;
        nh = hash_bytes(line + rec->node, rec->node_len > 255 ? 255 : rec->node_len);
        ms = audit_ms(rec->sec, rec->msec);
        if (ms > a->newest_ms)
                a->newest_ms = ms;

        i = find_slot(a, rec, nh, ms);
        if (i == NONE) {
                if (rec->type == AUDIT_TYPE_EOE)
                        return 0;       /* the end of an event already complete */
                r = expire(a);
                if (r < 0)
                        return r;
                r = node_get(a, nh, &node);
                if (r < 0)
                        return r;
                /* The window counts the events of one node: an aggregated log
                 * interleaves the events of many. */
                if (a->nodes[node].n_pending >= a->lim.window_events) {
                        r = emit(a, a->nodes[node].head, 0);
                        if (r < 0)
                                return r;
                }
                r = new_slot(a, rec, nh, ms, node, &i);
                if (r < 0)
                        return r;
        }
        a->last = i;
        if (rec->type == AUDIT_TYPE_EOE)
                return emit(a, i, 0);
        r = store_record(a, i, rec, line_flags);
        if (r < 0)
                return r;
        return relieve(a);
}


int audit_assembler_flush(struct audit_assembler *a)
{
        int r;

        while (a->head != NONE) {
                r = emit(a, a->head, 0);
                if (r < 0)
                        return r;
        }
        return 0;
}
