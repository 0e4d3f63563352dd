/* The raw event view; see event-json.h. */
#define _GNU_SOURCE
#include "event-json.h"

#include <stdio.h>
#include <string.h>

#include "basic/escape.h"
#include "report/ecs-process.h"
#include "report/json.h"

void audit_event_json_init(struct audit_event_json *v)
{
        *v = (struct audit_event_json) { 0 };
        buf_init(&v->line, 0);
        buf_init(&v->values, 0);
        buf_init(&v->title, 0);
}

void audit_event_json_release(struct audit_event_json *v)
{
        buf_release(&v->line);
        buf_release(&v->values);
        buf_release(&v->title);
}

static void json_str(struct json *j, const char *key, struct audit_str s)
{
        if (s.s)
                json_string_n(j, key, s.s, s.len);
}

static const char *timestamp(struct audit_event_json *v, const struct audit_event *ev)
{
        uint64_t sec = ev->sec > (uint64_t) TIME_MAX_SECONDS ? (uint64_t) TIME_MAX_SECONDS : ev->sec;
        char *dot;

        if (!v->ts_text[0] || sec != v->ts_sec) {
                format_timestamp_sec(v->ts_text, sec, 0);
                v->ts_sec = sec;
        }
        /* "....:SS.mmmZ": only the milliseconds change within a second. */
        dot = strrchr(v->ts_text, '.');
        if (dot && strlen(dot) == 5) {
                dot[1] = (char) ('0' + ev->msec / 100 % 10);
                dot[2] = (char) ('0' + ev->msec / 10 % 10);
                dot[3] = (char) ('0' + ev->msec % 10);
        }
        return v->ts_text;
}

/* A value of the first record (USER_* and other records without SYSCALL):
 * decoded into v->values, reserved up front to hold every such value of one
 * event, so the values decoded earlier stay put. */
static struct audit_str first_record_value(struct audit_event_json *v, const struct audit_event *ev,
                                           const char *name)
{
        const struct audit_field *f;
        struct audit_str s = { NULL, 0 };
        size_t at;

        if (!ev->n_records || !(f = audit_event_record_find(&ev->records[0], name)))
                return s;
        at = v->values.len;
        if (buf_reserve(&v->values, f->value_len) < 0)
                return s;
        if (audit_value_decode(ev->records[0].line, f, v->values.data + at, &s) == AUDIT_VALUE_HEX)
                v->values.len += s.len;
        return s;
}

static int64_t first_record_number(const struct audit_event *ev, const char *name)
{
        const struct audit_field *f = ev->n_records ? audit_event_record_find(&ev->records[0], name) : NULL;
        int64_t n;

        return f && audit_parse_i64(audit_field_raw(ev->records[0].line, f), &n) >= 0 ? n : -1;
}

static const struct audit_path *main_path(const struct audit_event *ev)
{
        size_t i;

        /* The first PATH that names the object, not its directory. */
        for (i = 0; i < ev->n_paths; i++)
                if (ev->paths[i].nametype != AUDIT_NAMETYPE_PARENT && ev->paths[i].path.s)
                        return &ev->paths[i];
        return ev->n_paths && ev->paths[0].path.s ? &ev->paths[0] : NULL;
}

/* The process of ev: the SYSCALL record's, else what the first record says. */
static int event_process(struct audit_event_json *v, const struct audit_event *ev, struct ecs_process *ret)
{
        const struct audit_syscall *sc = ev->has_syscall ? &ev->syscall : NULL;
        struct ecs_process p = { .pid = -1, .ppid = -1, .uid = -1, .euid = -1, .auid = -1 };
        size_t i;
        int r = 0;

        buf_reset(&v->values);
        buf_reset(&v->title);
        if (sc) {
                p.name = sc->comm, p.executable = sc->exe, p.pid = sc->pid, p.ppid = sc->ppid;
                p.uid = sc->uid, p.euid = sc->euid, p.auid = sc->auid, p.auid_name = sc->auid_name;
        } else if (ev->n_records) {
                r = buf_reserve(&v->values, 2 * ev->records[0].len + 2);
                if (r < 0)
                        return r;
                p.name = first_record_value(v, ev, "comm");
                p.executable = first_record_value(v, ev, "exe");
                p.pid = first_record_number(ev, "pid");
                p.uid = first_record_number(ev, "uid");
                p.auid = first_record_number(ev, "auid");
        }
        if (ev->has_execve) {
                p.args = ev->argv;
                p.n_args = ev->argc;
        }
        /* ECS process.title: the title the process gave itself, arguments joined. */
        for (i = 0; r >= 0 && i < ev->proctitle_argc; i++) {
                if (i)
                        r = buf_putc(&v->title, ' ');
                if (r >= 0)
                        r = buf_append(&v->title, ev->proctitle_argv[i].s, ev->proctitle_argv[i].len);
        }
        if (r < 0)
                return r;
        if (ev->proctitle_argc)
                p.title = (struct audit_str) { v->title.data ? v->title.data : "", v->title.len };
        *ret = p;
        return 0;
}

static void json_paths(struct json *j, const struct audit_event *ev)
{
        size_t i;
        char mode[24];

        json_array_begin(j, "path_records");
        for (i = 0; i < ev->n_paths; i++) {
                const struct audit_path *p = &ev->paths[i];

                json_object_begin(j, NULL);
                if (p->item >= 0)
                        json_int(j, "item", p->item);
                json_str(j, "name", p->name);
                if (p->resolved)
                        json_str(j, "path", p->path);
                if (p->nametype != AUDIT_NAMETYPE_NONE)
                        json_string(j, "nametype", audit_nametype_name(p->nametype));
                if (p->inode >= 0)
                        json_int(j, "inode", p->inode);
                if (p->mode >= 0) {
                        snprintf(mode, sizeof(mode), "0%llo", (unsigned long long) p->mode);
                        json_string(j, "mode", mode);
                }
                json_id(j, "ouid", p->ouid);
                json_id(j, "ogid", p->ogid);
                json_object_end(j);
        }
        json_array_end(j);
}

/* driftwatch.audit and the event's data quality. */
static void json_details(struct json *j, const struct audit_event *ev)
{
        const struct audit_syscall *sc = ev->has_syscall ? &ev->syscall : NULL;
        int64_t ses = sc ? sc->ses : first_record_number(ev, "ses");
        char id[AUDIT_EVENT_ID_MAX];
        unsigned b;

        json_object_begin(j, "driftwatch");
        json_object_begin(j, "audit");
        audit_event_id(id, ev);
        json_string(j, "id", id);
        json_int(j, "serial", (int64_t) (ev->serial & INT64_MAX));
        json_str(j, "type", ev->type_name);
        if (sc) {
                /* As the findings have it: the name (when known), the number as logged. */
                struct audit_str name = audit_syscall_get_name(sc);

                json_str(j, "syscall", name);
                if (sc->number >= 0)
                        json_int(j, "syscall_number", sc->number);
                if (sc->arch) {
                        snprintf(id, sizeof(id), "%x", sc->arch);
                        json_string(j, "arch", id);
                }
                if (sc->success >= 0)
                        json_bool(j, "success", sc->success);
                if (sc->has_exit)
                        json_int(j, "exit", sc->exit);
                json_str(j, "key", sc->key);
                json_str(j, "tty", sc->tty);
        }
        json_id(j, "ses", ses);
        json_str(j, "cwd", ev->cwd);
        if (ev->n_paths)
                json_paths(j, ev);
        if (ev->gap_missing) {
                json_object_begin(j, "gap");
                json_int(j, "first", (int64_t) (ev->gap_first & INT64_MAX));
                json_int(j, "missing", (int64_t) (ev->gap_missing & INT64_MAX));
                json_object_end(j);
        }
        if (ev->lost)
                json_int(j, "lost", (int64_t) (ev->lost & INT64_MAX));
        if (ev->malformed_before)
                json_int(j, "malformed_before", (int64_t) (ev->malformed_before & INT64_MAX));
        json_object_end(j);
        json_int(j, "records", (int64_t) ev->n_records_seen);
        json_array_begin(j, "quality");
        for (b = 0; b < AUDIT_Q_COUNT_; b++)
                if (ev->quality & (1ULL << b))
                        json_string(j, NULL, audit_quality_name(b));
        json_array_end(j);
        json_object_end(j);
}

static int text_token(struct buf *b, struct audit_str s)
{
        int r = buf_puts(b, "  ");

        return r < 0 ? r : s.len ? escape_text(b, s.s, s.len) : buf_putc(b, '-');
}

int audit_event_text_render(struct audit_event_json *v, const struct audit_event *ev)
{
        const struct audit_syscall *sc = ev->has_syscall ? &ev->syscall : NULL;
        const struct audit_path *path = main_path(ev);
        struct audit_str action = sc ? audit_syscall_get_name(sc) : ev->type_name;
        struct buf *b = &v->line;
        struct ecs_process p;
        int r;

        buf_reset(b);
        r = event_process(v, ev, &p);
        if (r >= 0)
                r = buf_printf(b, "%s  %llu  ", timestamp(v, ev), (unsigned long long) ev->serial);
        if (r >= 0)
                r = action.len ? escape_text(b, action.s, action.len)
                               : buf_printf(b, "syscall-%lld", sc ? (long long) sc->number : -1LL);
        if (r >= 0)
                r = text_token(b, p.name);
        if (r >= 0 && p.pid >= 0)
                r = buf_printf(b, "[%lld]", (long long) p.pid);
        if (r >= 0 && p.executable.len) {
                r = buf_putc(b, ' ');
                if (r >= 0)
                        r = escape_text(b, p.executable.s, p.executable.len);
        }
        if (r >= 0)
                r = text_token(b, path ? path->path : (struct audit_str) { NULL, 0 });
        if (r >= 0 && sc && sc->key.len) {
                r = buf_puts(b, "  key=");
                if (r >= 0)
                        r = escape_text(b, sc->key.s, sc->key.len);
        }
        if (r >= 0 && sc && sc->success == 0)
                r = buf_puts(b, "  failed");
        if (r >= 0)
                r = buf_putc(b, '\n');
        if (r < 0)
                buf_reset(b);
        return r;
}

int audit_event_json_render(struct audit_event_json *v, const struct audit_event *ev)
{
        const struct audit_syscall *sc = ev->has_syscall ? &ev->syscall : NULL;
        const struct audit_path *path = main_path(ev);
        struct audit_str action = sc ? audit_syscall_get_name(sc) : ev->type_name;
        struct ecs_process p;
        struct json j;
        char id[64];
        int r;

        buf_reset(&v->line);
        r = event_process(v, ev, &p);
        if (r < 0)
                return r;
        json_init(&j, &v->line);
        json_object_begin(&j, NULL);
        json_string(&j, "@timestamp", timestamp(v, ev));
        json_object_begin(&j, "event");
        json_string(&j, "kind", "event");
        if (action.len)
                json_str(&j, "action", action);
        else if (sc) {
                snprintf(id, sizeof(id), "syscall-%lld", (long long) sc->number);
                json_string(&j, "action", id);
        }
        json_string(&j, "module", "driftwatch");
        json_string(&j, "dataset", "driftwatch.audit");
        json_object_end(&j);
        if (ev->node.len) {
                json_object_begin(&j, "host");
                json_str(&j, "name", ev->node);
                json_object_end(&j);
        }
        ecs_json_process(&j, &p);
        if (path) {
                json_object_begin(&j, "file");
                json_str(&j, "path", path->path);
                json_object_end(&j);
        }
        json_details(&j, ev);
        json_object_end(&j);
        r = json_finish(&j);
        if (r >= 0)
                r = buf_putc(&v->line, '\n');
        if (r < 0)
                buf_reset(&v->line);
        return r;
}
