/* Capability: journal analytics; see journal.h.
 *
 * A --file is a journal file when it starts with the journal's signature
 * ("LPKSHHRH"), read through sd-journal; anything else (and '-', standard
 * input) is a stream, `journalctl -o export` or `-o json` (its first byte
 * '{'), read in chunks through a bounded parser. With a cursor file or
 * --follow the journal files or the directory are opened as one journal
 * (sd-journal-reader.h): reading starts after the saved cursor, records lost
 * since it are a DW-JRN-GAP finding, and after each batch the findings are
 * flushed and the last entry's cursor saved. */
#define _GNU_SOURCE
#include "journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "basic/fd-util.h"
#include "capability/status.h"
#include "image/status-policy.h"
#include "journal/cursor.h"
#include "journal/file-check.h"
#include "journal/sd-journal-reader.h"
#include "parse/journal-json.h"

#define READ_CHUNK ((size_t) 64 << 10)
#define DIR_FILES_MAX 4096              /* journal files of a directory checked */
#define JOURNAL_SIGNATURE "LPKSHHRH"

/* What sd-journal returns for a file it cannot make sense of. */
#define IN_SET_CORRUPT(r) \
        ((r) == -EBADMSG || (r) == -ENODATA || (r) == -EUCLEAN || (r) == -EIDRM || (r) == -ESHUTDOWN || \
         (r) == -EPROTONOSUPPORT || (r) == -EADDRNOTAVAIL || (r) == -ENOTRECOVERABLE)

struct journal_run {
        const struct dw_context *ctx;
        const struct journal_request *req;
        struct output *out;
        struct journal_analyzer *a;     /* NULL: entries go to fn alone (journal_read_input) */
        export_entry_fn fn;             /* with a: the analyzer's */
        void *fn_data;
        struct export_parser *p;
        struct journal_json *json;      /* the stream being read is JSON */
        int cursor_error;               /* saving the cursor failed with it */
};

static void journal_run_release(struct journal_run *run)
{
        journal_json_free(run->json);
}

static int on_entry(const struct journal_entry *e, void *userdata)
{
        struct journal_run *run = userdata;

        return run->fn(e, run->fn_data);
}

static int on_long_line(uint64_t line, uint64_t size, void *userdata)
{
        struct journal_run *run = userdata;
        char msg[256], n[24];

        if (!run->a)
                return 0;
        snprintf(n, sizeof(n), "%" PRIu64, line);
        snprintf(msg, sizeof(msg), "line %" PRIu64 " is %" PRIu64 " bytes, over the %zu KiB limit of a JSON "
                 "entry: skipped, not read", line, size, JOURNAL_JSON_LINE_MAX >> 10);
        return journal_analyzer_health(run->a, "DW-JRN-FIELD-TOO-LARGE", "field-too-large", 0, msg, "line", n);
}

/* The findings so far out to a pipe's reader; a write error is the output's. */
static int flush_out(struct journal_run *run)
{
        if (!run->out || fflush(run->out->f) == 0)
                return 0;
        if (!run->out->error)
                run->out->error = negative_errno();
        return run->out->error;
}

/* The findings so far out, and the cursor of the last entry read saved. */
static int on_batch(const char *cursor, void *userdata)
{
        struct journal_run *run = userdata;
        int r = flush_out(run);

        if (r < 0 || !run->req->cursor_file)
                return r;
        r = cursor_file_write(run->req->cursor_file, cursor);
        if (r < 0)
                run->cursor_error = r;
        return r;
}

/* Following a caught-up journal: merges need not wait for an entry past
 * their window, the clock says when it has passed. */
static int on_idle(void *userdata)
{
        struct journal_run *run = userdata;
        struct timespec now;
        int r;

        if (clock_gettime(CLOCK_REALTIME, &now) < 0)
                return 0;
        r = journal_analyzer_idle(run->a, (uint64_t) now.tv_sec * 1000000 + (uint64_t) now.tv_nsec / 1000);
        return r < 0 ? r : flush_out(run);
}

static int on_gap(const struct journal_gap *g, void *userdata)
{
        struct journal_run *run = userdata;
        char msg[1024], lost[96];

        if (g->count_known)
                snprintf(lost, sizeof(lost), "%" PRIu64 " record%s missing after %s", g->missing,
                         g->missing == 1 ? "" : "s", g->cursor_missing ? "it" : "the saved cursor");
        else
                snprintf(lost, sizeof(lost), "an unknown number of records lost");
        if (!g->cursor_missing)
                snprintf(msg, sizeof(msg), "%s '%s': removed from the journal since it was saved", lost, g->cursor);
        else
                snprintf(msg, sizeof(msg), "the saved cursor's entry '%s' is no longer in the journal (vacuumed, "
                         "rotated away or removed): %s; reading continues %s", g->cursor, lost,
                         g->from_head ? "from the oldest entry available" : "at the next entry");
        return journal_analyzer_health(run->a, "DW-JRN-GAP", "records-lost", 0, msg, "cursor", g->cursor);
}

static int stream_feed(struct journal_run *run, const char *buf, size_t n)
{
        return run->json ? journal_json_feed(run->json, run->p, buf, n, on_entry, on_long_line, run) :
                           export_parser_feed(run->p, buf, n, on_entry, run);
}

/* The stream's format, by the request or by its first byte. */
static int stream_begin(struct journal_run *run, char first)
{
        enum journal_stream_format f = run->req->stream_format;

        if (f == JOURNAL_STREAM_JSON || (f == JOURNAL_STREAM_DETECT && first == '{'))
                return run->json ? 0 : journal_json_new(&run->json);
        run->json = journal_json_free(run->json);
        return 0;
}

/* A stream from fd, bytes already read (head) first. */
static int read_stream(struct journal_run *run, int fd, const char *head, size_t n_head, const char *label,
                       struct dw_error *ret_error)
{
        _cleanup_(freep) char *chunk = malloc(READ_CHUNK);
        bool begun = false;
        int r = 0;

        if (!chunk)
                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
        if (n_head > 0) {
                r = stream_begin(run, head[0]);
                begun = true;
                if (r >= 0)
                        r = stream_feed(run, head, n_head);
        }
        while (r >= 0) {
                ssize_t n;

                if (run->ctx->cancel && *run->ctx->cancel)
                        return dw_error_set(ret_error, -ECANCELED, NULL, "interrupted");
                n = read(fd, chunk, READ_CHUNK);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return dw_error_set(ret_error, negative_errno(), NULL, "cannot read journal %s: %s", label, strerror(errno));
                if (n == 0) {
                        r = !begun ? 0 : run->json ? journal_json_finish(run->json, run->p, on_entry, on_long_line, run) :
                                                   export_parser_finish(run->p, on_entry, run);
                        break;
                }
                if (!begun) {
                        r = stream_begin(run, chunk[0]);
                        begun = true;
                        if (r < 0)
                                break;
                }
                r = stream_feed(run, chunk, (size_t) n);
        }
        if (r == -EBADMSG && run->json)
                return dw_error_set(ret_error, r, NULL, "cannot read journal %s: not `journalctl -o json` output: "
                                    "%s (line %" PRIu64 ")", label, journal_json_error(run->json),
                                    journal_json_line(run->json));
        if (r == -EBADMSG)
                return dw_error_set(ret_error, r, NULL, "cannot read journal %s: not a journal export stream: %s "
                                    "(at byte %llu)", label, export_parser_error(run->p),
                                    (unsigned long long) export_parser_offset(run->p));
        if (r == -ENOMEM)
                return dw_error_set(ret_error, r, NULL, "out of memory");
        if (r < 0)
                return dw_error_set(ret_error, r, NULL, "cannot write output: %s", strerror(-r));
        return 0;
}

/* Opens path and reads its first bytes: *ret_is_journal when they are the
 * journal file signature. */
static int sniff(const char *path, const char *label, int *ret_fd, char head[static 8], size_t *ret_n,
                 bool *ret_is_journal, struct dw_error *ret_error)
{
        _cleanup_(closep) int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        size_t n_head = 0;

        if (fd < 0)
                return dw_error_set(ret_error, negative_errno(), path, "cannot open journal %s: %s", label, strerror(errno));
        while (n_head < 8) {
                ssize_t n = read(fd, head + n_head, 8 - n_head);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return dw_error_set(ret_error, negative_errno(), path, "cannot read journal %s: %s",
                                            label, strerror(errno));
                if (n == 0)
                        break;
                n_head += (size_t) n;
        }
        *ret_is_journal = n_head == 8 && memcmp(head, JOURNAL_SIGNATURE, 8) == 0;
        *ret_n = n_head;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* A journal file whose hash tables are damaged: one finding naming it (its
 * entries are still read, through the entry arrays). */
static int check_file(struct journal_run *run, int fd, const char *path)
{
        struct journal_file_damage d;
        char msg[1024];
        int r;

        if (!run->a)
                return 0;               /* reading for another analysis: sd-journal reads it as it can */
        r = journal_file_check_tables(fd, &d);

        if (r == -EBADMSG)
                snprintf(msg, sizeof(msg), "journal file '%s' is corrupt: its header does not locate its hash "
                         "tables inside the file", path);
        else if (r > 0)
                snprintf(msg, sizeof(msg), "journal file '%s' is corrupt: %" PRIu64 " of the %" PRIu64 " items of "
                         "its %s hash table point outside the file or at no %s object; its entries are read in "
                         "order through the entry arrays, but lookups by field (journalctl FIELD=value) go through "
                         "the damaged table", path, d.bad, d.buckets,
                         d.table, d.table);
        else
                return 0;       /* sound, or unreadable: then sd-journal says why */
        return journal_analyzer_health(run->a, "DW-JRN-FILE-CORRUPT", "journal-corrupt", 0, msg, "file", path);
}

static bool journal_file_name(const char *name)
{
        size_t n = strlen(name);

        return (n > 8 && strcmp(name + n - 8, ".journal") == 0) || (n > 9 && strcmp(name + n - 9, ".journal~") == 0);
}

/* A machine id as a directory name: 32 hex digits. */
static bool machine_id_name(const char *name)
{
        size_t n = strspn(name, "0123456789abcdef");

        return n == 32 && name[n] == '\0';
}

/* The journal files of dir and of its machine-id subdirectories, as
 * sd_journal_open_directory() reads them; *budget bounds how many. */
static int check_dir(struct journal_run *run, int dirfd, const char *path, int depth, unsigned *budget)
{
        DIR *d = fdopendir(dirfd);
        struct dirent *de;
        int r = 0;

        if (!d) {
                close(dirfd);
                return 0;
        }
        while (r >= 0 && *budget > 0 && (de = readdir(d))) {
                _cleanup_(freep) char *sub = NULL;
                struct stat st;
                int fd;

                if (de->d_name[0] == '.' || fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                    asprintf(&sub, "%s/%s", path, de->d_name) < 0)
                        continue;
                if (S_ISDIR(st.st_mode) && depth == 0 && machine_id_name(de->d_name)) {
                        fd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (fd >= 0)
                                r = check_dir(run, fd, sub, 1, budget);
                } else if (S_ISREG(st.st_mode) && journal_file_name(de->d_name)) {
                        fd = openat(dirfd, de->d_name, O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
                        (*budget)--;
                        if (fd >= 0) {
                                r = check_file(run, fd, sub);
                                close(fd);
                        }
                }
        }
        closedir(d);
        return r;
}

static int check_directory(struct journal_run *run, const char *path)
{
        unsigned budget = DIR_FILES_MAX;
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        return fd < 0 ? 0 : check_dir(run, fd, path, 0, &budget);
}

/* Reads the journal of src through sd-journal; what it returns as an error naming label. */
static int read_journal(struct journal_run *run, const struct sd_journal_source *src, const char *label,
                        struct dw_error *ret_error)
{
        static const struct sd_journal_callbacks cb = { .entry = on_entry, .gap = on_gap, .batch = on_batch,
                                                        .idle = on_idle };
        const char *path = src->paths[0];
        int r = sd_journal_read(src, run->p, &cb, run, run->ctx->cancel);

        if (r == -ECANCELED && src->follow)
                return 0;       /* the end of following */
        if (r == -ECANCELED)
                return dw_error_set(ret_error, r, NULL, "interrupted");
        if (run->cursor_error)
                return dw_error_set(ret_error, r, run->req->cursor_file, "cannot write cursor file '%s': %s",
                                    run->req->cursor_file, strerror(-r));
        if (r == -ELIBACC || r == -ELIBBAD)
                return dw_error_set(ret_error, r, path, "cannot read journal %s: libsystemd (libsystemd.so.0) "
                                    "cannot be loaded", label);
        if (r == -EINVAL && src->cursor)
                return dw_error_set(ret_error, r, run->req->cursor_file, "cannot use cursor file '%s': sd-journal "
                                    "refuses its cursor", run->req->cursor_file);
        if (IN_SET_CORRUPT(r))
                return dw_error_set(ret_error, r, path, "cannot read journal %s: truncated or corrupt journal "
                                    "file (%s)", label, strerror(-r));
        if (r < 0 && run->out && run->out->error)
                return dw_error_set(ret_error, run->out->error, NULL, "cannot write output: %s",
                                    strerror(-run->out->error));
        if (r < 0)
                return dw_error_set(ret_error, r, path, "cannot read journal %s: %s", label, strerror(-r));
        return 0;
}

static void quote(char *label, size_t size, const char *path)
{
        snprintf(label, size, "'%s'", path);
}

static int read_input(struct journal_run *run, const struct journal_input *in, struct dw_error *ret_error)
{
        _cleanup_(closep) int fd = -1;
        char label[512], head[8];
        size_t n_head = 0;
        bool stdin_ = in->kind == JOURNAL_INPUT_EXPORT && strcmp(in->path, "-") == 0, is_journal = false;
        int r;

        if (stdin_)
                snprintf(label, sizeof(label), "from standard input");
        else
                quote(label, sizeof(label), in->path);
        if (run->a)
                journal_analyzer_input(run->a, stdin_ ? "-" : in->path);
        if (stdin_)
                return read_stream(run, STDIN_FILENO, NULL, 0, label, ret_error);
        if (in->kind == JOURNAL_INPUT_FILE || in->kind == JOURNAL_INPUT_EXPORT) {
                r = sniff(in->path, label, &fd, head, &n_head, &is_journal, ret_error);
                if (r < 0)
                        return r;
                if (!is_journal)
                        return read_stream(run, fd, head, n_head, label, ret_error);
                r = check_file(run, fd, in->path);
        } else
                r = check_directory(run, in->path);
        if (r < 0)
                return dw_error_set(ret_error, r, NULL, "cannot write output: %s", strerror(-r));
        return read_journal(run, &(struct sd_journal_source) { .paths = &in->path, .n_paths = 1,
                                                               .is_dir = in->kind == JOURNAL_INPUT_DIRECTORY },
                            label, ret_error);
}

/* With a cursor file or --follow: one directory, or journal files read as one journal. */
static int read_with_cursor(struct journal_run *run, struct dw_error *ret_error)
{
        const struct journal_request *req = run->req;
        _cleanup_(freep) const char **paths = NULL;
        _cleanup_(freep) char *cursor = NULL;
        bool is_dir = req->n_inputs > 0 && req->inputs[0].kind == JOURNAL_INPUT_DIRECTORY;
        char label[512];
        int r;

        if (req->n_inputs == 0 || (is_dir && req->n_inputs > 1))
                return dw_error_set(ret_error, -EINVAL, NULL, "--follow and --cursor-file read one --directory or "
                                    "journal files (--file), not a stream on standard input");
        paths = calloc(req->n_inputs, sizeof(*paths));
        if (!paths)
                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
        for (size_t i = 0; i < req->n_inputs; i++) {
                const struct journal_input *in = &req->inputs[i];
                _cleanup_(closep) int fd = -1;
                bool is_journal = in->kind == JOURNAL_INPUT_DIRECTORY;
                size_t n_head;
                char head[8];

                quote(label, sizeof(label), in->path);
                if (in->kind == JOURNAL_INPUT_DIRECTORY && !is_dir)
                        return dw_error_set(ret_error, -EINVAL, in->path, "--follow and --cursor-file read one "
                                            "--directory or journal files, not both");
                if (strcmp(in->path, "-") == 0)
                        is_journal = false;
                else if (!is_journal) {
                        r = sniff(in->path, label, &fd, head, &n_head, &is_journal, ret_error);
                        if (r < 0)
                                return r;
                }
                if (!is_journal)
                        return dw_error_set(ret_error, -EINVAL, in->path, "--follow and --cursor-file read journal "
                                            "files: %s is a stream", strcmp(in->path, "-") ? label : "'-'");
                paths[i] = in->path;
        }
        if (req->cursor_file) {
                r = cursor_file_read(req->cursor_file, &cursor);
                if (r == -EBADMSG || r == -EFBIG)
                        return dw_error_set(ret_error, -EBADMSG, req->cursor_file, "cannot use cursor file '%s': "
                                            "not a journal cursor", req->cursor_file);
                if (r < 0 && r != -ENOENT)
                        return dw_error_set(ret_error, r, req->cursor_file, "cannot read cursor file '%s': %s",
                                            req->cursor_file, strerror(-r));
        }
        quote(label, sizeof(label), paths[0]);
        journal_analyzer_input(run->a, paths[0]);
        for (size_t i = 0; i < req->n_inputs; i++) {
                _cleanup_(closep) int fd = -1;

                r = 0;
                if (is_dir)
                        r = check_directory(run, paths[i]);
                else if ((fd = open(paths[i], O_RDONLY | O_CLOEXEC | O_NOCTTY)) >= 0)
                        r = check_file(run, fd, paths[i]);
                if (r < 0)
                        return dw_error_set(ret_error, r, NULL, "cannot write output: %s", strerror(-r));
        }
        return read_journal(run, &(struct sd_journal_source) { .paths = paths, .n_paths = req->n_inputs,
                                                               .is_dir = is_dir, .cursor = cursor,
                                                               .follow = req->follow },
                            label, ret_error);
}

static int analyzer_entry(const struct journal_entry *e, void *userdata)
{
        return journal_analyzer_entry(userdata, e);
}

int journal_read_input(const struct dw_context *ctx, const struct journal_input *in, struct export_parser *p,
                       export_entry_fn fn, void *userdata, struct dw_error *ret_error)
{
        static const struct journal_request plain = { 0 };
        _cleanup_(journal_run_release) struct journal_run run = {
                .ctx = ctx, .req = &plain, .fn = fn, .fn_data = userdata, .p = p,
        };

        return read_input(&run, in, ret_error);
}

int capability_journal(const struct dw_context *ctx, const struct journal_request *req, struct output *out,
                       struct journal_stats *ret_stats, struct dw_error *ret_error)
{
        static const struct journal_input standard_input = { JOURNAL_INPUT_EXPORT, "-" };
        _cleanup_(status_policy_freep) struct status_policy *policy = NULL;
        _cleanup_(ticket_list_freep) struct ticket_list *tickets = NULL;
        _cleanup_(export_parser_freep) struct export_parser *p = NULL;
        _cleanup_(journal_analyzer_freep) struct journal_analyzer *a = NULL;
        const struct journal_input *inputs = req->n_inputs ? req->inputs : &standard_input;
        size_t n = req->n_inputs ? req->n_inputs : 1;
        _cleanup_(journal_run_release) struct journal_run run = { .ctx = ctx, .req = req, .out = out };
        struct journal_check check;
        int r;

        r = status_load_policy(req->policy_path, req->tickets_path, &policy, &tickets, ret_error);
        if (r < 0)
                return r;
        check = (struct journal_check) { .rules = ctx->rules, .out = out, .policy = policy, .tickets = tickets,
                                         .merge_window_s = req->merge_window_s };
        r = journal_analyzer_new(&check, &a);
        if (r >= 0)
                r = export_parser_new(&p);
        if (r < 0)
                return dw_error_set(ret_error, r, NULL, "out of memory");
        run.a = a;
        run.fn = analyzer_entry;
        run.fn_data = a;
        run.p = p;
        if (req->cursor_file || req->follow)
                r = read_with_cursor(&run, ret_error);
        else
                for (size_t i = 0; i < n && r >= 0; i++) {
                        /* A new parser per input: one stream's broken end is not the next one's start. */
                        if (i > 0) {
                                export_parser_free(p);
                                p = NULL;
                                run.json = journal_json_free(run.json);
                                r = export_parser_new(&p);
                                if (r < 0)
                                        return dw_error_set(ret_error, r, NULL, "out of memory");
                                run.p = p;
                        }
                        r = read_input(&run, &inputs[i], ret_error);
                }
        if (r < 0)
                return r;
        r = journal_analyzer_finish(a, ret_stats);
        if (fflush(out->f) != 0 && r >= 0)
                r = negative_errno();
        if (r < 0)
                return dw_error_set(ret_error, out->error ?: r, NULL, "cannot write output: %s",
                                    strerror(-(out->error ?: r)));
        return 0;
}
