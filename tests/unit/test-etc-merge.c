/* Unit tests for the replay of ostree's /etc merge (src/image/etc-merge.c) on
 * trees built in memory: one case per row of the decision table in
 * docs/etc-diff.md, each with the fate, the reason or ostree's error, and what
 * is lost. tests/e2e/test-etc-merge.sh checks the same rules against ostree
 * itself on real sysroots; these run in milliseconds, under the sanitizers. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "image/etc-diff.h"
#include "image/etc-merge.h"

/* Trees from lines "TYPE PATH [MODE] [CONTENT|TARGET]": TYPE f (file), d
 * (directory), l (symlink), p (FIFO); the root "/" is added. */
static struct fim_tree *tree(const char *spec)
{
        struct fim_tree *t = NULL;
        char *copy = strdup(spec), *save = NULL, *line;
        struct fim_entry *root;

        assert_int_equal(fim_tree_new(&t), 0);
        t->attrs = ETC_ATTRS;
        root = fim_tree_add(t);
        root->path = "/";
        root->path_len = 1;
        root->type = S_IFDIR;
        root->mode = 0755;
        for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char type, path[256], extra[256] = "";
                unsigned mode = 0;
                struct fim_entry *e = fim_tree_add(t);
                int n = sscanf(line, " %c %255s %o %255s", &type, path, &mode, extra);

                assert_true(n >= 2);
                e->path = arena_strndup(&t->arena, path, strlen(path));
                e->path_len = (uint32_t) strlen(path);
                e->type = type == 'f' ? S_IFREG : type == 'd' ? S_IFDIR : type == 'l' ? S_IFLNK : S_IFIFO;
                e->mode = n >= 3 ? mode : (type == 'd' ? 0755 : 0644);
                if (type == 'f') {
                        e->flags = ENTRY_HAS_HASH;
                        memset(e->sha256, extra[0], SHA256_LEN);
                }
                if (type == 'l') {
                        e->target = arena_strndup(&t->arena, extra, strlen(extra));
                        e->target_len = (uint32_t) strlen(extra);
                }
        }
        free(copy);
        fim_tree_sort(t);
        return t;
}

struct outcome {
        char path[64];
        const struct merge_result *res;
};

struct run {
        struct fim_tree *image, *local, *next;
        struct etc_merge *m;
        struct fim_change changes[32];
        struct outcome out[32];
        size_t n;
};

static int collect(const struct fim_change *c, void *userdata)
{
        struct run *r = userdata;
        const struct fim_entry *e = c->new ? c->new : c->old;
        size_t index;

        assert_true(r->n < 32);
        r->changes[r->n] = *c;
        assert_int_equal(etc_merge_add(r->m, &r->changes[r->n], c->kind != CHANGE_MODIFIED ||
                                                                        (c->changed & ~ATTR_XATTRS) != 0,
                                       &index),
                         0);
        assert_int_equal(index, r->n);
        snprintf(r->out[r->n].path, sizeof(r->out[r->n].path), "%.*s", (int) e->path_len, e->path);
        r->n++;
        return 0;
}

/* Replays the merge of image -> local into next under ostree VERSION. */
static void replay(struct run *r, const char *image, const char *local, const char *next, unsigned version)
{
        size_t i;

        memset(r, 0, sizeof(*r));
        r->image = tree(image);
        r->local = tree(local);
        r->next = tree(next);
        assert_int_equal(etc_merge_new(r->image, r->local, r->next, version, &r->m), 0);
        assert_int_equal(fim_diff_folded(r->image, r->local, ETC_ATTRS, collect, r), 0);
        assert_int_equal(etc_merge_run(r->m), 0);
        for (i = 0; i < r->n; i++)
                r->out[i].res = etc_merge_result(r->m, i);
}

static void done(struct run *r)
{
        etc_merge_free(r->m);
        fim_tree_free(r->image);
        fim_tree_free(r->local);
        fim_tree_free(r->next);
}

static const struct merge_result *fate_of(struct run *r, const char *path)
{
        for (size_t i = 0; i < r->n; i++)
                if (strcmp(r->out[i].path, path) == 0)
                        return r->out[i].res;
        fail_msg("no change at %s", path);
        return NULL;
}

#define V2022 OSTREE_VERSION_NUM(2022, 7)
#define V2024 OSTREE_VERSION_NUM(2024, 2)

static void test_blockers(void **state)
{
        struct run r;

        (void) state;
        /* A local file where the new image has a directory. */
        replay(&r, "f /a 0644 x", "f /a 0644 y", "d /a\nf /a/in 0644 z", V2022);
        assert_int_equal(fate_of(&r, "/a")->fate, MERGE_BLOCKS_DEPLOY);
        assert_string_equal(fate_of(&r, "/a")->reason,
                            "During /etc merge: Modified config file newly defaults to directory 'a', cannot merge");
        assert_int_equal(etc_merge_blockers(r.m), 1);
        done(&r);
        /* A change inside a directory the image turned into a file; newer
         * releases prefix the error. */
        replay(&r, "d /d\nf /d/x 0644 x", "d /d\nf /d/x 0644 x\nf /d/new 0644 n", "f /d 0644 f", OSTREE_VERSION_NUM(2023, 7));
        assert_int_equal(fate_of(&r, "/d/new")->fate, MERGE_BLOCKS_DEPLOY);
        assert_string_equal(fate_of(&r, "/d/new")->reason,
                            "Finalizing deployment: During /etc merge: opendir(d): Not a directory");
        done(&r);
        /* A missing parent below a directory the image turned into a file. */
        replay(&r, "d /s\nd /s/c", "d /s\nd /s/c\nf /s/c/x 0644 x", "f /s 0644 f", V2022);
        assert_int_equal(fate_of(&r, "/s/c/x")->fate, MERGE_BLOCKS_DEPLOY);
        assert_string_equal(fate_of(&r, "/s/c/x")->reason, "During /etc merge: mkdirat: Not a directory");
        done(&r);
}

static void test_special_files(void **state)
{
        struct run r;

        (void) state;
        /* Inside a new directory: fails before 2024.2, skipped since. */
        replay(&r, "", "d /n\np /n/fifo\nf /n/f 0644 f", "", V2022);
        assert_int_equal(fate_of(&r, "/n")->fate, MERGE_BLOCKS_DEPLOY);
        assert_string_equal(fate_of(&r, "/n")->reason,
                            "During /etc merge: Copying fifo: Cannot copy non-regular/non-symlink file: fifo");
        done(&r);
        replay(&r, "", "d /n\np /n/fifo\nf /n/f 0644 f", "", V2024);
        assert_int_equal(fate_of(&r, "/n")->fate, MERGE_CARRIED);
        assert_int_equal(fate_of(&r, "/n/fifo")->fate, MERGE_DROPPED);
        assert_int_equal(fate_of(&r, "/n/f")->fate, MERGE_CARRIED);
        done(&r);
        /* A FIFO in place of an image file deletes it and copies nothing. */
        replay(&r, "f /k 0644 k", "p /k", "f /k 0644 k", V2022);
        assert_int_equal(fate_of(&r, "/k")->fate, MERGE_DROPPED);
        assert_int_equal(fate_of(&r, "/k")->loses_total, 1);
        done(&r);
}

static void test_directories(void **state)
{
        struct run r;

        (void) state;
        /* A directory's own mode: dropped alone, carried with a file placed inside. */
        replay(&r, "d /s", "d /s 0700", "d /s", V2022);
        assert_int_equal(fate_of(&r, "/s")->fate, MERGE_DROPPED);
        done(&r);
        replay(&r, "d /s", "d /s 0700\nf /s/new 0644 n", "d /s", V2022);
        assert_int_equal(fate_of(&r, "/s")->fate, MERGE_CARRIED);
        assert_int_equal(fate_of(&r, "/s/new")->fate, MERGE_CARRIED);
        done(&r);
        /* An edit inside reverts the image's new mode of the directory. */
        replay(&r, "d /c\nf /c/a 0644 a", "d /c\nf /c/a 0644 b", "d /c 0700\nf /c/a 0644 a", V2022);
        assert_int_equal(fate_of(&r, "/c/a")->fate, MERGE_CARRIED);
        assert_int_equal(fate_of(&r, "/c/a")->loses_total, 1);
        assert_non_null(strstr(fate_of(&r, "/c/a")->loses[0], "/etc/c: the new image's mode 0700"));
        done(&r);
        /* A local file turned directory, where the image made it a directory too:
         * nothing of the local one is copied. */
        replay(&r, "f /t 0644 t", "d /t\nf /t/in 0644 i", "d /t\nf /t/img 0644 m", V2022);
        assert_int_equal(fate_of(&r, "/t")->fate, MERGE_DROPPED);
        assert_int_equal(fate_of(&r, "/t")->loses_total, 1);
        done(&r);
}

static void test_removals_and_shadows(void **state)
{
        struct run r;

        (void) state;
        /* A removed directory takes what the image adds below it along. */
        replay(&r, "d /r\nf /r/base 0644 b", "", "d /r\nf /r/base 0644 b\nf /r/new 0644 n", V2022);
        assert_int_equal(r.n, 1);       /* listed once, as config-diff does */
        assert_int_equal(fate_of(&r, "/r")->fate, MERGE_REMOVAL_APPLIED);
        assert_int_equal(r.changes[0].folded_old, 1);
        assert_non_null(strstr(fate_of(&r, "/r")->loses[0], "1 entry the new image adds or changes below it"));
        done(&r);
        /* An edit hides the image deleting the file. */
        replay(&r, "f /e 0644 a", "f /e 0644 b", "", V2022);
        assert_int_equal(fate_of(&r, "/e")->fate, MERGE_CARRIED_SHADOWS);
        done(&r);
        /* A removal through a symlink of the new image lands outside /etc. */
        replay(&r, "d /docs\nf /docs/readme 0644 r", "d /docs", "l /docs 0777 ../usr/share/doc", V2022);
        assert_int_equal(fate_of(&r, "/docs/readme")->fate, MERGE_REDIRECTED);
        assert_non_null(strstr(fate_of(&r, "/docs/readme")->reason, "symlink to '../usr/share/doc'"));
        done(&r);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_blockers),
                cmocka_unit_test(test_special_files),
                cmocka_unit_test(test_directories),
                cmocka_unit_test(test_removals_and_shadows),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
