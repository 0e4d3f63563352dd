/* What a complete event says, derived from its records: the SYSCALL summary,
 * EXECVE argv reassembled, PROCTITLE, CWD and PATH names made absolute, and the
 * data-quality flags that follow from them. See docs/internals/audit.md. */
#include "derive.h"

#include <errno.h>
#include <string.h>

/* An encoded value's bytes: quoted in place, hex decoded into the scratch
 * arena, (null)/(none)/? as nothing. */
static int decode(const struct audit_derive *d, const char *line, const struct audit_field *f, struct audit_str *ret)
{
        char *out = NULL;

        if (!(f->flags & AUDIT_FIELD_QUOTED)) {
                out = arena_alloc(d->scratch, f->value_len / 2 + 1);
                if (!out)
                        return -ENOMEM;
        }
        switch (audit_value_decode(line, f, out, ret)) {
        case AUDIT_VALUE_NULL:
        case AUDIT_VALUE_UNSET:
                *ret = (struct audit_str) { NULL, 0 };
                break;
        default:
                break;
        }
        return 0;
}

static int64_t number(const char *line, const struct audit_field *f)
{
        int64_t v;

        return audit_parse_i64(audit_field_raw(line, f), &v) < 0 ? -1 : v;
}

static bool name_is(const char *line, const struct audit_field *f, const char *lit, size_t n)
{
        return f->name_len == n && memcmp(line + f->name, lit, n) == 0;
}

#define NAME_IS(f, lit) name_is(line, f, lit, sizeof(lit) - 1)

static int fill_syscall(const struct audit_derive *d, const struct audit_event_record *er, struct audit_syscall *sc)
{
        const char *line = er->line;
        size_t i;
        int r = 0;

        *sc = (struct audit_syscall) {
                .number = -1, .success = -1, .items = -1, .pid = -1, .ppid = -1, .auid = -1, .uid = -1,
                .euid = -1, .gid = -1, .ses = -1,
        };
        /* Dispatch on the name's length first: a SYSCALL record has some 30
         * fields and this runs for each (a table search is measurably slower). */
        for (i = 0; i < er->n_fields && r >= 0; i++) {
                const struct audit_field *f = &er->fields[i];
                struct audit_str v = audit_field_raw(line, f);
                uint64_t u;

                if (f->flags & AUDIT_FIELD_ENRICHED) {
                        if (NAME_IS(f, "SYSCALL"))
                                sc->name = v;
                        else if (NAME_IS(f, "ARCH"))
                                sc->arch_name = v;
                        else if (NAME_IS(f, "AUID"))
                                sc->auid_name = v;
                        else if (NAME_IS(f, "UID"))
                                sc->uid_name = v;
                        continue;
                }
                switch (f->name_len) {
                case 2:
                        if (line[f->name] == 'a' && line[f->name + 1] >= '0' && line[f->name + 1] <= '3' &&
                            audit_parse_u64(v, 16, &u) >= 0) {
                                sc->a[line[f->name + 1] - '0'] = u;
                                sc->has_a |= 1u << (line[f->name + 1] - '0');
                        }
                        break;
                case 3:
                        if (NAME_IS(f, "pid"))
                                sc->pid = number(line, f);
                        else if (NAME_IS(f, "uid"))
                                sc->uid = number(line, f);
                        else if (NAME_IS(f, "gid"))
                                sc->gid = number(line, f);
                        else if (NAME_IS(f, "ses"))
                                sc->ses = number(line, f);
                        else if (NAME_IS(f, "tty"))
                                sc->tty = audit_str_eq(v, "(none)") || audit_str_eq(v, "(null)") ?
                                                  (struct audit_str) { NULL, 0 } : v;
                        else if (NAME_IS(f, "exe"))
                                r = decode(d, line, f, &sc->exe);
                        else if (NAME_IS(f, "key"))
                                r = decode(d, line, f, &sc->key);
                        break;
                case 4:
                        if (NAME_IS(f, "ppid"))
                                sc->ppid = number(line, f);
                        else if (NAME_IS(f, "auid"))
                                sc->auid = number(line, f);
                        else if (NAME_IS(f, "euid"))
                                sc->euid = number(line, f);
                        else if (NAME_IS(f, "comm"))
                                r = decode(d, line, f, &sc->comm);
                        else if (NAME_IS(f, "arch") && audit_parse_u64(v, 16, &u) >= 0 && u <= UINT32_MAX)
                                sc->arch = (uint32_t) u;
                        else if (NAME_IS(f, "exit"))
                                sc->has_exit = audit_parse_i64(v, &sc->exit) >= 0;
                        break;
                case 5:
                        if (NAME_IS(f, "items"))
                                sc->items = number(line, f);
                        break;
                case 7:
                        if (NAME_IS(f, "syscall"))
                                sc->number = number(line, f);
                        else if (NAME_IS(f, "success"))
                                sc->success = audit_str_eq(v, "yes") ? 1 : audit_str_eq(v, "no") ? 0 : -1;
                        break;
                }
        }
        return r;
}

static enum audit_nametype parse_nametype(struct audit_str v)
{
        static const struct {
                const char *name;
                enum audit_nametype t;
        } types[] = {
                { "NORMAL", AUDIT_NAMETYPE_NORMAL }, { "PARENT", AUDIT_NAMETYPE_PARENT },
                { "CREATE", AUDIT_NAMETYPE_CREATE }, { "DELETE", AUDIT_NAMETYPE_DELETE },
                { "UNKNOWN", AUDIT_NAMETYPE_UNKNOWN },
        };
        size_t i;

        for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
                if (audit_str_eq(v, types[i].name))
                        return types[i].t;
        return AUDIT_NAMETYPE_OTHER;
}

/* dev=MAJOR:MINOR in hex, as (major << 32 | minor); -1 when malformed. */
static int64_t parse_dev(struct audit_str v)
{
        const char *colon = memchr(v.s, ':', v.len);
        uint64_t major, minor;

        if (!colon ||
            audit_parse_u64((struct audit_str) { v.s, (size_t) (colon - v.s) }, 16, &major) < 0 ||
            audit_parse_u64((struct audit_str) { colon + 1, v.len - (size_t) (colon - v.s) - 1 }, 16, &minor) < 0 ||
            major > INT32_MAX || minor > UINT32_MAX)
                return -1;
        return (int64_t) (major << 32 | minor);
}

static int fill_path(const struct audit_derive *d, const struct audit_event_record *er, struct audit_path *p)
{
        const char *line = er->line;
        size_t i;
        int r = 0;

        *p = (struct audit_path) { .item = -1, .inode = -1, .dev = -1, .mode = -1, .ouid = -1, .ogid = -1 };
        for (i = 0; i < er->n_fields && r >= 0; i++) {
                const struct audit_field *f = &er->fields[i];
                struct audit_str v = audit_field_raw(line, f);
                uint64_t u;

                if (f->flags & AUDIT_FIELD_ENRICHED)
                        continue;
                if (NAME_IS(f, "item"))
                        p->item = number(line, f);
                else if (NAME_IS(f, "name"))
                        r = decode(d, line, f, &p->name);
                else if (NAME_IS(f, "inode"))
                        p->inode = number(line, f);
                else if (NAME_IS(f, "dev"))
                        p->dev = parse_dev(v);
                else if (NAME_IS(f, "mode") && audit_parse_u64(v, 8, &u) >= 0 && u <= INT64_MAX)
                        p->mode = (int64_t) u;
                else if (NAME_IS(f, "nametype") || NAME_IS(f, "objtype"))
                        p->nametype = parse_nametype(v);
                else if (NAME_IS(f, "ouid"))
                        p->ouid = number(line, f);
                else if (NAME_IS(f, "ogid"))
                        p->ogid = number(line, f);
        }
        p->path = p->name;
        return r;
}

/* Lexically normalizes base + "/" + rel (rel may be empty): "//", "." and
 * ".." resolved without looking at the file system (symlinks are not
 * followed), no trailing slash. base must be absolute. */
static int path_join(struct arena *ar, struct audit_str base, struct audit_str rel, struct audit_str *ret)
{
        const struct audit_str parts[2] = { base, rel };
        char *out = arena_alloc(ar, base.len + rel.len + 2);
        size_t o = 0, k, i, j;

        if (!out)
                return -ENOMEM;
        for (k = 0; k < 2; k++)
                for (i = 0; i < parts[k].len; i = j + 1) {
                        const char *c = parts[k].s + i;
                        const char *slash = memchr(c, '/', parts[k].len - i);
                        size_t n;

                        j = slash ? (size_t) (slash - parts[k].s) : parts[k].len;
                        n = j - i;
                        if (n == 0 || (n == 1 && c[0] == '.'))
                                continue;
                        if (n == 2 && c[0] == '.' && c[1] == '.') {
                                while (o > 0 && out[o - 1] != '/')
                                        o--;
                                if (o > 0)
                                        o--;
                                continue;
                        }
                        out[o++] = '/';
                        memcpy(out + o, c, n);
                        o += n;
                }
        if (o == 0)
                out[o++] = '/';
        out[o] = '\0';
        *ret = (struct audit_str) { out, o };
        return 0;
}

/* Whether an absolute name is already what path_join would make of it. */
static bool path_is_normal(struct audit_str p)
{
        size_t i;

        if (p.len == 0 || p.s[0] != '/')
                return false;
        if (p.len == 1)
                return true;
        if (p.s[p.len - 1] == '/')
                return false;
        for (i = 0; i < p.len; i++) {
                if (p.s[i] != '/')
                        continue;
                /* A component that is empty, "." or "..". */
                if (i + 1 < p.len && p.s[i + 1] == '/')
                        return false;
                if (i + 1 < p.len && p.s[i + 1] == '.' &&
                    (i + 2 == p.len || p.s[i + 2] == '/' ||
                     (p.s[i + 2] == '.' && (i + 3 == p.len || p.s[i + 3] == '/'))))
                        return false;
        }
        return true;
}

static bool str_equal(struct audit_str a, struct audit_str b)
{
        return a.len == b.len && (a.len == 0 || memcmp(a.s, b.s, a.len) == 0);
}

/* The length of a name's directory part with its last '/'; 0: none. */
static size_t dir_part_len(struct audit_str n)
{
        for (size_t i = n.len; i > 0; i--)
                if (n.s[i - 1] == '/')
                        return i;
        return 0;
}

/* Whether PARENT item k's name is the directory part of another item's name. */
bool audit_path_parent_claimed(const struct audit_path *paths, size_t n, size_t k)
{
        struct audit_str pn = paths[k].name;
        size_t i;

        for (i = 0; i < n; i++) {
                struct audit_str c = paths[i].name;

                if (i != k && paths[i].nametype != AUDIT_NAMETYPE_PARENT && pn.len && dir_part_len(c) == pn.len &&
                    memcmp(c.s, pn.s, pn.len) == 0)
                        return true;
        }
        return false;
}

ssize_t audit_path_parent(const struct audit_path *paths, size_t n, size_t i)
{
        struct audit_str c = paths[i].name;
        size_t k, dl = dir_part_len(c), n_free = 0;
        ssize_t first = -1, last = -1;
        bool new_name = false;

        if (paths[i].nametype == AUDIT_NAMETYPE_PARENT)
                return -1;
        for (k = 0; k < n; k++) {
                if (paths[k].nametype != AUDIT_NAMETYPE_PARENT)
                        continue;
                if (dl) {
                        if (paths[k].name.len == dl && memcmp(paths[k].name.s, c.s, dl) == 0)
                                return (ssize_t) k;
                        continue;
                }
                if (audit_path_parent_claimed(paths, n, k))
                        continue;
                if (first < 0)
                        first = (ssize_t) k;
                last = (ssize_t) k;
                n_free++;
        }
        if (dl || n_free <= 1)
                return first;
        /* Two directories: the new name (the one created) is under the first. */
        for (k = 0; k < n; k++)
                if (paths[k].nametype == AUDIT_NAMETYPE_CREATE && str_equal(paths[k].name, c))
                        new_name = true;
        return new_name ? first : last;
}

static int resolve_paths(const struct audit_derive *d, struct audit_event *ev)
{
        struct audit_str none = { NULL, 0 };
        bool have_cwd = ev->cwd.len > 0 && ev->cwd.s[0] == '/';
        bool dirfd = ev->has_syscall && audit_syscall_uses_dirfd(&ev->syscall);
        size_t i;
        ssize_t k;
        int r;

        for (i = 0; i < ev->n_paths; i++) {
                struct audit_path *p = &ev->paths[i];

                if (!p->name.len || p->name.s[0] != '/')
                        continue;
                /* Under a directory fd, a PARENT no name is under is logged
                 * with the working directory's name and the fd's inode. */
                if (dirfd && p->nametype == AUDIT_NAMETYPE_PARENT &&
                    !audit_path_parent_claimed(ev->paths, ev->n_paths, i)) {
                        ev->quality |= AUDIT_Q_PATH_UNRESOLVED;
                        continue;
                }
                if (path_is_normal(p->name))
                        p->path = p->name;
                else if ((r = path_join(d->scratch, p->name, none, &p->path)) < 0)
                        return r;
                p->resolved = true;
        }
        for (i = 0; i < ev->n_paths; i++) {
                struct audit_path *p = &ev->paths[i];
                struct audit_str base = none;

                if (!p->name.len || p->resolved)
                        continue;
                /* Relative to a directory fd, the directory is not in the log:
                 * the kernel names the working directory instead. */
                if (!dirfd && have_cwd)
                        base = ev->cwd;
                else if (!dirfd && (k = audit_path_parent(ev->paths, ev->n_paths, i)) >= 0 &&
                         ev->paths[k].resolved && dir_part_len(p->name) == 0)
                        base = ev->paths[k].path;       /* the working directory, as the kernel logged it */
                if (!base.len) {
                        ev->quality |= AUDIT_Q_PATH_UNRESOLVED;
                        continue;
                }
                r = path_join(d->scratch, base, p->name, &p->path);
                if (r < 0)
                        return r;
                p->resolved = true;
        }
        return 0;
}

struct arg_piece_state {
        int64_t idx;            /* the argument aN_len announced, -1: none */
        uint64_t declared;      /* aN_len: bytes as logged (hex digits when encoded) */
        uint64_t logged;        /* bytes of pieces so far, as logged */
        int64_t next;           /* the piece expected next */
};

/* Parses "aN", "aN_len" or "aN[I]": N, and I (-1 for aN, -2 for aN_len). */
static bool parse_arg_name(const char *s, size_t n, uint64_t *ret_idx, int64_t *ret_piece)
{
        size_t i = 1, d;
        uint64_t piece;

        if (n < 2 || s[0] != 'a' || s[1] < '0' || s[1] > '9')
                return false;
        while (i < n && s[i] >= '0' && s[i] <= '9')
                i++;
        if (audit_parse_u64((struct audit_str) { s + 1, i - 1 }, 10, ret_idx) < 0)
                return false;
        if (i == n) {
                *ret_piece = -1;
                return true;
        }
        if (n - i == 4 && memcmp(s + i, "_len", 4) == 0) {
                *ret_piece = -2;
                return true;
        }
        if (s[i] != '[' || s[n - 1] != ']')
                return false;
        d = i + 1;
        if (audit_parse_u64((struct audit_str) { s + d, n - 1 - d }, 10, &piece) < 0 || piece > INT64_MAX)
                return false;
        *ret_piece = (int64_t) piece;
        return true;
}

static int finish_arg(const struct audit_derive *d, struct arg_piece_state *st, struct audit_str *argv,
                      struct audit_event *ev)
{
        char *p;

        if (st->idx < 0)
                return 0;
        p = arena_memdup(d->scratch, d->arg->data ? d->arg->data : "", d->arg->len);
        if (!p)
                return -ENOMEM;
        argv[st->idx] = (struct audit_str) { p, d->arg->len };
        if (st->logged < st->declared)
                ev->quality |= AUDIT_Q_EXECVE_TRUNCATED;
        buf_reset(d->arg);
        st->idx = -1;
        return 0;
}

/* Appends one aN[I] piece, decoded, to the argument being reassembled. */
static int append_piece(const struct audit_derive *d, const char *line, const struct audit_field *f,
                        struct audit_event *ev)
{
        struct audit_str v = audit_field_raw(line, f);
        int r, n = -EBADMSG;

        if (!(f->flags & AUDIT_FIELD_QUOTED) && v.len && v.len % 2 == 0) {
                /* Decoded in place, in one pass; a non-hex digit leaves it as text. */
                r = buf_reserve(d->arg, v.len / 2);
                if (r < 0)
                        return r;
                n = audit_unhex(v.s, v.len, d->arg->data + d->arg->len);
        }
        if (n < 0) {
                if (!(f->flags & AUDIT_FIELD_QUOTED) && v.len)
                        ev->quality |= AUDIT_Q_EXECVE_MALFORMED;
                return buf_append(d->arg, v.s, v.len);
        }
        d->arg->len += (size_t) n;
        d->arg->data[d->arg->len] = '\0';
        return 0;
}

static int assemble_execve(const struct audit_derive *d, struct audit_event *ev)
{
        struct arg_piece_state st = { .idx = -1 };
        const struct audit_field *fargc = NULL;
        struct audit_str *argv;
        uint64_t n, fields = 0, idx;
        int64_t piece;
        size_t i, k, last = 0;
        int r;

        for (i = 0; i < ev->n_records; i++) {
                if (ev->records[i].type != AUDIT_TYPE_EXECVE)
                        continue;
                fields += ev->records[i].n_fields;
                if (!fargc && (fargc = audit_event_record_find(&ev->records[i], "argc")))
                        ev->execve_argc = number(ev->records[i].line, fargc);
        }
        /* No more entries than fields present (argc= may promise anything). */
        n = ev->execve_argc >= 0 ? (uint64_t) ev->execve_argc : fields;
        if (ev->execve_argc < 0)
                ev->quality |= AUDIT_Q_EXECVE_MALFORMED;
        if (n > d->max_argc) {
                n = d->max_argc;
                ev->quality |= AUDIT_Q_EXECVE_TRUNCATED;
        }
        if (n > fields)
                n = fields;
        argv = arena_alloc(d->scratch, (n ? n : 1) * sizeof(*argv));
        if (!argv)
                return -ENOMEM;
        memset(argv, 0, (n ? n : 1) * sizeof(*argv));
        buf_reset(d->arg);

        for (i = 0; i < ev->n_records; i++) {
                const struct audit_event_record *er = &ev->records[i];

                if (er->type != AUDIT_TYPE_EXECVE)
                        continue;
                for (k = 0; k < er->n_fields; k++) {
                        const struct audit_field *f = &er->fields[k];
                        struct audit_str v = audit_field_raw(er->line, f);

                        if ((f->flags & AUDIT_FIELD_ENRICHED) ||
                            !parse_arg_name(er->line + f->name, f->name_len, &idx, &piece))
                                continue;
                        if (idx >= n) {
                                ev->quality |= ev->execve_argc >= 0 && idx >= (uint64_t) ev->execve_argc ?
                                                       AUDIT_Q_EXECVE_MALFORMED :
                                                       AUDIT_Q_EXECVE_TRUNCATED;
                                continue;
                        }
                        if (piece == -1) {              /* aN */
                                if (argv[idx].s)
                                        ev->quality |= AUDIT_Q_EXECVE_MALFORMED;
                                r = decode(d, er->line, f, &argv[idx]);
                                if (r < 0)
                                        return r;
                                if (!argv[idx].s)       /* (null): present, empty */
                                        argv[idx] = (struct audit_str) { "", 0 };
                        } else if (piece == -2) {       /* aN_len */
                                r = finish_arg(d, &st, argv, ev);
                                if (r < 0)
                                        return r;
                                st = (struct arg_piece_state) { .idx = (int64_t) idx };
                                if (audit_parse_u64(v, 10, &st.declared) < 0)
                                        ev->quality |= AUDIT_Q_EXECVE_MALFORMED;
                        } else if (st.idx != (int64_t) idx || piece != st.next ||
                                   st.logged + v.len > st.declared) {
                                ev->quality |= AUDIT_Q_EXECVE_MALFORMED;
                        } else {                        /* aN[I] */
                                r = append_piece(d, er->line, f, ev);
                                if (r == -E2BIG)
                                        ev->quality |= AUDIT_Q_EXECVE_TRUNCATED;
                                else if (r < 0)
                                        return r;
                                st.logged += v.len;
                                st.next++;
                        }
                }
        }
        r = finish_arg(d, &st, argv, ev);
        if (r < 0)
                return r;

        /* Missing entries: the tail is dropped, a hole inside stays NULL. */
        for (i = 0; i < n; i++)
                if (argv[i].s)
                        last = i + 1;
        for (i = 0; i < last; i++)
                if (!argv[i].s)
                        ev->quality |= AUDIT_Q_EXECVE_TRUNCATED;
        if (ev->execve_argc >= 0 && last < (uint64_t) ev->execve_argc)
                ev->quality |= AUDIT_Q_EXECVE_TRUNCATED;
        ev->argv = argv;
        ev->argc = last;
        return 0;
}

static int decode_proctitle(const struct audit_derive *d, const struct audit_event_record *er, struct audit_event *ev)
{
        const struct audit_field *f = audit_event_record_find(er, "proctitle");
        struct audit_str *argv;
        size_t i, n = 0, start = 0, len;
        int r;

        if (!f)
                return 0;
        r = decode(d, er->line, f, &ev->proctitle);
        if (r < 0 || !ev->proctitle.len)
                return r;
        /* argv[] joined by NULs; a trailing NUL ends the last one. */
        len = ev->proctitle.len;
        if (ev->proctitle.s[len - 1] == '\0')
                len--;
        for (i = 0; i < len; i++)
                n += ev->proctitle.s[i] == '\0';
        argv = arena_alloc(d->scratch, (n + 1) * sizeof(*argv));
        if (!argv)
                return -ENOMEM;
        n = 0;
        for (i = 0; i <= len; i++)
                if (i == len || ev->proctitle.s[i] == '\0') {
                        argv[n++] = (struct audit_str) { ev->proctitle.s + start, i - start };
                        start = i + 1;
                }
        ev->proctitle_argv = argv;
        ev->proctitle_argc = n;
        return 0;
}

/* Records that report events the kernel or auditd lost. */
static void note_lost(const struct audit_event_record *er, struct audit_event *ev)
{
        static const char *const names[] = { "lost", "audit_lost" };
        size_t i;

        if (!(er->type == AUDIT_TYPE_UNKNOWN || (er->type >= AUDIT_TYPE_DAEMON_START && er->type < 1300)))
                return;
        for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                const struct audit_field *f = audit_event_record_find(er, names[i]);
                int64_t v = f ? number(er->line, f) : -1;

                if (v > 0) {
                        ev->lost += (uint64_t) v;
                        ev->quality |= AUDIT_Q_LOST;
                }
        }
}

int audit_event_derive(const struct audit_derive *d, struct audit_event *ev)
{
        size_t i, n_path_records = 0;
        int r = 0;

        for (i = 0; i < ev->n_records; i++)
                n_path_records += ev->records[i].type == AUDIT_TYPE_PATH;
        if (n_path_records) {
                ev->paths = arena_alloc(d->scratch, n_path_records * sizeof(*ev->paths));
                if (!ev->paths)
                        return -ENOMEM;
        }

        for (i = 0; i < ev->n_records && r >= 0; i++) {
                const struct audit_event_record *er = &ev->records[i];
                const struct audit_field *f;

                switch (er->type) {
                case AUDIT_TYPE_SYSCALL:
                        if (!ev->has_syscall) {
                                ev->has_syscall = true;
                                r = fill_syscall(d, er, &ev->syscall);
                        }
                        break;
                case AUDIT_TYPE_PATH:
                        r = fill_path(d, er, &ev->paths[ev->n_paths++]);
                        break;
                case AUDIT_TYPE_CWD:
                        f = audit_event_record_find(er, "cwd");
                        if (f && !ev->cwd.len)
                                r = decode(d, er->line, f, &ev->cwd);
                        break;
                case AUDIT_TYPE_EXECVE:
                        ev->has_execve = true;
                        break;
                case AUDIT_TYPE_PROCTITLE:
                        if (!ev->proctitle.len)
                                r = decode_proctitle(d, er, ev);
                        break;
                default:
                        note_lost(er, ev);
                        break;
                }
        }
        if (r >= 0 && ev->has_execve)
                r = assemble_execve(d, ev);
        if (r >= 0 && ev->n_paths)
                r = resolve_paths(d, ev);
        if (r < 0)
                return r;
        /* PATH records announced and missing; without items=, a keyed SYSCALL
         * (a watch) with none. */
        if (ev->has_syscall && !(ev->quality & AUDIT_Q_RECORDS_DROPPED) &&
            (ev->syscall.items >= 0 ? (uint64_t) ev->syscall.items > ev->n_paths :
                                      ev->syscall.key.len && !ev->n_paths))
                ev->quality |= AUDIT_Q_PATH_MISSING;
        if (ev->has_syscall && !ev->has_execve && ev->proctitle.len && ev->syscall.success != 0 &&
            audit_syscall_is_exec(&ev->syscall))
                ev->quality |= AUDIT_Q_PROCTITLE_ONLY;
        return 0;
}
