/* Capability: accepting drift into a baseline; see accept.h.
 *
 * The baseline is read in chunks of path order (baseline_reader) and the new
 * one written in the same chunks (baseline_writer): for each chunk's range
 * the accepted paths are walked, the chunk's rows at or below them replaced
 * by what the walk found, and the changes reported as DW-FIM-ACCEPTED events,
 * so memory holds one chunk whatever the baseline's size. The old baseline
 * stays in place until the new one is renamed over it; it is kept as
 * FILE.1 by a hard link made before, so a killed accept leaves the old
 * baseline or the new one, never neither and never half of one. */
#define _GNU_SOURCE
#include "accept.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "basic/buf.h"
#include "basic/escape.h"
#include "basic/fd-util.h"
#include "basic/path-util.h"
#include "fim/diff.h"
#include "fim/findings.h"
#include "fim/store.h"
#include "fim/walk.h"
#include "report/json.h"

/* ---- what a check reported ---- */

struct reported_writer {
        char *path;
        struct buf paths;               /* NUL-terminated paths */
        bool overflow;                  /* more than ACCEPT_REPORTED_MAX bytes: not recorded */
};

struct reported_writer *reported_writer_free(struct reported_writer *w)
{
        if (!w)
                return NULL;
        free(w->path);
        buf_release(&w->paths);
        free(w);
        return NULL;
}

int reported_writer_new(const char *baseline_path, struct reported_writer **ret)
{
        _cleanup_(reported_writer_freep) struct reported_writer *w = calloc(1, sizeof(*w));

        if (!w)
                return -ENOMEM;
        buf_init(&w->paths, 0);
        if (asprintf(&w->path, "%s.reported", baseline_path) < 0) {
                w->path = NULL;
                return -ENOMEM;
        }
        *ret = TAKE_PTR(w);
        return 0;
}

int reported_writer_add(struct reported_writer *w, const char *path, size_t len)
{
        if (!w || w->overflow)
                return 0;
        if (w->paths.len + len + 1 > ACCEPT_REPORTED_MAX) {
                w->overflow = true;
                return 0;
        }
        return buf_append(&w->paths, path, len) ?: buf_putc(&w->paths, '\0');
}

int reported_writer_commit(struct reported_writer *w)
{
        if (w->overflow) {
                /* Too many to accept without naming them: none recorded. */
                (void) unlink(w->path);
                return -E2BIG;
        }
        return store_write_atomic(w->path, w->paths.data ? w->paths.data : "", w->paths.len, 0600);
}

/* ---- the accept ---- */

struct accept_run {
        struct fim_reporter rep;
        const struct accept_request *req;
        char message[512];
        unsigned long changes;
};

static int on_accepted(const struct fim_change *c, void *userdata)
{
        struct accept_run *a = userdata;
        struct finding f;
        int r;

        r = fim_finding_from_change(&a->rep, c, &f);
        if (r < 0)
                return r;
        f.alert = false;
        f.rule = ruleset_rule(a->rep.rules, "DW-FIM-ACCEPTED");
        f.action = "drift-accepted";
        f.message = a->message;
        a->changes++;
        r = output_emit(a->rep.out, &f);
        finding_release(&f);
        return r;
}

static bool under_any(const char *path, size_t len, char *const *prefixes, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (path_has_prefix(path, len, prefixes[i]))
                        return true;
        return false;
}

/* The chunk's rows outside the accepted paths and the walk's entries inside
 * them, in path order, as one tree whose entries point into base and cur. */
static int merge_chunk(const struct fim_tree *base, const struct fim_tree *cur, char *const *prefixes, size_t n,
                       struct fim_tree *ret)
{
        size_t i = 0, k = 0;

        ret->n = 0;
        while (i < base->n || k < cur->n) {
                const struct fim_entry *b = i < base->n ? &base->entries[i] : NULL;
                const struct fim_entry *c = k < cur->n ? &cur->entries[k] : NULL;
                const struct fim_entry *take = NULL;
                int cmp = !b ? 1 : !c ? -1 : path_compare(b->path, b->path_len, c->path, c->path_len);
                struct fim_entry *e;

                if (cmp < 0) {
                        if (!under_any(b->path, b->path_len, prefixes, n))
                                take = b;
                        i++;
                } else if (cmp > 0) {
                        if (under_any(c->path, c->path_len, prefixes, n))
                                take = c;
                        k++;
                } else {
                        take = under_any(c->path, c->path_len, prefixes, n) ? c : b;
                        i++;
                        k++;
                }
                if (!take)
                        continue;
                e = fim_tree_add(ret);
                if (!e)
                        return -ENOMEM;
                *e = *take;
                /* Hashed by this walk or not, the row is as good as the baseline's. */
                e->flags &= ~(uint32_t) ENTRY_HASHED_NOW;
        }
        return 0;
}

/* Sorted, without duplicates and without paths below another one given. */
static int normalise_paths(char *const *in, size_t n, char ***ret, size_t *ret_n)
{
        _cleanup_(freep) char **v = NULL;
        size_t m = 0;

        v = calloc(n + 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                bool covered = false;

                for (size_t j = 0; j < n && !covered; j++)
                        if (j != i && path_has_prefix(in[i], strlen(in[i]), in[j]) &&
                            (strcmp(in[i], in[j]) != 0 || j < i))
                                covered = true;
                if (!covered)
                        v[m++] = in[i];
        }
        *ret = TAKE_PTR(v);
        *ret_n = m;
        return 0;
}

/* The paths the last check reported, from FILE.reported (pointers into *ret_data). */
static int read_reported(const char *baseline_path, char **ret_data, char ***ret_paths, size_t *ret_n,
                         struct dw_error *ret_error)
{
        _cleanup_(freep) char *file = NULL, *data = NULL;
        _cleanup_(freep) char **v = NULL;
        size_t len = 0, n = 0, cap = 0;
        int r;

        if (asprintf(&file, "%s.reported", baseline_path) < 0)
                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
        r = read_file(file, ACCEPT_REPORTED_MAX, &data, &len);
        if (r == -ENOENT)
                return dw_error_set(ret_error, r, baseline_path,
                                    "no check of baseline '%s' recorded what it reported: name the paths to accept, "
                                    "or run check or scan first", baseline_path);
        if (r < 0)
                return dw_error_set(ret_error, r, file, "cannot read '%s': %s", file, strerror(-r));
        for (size_t off = 0; off < len;) {
                char *p = data + off, *end = memchr(p, '\0', len - off);

                if (!end || p[0] != '/')
                        return dw_error_set(ret_error, -EBADMSG, file, "cannot read '%s': malformed", file);
                if (n + 1 >= cap) {
                        char **nv = reallocarray(v, cap ? cap * 2 : 64, sizeof(*v));

                        if (!nv)
                                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
                        v = nv;
                        cap = cap ? cap * 2 : 64;
                }
                v[n++] = p;
                off = (size_t) (end - data) + 1;
        }
        *ret_data = TAKE_PTR(data);
        *ret_paths = TAKE_PTR(v);
        *ret_n = n;
        return 0;
}

/* The baseline's directory source, else "/". */
static const char *default_root(const struct baseline_meta *meta)
{
        if (meta->source && strncmp(meta->source, "dir:", 4) == 0 && meta->source[4] == '/')
                return meta->source + 4;
        return "/";
}

/* The baseline's paths and the accepted ones no path of it covers. */
static int new_paths(const struct baseline_meta *meta, char *const *paths, size_t n, char ***ret, size_t *ret_n)
{
        char **v = calloc(meta->n_paths + n + 1, sizeof(*v));
        size_t m = 0;

        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < meta->n_paths; i++)
                v[m++] = meta->paths[i];
        for (size_t i = 0; i < n; i++)
                if (!under_any(paths[i], strlen(paths[i]), meta->paths, meta->n_paths))
                        v[m++] = paths[i];
        *ret = v;
        *ret_n = m;
        return 0;
}

/* FILE.N -> FILE.N+1 for the older ones, then FILE.1 a hard link to the
 * baseline as it is: it never leaves its own name. */
static int keep_history(const char *path, char **ret_history)
{
        _cleanup_(freep) char *h1 = NULL;
        int r;

        for (int i = ACCEPT_HISTORY - 1; i >= 1; i--) {
                _cleanup_(freep) char *from = NULL, *to = NULL;

                if (asprintf(&from, "%s.%d", path, i) < 0 || asprintf(&to, "%s.%d", path, i + 1) < 0)
                        return -ENOMEM;
                if (rename(from, to) < 0 && errno != ENOENT)
                        return negative_errno();
        }
        if (asprintf(&h1, "%s.1", path) < 0)
                return -ENOMEM;
        if (link(path, h1) < 0) {
                r = negative_errno();
                if (r != -EEXIST)
                        return r;
                /* A killed accept left it: it is the baseline still in place, or an older one. */
                if (unlink(h1) < 0 || link(path, h1) < 0)
                        return negative_errno();
        }
        *ret_history = TAKE_PTR(h1);
        return 0;
}

/* One accept record: tab-separated fields, each escaped so that a reason
 * cannot break the line. */
static int put_field(struct buf *b, const char *s)
{
        int r = buf_putc(b, '\t');

        for (; r >= 0 && *s; s++)
                r = *s == '\\' ? buf_puts(b, "\\\\") : *s == '\t' ? buf_puts(b, "\\t")
                  : *s == '\n' ? buf_puts(b, "\\n") : buf_putc(b, *s);
        return r;
}

static int append_log(const char *baseline_path, const struct accept_request *req, char *const *paths, size_t n,
                      const struct accept_summary *sum, const char *when)
{
        _cleanup_(freep) char *file = NULL, *old = NULL;
        _cleanup_(buf_release) struct buf b;
        size_t len = 0, lines = 0, skip = 0, start = 0;
        char count[32];
        int r;

        buf_init(&b, 0);
        if (asprintf(&file, "%s.accepts", baseline_path) < 0)
                return -ENOMEM;
        r = read_file(file, (size_t) 16 << 20, &old, &len);
        if (r < 0 && r != -ENOENT)
                return r;
        r = 0;
        /* Bounded: the oldest records go. */
        for (size_t i = 0; i < len; i++)
                lines += old[i] == '\n';
        for (; lines - skip >= ACCEPT_LOG_MAX && start < len; skip++) {
                char *nl = memchr(old + start, '\n', len - start);

                start = nl ? (size_t) (nl - old) + 1 : len;
        }
        if (len > start)
                r = buf_append(&b, old + start, len - start);
        snprintf(count, sizeof(count), "%lu", sum->changes);
        r = r ?: buf_puts(&b, when);
        r = r ?: put_field(&b, req->user ? req->user : "-");
        r = r ?: put_field(&b, req->reason ? req->reason : "");
        r = r ?: put_field(&b, sum->before);
        r = r ?: put_field(&b, sum->after);
        r = r ?: put_field(&b, count);
        for (size_t i = 0; r >= 0 && i < n && i < ACCEPT_LOG_PATHS_MAX; i++)
                r = put_field(&b, paths[i]);
        if (r >= 0 && n > ACCEPT_LOG_PATHS_MAX) {
                snprintf(count, sizeof(count), "... %zu more", n - ACCEPT_LOG_PATHS_MAX);
                r = put_field(&b, count);
        }
        r = r ?: buf_putc(&b, '\n');
        return r ?: store_write_atomic(file, b.data, b.len, 0600);
}

static int emit_summary(const struct dw_context *ctx, const struct accept_request *req, struct output *out,
                        const struct accept_summary *sum, const char *message)
{
        struct finding f;
        char n[32];
        int r;

        finding_init(&f);
        f.alert = false;
        f.rule = ruleset_rule(ctx->rules, "DW-FIM-ACCEPTED");
        f.category = "file";
        f.type = "change";
        f.action = "baseline-accepted";
        f.dataset = "driftwatch.fim";
        f.message = message;
        f.path = req->baseline_path;
        f.path_len = strlen(req->baseline_path);
        snprintf(n, sizeof(n), "%lu", sum->changes);
        r = finding_add_value(&f, "digest", sum->before, strlen(sum->before), sum->after, strlen(sum->after));
        r = r ?: finding_add_value(&f, "accepted_entries", NULL, 0, n, strlen(n));
        r = r ?: finding_add_value(&f, "user", NULL, 0, req->user ? req->user : "-", strlen(req->user ?: "-"));
        if (req->reason)
                r = r ?: finding_add_value(&f, "reason", NULL, 0, req->reason, strlen(req->reason));
        if (sum->history)
                r = r ?: finding_add_value(&f, "history", NULL, 0, sum->history, strlen(sum->history));
        r = r ?: output_emit(out, &f);
        finding_release(&f);
        return r;
}

static int out_failed(struct output *out, int r, struct dw_error *ret_error)
{
        return dw_error_set(ret_error, out->error ?: r, NULL, "cannot write output: %s", strerror(-(out->error ?: r)));
}

int capability_baseline_accept(const struct dw_context *ctx, const struct accept_request *req, struct output *out,
                               struct accept_summary *ret_summary, struct dw_error *ret_error)
{
        _cleanup_(baseline_reader_freep) struct baseline_reader *rd = NULL;
        _cleanup_(baseline_writer_freep) struct baseline_writer *w = NULL;
        _cleanup_(baseline_meta_release) struct baseline_meta meta = { 0 };
        _cleanup_(fim_links_freep) struct fim_links *links = NULL;
        _cleanup_(fim_tree_freep) struct fim_tree *base = NULL, *merged = NULL, *unlisted = NULL;
        _cleanup_(freep) char *lock = NULL, *reported_data = NULL, *history = NULL, *reported_file = NULL;
        _cleanup_(freep) char **reported = NULL, **paths = NULL, **meta_paths = NULL;
        _cleanup_(closep) int lockfd = -1;
        char **given = req->paths;
        size_t n_given = req->n_paths, n_paths = 0, n_meta_paths = 0, n_chunks;
        struct accept_summary sum = { 0 };
        const char *reason = NULL, *root;
        char remembered[BASELINE_DIGEST_HEX + 1], created[TIMESTAMP_LEN];
        struct accept_run a = { .req = req };
        struct walk_opts wo;
        struct timespec ts;
        struct stat st;
        int r;

        if (stat(req->baseline_path, &st) < 0)
                return dw_error_set(ret_error, -errno, req->baseline_path, "cannot read baseline '%s': %s",
                                    req->baseline_path, strerror(errno));
        /* One accept at a time per baseline: two would each keep their own
         * changes and lose the other's. */
        if (asprintf(&lock, "%s.lock", req->baseline_path) < 0)
                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
        lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (lockfd < 0)
                return dw_error_set(ret_error, -errno, lock, "cannot lock baseline '%s': %s", req->baseline_path,
                                    strerror(errno));
        if (flock(lockfd, LOCK_EX | LOCK_NB) < 0)
                return dw_error_set(ret_error, -EBUSY, req->baseline_path,
                                    "baseline '%s' is being accepted into by another process", req->baseline_path);

        r = baseline_reader_open(req->baseline_path, 0, &rd, &meta, &reason);
        if (r < 0)
                return dw_error_set(ret_error, r, req->baseline_path, "cannot read baseline '%s': %s",
                                    req->baseline_path, reason ?: strerror(-r));
        snprintf(sum.before, sizeof(sum.before), "%s", meta.digest ? meta.digest : "");
        if (req->record_path) {
                r = baseline_record_read(req->record_path, remembered);
                if (r >= 0 && strcmp(remembered, sum.before) != 0)
                        return dw_error_set(ret_error, -ESTALE, req->baseline_path,
                                            "baseline '%s' is not the one recorded in '%s': run scan to see why "
                                            "before accepting into it", req->baseline_path, req->record_path);
                if (r < 0 && r != -ENOENT)
                        return dw_error_set(ret_error, r, req->record_path, "cannot read baseline record '%s': %s",
                                            req->record_path, strerror(-r));
        }
        root = req->root ?: default_root(&meta);
        if (stat(root, &st) < 0 || !S_ISDIR(st.st_mode))
                return dw_error_set(ret_error, -ENOTDIR, root, "cannot open root '%s': not a directory", root);

        if (!given) {
                r = read_reported(req->baseline_path, &reported_data, &reported, &n_given, ret_error);
                if (r < 0)
                        return r;
                given = reported;
                if (n_given == 0) {
                        if (ret_summary)
                                *ret_summary = (struct accept_summary) { .nothing_reported = true };
                        return 0;
                }
        }
        for (size_t i = 0; i < n_given; i++) {
                size_t len = strlen(given[i]);

                if (given[i][0] != '/' || path_has_dotdot(given[i]) || len >= FIM_PATH_MAX)
                        return dw_error_set(ret_error, -EINVAL, given[i],
                                            "path '%s' is not an absolute path below the root", given[i]);
                /* "/etc/" is "/etc": the operands are the caller's to trim. */
                while (len > 1 && given[i][len - 1] == '/')
                        given[i][--len] = '\0';
        }
        r = normalise_paths(given, n_given, &paths, &n_paths);
        if (r < 0)
                return dw_error_set(ret_error, r, NULL, "out of memory");
        /* Before anything is written: a path given that names nothing is a mistake. */
        for (size_t i = 0; req->paths && i < n_paths; i++) {
                _cleanup_(freep) char *full = NULL;

                r = baseline_reader_has_prefix(rd, paths[i]);
                if (r < 0)
                        return dw_error_set(ret_error, r, req->baseline_path, "cannot read baseline '%s': %s",
                                            req->baseline_path, strerror(-r));
                if (r > 0)
                        continue;
                if (asprintf(&full, "%s%s", strcmp(root, "/") == 0 ? "" : root, paths[i]) < 0)
                        return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
                if (lstat(full, &st) < 0)
                        return dw_error_set(ret_error, -ENOENT, paths[i],
                                            "path '%s' matches nothing in baseline '%s' or under '%s'", paths[i],
                                            req->baseline_path, root);
        }

        snprintf(a.message, sizeof(a.message), "accepted into the baseline by %s%s%s", req->user ?: "-",
                 req->reason ? ": " : "", req->reason ?: "");
        a.rep = (struct fim_reporter) { .rules = ctx->rules, .out = out,
                                        .root = strcmp(root, "/") == 0 ? NULL : root };
        wo = (struct walk_opts) { .threads = ctx->threads, .attrs = meta.attrs | ATTR_TYPE,
                                  .progress = ctx->progress, .cancel = ctx->cancel };
        r = baseline_writer_new(req->baseline_path, meta.attrs, &w);
        r = r ?: fim_links_new(&links);
        r = r ?: fim_tree_new(&base);
        r = r ?: fim_tree_new(&merged);
        r = r ?: fim_tree_new(&unlisted);
        if (r < 0)
                return dw_error_set(ret_error, r, req->baseline_path, "cannot write baseline '%s': %s",
                                    req->baseline_path, strerror(-r));
        wo.links = links;
        n_chunks = baseline_reader_chunks(rd);
        for (size_t i = 0; i < n_chunks; i++) {
                _cleanup_(fim_tree_freep) struct fim_tree *cur = NULL;
                struct path_range range;

                baseline_reader_chunk_range(rd, i, &range);
                base->n = 0;
                arena_reset(&base->arena);
                r = baseline_reader_next_chunk(rd, base, &reason);
                if (r < 0)
                        return dw_error_set(ret_error, r, req->baseline_path, "cannot read baseline '%s': %s",
                                            req->baseline_path, reason ?: strerror(-r));
                wo.cache = (meta.attrs & ATTR_STATCACHE) ? base : NULL;
                wo.range = &range;
                struct walk_stats stats = { 0 };

                r = fim_walk(root, paths, n_paths, &wo, &cur, &stats);
                if (r == -ECANCELED)
                        return dw_error_set(ret_error, r, NULL, "interrupted: baseline not changed");
                if (r < 0)
                        return dw_error_set(ret_error, r, root, "cannot walk '%s': %s", root, strerror(-r));
                r = fim_diff_chunk(base, cur, unlisted, 0, paths, n_paths, on_accepted, &a);
                if (r < 0)
                        return out_failed(out, r, ret_error);
                r = fim_tree_keep_unlisted(unlisted, cur);
                r = r ?: merge_chunk(base, cur, paths, n_paths, merged);
                merged->attrs = meta.attrs;
                r = r ?: baseline_writer_add(w, merged);
                if (r < 0)
                        return dw_error_set(ret_error, r, req->baseline_path, "cannot write baseline '%s': %s",
                                            req->baseline_path, strerror(-r));
                cur = fim_tree_free(cur);
                walk_range_done();
        }
        if (ctx->cancel && *ctx->cancel)
                return dw_error_set(ret_error, -ECANCELED, NULL, "interrupted: baseline not changed");

        r = new_paths(&meta, paths, n_paths, &meta_paths, &n_meta_paths);
        if (r < 0)
                return dw_error_set(ret_error, r, NULL, "out of memory");
        r = keep_history(req->baseline_path, &history);
        if (r < 0)
                return dw_error_set(ret_error, r, req->baseline_path, "cannot keep baseline '%s' as history: %s",
                                    req->baseline_path, strerror(-r));
        clock_gettime(CLOCK_REALTIME, &ts);
        format_timestamp(created, (long long) ts.tv_sec * 1000000000 + ts.tv_nsec);
        struct baseline_meta m = {
                .source = meta.source, .commit = meta.commit, .created = created, .host = meta.host,
                .paths = meta_paths, .n_paths = n_meta_paths,
        };
        r = baseline_writer_commit(w, &m);
        if (r < 0)
                return dw_error_set(ret_error, r, req->baseline_path, "cannot write baseline '%s': %s",
                                    req->baseline_path, strerror(-r));
        r = baseline_read_digest(req->baseline_path, sum.after, &reason);
        if (r < 0)
                return dw_error_set(ret_error, r, req->baseline_path, "cannot read baseline '%s': %s",
                                    req->baseline_path, reason ?: strerror(-r));
        sum.changes = a.changes;
        sum.n_paths = n_paths;
        sum.history = history;
        r = append_log(req->baseline_path, req, paths, n_paths, &sum, created);
        if (r < 0)
                return dw_error_set(ret_error, r, req->baseline_path, "cannot record the accept in '%s.accepts': %s",
                                    req->baseline_path, strerror(-r));
        if (req->record_path) {
                r = baseline_record_write(req->record_path, sum.after);
                if (r < 0)
                        return dw_error_set(ret_error, r, req->record_path, "cannot write baseline record '%s': %s",
                                            req->record_path, strerror(-r));
        }
        /* What the last check reported is accepted now. */
        if (!req->paths && asprintf(&reported_file, "%s.reported", req->baseline_path) >= 0)
                (void) unlink(reported_file);
        r = emit_summary(ctx, req, out, &sum, a.message);
        if (r >= 0 && fflush(out->f) != 0)
                r = negative_errno();
        if (r < 0)
                return out_failed(out, r, ret_error);
        if (ret_summary) {
                *ret_summary = sum;
                TAKE_PTR(history);
        }
        return 0;
}

/* ---- reading the records back ---- */

/* Splits one record into its fields, unescaping them in place. */
static size_t split_record(char *line, char **fields, size_t max)
{
        size_t n = 0;
        char *o = line;

        fields[n++] = o;
        for (char *p = line; *p; p++) {
                if (*p == '\t') {
                        *o++ = '\0';
                        if (n == max)
                                return n;
                        fields[n++] = o;
                } else if (*p == '\\' && p[1]) {
                        p++;
                        *o++ = *p == 't' ? '\t' : *p == 'n' ? '\n' : *p;
                } else
                        *o++ = *p;
        }
        *o = '\0';
        return n;
}

int capability_accepts_show(const char *baseline_path, enum output_format format, FILE *f, struct dw_error *ret_error)
{
        _cleanup_(freep) char *file = NULL, *data = NULL;
        _cleanup_(buf_release) struct buf b;
        size_t len = 0;
        int r;

        buf_init(&b, 0);
        if (asprintf(&file, "%s.accepts", baseline_path) < 0)
                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
        r = read_file(file, (size_t) 16 << 20, &data, &len);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return dw_error_set(ret_error, r, file, "cannot read '%s': %s", file, strerror(-r));
        for (char *line = data, *nl; line < data + len && (nl = memchr(line, '\n', (size_t) (data + len - line)));
             line = nl + 1) {
                char *v[6 + ACCEPT_LOG_PATHS_MAX + 1];
                size_t n;

                *nl = '\0';
                n = split_record(line, v, ARRAY_SIZE(v));
                if (n < 6)
                        continue;
                buf_reset(&b);
                if (format == OUTPUT_JSON) {
                        struct json j;

                        json_init(&j, &b);
                        json_object_begin(&j, NULL);
                        json_string(&j, "accepted", v[0]);
                        json_string(&j, "user", v[1]);
                        json_string(&j, "reason", v[2]);
                        json_string(&j, "digest_before", v[3]);
                        json_string(&j, "digest_after", v[4]);
                        json_int(&j, "entries", strtoll(v[5], NULL, 10));
                        json_array_begin(&j, "paths");
                        for (size_t i = 6; i < n; i++)
                                json_string(&j, NULL, v[i]);
                        json_array_end(&j);
                        json_object_end(&j);
                        r = json_finish(&j);
                        r = r ?: buf_putc(&b, '\n');
                } else {
                        char second[TIMESTAMP_LEN];
                        const char *when = timestamp_to_second(v[0], second);

                        r = buf_puts(&b, "accepted:   ");
                        r = r ?: escape_text(&b, when, strlen(when));
                        r = r ?: buf_puts(&b, " by ");
                        r = r ?: escape_text(&b, v[1], strlen(v[1]));
                        r = r ?: buf_printf(&b, ", %s entr%s, digest %.12s -> %.12s", v[5],
                                            strcmp(v[5], "1") == 0 ? "y" : "ies", v[3], v[4]);
                        if (*v[2]) {
                                r = r ?: buf_puts(&b, ": ");
                                r = r ?: escape_text(&b, v[2], strlen(v[2]));
                        }
                        r = r ?: buf_puts(&b, "\n            paths:");
                        for (size_t i = 6; r >= 0 && i < n; i++) {
                                r = buf_putc(&b, ' ');
                                r = r ?: escape_text_token(&b, v[i], strlen(v[i]));
                        }
                        r = r ?: buf_putc(&b, '\n');
                }
                if (r >= 0 && fwrite(b.data, 1, b.len, f) != b.len)
                        r = negative_errno();
                if (r < 0)
                        return dw_error_set(ret_error, r, NULL, "cannot write output: %s", strerror(-r));
        }
        return 0;
}
