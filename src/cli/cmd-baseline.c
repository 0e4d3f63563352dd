/* driftwatch baseline create | show */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "basic/escape.h"
#include "cli.h"
#include "fim/store.h"
#include "fim/walk.h"
#include "image/ostree-source.h"
#include "report/json.h"

static void help_create(FILE *f)
{
        fprintf(f, "usage: driftwatch baseline create --from SOURCE --out FILE [--path PREFIX]... [--threads N]\n\n"
                   "Records every entry below SOURCE: type, mode, uid, gid, size, mtime, SHA-256 of the\n"
                   "content, symlink target, device numbers, hardlink identity and every xattr.\n\n"
                   "sources:\n"
                   "  dir:PATH           a directory; paths are stored relative to PATH\n"
                   "  ostree:REPO:REF    a ref or commit of an ostree repository, read without a checkout\n"
                   "                     (REPO may not contain ':'; REF may, as in remote:ref)\n\n"
                   "options:\n"
                   "  --out FILE         the baseline to write; replaced only once the new one is complete\n"
                   "  --path PREFIX      record only below PREFIX (repeatable; default: everything)\n"
                   "  --threads N        worker threads (default: one per CPU)\n");
}

static void help_show(FILE *f)
{
        fprintf(f, "usage: driftwatch baseline show FILE [--entries] [--format text|json]\n\n"
                   "Describes a baseline; --entries lists every entry as well.\n");
}

/* Writes tree as a baseline with its description; prints the error itself. */
static int write_baseline(const char *out, const struct fim_tree *tree, const char *source, const char *commit,
                          char *const *paths, size_t n_paths)
{
        static char *everything[] = { "/", NULL };
        char created[TIMESTAMP_LEN];
        struct timespec ts;
        struct baseline_meta meta = {
                .source = (char *) source,
                .commit = (char *) commit,
                .created = created,
                .host = (char *) cli_hostname(),
                .paths = n_paths ? (char **) paths : everything,
                .n_paths = n_paths ? n_paths : 1,
        };
        int r;

        if (cli_cancel)
                return error("interrupted: baseline not written");
        clock_gettime(CLOCK_REALTIME, &ts);
        format_timestamp(created, (long long) ts.tv_sec * 1000000000 + ts.tv_nsec);
        r = baseline_write(out, tree, &meta);
        if (r < 0)
                return error("cannot write baseline '%s': %s", out, strerror(-r));
        return EXIT_CLEAN;
}

/* A baseline that records nothing, or a --path that matches nothing in the
 * source, is a mistake, never an empty baseline every later check agrees with. */
static int check_recorded(const struct fim_tree *tree, const char *source, char *const *paths, size_t n_paths)
{
        const char *p = fim_tree_unmatched_prefix(tree, paths, n_paths);

        if (p)
                return error("path '%s' matches nothing in '%s': no baseline written", p, source);
        if (tree->n == 0)
                return error("nothing to record in '%s': no baseline written", source);
        return EXIT_CLEAN;
}

int cli_baseline_from_dir(const char *dir, char *const *paths, size_t n_paths, bool paths_must_match,
                          unsigned threads, const char *out, size_t *ret_entries, struct walk_stats *ret_stats)
{
        _cleanup_(fim_tree_freep) struct fim_tree *tree = NULL;
        _cleanup_(freep) char *source = NULL;
        struct walk_progress progress = { 0 };
        struct walk_opts wo = { .threads = threads, .attrs = ATTR_ALL_LIVE, .progress = &progress,
                                .cancel = &cli_cancel };
        struct progress_ui *ui;
        char real[PATH_MAX];
        int r;

        if (!realpath(dir, real))
                return error("cannot open source directory '%s': %s", dir, strerror(errno));
        ui = progress_start("baseline", &progress);
        r = fim_walk(real, paths, n_paths, &wo, &tree, ret_stats);
        progress_stop(ui);
        if (r == -ECANCELED)
                return error("interrupted: baseline not written");
        if (r < 0)
                return error("cannot walk '%s': %s", dir, strerror(-r));
        r = check_recorded(tree, dir, paths, paths_must_match ? n_paths : 0);
        if (r != EXIT_CLEAN)
                return r;
        if (asprintf(&source, "dir:%s", real) < 0)
                return error("out of memory");
        r = write_baseline(out, tree, source, NULL, paths, n_paths);
        if (r == EXIT_CLEAN)
                *ret_entries = tree->n;
        return r;
}

static int create_from_ostree(const char *from, char *const *paths, size_t n_paths, unsigned threads,
                              const char *out, size_t *ret_entries, struct walk_stats *ret_stats,
                              char **ret_commit)
{
        _cleanup_(fim_tree_freep) struct fim_tree *tree = NULL;
        _cleanup_(freep) char *repo_path = NULL, *msg = NULL;
        const char *repo = from + strlen("ostree:"), *colon = strchr(repo, ':');
        int r;

        if (!colon || colon == repo || !colon[1])
                return usage_error("baseline create", "source '%s' is not of the form ostree:REPO:REF", from);
        repo_path = strndup(repo, (size_t) (colon - repo));
        if (!repo_path)
                return error("out of memory");
        r = ostree_tree_from_ref(repo_path, colon + 1, paths, n_paths, threads, &tree, ret_commit, ret_stats, &msg);
        if (r < 0)
                return error("cannot read ostree source '%s': %s", from, msg ? msg : strerror(-r));
        r = check_recorded(tree, from, paths, n_paths);
        if (r != EXIT_CLEAN)
                return r;
        r = write_baseline(out, tree, from, *ret_commit, paths, n_paths);
        if (r == EXIT_CLEAN)
                *ret_entries = tree->n;
        return r;
}

static int baseline_create(int argc, char **argv)
{
        static const struct option opts[] = {
                { "from",    required_argument, NULL, 'f' },
                { "out",     required_argument, NULL, 'o' },
                { "path",    required_argument, NULL, 'p' },
                { "threads", required_argument, NULL, 't' },
                { "help",    no_argument,       NULL, 'h' },
                {}
        };
        _cleanup_(freep) char *commit = NULL;
        const char *from = NULL, *out = NULL;
        char **paths = NULL;
        size_t n_paths = 0;
        unsigned threads = 0;
        struct walk_stats stats = { 0 };
        size_t entries = 0;
        struct stat st;
        int c, r = EXIT_CLEAN;

        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                switch (c) {
                case 'f':
                        from = optarg;
                        break;
                case 'o':
                        out = optarg;
                        break;
                case 'p':
                        /* Prefixes are stored one a line in the baseline's description. */
                        if (has_control(optarg, strlen(optarg))) {
                                _cleanup_(freep) char *e = NULL;

                                (void) escape_text_alloc(optarg, &e);
                                r = usage_error("baseline create", "--path '%s' contains a control character",
                                                e ?: "?");
                                break;
                        }
                        r = cli_add_path("baseline create", optarg, &paths, &n_paths);
                        break;
                case 't':
                        r = cli_threads_option("baseline create", optarg, &threads);
                        break;
                case 'h':
                        help_create(stdout);
                        cli_strv_free(paths, n_paths);
                        return EXIT_CLEAN;
                default:
                        r = EXIT_TROUBLE;
                }
                if (r != EXIT_CLEAN)
                        goto out;
        }
        if (!from || !out) {
                r = usage_error("baseline create", "--from and --out are required");
                goto out;
        }
        if (optind < argc) {
                r = usage_error("baseline create", "unexpected argument '%s'", argv[optind]);
                goto out;
        }
        if (stat(out, &st) == 0 && !S_ISREG(st.st_mode)) {
                r = error("cannot write baseline '%s': not a regular file", out);
                goto out;
        }

        if (strncmp(from, "dir:", 4) == 0)
                r = cli_baseline_from_dir(from + 4, paths, n_paths, true, threads, out, &entries, &stats);
        else if (strncmp(from, "ostree:", 7) == 0)
                r = create_from_ostree(from, paths, n_paths, threads, out, &entries, &stats, &commit);
        else
                r = usage_error("baseline create", "unknown source '%s' (use dir:PATH or ostree:REPO:REF)", from);
        if (r != EXIT_CLEAN)
                goto out;
        if (!cli.quiet) {
                printf("baseline '%s': %zu entries from %s", out, entries, from);
                if (commit)
                        printf(" (commit %s)", commit);
                printf(", %llu files hashed (%.1f MiB)\n", stats.hashed, (double) stats.bytes_hashed / (1 << 20));
                if (stats.errors)
                        warning("%llu entries could not be read fully; they are recorded as unreadable",
                                stats.errors);
        }
        r = EXIT_CLEAN;
out:
        cli_strv_free(paths, n_paths);
        return r;
}

static int show_entry(const struct fim_entry *e, enum output_format format, struct buf *b)
{
        int r = 0;

        buf_reset(b);
        if (format == OUTPUT_JSON) {
                struct json j;

                json_init(&j, b);
                json_object_begin(&j, NULL);
                json_string_n(&j, "path", e->path, e->path_len);
                json_hex_unless_utf8(&j, "path_hex", e->path, e->path_len);
                json_string(&j, "type", fim_type_name(e->type));
                json_int(&j, "mode", e->mode);
                json_int(&j, "uid", e->uid);
                json_int(&j, "gid", e->gid);
                json_int(&j, "size", (int64_t) e->size);
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
                r = buf_printf(b, "%-7s %04o %5u %5u %10llu ", fim_type_name(e->type), e->mode, e->uid, e->gid,
                               (unsigned long long) e->size);
                if (r >= 0 && (e->flags & ENTRY_HAS_HASH))
                        r = hex_encode(b, e->sha256, SHA256_LEN);
                else if (r >= 0)
                        r = buf_printf(b, "%64s", "-");
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
        if (r >= 0 && fwrite(b->data, 1, b->len, stdout) != b->len)
                r = -EIO;
        return r;
}

/* The description of a baseline in text. Every value was read from the file,
 * so each is escaped: a host name or source with a newline cannot forge a line. */
static int show_header(const char *file, const struct baseline_meta *meta, size_t n, const size_t counts[4],
                       struct buf *b)
{
        size_t i;
        int r;

        buf_reset(b);
        r = escape_text_line(b, "baseline:   ", file);
        if (r >= 0)
                r = escape_text_line(b, "source:     ", meta->source ? meta->source : "-");
        if (r >= 0 && meta->commit)
                r = escape_text_line(b, "commit:     ", meta->commit);
        if (r >= 0)
                r = escape_text_line(b, "created:    ", meta->created ? meta->created : "-");
        if (r >= 0)
                r = escape_text_line(b, "host:       ", meta->host ? meta->host : "-");
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
                r = buf_printf(b, "\nentries:    %zu (%zu files, %zu directories, %zu symlinks, %zu other)\n", n,
                               counts[0], counts[1], counts[2], counts[3]);
        return r;
}

static int baseline_show(int argc, char **argv)
{
        static const struct option opts[] = {
                { "entries", no_argument,       NULL, 'e' },
                { "format",  required_argument, NULL, 'F' },
                { "help",    no_argument,       NULL, 'h' },
                {}
        };
        _cleanup_(fim_tree_freep) struct fim_tree *tree = NULL;
        _cleanup_(baseline_meta_release) struct baseline_meta meta = { 0 };
        _cleanup_(buf_release) struct buf b;
        enum output_format format = OUTPUT_TEXT;
        const char *reason = NULL;
        bool entries = false;
        size_t i, counts[4] = { 0 };
        int c, r;

        buf_init(&b, 0);
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
                switch (c) {
                case 'e':
                        entries = true;
                        break;
                case 'F':
                        r = cli_format_option("baseline show", optarg, &format);
                        if (r != EXIT_CLEAN)
                                return r;
                        break;
                case 'h':
                        help_show(stdout);
                        return EXIT_CLEAN;
                default:
                        return EXIT_TROUBLE;
                }
        }
        if (optind + 1 != argc)
                return usage_error("baseline show", "expects one baseline file");
        r = baseline_read(argv[optind], &tree, &meta, &reason);
        if (r < 0)
                return error("cannot read baseline '%s': %s", argv[optind], reason ? reason : strerror(-r));

        for (i = 0; i < tree->n; i++) {
                uint32_t t = tree->entries[i].type;

                counts[t == S_IFREG ? 0 : t == S_IFDIR ? 1 : t == S_IFLNK ? 2 : 3]++;
        }
        if (format == OUTPUT_JSON) {
                struct json j;

                json_init(&j, &b);
                json_object_begin(&j, NULL);
                json_string(&j, "baseline", argv[optind]);
                json_string(&j, "source", meta.source ? meta.source : "");
                if (meta.commit)
                        json_string(&j, "commit", meta.commit);
                json_string(&j, "created", meta.created ? meta.created : "");
                json_string(&j, "host", meta.host ? meta.host : "");
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
                        return error("out of memory");
                if (!entries)
                        printf("%s\n", b.data);
        } else {
                r = show_header(argv[optind], &meta, tree->n, counts, &b);
                if (r < 0 || fwrite(b.data, 1, b.len, stdout) != b.len)
                        return error("cannot write output: %s", strerror(r < 0 ? -r : EIO));
        }
        for (i = 0; entries && i < tree->n; i++) {
                r = show_entry(&tree->entries[i], format, &b);
                if (r < 0)
                        return error("cannot write output: %s", strerror(-r));
        }
        return fflush(stdout) == 0 ? EXIT_CLEAN : error("cannot write output: %s", strerror(errno));
}

int cmd_baseline(int argc, char **argv)
{
        if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                FILE *f = argc < 2 ? stderr : stdout;

                fprintf(f, "usage: driftwatch baseline create --from SOURCE --out FILE [--path PREFIX]...\n"
                           "       driftwatch baseline show FILE [--entries] [--format text|json]\n");
                return argc < 2 ? EXIT_TROUBLE : EXIT_CLEAN;
        }
        if (strcmp(argv[1], "create") == 0)
                return baseline_create(argc - 1, argv + 1);
        if (strcmp(argv[1], "show") == 0)
                return baseline_show(argc - 1, argv + 1);
        return usage_error("baseline", "unknown action '%s' (create or show)", argv[1]);
}
