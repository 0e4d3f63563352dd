/* Capability: baselines; see baseline.h. */
#define _GNU_SOURCE
#include "baseline.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "basic/escape.h"
#include "container/oci-image.h"
#include "fim/store.h"
#include "fim/walk.h"
#include "image/ostree-source.h"
#include "report/json.h"

/* Commits what w holds as the baseline 'out', with its description. */
static int commit_baseline(const struct dw_context *ctx, const char *out, struct baseline_writer *w,
                           const char *source, const char *commit, char *const *paths, size_t n_paths,
                           struct dw_error *ret_error)
{
        static char *everything[] = { "/", NULL };
        char created[TIMESTAMP_LEN];
        struct timespec ts;
        struct baseline_meta meta = {
                .source = (char *) source,
                .commit = (char *) commit,
                .created = created,
                .host = (char *) ctx->host,
                .paths = n_paths ? (char **) paths : everything,
                .n_paths = n_paths ? n_paths : 1,
        };
        int r;

        if (ctx->cancel && *ctx->cancel)
                return dw_error_set(ret_error, -ECANCELED, out, "interrupted: baseline not written");
        clock_gettime(CLOCK_REALTIME, &ts);
        format_timestamp(created, (long long) ts.tv_sec * 1000000000 + ts.tv_nsec);
        r = baseline_writer_commit(w, &meta);
        if (r < 0)
                return dw_error_set(ret_error, r, out, "cannot write baseline '%s': %s", out, strerror(-r));
        return 0;
}

static int writer_failed(int r, const char *out, struct dw_error *ret_error)
{
        return dw_error_set(ret_error, r, out, "cannot write baseline '%s': %s", out, strerror(-r));
}

/* A baseline that records nothing, or a --path that matches nothing in the
 * source ('unmatched'), is a mistake, never an empty baseline every later
 * check agrees with. */
static int check_recorded(const char *unmatched, size_t entries, const char *source, struct dw_error *ret_error)
{
        if (unmatched)
                return dw_error_set(ret_error, -ENOENT, unmatched,
                                    "path '%s' matches nothing in '%s': no baseline written", unmatched, source);
        if (entries == 0)
                return dw_error_set(ret_error, -ENOENT, source, "nothing to record in '%s': no baseline written",
                                    source);
        return 0;
}

static int walk_failed(int r, const char *dir, struct dw_error *ret_error)
{
        if (r == -ECANCELED)
                return dw_error_set(ret_error, r, NULL, "interrupted: baseline not written");
        return dw_error_set(ret_error, r, dir, "cannot walk '%s': %s", dir, strerror(-r));
}

/* A directory, streamed: cut into ranges of path order of about
 * BASELINE_CHUNK_ROWS entries, each walked and written before the next, so
 * memory does not grow with the tree (see docs/internals/fim.md). */
static int create_from_dir(const struct dw_context *ctx, const struct baseline_create_request *req,
                           struct baseline_create_summary *ret_summary, struct dw_error *ret_error)
{
        _cleanup_(baseline_writer_freep) struct baseline_writer *w = NULL;
        _cleanup_(fim_links_freep) struct fim_links *links = NULL;
        _cleanup_(path_cuts_release) struct path_cuts cuts = { 0 };
        _cleanup_(freep) char *source = NULL;
        _cleanup_(freep) bool *matched = NULL;
        const char *dir = req->source + 4, *unmatched = NULL;
        size_t n_must = req->paths_must_match ? req->n_paths : 0, entries = 0;
        struct walk_opts wo = { .threads = ctx->threads, .attrs = ATTR_ALL_LIVE, .progress = ctx->progress,
                                .cancel = ctx->cancel };
        struct walk_stats stats = { 0 };
        char real[PATH_MAX];
        int r;

        if (!realpath(dir, real))
                return dw_error_set(ret_error, -errno, dir, "cannot open source directory '%s': %s", dir,
                                    strerror(errno));
        if (asprintf(&source, "dir:%s", real) < 0) {
                source = NULL;
                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
        }
        r = fim_walk_plan(real, req->paths, req->n_paths, req->chunk_entries ? req->chunk_entries : BASELINE_CHUNK_ROWS,
                          ctx->progress, ctx->cancel, &cuts);
        if (r < 0)
                return walk_failed(r, dir, ret_error);
        r = baseline_writer_new(req->out, ATTR_ALL_LIVE, &w);
        if (r < 0)
                return writer_failed(r, req->out, ret_error);
        r = fim_links_new(&links);
        matched = calloc(n_must + 1, sizeof(*matched));
        if (r < 0 || !matched)
                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
        wo.links = links;
        for (size_t i = 0; i <= cuts.n; i++) {
                _cleanup_(fim_tree_freep) struct fim_tree *t = NULL;
                struct walk_stats s = { 0 };
                struct path_range range;

                path_cuts_range(&cuts, i, &range);
                wo.range = &range;
                r = fim_walk(real, req->paths, req->n_paths, &wo, &t, &s);
                if (r < 0)
                        return walk_failed(r, dir, ret_error);
                walk_stats_add(&stats, &s);
                for (size_t k = 0; k < n_must; k++)
                        matched[k] = matched[k] || !fim_tree_unmatched_prefix(t, req->paths + k, 1);
                entries += t->n;
                r = baseline_writer_add(w, t);
                if (r < 0)
                        return writer_failed(r, req->out, ret_error);
                t = fim_tree_free(t);
                walk_range_done();
        }
        for (size_t k = 0; k < n_must && !unmatched; k++)
                if (!matched[k])
                        unmatched = req->paths[k];
        r = check_recorded(unmatched, entries, req->source, ret_error);
        r = r ?: commit_baseline(ctx, req->out, w, source, NULL, req->paths, req->n_paths, ret_error);
        if (r < 0)
                return r;
        if (ret_summary)
                *ret_summary = (struct baseline_create_summary) { .entries = entries, .walk = stats };
        return 0;
}

static int read_ostree(const struct dw_context *ctx, const struct baseline_create_request *req,
                       struct fim_tree **ret_tree, char **ret_commit, struct walk_stats *ret_stats,
                       struct dw_error *ret_error)
{
        _cleanup_(freep) char *repo_path = NULL, *msg = NULL;
        const char *repo = req->source + strlen("ostree:"), *colon = strchr(repo, ':');
        int r;

        if (!colon || colon == repo || !colon[1])
                return dw_error_set(ret_error, -EINVAL, req->source,
                                    "source '%s' is not of the form ostree:REPO:REF", req->source);
        repo_path = strndup(repo, (size_t) (colon - repo));
        if (!repo_path)
                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
        r = ostree_tree_from_ref(repo_path, colon + 1, req->paths, req->n_paths, ctx->threads, ret_tree, ret_commit,
                                 ret_stats, &msg);
        if (r < 0)
                return dw_error_set(ret_error, r, req->source, "cannot read ostree source '%s': %s", req->source,
                                    msg ? msg : strerror(-r));
        return 0;
}

/* A container image: its layers flattened, every blob and DiffID verified. */
static int read_image(const struct dw_context *ctx, const struct baseline_create_request *req,
                      struct fim_tree **ret_tree, char **ret_commit, struct walk_stats *ret_stats,
                      struct dw_error *ret_error)
{
        _cleanup_(freep) char *msg = NULL;
        struct oci_image_info info;
        char hex[2 * SHA256_LEN + 1];
        int r;

        r = oci_image_tree(req->source, req->storage_root, req->paths, req->n_paths, ctx->cancel, ret_tree, &info, &msg);
        if (r == -ECANCELED)
                return dw_error_set(ret_error, r, NULL, "interrupted: baseline not written");
        if (r < 0)
                return dw_error_set(ret_error, r, req->source, "cannot read image '%s': %s", req->source,
                                    msg ? msg : strerror(-r));
        for (size_t i = 0; i < SHA256_LEN; i++)
                snprintf(hex + 2 * i, 3, "%02x", info.config_digest[i]);
        if (asprintf(ret_commit, "sha256:%s", hex) < 0)
                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
        *ret_stats = (struct walk_stats) { .entries = (*ret_tree)->n, .hashed = info.hashed,
                                           .bytes_hashed = info.bytes };
        return 0;
}

int capability_baseline_create(const struct dw_context *ctx, const struct baseline_create_request *req,
                               struct baseline_create_summary *ret_summary, struct dw_error *ret_error)
{
        _cleanup_(fim_tree_freep) struct fim_tree *tree = NULL;
        _cleanup_(baseline_writer_freep) struct baseline_writer *w = NULL;
        _cleanup_(freep) char *commit = NULL;
        struct walk_stats stats = { 0 };
        struct stat st;
        int r;

        if (stat(req->out, &st) == 0 && !S_ISREG(st.st_mode))
                return dw_error_set(ret_error, -EINVAL, req->out, "cannot write baseline '%s': not a regular file",
                                    req->out);
        if (strncmp(req->source, "dir:", 4) == 0)
                return create_from_dir(ctx, req, ret_summary, ret_error);
        if (strncmp(req->source, "ostree:", 7) != 0 && !oci_image_source(req->source))
                return dw_error_set(ret_error, -EINVAL, req->source,
                                    "unknown source '%s' (use dir:PATH, ostree:REPO:REF, oci:DIR[:TAG], "
                                    "oci-archive:FILE[:TAG] or docker-archive:FILE[:TAG])",
                                    req->source);
        /* An ostree commit or an image is read whole. */
        if (oci_image_source(req->source))
                r = read_image(ctx, req, &tree, &commit, &stats, ret_error);
        else
                r = read_ostree(ctx, req, &tree, &commit, &stats, ret_error);
        if (r < 0)
                return r;
        r = check_recorded(fim_tree_unmatched_prefix(tree, req->paths, req->paths_must_match ? req->n_paths : 0),
                           tree->n, req->source, ret_error);
        if (r < 0)
                return r;
        r = baseline_writer_new(req->out, tree->attrs, &w);
        r = r ?: baseline_writer_add(w, tree);
        if (r < 0)
                return writer_failed(r, req->out, ret_error);
        r = commit_baseline(ctx, req->out, w, req->source, commit, req->paths, req->n_paths, ret_error);
        if (r < 0)
                return r;
        if (ret_summary)
                *ret_summary = (struct baseline_create_summary) {
                        .entries = tree->n, .commit = TAKE_PTR(commit), .walk = stats,
                };
        return 0;
}

#define TEXT_HASH_BYTES 6       /* 12 hex digits, as output.c's TEXT_HASH_SHOWN */

static int show_entry(const struct fim_entry *e, enum output_format format, struct buf *b, FILE *f)
{
        char ts[TIMESTAMP_LEN], mode[8];
        int r = 0;

        buf_reset(b);
        if (format == OUTPUT_JSON) {
                struct json j;

                json_init(&j, b);
                json_object_begin(&j, NULL);
                json_string_n(&j, "path", e->path, e->path_len);
                json_hex_unless_utf8(&j, "path_hex", e->path, e->path_len);
                json_string(&j, "type", fim_type_name(e->type));
                /* as findings give it: 4 octal digits, a string */
                snprintf(mode, sizeof(mode), "%04o", e->mode & 07777);
                json_string(&j, "mode", mode);
                json_int(&j, "uid", e->uid);
                json_int(&j, "gid", e->gid);
                json_int(&j, "size", (int64_t) e->size);
                format_timestamp(ts, e->mtime_ns);
                json_string(&j, "mtime", ts);
                if (e->flags & ENTRY_HAS_HASH)
                        json_hex(&j, "sha256", e->sha256, SHA256_LEN);
                if (e->target)
                        json_string_n(&j, "target", e->target, e->target_len);
                if (e->link)
                        json_string_n(&j, "link", e->link, e->link_len);
                if (e->err)
                        json_string(&j, "error", strerror(e->err));
                json_object_end(&j);
                r = json_finish(&j);
        } else {
                /* the mtime to the second, UTC, as the text view gives times */
                format_timestamp(ts, e->mtime_ns);
                r = buf_printf(b, "%-7s %04o %5u %5u %10llu %.19sZ ", fim_type_name(e->type), e->mode, e->uid,
                               e->gid, (unsigned long long) e->size, ts);
                /* the content's hash shortened, as the text view gives hashes (JSON has it whole) */
                if (r >= 0 && (e->flags & ENTRY_HAS_HASH))
                        r = hex_encode(b, e->sha256, TEXT_HASH_BYTES);
                else if (r >= 0)
                        r = buf_printf(b, "%*s", 2 * TEXT_HASH_BYTES, "-");
                if (r >= 0)
                        r = buf_putc(b, ' ');
                if (r >= 0)
                        r = escape_text_token(b, e->path, e->path_len);
                if (r >= 0 && e->target) {
                        r = buf_puts(b, " -> ");
                        if (r >= 0)
                                r = escape_text_token(b, e->target, e->target_len);
                }
        }
        if (r >= 0)
                r = buf_putc(b, '\n');
        if (r >= 0 && fwrite(b->data, 1, b->len, f) != b->len)
                r = negative_errno();
        return r;
}

/* The description of a baseline in text. Every value was read from the file,
 * so each is escaped: a host name or source with a newline cannot forge a line. */
static int show_header(const char *file, const struct baseline_meta *meta, size_t n, const size_t counts[4],
                       struct buf *b)
{
        char second[TIMESTAMP_LEN];
        size_t i;
        int r;

        buf_reset(b);
        r = escape_text_line(b, "baseline:   ", file);
        if (r >= 0)
                r = escape_text_line(b, "source:     ", meta->source ? meta->source : "-");
        if (r >= 0 && meta->commit)
                r = escape_text_line(b, "commit:     ", meta->commit);
        if (r >= 0)
                r = escape_text_line(b, "created:    ", meta->created ? timestamp_to_second(meta->created, second) : "-");
        if (r >= 0)
                r = escape_text_line(b, "host:       ", meta->host ? meta->host : "-");
        if (r >= 0 && meta->digest)
                r = escape_text_line(b, "digest:     ", meta->digest);
        if (r >= 0)
                r = buf_puts(b, "paths:     ");
        for (i = 0; r >= 0 && i < meta->n_paths; i++) {
                r = buf_putc(b, ' ');
                if (r >= 0)
                        r = escape_text_token(b, meta->paths[i], strlen(meta->paths[i]));
        }
        if (r >= 0)
                r = buf_puts(b, "\nattributes: ");
        if (r >= 0)
                r = attr_format_list(b, meta->attrs);
        if (r >= 0)
                r = buf_printf(b, "\nentries:    %zu (%zu file%s, %zu director%s, %zu symlink%s, %zu other)\n", n,
                               counts[0], counts[0] == 1 ? "" : "s", counts[1], counts[1] == 1 ? "y" : "ies",
                               counts[2], counts[2] == 1 ? "" : "s", counts[3]);
        return r;
}

int capability_baseline_show(const struct baseline_show_request *req, FILE *f, struct dw_error *ret_error)
{
        _cleanup_(fim_tree_freep) struct fim_tree *tree = NULL;
        _cleanup_(baseline_meta_release) struct baseline_meta meta = { 0 };
        _cleanup_(buf_release) struct buf b;
        const char *reason = NULL;
        size_t i, counts[4] = { 0 };
        int r;

        buf_init(&b, 0);
        r = baseline_read(req->path, &tree, &meta, &reason);
        if (r < 0)
                return dw_error_set(ret_error, r, req->path, "cannot read baseline '%s': %s", req->path,
                                    reason ? reason : strerror(-r));

        for (i = 0; i < tree->n; i++) {
                uint32_t t = tree->entries[i].type;

                counts[t == S_IFREG ? 0 : t == S_IFDIR ? 1 : t == S_IFLNK ? 2 : 3]++;
        }
        if (req->format == OUTPUT_JSON) {
                struct json j;

                json_init(&j, &b);
                json_object_begin(&j, NULL);
                json_string(&j, "baseline", req->path);
                json_string(&j, "source", meta.source ? meta.source : "");
                if (meta.commit)
                        json_string(&j, "commit", meta.commit);
                json_string(&j, "created", meta.created ? meta.created : "");
                json_string(&j, "host", meta.host ? meta.host : "");
                if (meta.digest)
                        json_string(&j, "digest", meta.digest);
                json_array_begin(&j, "paths");
                for (i = 0; i < meta.n_paths; i++)
                        json_string(&j, NULL, meta.paths[i]);
                json_array_end(&j);
                json_int(&j, "entries", (int64_t) tree->n);
                json_int(&j, "files", (int64_t) counts[0]);
                json_int(&j, "dirs", (int64_t) counts[1]);
                json_int(&j, "symlinks", (int64_t) counts[2]);
                json_int(&j, "other", (int64_t) counts[3]);
                json_object_end(&j);
                if (json_finish(&j) < 0)
                        return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
                if (!req->entries)
                        fprintf(f, "%s\n", b.data);
        } else {
                r = show_header(req->path, &meta, tree->n, counts, &b);
                if (r >= 0 && fwrite(b.data, 1, b.len, f) != b.len)
                        r = negative_errno();
                if (r < 0)
                        return dw_error_set(ret_error, r, NULL, "cannot write output: %s", strerror(-r));
        }
        for (i = 0; req->entries && i < tree->n; i++) {
                r = show_entry(&tree->entries[i], req->format, &b, f);
                if (r < 0)
                        return dw_error_set(ret_error, r, NULL, "cannot write output: %s", strerror(-r));
        }
        if (fflush(f) != 0)
                return dw_error_set(ret_error, -errno, NULL, "cannot write output: %s", strerror(errno));
        return 0;
}
