/* Fuzz harness for the baseline reader: any bytes as a baseline database
 * (loaded with sqlite3_deserialize, so SQLite parses the input itself) give a
 * tree or a negative errno with a reason, never a crash or a leak. What parses
 * is diffed against itself (only unreadable entries may come out), against a
 * small tree and an empty one both ways, below its own paths too, and every
 * finding is rendered as text and as JSON.
 *
 * With FUZZ_BASELINE_MIN_PARSED=N in the environment the program fails at exit
 * unless at least N inputs parsed: the regress run sets it, as its seeds are
 * valid baselines and a harness that never gets past the header tests nothing. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fim/diff.h"
#include "fim/findings.h"
#include "fim/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long parsed;

static void check_parsed(void) __attribute__((destructor));
static void check_parsed(void)
{
        const char *min = getenv("FUZZ_BASELINE_MIN_PARSED");

        if (!min)
                return;
        fprintf(stderr, "%lu baselines parsed\n", parsed);
        if (parsed < strtoul(min, NULL, 10))
                _exit(1);
}

static void add(struct fim_tree *t, const char *path, uint32_t type, uint32_t mode, uint64_t size)
{
        struct fim_entry *e = fim_tree_add(t);

        if (!e || !(e->path = arena_strndup(&t->arena, path, strlen(path))))
                abort();
        e->path_len = (uint32_t) strlen(path);
        e->type = type;
        e->mode = mode;
        e->size = size;
        e->nlink = 1;
        e->mtime_ns = 1700000000000000000LL;
        memset(e->sha256, 0x5a, SHA256_LEN);
        e->flags = type == S_IFREG ? ENTRY_HAS_HASH : 0;
}

/* A handful of entries that seeds and mutations are likely to share. */
static struct fim_tree *small_tree(void)
{
        struct fim_tree *t = NULL;

        if (fim_tree_new(&t) < 0)
                abort();
        t->attrs = ATTR_ALL_LIVE;
        add(t, "/", S_IFDIR, 0755, 0);
        add(t, "/etc", S_IFDIR, 0755, 0);
        add(t, "/etc/passwd", S_IFREG, 0644, 10);
        add(t, "/usr", S_IFDIR, 0755, 0);
        add(t, "/usr/bin/sh", S_IFREG, 0755, 100);
        fim_tree_sort(t);
        return t;
}

static int only_unreadable(const struct fim_change *c, void *userdata)
{
        if (c->kind != CHANGE_UNREADABLE)
                abort();
        return fim_report_change(c, userdata);
}

static void diff_and_render(const struct fim_tree *tree, const struct baseline_meta *meta)
{
        static struct ruleset *rules;
        static struct fim_tree *small, *empty;
        static FILE *null;
        enum output_format formats[] = { OUTPUT_TEXT, OUTPUT_JSON };

        if (!rules && ruleset_default(&rules, NULL) < 0)
                abort();
        if (!null && !(null = fopen("/dev/null", "we")))
                abort();
        if (!small)
                small = small_tree();
        if (!empty && fim_tree_new(&empty) < 0)
                abort();
        for (size_t i = 0; i < 2; i++) {
                struct output out;
                struct fim_reporter rep;

                output_init(&out, formats[i], null, "fuzz");
                out.show_events = true;
                rep = (struct fim_reporter) { .rules = rules, .out = &out, .root = "/fuzz" };
                (void) fim_diff(tree, tree, 0, NULL, 0, only_unreadable, &rep);
                (void) fim_diff(tree, small, 0, NULL, 0, fim_report_change, &rep);
                (void) fim_diff(small, tree, 0, meta->paths, meta->n_paths, fim_report_change, &rep);
                (void) fim_diff(tree, empty, 0, meta->paths, meta->n_paths, fim_report_change, &rep);
                rep.path_prefix = "/sysroot";
                rep.etc = true;
                (void) fim_diff(empty, tree, 0, NULL, 0, fim_report_change, &rep);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct fim_tree *tree = NULL;
        struct baseline_meta meta = { 0 };
        const char *reason = NULL;

        if (baseline_read_buf(data, size, &tree, &meta, &reason) < 0) {
                if (tree || meta.source || meta.paths)
                        abort();        /* outputs untouched on failure */
                return 0;
        }
        parsed++;
        diff_and_render(tree, &meta);
        fim_tree_free(tree);
        baseline_meta_release(&meta);
        return 0;
}
