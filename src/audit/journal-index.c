/* The journal's units and deployment messages by pid and time, for offline
 * audit analytics; see journal-index.h.
 *
 * Message shapes (the writers' sources are cited in journal/analyze.c):
 * rpm-ostree's MESSAGE_ID 9bddbda177cd44d891b1b561a8a0ce9e with
 * DEPLOYMENT_REFSPEC; bootc's, logged through tracing-journald (fields
 * prefixed F_, dots made underscores): the switch,
 * 7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1 with bootc.new_image_reference (composefs:
 * bootc.target_image), and the staging, 8f7a2b1c3d4e5f6a7b8c9d0e1f2a3b4c with
 * bootc.image.reference. */
#define _GNU_SOURCE
#include "journal-index.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/arena.h"
#include "basic/hash.h"
#include "parse/cgroup-unit.h"

#define PID_MAX ((int64_t) 1 << 22)     /* the kernel's PID_MAX_LIMIT */
#define BOOT_ID_LEN 32

/* Entries of one pid in one unit and boot, none more than the window after
 * the one before. */
struct run {
        uint64_t first_us, last_us;
        int32_t pid;
        uint16_t unit;                  /* units[unit] */
        uint16_t boot;                  /* boots[boot - 1]; 0: no _BOOT_ID */
};

struct boot {
        char id[BOOT_ID_LEN + 1];
        uint64_t first_us, last_us;
};

struct journal_index {
        struct journal_index_stats stats;
        bool sealed;
        struct arena strings;           /* unit names, images */

        struct run *runs;
        size_t n_runs, runs_cap;
        /* While adding: pid -> 1 + the index of its latest run (open addressing). */
        uint32_t *open;
        size_t open_cap;

        const char *units[JOURNAL_INDEX_UNITS_MAX];
        uint64_t unit_hash[JOURNAL_INDEX_UNITS_MAX];
        uint16_t unit_slots[2 * JOURNAL_INDEX_UNITS_MAX];      /* 1 + unit index; 0: free */
        size_t n_units;

        struct boot boots[JOURNAL_INDEX_BOOTS_MAX];
        size_t n_boots, last_boot;

        struct journal_deployment *deployments;
        size_t n_deployments;
};

int journal_index_new(struct journal_index **ret)
{
        struct journal_index *x = calloc(1, sizeof(*x));

        if (!x)
                return -ENOMEM;
        arena_init(&x->strings);
        *ret = x;
        return 0;
}

void journal_index_free(struct journal_index *x)
{
        if (!x)
                return;
        arena_release(&x->strings);
        free(x->runs);
        free(x->open);
        free(x->deployments);
        free(x);
}

const struct journal_index_stats *journal_index_stats(const struct journal_index *x)
{
        return &x->stats;
}

static void dropped(struct journal_index *x, uint64_t us)
{
        if (!x->stats.dropped)
                x->stats.dropped_first_us = us;
        x->stats.dropped++;
}

/* A decimal pid in (0, PID_MAX], or -1. */
static int64_t parse_pid(const char *s)
{
        int64_t v = 0;

        if (!s || !*s)
                return -1;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return -1;
                v = v * 10 + (*s - '0');
                if (v > PID_MAX)
                        return -1;
        }
        return v > 0 ? v : -1;
}

/* The unit an entry was logged from, into unit; false: none. */
static bool entry_unit(const struct journal_entry *e, char unit[CGROUP_UNIT_MAX])
{
        static const char *const fields[] = { "_SYSTEMD_USER_UNIT", "_SYSTEMD_UNIT" };
        size_t len, i;
        const char *v = journal_entry_get(e, "_SYSTEMD_CGROUP", &len);

        /* The cgroup's last unit, as live resolution reads it from /proc. */
        if (v && cgroup_unit_of_path(v, len, unit) > 0)
                return true;
        for (i = 0; i < ARRAY_SIZE(fields); i++) {
                v = journal_entry_get(e, fields[i], &len);
                /* One component that is a unit name, nothing else. */
                if (v && len && !memchr(v, '/', len) && cgroup_unit_of_path(v, len, unit) > 0 &&
                    strlen(unit) == len)
                        return true;
        }
        return false;
}

/* The index of unit among the interned names, added when new; -E2BIG: full. */
static int intern_unit(struct journal_index *x, const char *unit)
{
        size_t len = strlen(unit), k, mask = ARRAY_SIZE(x->unit_slots) - 1;
        uint64_t h = hash_bytes(unit, len);
        char *copy;

        for (k = h & mask; x->unit_slots[k]; k = (k + 1) & mask) {
                size_t i = x->unit_slots[k] - 1u;

                if (x->unit_hash[i] == h && strcmp(x->units[i], unit) == 0)
                        return (int) i;
        }
        if (x->n_units >= JOURNAL_INDEX_UNITS_MAX)
                return -E2BIG;
        copy = arena_strndup(&x->strings, unit, len);
        if (!copy)
                return -ENOMEM;
        x->units[x->n_units] = copy;
        x->unit_hash[x->n_units] = h;
        x->unit_slots[k] = (uint16_t) (x->n_units + 1);
        return (int) x->n_units++;
}

/* 1 + the index of the entry's boot, added when new; 0: none, or no room. */
static uint16_t boot_of(struct journal_index *x, const struct journal_entry *e)
{
        size_t len, i;
        const char *v = journal_entry_get(e, "_BOOT_ID", &len);
        struct boot *b;

        if (!v || len != BOOT_ID_LEN)
                return 0;
        if (x->last_boot && memcmp(x->boots[x->last_boot - 1].id, v, BOOT_ID_LEN) == 0)
                i = x->last_boot - 1;
        else {
                for (i = 0; i < x->n_boots; i++)
                        if (memcmp(x->boots[i].id, v, BOOT_ID_LEN) == 0)
                                break;
                if (i == x->n_boots) {
                        if (x->n_boots >= JOURNAL_INDEX_BOOTS_MAX)
                                return 0;
                        b = &x->boots[x->n_boots++];
                        memcpy(b->id, v, BOOT_ID_LEN);
                        b->first_us = b->last_us = e->realtime_us;
                }
        }
        b = &x->boots[i];
        if (e->realtime_us < b->first_us)
                b->first_us = e->realtime_us;
        if (e->realtime_us > b->last_us)
                b->last_us = e->realtime_us;
        x->last_boot = i + 1;
        return (uint16_t) (i + 1);
}

static size_t pid_slot(const struct journal_index *x, int64_t pid)
{
        size_t mask = x->open_cap - 1, k;

        for (k = ((uint64_t) pid * 0x9e3779b97f4a7c15ULL >> 20) & mask; x->open[k]; k = (k + 1) & mask)
                if (x->runs[x->open[k] - 1].pid == pid)
                        break;
        return k;
}

/* Room for one more run, and for its pid in the open table. */
static int grow(struct journal_index *x)
{
        if (x->n_runs == x->runs_cap) {
                size_t cap = x->runs_cap ? x->runs_cap * 2 : 1024;
                struct run *r;

                if (cap > JOURNAL_INDEX_RUNS_MAX)
                        cap = JOURNAL_INDEX_RUNS_MAX;
                r = reallocarray(x->runs, cap, sizeof(*r));
                if (!r)
                        return -ENOMEM;
                x->runs = r;
                x->runs_cap = cap;
        }
        if ((x->n_runs + 1) * 2 > x->open_cap) {
                size_t cap = x->open_cap ? x->open_cap * 2 : 2048, old = x->open_cap, i;
                uint32_t *prev = x->open;

                x->open = calloc(cap, sizeof(*x->open));
                if (!x->open) {
                        x->open = prev;
                        return -ENOMEM;
                }
                x->open_cap = cap;
                for (i = 0; i < old; i++)
                        if (prev[i])
                                x->open[pid_slot(x, x->runs[prev[i] - 1].pid)] = prev[i];
                free(prev);
        }
        return 0;
}

static int add_run(struct journal_index *x, int64_t pid, uint64_t us, const char *unit, uint16_t boot)
{
        size_t slot;
        struct run *r;
        int u, k;

        if (x->open_cap) {
                slot = pid_slot(x, pid);
                if (x->open[slot]) {
                        r = &x->runs[x->open[slot] - 1];
                        if (strcmp(x->units[r->unit], unit) == 0 && r->boot == boot && us >= r->last_us &&
                            us - r->last_us <= JOURNAL_INDEX_WINDOW_US) {
                                r->last_us = us;
                                return 0;
                        }
                }
        }
        if (x->n_runs >= JOURNAL_INDEX_RUNS_MAX) {
                dropped(x, us);
                return 0;
        }
        u = intern_unit(x, unit);
        if (u == -E2BIG) {
                dropped(x, us);
                return 0;
        }
        if (u < 0)
                return u;
        k = grow(x);
        if (k < 0)
                return k;
        x->runs[x->n_runs] = (struct run) { .first_us = us, .last_us = us, .pid = (int32_t) pid,
                                            .unit = (uint16_t) u, .boot = boot };
        x->open[pid_slot(x, pid)] = (uint32_t) ++x->n_runs;
        x->stats.runs = x->n_runs;
        return 0;
}

static bool message_id_is(const struct journal_entry *e, const char *id)
{
        const char *v = journal_entry_str(e, "MESSAGE_ID");

        if (!v)
                v = journal_entry_str(e, "F_MESSAGE_ID");
        return v && strcmp(v, id) == 0;
}

/* The deployment message an entry is: its kind and image field, or false. */
static bool deployment_of(const struct journal_entry *e, enum journal_deployment_kind *ret_kind,
                          const char **ret_image)
{
        const char *image;

        if (message_id_is(e, "7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1")) {
                image = journal_entry_str(e, "F_BOOTC_NEW_IMAGE_REFERENCE");
                *ret_image = image ? image : journal_entry_str(e, "F_BOOTC_TARGET_IMAGE");
                *ret_kind = JOURNAL_DEPLOYMENT_BOOTC_SWITCH;
        } else if (message_id_is(e, "8f7a2b1c3d4e5f6a7b8c9d0e1f2a3b4c")) {
                *ret_image = journal_entry_str(e, "F_BOOTC_IMAGE_REFERENCE");
                *ret_kind = JOURNAL_DEPLOYMENT_BOOTC_STAGE;
        } else if (message_id_is(e, "9bddbda177cd44d891b1b561a8a0ce9e")) {
                *ret_image = journal_entry_str(e, "DEPLOYMENT_REFSPEC");
                *ret_kind = JOURNAL_DEPLOYMENT_RPM_OSTREE;
        } else
                return false;
        return *ret_image && **ret_image;
}

static int add_deployment(struct journal_index *x, const struct journal_entry *e, int64_t pid, const char *unit)
{
        enum journal_deployment_kind kind;
        struct journal_deployment *d;
        const char *image;
        size_t len;

        if (!deployment_of(e, &kind, &image))
                return 0;
        len = strlen(image);
        if (len > JOURNAL_INDEX_IMAGE_MAX || x->n_deployments >= JOURNAL_INDEX_DEPLOYMENTS_MAX) {
                dropped(x, e->realtime_us);
                return 0;
        }
        if (!x->deployments) {
                x->deployments = calloc(JOURNAL_INDEX_DEPLOYMENTS_MAX, sizeof(*x->deployments));
                if (!x->deployments)
                        return -ENOMEM;
        }
        d = &x->deployments[x->n_deployments];
        *d = (struct journal_deployment) { .pid = pid, .us = e->realtime_us, .kind = kind };
        d->image = arena_strndup(&x->strings, image, len);
        if (unit)
                d->unit = arena_strndup(&x->strings, unit, strlen(unit));
        if (!d->image || (unit && !d->unit))
                return -ENOMEM;
        x->stats.deployments = ++x->n_deployments;
        return 0;
}

int journal_index_add(struct journal_index *x, const struct journal_entry *e)
{
        char unit[CGROUP_UNIT_MAX];
        bool has_unit;
        uint16_t boot;
        int64_t pid;
        int r;

        if (x->sealed)
                return 0;
        x->stats.entries++;
        pid = parse_pid(journal_entry_str(e, "_PID"));
        if (pid < 0 || !e->has_realtime)
                return 0;
        boot = boot_of(x, e);
        has_unit = entry_unit(e, unit);
        r = add_deployment(x, e, pid, has_unit ? unit : NULL);
        if (r < 0 || !has_unit)
                return r;
        x->stats.with_unit++;
        return add_run(x, pid, e->realtime_us, unit, boot);
}

static int run_cmp(const void *a, const void *b)
{
        const struct run *x = a, *y = b;

        if (x->pid != y->pid)
                return x->pid < y->pid ? -1 : 1;
        return x->first_us < y->first_us ? -1 : x->first_us > y->first_us;
}

void journal_index_seal(struct journal_index *x)
{
        if (x->sealed)
                return;
        x->sealed = true;
        free(x->open);
        x->open = NULL;
        x->open_cap = 0;
        if (x->n_runs)
                qsort(x->runs, x->n_runs, sizeof(*x->runs), run_cmp);
}

/* 1 + the boot whose time range holds us when exactly one does; 0: unknown. */
static uint16_t boot_at(const struct journal_index *x, uint64_t us)
{
        size_t i, found = 0;

        for (i = 0; i < x->n_boots; i++)
                if (x->boots[i].first_us <= us && us <= x->boots[i].last_us) {
                        if (found)
                                return 0;
                        found = i + 1;
                }
        return (uint16_t) found;
}

const char *journal_index_unit(const struct journal_index *x, int64_t pid, uint64_t us, uint64_t window_us)
{
        const struct run *best = NULL;
        uint64_t best_distance = 0, distance;
        size_t lo = 0, hi = x->n_runs, i;
        uint16_t boot;

        if (!x->sealed || pid <= 0 || pid > PID_MAX)
                return NULL;
        while (lo < hi) {               /* the first run of pid */
                size_t mid = lo + (hi - lo) / 2;

                if (x->runs[mid].pid < pid)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        boot = boot_at(x, us);
        for (i = lo; i < x->n_runs && x->runs[i].pid == pid; i++) {
                const struct run *r = &x->runs[i];

                if (boot && r->boot && r->boot != boot)
                        continue;       /* the same pid in another boot */
                distance = us < r->first_us ? r->first_us - us : us > r->last_us ? us - r->last_us : 0;
                if (distance <= window_us && (!best || distance < best_distance))
                        best = r, best_distance = distance;
        }
        return best ? x->units[best->unit] : NULL;
}

const struct journal_deployment *journal_index_deployment(const struct journal_index *x, int64_t pid,
                                                          uint64_t from_us, uint64_t to_us)
{
        const struct journal_deployment *best = NULL;
        size_t i;

        for (i = 0; i < x->n_deployments; i++) {
                const struct journal_deployment *d = &x->deployments[i];

                if (d->pid != pid || d->us < from_us || d->us > to_us)
                        continue;
                if (!best || d->kind > best->kind || (d->kind == best->kind && d->us >= best->us))
                        best = d;
        }
        return best;
}
