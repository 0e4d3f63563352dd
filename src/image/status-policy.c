/* Status policy and change-ticket files; see status-policy.h.
 *
 * Both formats are lines of whitespace-separated words, '#' starting a
 * comment line:
 *
 *   policy:   minimum-version = 9.6.20250801.0
 *             minimum-timestamp = 2025-08-01T00:00:00Z
 *             allowed-digest = sha256:...            (repeatable)
 *             maintenance-window = Sat,Sun 02:00-06:00 +01:00  (repeatable)
 *             maintenance-window = Mon-Fri 22:00-01:30 Europe/Berlin
 *   tickets:  CHG-1234 sha256:... 2026-11-20T00:00:00Z 2026-11-27T00:00:00Z
 */
#define _GNU_SOURCE
#include "status-policy.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "basic/escape.h"
#include "basic/fd-util.h"
#include "basic/time-util.h"

#define MAX_WORDS 8

/* One line split into words (NUL-terminated copies in a scratch buffer). */
struct line {
        unsigned no;
        char *word[MAX_WORDS];
        size_t n;
        char text[HOST_STATUS_MAX_STRING + 1];
};

struct reader {
        const char *p, *end;
        unsigned no;
        char *error;
};

static int fail(struct reader *rd, int r, const char *fmt, ...) _printf_(3, 4);
static int fail(struct reader *rd, int r, const char *fmt, ...)
{
        _cleanup_(freep) char *msg = NULL;
        va_list ap;
        int q;

        /* Values from the input appear in reasons: escaped, one line. */
        va_start(ap, fmt);
        q = escape_message(&msg, 160, fmt, ap);
        va_end(ap);
        if (q < 0)
                return q;
        free(rd->error);
        /* Line 0: about the file as a whole. */
        if ((rd->no ? asprintf(&rd->error, "line %u: %s", rd->no, msg) : asprintf(&rd->error, "%s", msg)) < 0)
                rd->error = NULL;
        return r;
}

/* The next line that is not blank or a comment: 1, 0 at the end, or -errno. */
static int next_line(struct reader *rd, struct line *l)
{
        while (rd->p < rd->end) {
                const char *nl = memchr(rd->p, '\n', (size_t) (rd->end - rd->p));
                size_t n = (size_t) ((nl ? nl : rd->end) - rd->p), i;
                char *w, *save = NULL;

                rd->no++;
                if (n > HOST_STATUS_MAX_STRING)
                        return fail(rd, -E2BIG, "longer than %d bytes", HOST_STATUS_MAX_STRING);
                memcpy(l->text, rd->p, n);
                l->text[n] = '\0';
                rd->p += n + (nl != NULL);
                if (n && l->text[n - 1] == '\r')
                        l->text[--n] = '\0';
                for (i = 0; i < n; i++)
                        if ((unsigned char) l->text[i] < 0x20 && l->text[i] != '\t')
                                return fail(rd, -EBADMSG, "control character 0x%02x", (unsigned) l->text[i]);
                l->no = rd->no;
                l->n = 0;
                for (w = strtok_r(l->text, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
                        if (l->n == 0 && w[0] == '#')
                                break;
                        if (l->n == MAX_WORDS)
                                return fail(rd, -EBADMSG, "too many words");
                        l->word[l->n++] = w;
                }
                if (l->n > 0)
                        return 1;
        }
        return 0;
}

static void reader_init(struct reader *rd, const char *buf, size_t len)
{
        *rd = (struct reader) { .p = buf, .end = buf + len };
}

/* Common start of both parsers: size limit and NUL bytes. */
static int check_text(struct reader *rd, const char *buf, size_t len)
{
        if (len > STATUS_POLICY_MAX_BYTES)
                return fail(rd, -E2BIG, "larger than %zu KiB", STATUS_POLICY_MAX_BYTES >> 10);
        if (memchr(buf, '\0', len))
                return fail(rd, -EBADMSG, "NUL byte: not a text file");
        return 0;
}

static int parse_time(struct reader *rd, const char *s, int64_t *ret)
{
        if (rfc3339_parse(s, strlen(s), ret) < 0)
                return fail(rd, -EBADMSG, "'%.40s' is not an RFC 3339 time", s);
        return 0;
}

struct status_policy *status_policy_free(struct status_policy *p)
{
        if (p) {
                free(p->allowed);
                free(p->windows);
                arena_release(&p->arena);
                free(p);
        }
        return NULL;
}

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

static const char *const day_names[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

static int day_index(const char *s, size_t n)
{
        for (int i = 0; i < 7; i++)
                if (n == 3 && strncasecmp(s, day_names[i], 3) == 0)
                        return i;
        return -1;
}

/* "Mon-Fri", "Sat,Sun", "*": the days as bits. */
static int parse_days(struct reader *rd, const char *s, unsigned *ret)
{
        unsigned days = 0;

        if (strcmp(s, "*") == 0) {
                *ret = 0x7f;
                return 0;
        }
        for (const char *p = s; *p;) {
                size_t n = strcspn(p, ",");
                const char *dash = memchr(p, '-', n);
                int a = day_index(p, dash ? (size_t) (dash - p) : n), b = dash ? day_index(dash + 1, n - (size_t) (dash + 1 - p)) : a;

                if (a < 0 || b < 0)
                        return fail(rd, -EBADMSG, "'%.40s' is not a list of days (Mon-Fri, Sat,Sun or *)", s);
                for (int d = a;; d = (d + 1) % 7) {
                        days |= 1u << d;
                        if (d == b)
                                break;
                }
                p += n + (p[n] == ',');
        }
        *ret = days;
        return 0;
}

static bool parse_hhmm(const char *s, size_t n, int *ret)
{
        if (n != 5 || s[2] != ':' || !strchr("012", s[0]) || !is_digit(s[1]) || !strchr("012345", s[3]) ||
            !is_digit(s[4]))
                return false;
        *ret = ((s[0] - '0') * 10 + (s[1] - '0')) * 60 + (s[3] - '0') * 10 + (s[4] - '0');
        return *ret <= 24 * 60;
}

/* Whether name is a zone of the tz database here: a relative name of
 * letters, digits and "/_+-" (no "." or ".." step) naming a TZif file under
 * STATUS_ZONEINFO_DIR. Unknown names are refused rather than left to glibc,
 * which silently reads an unknown TZ as UTC. */
static bool zone_known(const char *name)
{
        char path[sizeof(STATUS_ZONEINFO_DIR) + STATUS_ZONE_NAME_MAX + 1], magic[4];
        _cleanup_(closep) int fd = -1;
        size_t n = strlen(name);
        ssize_t got;

        if (n == 0 || n > STATUS_ZONE_NAME_MAX || !strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                                                          name[0]) || name[n - 1] == '/')
                return false;
        if (strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-") != n ||
            strstr(name, "//"))
                return false;
        snprintf(path, sizeof(path), "%s/%s", STATUS_ZONEINFO_DIR, name);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return false;
        do
                got = read(fd, magic, sizeof(magic));
        while (got < 0 && errno == EINTR);
        return got == (ssize_t) sizeof(magic) && memcmp(magic, "TZif", 4) == 0;
}

/* maintenance-window = DAYS HH:MM-HH:MM [UTC|Z|+HH:MM|-HH:MM|ZONE] */
static int window_line(struct reader *rd, struct status_policy *p, const struct line *l)
{
        struct maintenance_window w = { 0 }, *v;
        const char *range = l->word[3], *dash = strchr(range, '-'), *zone = l->n == 5 ? l->word[4] : "UTC";
        char text[HOST_STATUS_MAX_STRING + 1];
        int r;

        if (l->n != 4 && l->n != 5)
                return fail(rd, -EBADMSG, "expected 'maintenance-window = DAYS HH:MM-HH:MM [OFFSET|ZONE]'");
        r = parse_days(rd, l->word[2], &w.days);
        if (r < 0)
                return r;
        if (!dash || !parse_hhmm(range, (size_t) (dash - range), &w.start) ||
            !parse_hhmm(dash + 1, strlen(dash + 1), &w.end) || w.start == w.end)
                return fail(rd, -EBADMSG, "'%.40s' is not a time range (HH:MM-HH:MM)", range);
        if (strcmp(zone, "UTC") == 0 || strcmp(zone, "Z") == 0)
                w.offset = 0;
        else if ((zone[0] == '+' || zone[0] == '-') && parse_hhmm(zone + 1, strlen(zone + 1), &w.offset) &&
                 w.offset <= 18 * 60)
                w.offset = zone[0] == '-' ? -w.offset : w.offset;
        else if (zone[0] == '+' || zone[0] == '-')
                return fail(rd, -EBADMSG, "'%.40s' is not an offset (+HH:MM, -HH:MM, at most 18:00)", zone);
        else if (!zone_known(zone))
                return fail(rd, -EBADMSG, "unknown time zone '%.40s' (not a zone file under %s)", zone,
                            STATUS_ZONEINFO_DIR);
        else {
                w.zone = arena_strndup(&p->arena, zone, strlen(zone));
                if (!w.zone)
                        return -ENOMEM;
        }
        if (p->n_windows >= STATUS_POLICY_MAX_ITEMS)
                return fail(rd, -E2BIG, "more than %d maintenance windows", STATUS_POLICY_MAX_ITEMS);
        snprintf(text, sizeof(text), "%s %s %s", l->word[2], range, zone);
        w.text = arena_strndup(&p->arena, text, strlen(text));
        if (!w.text)
                return -ENOMEM;
        v = reallocarray(p->windows, p->n_windows + 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        p->windows = v;
        v[p->n_windows++] = w;
        return 0;
}

static int policy_line(struct reader *rd, void *obj, const struct line *l)
{
        struct status_policy *p = obj;
        const char *key, *value;

        if (l->n >= 4 && strcmp(l->word[0], "maintenance-window") == 0 && strcmp(l->word[1], "=") == 0)
                return window_line(rd, p, l);
        if (l->n != 3 || strcmp(l->word[1], "=") != 0)
                return fail(rd, -EBADMSG, "expected 'key = value'");
        key = l->word[0];
        value = l->word[2];
        if (strcmp(key, "minimum-version") == 0) {
                if (p->minimum_version)
                        return fail(rd, -EBADMSG, "minimum-version given twice");
                p->minimum_version = arena_strndup(&p->arena, value, strlen(value));
                return p->minimum_version ? 0 : -ENOMEM;
        }
        if (strcmp(key, "minimum-timestamp") == 0) {
                if (p->minimum_timestamp != HOST_TIME_UNKNOWN)
                        return fail(rd, -EBADMSG, "minimum-timestamp given twice");
                return parse_time(rd, value, &p->minimum_timestamp);
        }
        if (strcmp(key, "allowed-digest") == 0) {
                const char **v;

                if (p->n_allowed >= STATUS_POLICY_MAX_ITEMS)
                        return fail(rd, -E2BIG, "more than %d allowed digests", STATUS_POLICY_MAX_ITEMS);
                v = reallocarray(p->allowed, p->n_allowed + 1, sizeof(*v));
                if (!v)
                        return -ENOMEM;
                p->allowed = v;
                v[p->n_allowed] = arena_strndup(&p->arena, value, strlen(value));
                if (!v[p->n_allowed])
                        return -ENOMEM;
                p->n_allowed++;
                return 0;
        }
        if (strcmp(key, "maintenance-window") == 0)
                return window_line(rd, p, l);
        return fail(rd, -EBADMSG, "unknown key '%.40s' (minimum-version, minimum-timestamp, allowed-digest, "
                    "maintenance-window)", key);
}

typedef int (*line_fn)(struct reader *rd, void *obj, const struct line *l);

/* Feeds every line of buf to fn; on failure *ret_error gets the reason. */
static int parse_lines(const char *buf, size_t len, line_fn fn, void *obj, char **ret_error)
{
        _cleanup_(freep) struct line *l = malloc(sizeof(*l));
        struct reader rd;
        int r;

        if (!l)
                return -ENOMEM;
        reader_init(&rd, buf, len);
        r = check_text(&rd, buf, len);
        while (r >= 0 && (r = next_line(&rd, l)) > 0)
                r = fn(&rd, obj, l);
        if (r < 0 && ret_error)
                *ret_error = TAKE_PTR(rd.error);
        free(rd.error);
        return r;
}

int status_policy_parse(const char *buf, size_t len, struct status_policy **ret, char **ret_error)
{
        _cleanup_(status_policy_freep) struct status_policy *p = calloc(1, sizeof(*p));
        int r;

        if (!p)
                return -ENOMEM;
        arena_init(&p->arena);
        p->minimum_timestamp = HOST_TIME_UNKNOWN;
        r = parse_lines(buf, len, policy_line, p, ret_error);
        if (r < 0)
                return r;
        if (!p->minimum_version && p->minimum_timestamp == HOST_TIME_UNKNOWN && !p->n_allowed && !p->n_windows) {
                if (ret_error)
                        *ret_error = strdup("no minimum-version, minimum-timestamp, allowed-digest or "
                                            "maintenance-window");
                return -EBADMSG;
        }
        *ret = TAKE_PTR(p);
        return 0;
}

struct ticket_list *ticket_list_free(struct ticket_list *t)
{
        if (t) {
                free(t->v);
                arena_release(&t->arena);
                free(t);
        }
        return NULL;
}

static int ticket_line(struct reader *rd, void *obj, const struct line *l)
{
        struct ticket_list *t = obj;
        struct change_ticket *v, *k;
        int r;

        if (l->n != 4)
                return fail(rd, -EBADMSG, "expected 'TICKET DIGEST FROM UNTIL'");
        if (t->n >= STATUS_POLICY_MAX_ITEMS)
                return fail(rd, -E2BIG, "more than %d tickets", STATUS_POLICY_MAX_ITEMS);
        v = reallocarray(t->v, t->n + 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        t->v = v;
        k = &v[t->n];
        r = parse_time(rd, l->word[2], &k->from);
        r = r ?: parse_time(rd, l->word[3], &k->until);
        if (r < 0)
                return r;
        if (k->until < k->from)
                return fail(rd, -EBADMSG, "the window ends before it starts");
        k->id = arena_strndup(&t->arena, l->word[0], strlen(l->word[0]));
        k->digest = arena_strndup(&t->arena, l->word[1], strlen(l->word[1]));
        if (!k->id || !k->digest)
                return -ENOMEM;
        t->n++;
        return 0;
}

int ticket_list_parse(const char *buf, size_t len, struct ticket_list **ret, char **ret_error)
{
        _cleanup_(ticket_list_freep) struct ticket_list *t = calloc(1, sizeof(*t));
        int r;

        if (!t)
                return -ENOMEM;
        arena_init(&t->arena);
        r = parse_lines(buf, len, ticket_line, t, ret_error);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(t);
        return 0;
}

static bool is_alpha(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int version_compare(const char *a, const char *b)
{
        for (;;) {
                size_t na, nb;
                bool num;
                int c;

                while (*a && !is_digit(*a) && !is_alpha(*a))
                        a++;
                while (*b && !is_digit(*b) && !is_alpha(*b))
                        b++;
                if (!*a || !*b)
                        return (*a != '\0') - (*b != '\0');     /* more segments: newer */
                num = is_digit(*a);
                if (num != is_digit(*b))
                        return num ? 1 : -1;                    /* digits after letters */
                if (num) {
                        while (*a == '0')
                                a++;
                        while (*b == '0')
                                b++;
                }
                for (na = 0; a[na] && (num ? is_digit(a[na]) : is_alpha(a[na])); na++)
                        ;
                for (nb = 0; b[nb] && (num ? is_digit(b[nb]) : is_alpha(b[nb])); nb++)
                        ;
                if (num && na != nb)
                        return na < nb ? -1 : 1;                /* longer number, no leading zeros: larger */
                c = strncmp(a, b, na < nb ? na : nb);
                if (c)
                        return c < 0 ? -1 : 1;
                if (na != nb)
                        return na < nb ? -1 : 1;
                a += na;
                b += nb;
        }
}

bool status_policy_below_minimum(const struct status_policy *p, const struct deployment *d, char *reason,
                                 size_t reason_len)
{
        char have[RFC3339_LEN], want[RFC3339_LEN];

        if (p->minimum_version && !d->version) {
                snprintf(reason, reason_len, "no version to compare with the minimum %s", p->minimum_version);
                return true;
        }
        if (p->minimum_version && version_compare(d->version, p->minimum_version) < 0) {
                snprintf(reason, reason_len, "version %s is below the minimum %s", d->version, p->minimum_version);
                return true;
        }
        if (p->minimum_timestamp == HOST_TIME_UNKNOWN)
                return false;
        rfc3339_format(p->minimum_timestamp, want);
        if (d->timestamp == HOST_TIME_UNKNOWN) {
                snprintf(reason, reason_len, "no build time to compare with the minimum %s", want);
                return true;
        }
        if (d->timestamp < p->minimum_timestamp) {
                rfc3339_format(d->timestamp, have);
                snprintf(reason, reason_len, "built %s, before the minimum %s", have, want);
                return true;
        }
        return false;
}

bool status_policy_digest_allowed(const struct status_policy *p, const struct deployment *d)
{
        if (p->n_allowed == 0)
                return true;
        for (size_t i = 0; i < p->n_allowed; i++)
                if ((d->digest && strcmp(d->digest, p->allowed[i]) == 0) ||
                    (d->checksum && strcmp(d->checksum, p->allowed[i]) == 0))
                        return true;
        return false;
}

const struct change_ticket *ticket_find(const struct ticket_list *t, const struct deployment *d, int64_t from,
                                        int64_t until)
{
        for (size_t i = 0; t && i < t->n; i++) {
                const struct change_ticket *k = &t->v[i];

                if (!((d->digest && strcmp(d->digest, k->digest) == 0) ||
                      (d->checksum && strcmp(d->checksum, k->digest) == 0)))
                        continue;
                if (k->from <= until && k->until >= from)
                        return k;
        }
        return NULL;
}

static int64_t floor_div(int64_t a, int64_t b)
{
        return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Weekday (0 Monday) and minute of the day of t on zone's wall clock.
 * glibc converts through TZ: it is set, used and put back under a lock,
 * which orders the callers of this function; a thread calling localtime()
 * at the same moment would see the zone (a one-shot command has none, and
 * the window check runs once per deployment or reboot, not per entry). */
static bool zone_clock(const char *zone, int64_t t, int *ret_day, int *ret_minute)
{
        static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
        char tz[sizeof(STATUS_ZONEINFO_DIR) + STATUS_ZONE_NAME_MAX + 2];
        time_t tt = (time_t) t;
        const char *old;
        char *saved = NULL;
        struct tm tm;
        bool ok = false;

        if ((int64_t) tt != t)
                return false;
        snprintf(tz, sizeof(tz), ":%s/%s", STATUS_ZONEINFO_DIR, zone);
        pthread_mutex_lock(&lock);
        old = getenv("TZ");
        if (!old || (saved = strdup(old))) {
                if (setenv("TZ", tz, 1) == 0) {
                        tzset();        /* localtime_r() does not look at TZ again by itself */
                        ok = localtime_r(&tt, &tm) != NULL;
                }
                if (saved)
                        (void) setenv("TZ", saved, 1);
                else
                        (void) unsetenv("TZ");
                tzset();
        }
        pthread_mutex_unlock(&lock);
        free(saved);
        if (!ok)
                return false;
        *ret_day = (tm.tm_wday + 6) % 7;
        *ret_minute = tm.tm_hour * 60 + tm.tm_min;
        return true;
}

const struct maintenance_window *status_policy_window(const struct status_policy *p, int64_t t)
{
        for (size_t i = 0; p && i < p->n_windows; i++) {
                const struct maintenance_window *w = &p->windows[i];
                int day, minute, prev;

                if (w->zone) {
                        if (!zone_clock(w->zone, t, &day, &minute))
                                continue;
                } else {
                        int64_t local = t + (int64_t) w->offset * 60, days = floor_div(local, 86400);

                        day = (int) ((days % 7 + 7 + 3) % 7);   /* 1970-01-01 was a Thursday */
                        minute = (int) ((local - days * 86400) / 60);
                }
                prev = (day + 6) % 7;
                if (w->start < w->end ? (w->days >> day & 1) && minute >= w->start && minute < w->end :
                    ((w->days >> day & 1) && minute >= w->start) || ((w->days >> prev & 1) && minute < w->end))
                        return w;
        }
        return NULL;
}

const struct change_ticket *ticket_find_name(const struct ticket_list *t, const char *name, int64_t when)
{
        for (size_t i = 0; t && i < t->n; i++) {
                const struct change_ticket *k = &t->v[i];

                if ((strcmp(k->digest, name) == 0 || strcmp(k->digest, "*") == 0) && k->from <= when &&
                    k->until >= when)
                        return k;
        }
        return NULL;
}
