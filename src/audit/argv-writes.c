/* The files a writer's command line names as written; see argv-writes.h. One
 * option parser for every writer, driven by a table per program: which short
 * options take a value, which long options exist, and which of them matter
 * (the letter they stand for). */
#define _GNU_SOURCE
#include "argv-writes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "basic/macros.h"

enum shape { SHAPE_COPY, SHAPE_TEE, SHAPE_DD, SHAPE_SED, SHAPE_RSYNC, SHAPE_CURL, SHAPE_WGET };

/* A long option: whether it takes a value ("--name VALUE", "--name=VALUE"),
 * and the short option it stands for (0: none that matters here). */
struct long_opt {
        const char *name;
        bool value;
        char id;
};

#define OUTPUT_DIR '\x01'               /* curl --output-dir: no short form */

static const struct long_opt copy_longs[] = {
        { "target-directory", true, 't' }, { "no-target-directory", false, 'T' }, { "suffix", true, 'S' },
        { NULL, false, 0 },
};
static const struct long_opt install_longs[] = {
        { "target-directory", true, 't' }, { "no-target-directory", false, 'T' }, { "suffix", true, 'S' },
        { "directory", false, 'd' },       { "group", true, 'g' },                { "mode", true, 'm' },
        { "owner", true, 'o' },            { "strip-program", true, 0 },          { NULL, false, 0 },
};
static const struct long_opt sed_longs[] = {
        { "expression", true, 'e' }, { "file", true, 'f' }, { "line-length", true, 'l' }, { "in-place", false, 'i' },
        { NULL, false, 0 },
};
static const struct long_opt rsync_longs[] = {
        { "rsh", true, 'e' },           { "filter", true, 'f' },          { "exclude", true, 0 },
        { "include", true, 0 },         { "exclude-from", true, 0 },      { "include-from", true, 0 },
        { "files-from", true, 0 },      { "block-size", true, 'B' },      { "temp-dir", true, 'T' },
        { "remote-option", true, 'M' }, { "modify-window", true, '@' },   { "rsync-path", true, 0 },
        { "backup-dir", true, 0 },      { "suffix", true, 0 },            { "chmod", true, 0 },
        { "chown", true, 0 },           { "usermap", true, 0 },           { "groupmap", true, 0 },
        { "compare-dest", true, 0 },    { "copy-dest", true, 0 },         { "link-dest", true, 0 },
        { "partial-dir", true, 0 },     { "max-delete", true, 0 },        { "max-size", true, 0 },
        { "min-size", true, 0 },        { "timeout", true, 0 },           { "contimeout", true, 0 },
        { "port", true, 0 },            { "password-file", true, 0 },     { "bwlimit", true, 0 },
        { "log-file", true, 0 },        { "out-format", true, 0 },        { "info", true, 0 },
        { "debug", true, 0 },           { "skip-compress", true, 0 },     { "protocol", true, 0 },
        { "iconv", true, 0 },           { "checksum-choice", true, 0 },   { "compress-choice", true, 0 },
        { "compress-level", true, 0 },  { "write-batch", true, 0 },       { "only-write-batch", true, 0 },
        { "read-batch", true, 0 },      { "address", true, 0 },           { "sockopts", true, 0 },
        { NULL, false, 0 },
};
static const struct long_opt curl_longs[] = {
        { "output", true, 'o' },       { "output-dir", true, OUTPUT_DIR }, { "header", true, 'H' },
        { "data", true, 'd' },         { "data-raw", true, 0 },            { "data-binary", true, 0 },
        { "request", true, 'X' },      { "user", true, 'u' },              { "user-agent", true, 'A' },
        { "referer", true, 'e' },      { "upload-file", true, 'T' },       { "write-out", true, 'w' },
        { "proxy", true, 'x' },        { "cert", true, 'E' },              { "config", true, 'K' },
        { "cookie", true, 'b' },       { "cookie-jar", true, 'c' },        { "form", true, 'F' },
        { "max-time", true, 'm' },     { "range", true, 'r' },             { "connect-timeout", true, 0 },
        { "retry", true, 0 },          { "url", true, 0 },                 { "dump-header", true, 'D' },
        { "cacert", true, 0 },         { "key", true, 0 },                 { "resolve", true, 0 },
        { NULL, false, 0 },
};
static const struct long_opt wget_longs[] = {
        { "output-document", true, 'O' }, { "output-file", true, 'o' },   { "append-output", true, 'a' },
        { "execute", true, 'e' },         { "input-file", true, 'i' },    { "base", true, 'B' },
        { "tries", true, 't' },           { "timeout", true, 'T' },       { "wait", true, 'w' },
        { "quota", true, 'Q' },           { "directory-prefix", true, 'P' }, { "user-agent", true, 'U' },
        { "level", true, 'l' },           { "accept", true, 'A' },        { "reject", true, 'R' },
        { "domains", true, 'D' },         { "header", true, 0 },          { "user", true, 0 },
        { "password", true, 0 },          { "post-data", true, 0 },       { "post-file", true, 0 },
        { "body-data", true, 0 },         { "method", true, 0 },          { "referer", true, 0 },
        { NULL, false, 0 },
};
static const struct long_opt no_longs[] = { { NULL, false, 0 } };

static const struct writer {
        const char *name;
        enum shape shape;
        enum argv_write_kind kind;
        const char *short_values;       /* take a value: attached, or the next argument */
        const char *short_attached;     /* take a value only attached (sed -i[SUFFIX]) */
        const struct long_opt *longs;
} writers[] = {
        { "cp", SHAPE_COPY, ARGV_WRITE_MODIFY, "St", "", copy_longs },
        { "mv", SHAPE_COPY, ARGV_WRITE_RENAME, "St", "", copy_longs },
        { "ln", SHAPE_COPY, ARGV_WRITE_CREATE, "St", "", copy_longs },
        { "install", SHAPE_COPY, ARGV_WRITE_MODIFY, "gmoSt", "", install_longs },
        { "tee", SHAPE_TEE, ARGV_WRITE_MODIFY, "", "", no_longs },
        { "dd", SHAPE_DD, ARGV_WRITE_MODIFY, "", "", no_longs },
        { "sed", SHAPE_SED, ARGV_WRITE_MODIFY, "efl", "i", sed_longs },
        { "rsync", SHAPE_RSYNC, ARGV_WRITE_MODIFY, "efBTM@", "", rsync_longs },
        { "curl", SHAPE_CURL, ARGV_WRITE_MODIFY, "AbcCdDeEFHKmoPQrtTuUwxXyYz", "", curl_longs },
        { "wget", SHAPE_WGET, ARGV_WRITE_MODIFY, "aBeiIlODPQRtTUwXAo", "", wget_longs },
};

#define N_WRITERS (sizeof(writers) / sizeof(writers[0]))

int argv_writer_find(const char *name)
{
        size_t i;

        for (i = 0; name && i < N_WRITERS; i++)
                if (strcmp(writers[i].name, name) == 0)
                        return (int) i;
        return -1;
}

const char *argv_writer_name(int writer)
{
        return writer >= 0 && (size_t) writer < N_WRITERS ? writers[writer].name : NULL;
}

/* What the parse found: the operands, and the last value (or presence) of
 * the options that matter, by letter. */
struct parsed {
        const char **ops;
        size_t n_ops;
        bool seen[128];
        const char *value[128];
        const char *outputs[ARGV_WRITES_MAX];   /* curl: every -o */
        size_t n_outputs;
};

static void set_opt(struct parsed *p, char id, const char *value)
{
        unsigned char c = (unsigned char) id;

        if (!c || c >= 128)
                return;
        p->seen[c] = true;
        p->value[c] = value;
        if (c == 'o' && value && p->n_outputs < ARGV_WRITES_MAX)
                p->outputs[p->n_outputs++] = value;
}

/* The long option named by the n bytes at s: an exact name, or the one name
 * it is an unambiguous prefix of (getopt_long's abbreviations). */
static const struct long_opt *find_long(const struct long_opt *t, const char *s, size_t n)
{
        const struct long_opt *hit = NULL;
        size_t i, hits = 0;

        for (i = 0; t[i].name; i++) {
                if (strncmp(t[i].name, s, n) != 0)
                        continue;
                if (t[i].name[n] == '\0')
                        return &t[i];
                hit = &t[i];
                hits++;
        }
        return hits == 1 && n >= 2 ? hit : NULL;
}

static void parse(const struct writer *w, const char *const *args, size_t n, struct parsed *p)
{
        size_t i;
        bool options = true;

        for (i = 1; i < n; i++) {
                const char *a = args[i] ?: "";

                if (!options || a[0] != '-' || a[1] == '\0') {
                        p->ops[p->n_ops++] = a;
                } else if (strcmp(a, "--") == 0) {
                        options = false;
                } else if (a[1] == '-') {
                        const char *eq = strchr(a + 2, '=');
                        const struct long_opt *lo = find_long(w->longs, a + 2, eq ? (size_t) (eq - a - 2) : strlen(a + 2));

                        if (!lo)
                                continue;       /* an option without a value that does not matter */
                        if (eq)
                                set_opt(p, lo->id, eq + 1);
                        else if (lo->value && i + 1 < n)
                                set_opt(p, lo->id, args[++i] ?: "");
                        else
                                set_opt(p, lo->id, NULL);
                } else {
                        const char *c;

                        for (c = a + 1; *c; c++) {
                                if (strchr(w->short_attached, *c)) {
                                        set_opt(p, *c, c[1] ? c + 1 : NULL);
                                        break;
                                }
                                if (!strchr(w->short_values, *c)) {
                                        set_opt(p, *c, NULL);
                                        continue;
                                }
                                if (c[1])
                                        set_opt(p, *c, c + 1);
                                else if (i + 1 < n)
                                        set_opt(p, *c, args[++i] ?: "");
                                break;
                        }
                }
        }
}

struct emitter {
        const char *cwd;
        struct buf *b;
        argv_write_fn fn;
        void *userdata;
        int n;
};

/* Appends the components of the n bytes at s to b lexically: "", "." skipped,
 * ".." drops the last one. */
static int append_components(struct buf *b, const char *s, size_t n)
{
        size_t i = 0, j;

        while (i < n) {
                for (j = i; j < n && s[j] != '/'; j++)
                        ;
                if (j - i == 2 && s[i] == '.' && s[i + 1] == '.') {
                        while (b->len > 0 && b->data[b->len - 1] != '/')
                                b->len--;
                        if (b->len > 0)
                                b->len--;
                } else if (j > i && !(j - i == 1 && s[i] == '.')) {
                        if (buf_putc(b, '/') < 0 || buf_append(b, s + i, j - i) < 0)
                                return -ENOMEM;
                }
                i = j + 1;
        }
        return 0;
}

static const char *base_of(const char *p, size_t *ret_len)
{
        size_t n = strlen(p);
        const char *s;

        while (n > 1 && p[n - 1] == '/')
                n--;
        for (s = p + n; s > p && s[-1] != '/'; s--)
                ;
        *ret_len = n - (size_t) (s - p);
        return s;
}

/* Reports dir/name (dir NULL: name alone), made absolute with the cwd. */
static int emit(struct emitter *e, const char *dir, const char *name, enum argv_write_kind kind)
{
        const char *first = dir ?: name;
        size_t blen;
        const char *base;
        int r;

        if (!name || !*name || strcmp(name, "-") == 0 || e->n >= ARGV_WRITES_MAX)
                return 0;
        if (first[0] != '/' && !e->cwd)
                return 0;
        buf_reset(e->b);
        r = first[0] == '/' ? 0 : append_components(e->b, e->cwd, strlen(e->cwd));
        if (r >= 0)
                r = append_components(e->b, first, strlen(first));
        if (r >= 0 && dir) {
                base = base_of(name, &blen);
                r = append_components(e->b, base, blen);
        }
        if (r >= 0 && e->b->len == 0)
                r = buf_putc(e->b, '/');
        if (r >= 0)
                r = buf_putc(e->b, '\0');
        if (r < 0)
                return -ENOMEM;
        e->n++;
        return e->fn(e->b->data, e->b->len - 1, kind, e->userdata);
}

static bool is_remote(const char *p)
{
        const char *colon = strchr(p, ':'), *slash = strchr(p, '/');

        return strncmp(p, "rsync://", 8) == 0 || (colon && (!slash || colon < slash));
}

static bool ends_with_slash(const char *p)
{
        size_t n = strlen(p);

        return n > 0 && p[n - 1] == '/';
}

static int shape_writes(const struct writer *w, const struct parsed *p, struct emitter *e)
{
        const char *dest;
        size_t i;
        int r = 0;

        switch (w->shape) {
        case SHAPE_COPY:
                if (p->seen['d'] && strcmp(w->name, "install") == 0) {
                        for (i = 0; i < p->n_ops && r >= 0; i++)
                                r = emit(e, NULL, p->ops[i], ARGV_WRITE_CREATE);
                } else if (p->value['t']) {
                        for (i = 0; i < p->n_ops && r >= 0; i++)
                                r = emit(e, p->value['t'], p->ops[i], w->kind);
                } else if (p->n_ops == 1 && strcmp(w->name, "ln") == 0) {
                        r = emit(e, ".", p->ops[0], w->kind);   /* ln TARGET: a link named like it, here */
                } else if (p->n_ops == 2 || (p->n_ops > 2 && p->seen['T'])) {
                        r = emit(e, NULL, p->ops[p->n_ops - 1], w->kind);
                } else if (p->n_ops > 2) {
                        for (i = 0; i + 1 < p->n_ops && r >= 0; i++)
                                r = emit(e, p->ops[p->n_ops - 1], p->ops[i], w->kind);
                }
                return r;
        case SHAPE_TEE:
                for (i = 0; i < p->n_ops && r >= 0; i++)
                        r = emit(e, NULL, p->ops[i], w->kind);
                return r;
        case SHAPE_DD:
                for (i = 0; i < p->n_ops && r >= 0; i++)
                        if (strncmp(p->ops[i], "of=", 3) == 0)
                                r = emit(e, NULL, p->ops[i] + 3, w->kind);
                return r;
        case SHAPE_SED:
                if (!p->seen['i'])
                        return 0;
                /* Without -e or -f the first operand is the script. */
                for (i = p->seen['e'] || p->seen['f'] ? 0 : 1; i < p->n_ops && r >= 0; i++)
                        r = emit(e, NULL, p->ops[i], w->kind);
                return r;
        case SHAPE_RSYNC:
                if (p->n_ops < 2 || is_remote(dest = p->ops[p->n_ops - 1]))
                        return 0;
                if (p->n_ops == 2 && !ends_with_slash(dest))
                        return emit(e, NULL, dest, w->kind);
                /* Into the directory: a source ending in '/' copies its contents. */
                for (i = 0; i + 1 < p->n_ops && r >= 0; i++)
                        r = ends_with_slash(p->ops[i]) ? emit(e, NULL, dest, w->kind)
                                                       : emit(e, dest, p->ops[i], w->kind);
                return r;
        case SHAPE_CURL:
                for (i = 0; i < p->n_outputs && r >= 0; i++)
                        r = p->outputs[i][0] != '/' && p->value[(unsigned char) OUTPUT_DIR]
                                    ? emit(e, p->value[(unsigned char) OUTPUT_DIR], p->outputs[i], w->kind)
                                    : emit(e, NULL, p->outputs[i], w->kind);
                return r;
        case SHAPE_WGET:
                return emit(e, NULL, p->value['O'], w->kind);
        }
        return 0;
}

int argv_writes(int writer, const char *const *args, size_t n, const char *cwd, struct buf *scratch, argv_write_fn fn,
                void *userdata)
{
        _cleanup_(freep) struct parsed *p = NULL;
        _cleanup_(freep) const char **ops = NULL;
        struct emitter e = { .cwd = cwd && cwd[0] == '/' ? cwd : NULL, .b = scratch, .fn = fn, .userdata = userdata };
        int r;

        if (writer < 0 || (size_t) writer >= N_WRITERS || n < 2)
                return 0;
        p = calloc(1, sizeof(*p));
        ops = calloc(n, sizeof(*ops));
        if (!p || !ops)
                return -ENOMEM;
        p->ops = ops;
        parse(&writers[writer], args, n, p);
        r = shape_writes(&writers[writer], p, &e);
        return r < 0 ? r : e.n;
}
