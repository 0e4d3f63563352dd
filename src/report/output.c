/* Findings and their text and JSON Lines outputs; see finding.h. */
#define _GNU_SOURCE
#include "finding.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "basic/escape.h"
#include "basic/macros.h"
#include "basic/sha256.h"
#include "basic/time-util.h"
#include "ecs-process.h"
#include "json.h"
#include "seen.h"
#include "parse/audit-record.h"
#include "parse/dw-conf.h"
#include "parse/passwd.h"
#include "rules/attack.h"

void finding_init(struct finding *f)
{
        *f = (struct finding) { 0 };
        arena_init(&f->arena);
}

void finding_release(struct finding *f)
{
        arena_release(&f->arena);
}

int finding_add_changed(struct finding *f, const char *name, size_t len)
{
        char *s;

        if (f->n_changed >= FINDING_MAX_CHANGED)
                return -E2BIG;
        s = arena_strndup(&f->arena, name, len);
        if (!s)
                return -ENOMEM;
        f->changed[f->n_changed++] = s;
        return 0;
}

int finding_add_value(struct finding *f, const char *attr, const char *before, size_t blen,
                      const char *after, size_t alen)
{
        struct finding_value *v;

        if (f->n_values >= FINDING_MAX_VALUES)
                return -E2BIG;
        v = &f->values[f->n_values];
        *v = (struct finding_value) { .before_len = blen, .after_len = alen };
        v->attr = arena_strndup(&f->arena, attr, strlen(attr));
        v->before = before ? arena_memdup(&f->arena, before, blen) : NULL;
        v->after = after ? arena_memdup(&f->arena, after, alen) : NULL;
        if (!v->attr || (before && !v->before) || (after && !v->after))
                return -ENOMEM;
        f->n_values++;
        return 0;
}

enum severity finding_severity(const struct finding *f)
{
        if (f->severity)
                return f->severity;
        return f->rule ? f->rule->severity : SEVERITY_MEDIUM;
}

static const char *dup_str(struct arena *a, const char *s, bool *oom)
{
        char *d;

        if (!s)
                return NULL;
        d = arena_strndup(a, s, strlen(s));
        if (!d)
                *oom = true;
        return d;
}

static const char *const *dup_args(struct arena *a, const char *const *args, size_t n, bool *oom)
{
        const char **v;
        size_t i;

        if (!args || n == 0)
                return NULL;
        v = arena_alloc(a, n * sizeof(*v));
        if (!v) {
                *oom = true;
                return NULL;
        }
        for (i = 0; i < n; i++)
                v[i] = dup_str(a, args[i], oom);
        return v;
}

int finding_process_copy(struct arena *a, const struct finding_process *p, const struct finding_ancestor *an,
                         size_t n_an, const struct finding_process **ret_p, const struct finding_ancestor **ret_an)
{
        struct finding_process *cp = NULL;
        struct finding_ancestor *can = NULL;
        bool oom = false;
        size_t i;

        if (p) {
                cp = arena_memdup(a, p, sizeof(*cp));
                if (cp) {
                        cp->name = dup_str(a, cp->name, &oom);
                        cp->executable = dup_str(a, cp->executable, &oom);
                        cp->title = dup_str(a, cp->title, &oom);
                        cp->args = dup_args(a, cp->args, cp->n_args, &oom);
                        cp->parent_name = dup_str(a, cp->parent_name, &oom);
                        cp->parent_executable = dup_str(a, cp->parent_executable, &oom);
                        cp->auid_name = dup_str(a, cp->auid_name, &oom);
                        cp->unit = dup_str(a, cp->unit, &oom);
                }
                oom |= !cp;
        }
        if (n_an) {
                can = arena_memdup(a, an, n_an * sizeof(*can));
                for (i = 0; can && i < n_an; i++) {
                        can[i].name = dup_str(a, can[i].name, &oom);
                        can[i].executable = dup_str(a, can[i].executable, &oom);
                        can[i].args = dup_args(a, can[i].args, can[i].n_args, &oom);
                }
                oom |= !can;
        }
        if (oom)
                return -ENOMEM;
        *ret_p = cp;
        *ret_an = can;
        return 0;
}

/* What an arena allocation of n bytes takes at most (it rounds up to max_align_t). */
static size_t alloc_size(size_t n)
{
        return n + sizeof(max_align_t);
}

static size_t str_size(const char *s)
{
        return s ? alloc_size(strlen(s) + 1) : 0;
}

static size_t args_size(const char *const *args, size_t n)
{
        size_t size = 0, i;

        if (!args || n == 0)
                return 0;
        size = alloc_size(n * sizeof(*args));
        for (i = 0; i < n; i++)
                size += str_size(args[i]);
        return size;
}

size_t finding_process_size(const struct finding_process *p, const struct finding_ancestor *an, size_t n_an)
{
        size_t size = 0, i;

        if (p)
                size += alloc_size(sizeof(*p)) + str_size(p->name) + str_size(p->executable) + str_size(p->title) +
                        args_size(p->args, p->n_args) + str_size(p->parent_name) +
                        str_size(p->parent_executable) + str_size(p->auid_name) +
                        str_size(p->unit);
        if (n_an)
                size += alloc_size(n_an * sizeof(*an));
        for (i = 0; i < n_an; i++)
                size += str_size(an[i].name) + str_size(an[i].executable) + args_size(an[i].args, an[i].n_args);
        return size;
}

static bool str_equal(const char *a, const char *b)
{
        return a == b || (a && b && strcmp(a, b) == 0);
}

static bool args_equal(const char *const *a, size_t n, const char *const *b, size_t m)
{
        size_t i;

        if (n != m)
                return false;
        for (i = 0; i < n; i++)
                if (!str_equal(a[i], b[i]))
                        return false;
        return true;
}

bool finding_process_equal(const struct finding_process *p, const struct finding_ancestor *an, size_t n_an,
                           const struct finding_process *q, const struct finding_ancestor *bn, size_t n_bn)
{
        size_t i;

        if (!p || !q) {
                if (p != q)
                        return false;
        } else if (p->pid != q->pid || p->ppid != q->ppid || p->uid != q->uid || p->euid != q->euid ||
                   p->auid != q->auid || p->args_truncated != q->args_truncated || !str_equal(p->name, q->name) ||
                   !str_equal(p->executable, q->executable) || !str_equal(p->title, q->title) ||
                   !args_equal(p->args, p->n_args, q->args, q->n_args) ||
                   !str_equal(p->parent_name, q->parent_name) ||
                   !str_equal(p->parent_executable, q->parent_executable) || !str_equal(p->auid_name, q->auid_name) ||
                   !str_equal(p->unit, q->unit) || !str_equal(p->unit_source, q->unit_source)) {
                return false;
        }
        if (n_an != n_bn)
                return false;
        for (i = 0; i < n_an; i++)
                if (an[i].pid != bn[i].pid || an[i].inferred != bn[i].inferred || !str_equal(an[i].name, bn[i].name) ||
                    !str_equal(an[i].executable, bn[i].executable) ||
                    !args_equal(an[i].args, an[i].n_args, bn[i].args, bn[i].n_args))
                        return false;
        return true;
}

int output_format_from_name(const char *s, enum output_format *ret)
{
        if (strcmp(s, "text") == 0)
                *ret = OUTPUT_TEXT;
        else if (strcmp(s, "json") == 0)
                *ret = OUTPUT_JSON;
        else
                return -EINVAL;
        return 0;
}

void output_init(struct output *o, enum output_format format, FILE *f, const char *host)
{
        /* Written as they come; the CLI holds the text view for its summary (output_hold()). */
        *o = (struct output) { .format = format, .f = f, .host = host, .streaming = true,
                               .hold_max = OUTPUT_TEXT_HOLD_MAX, .emit_new = -1 };
}

void format_timestamp_sec(char out[TIMESTAMP_LEN], uint64_t sec, unsigned msec)
{
        rfc3339_format_ms(sec > (uint64_t) TIME_MAX_SECONDS ? TIME_MAX_SECONDS : (int64_t) sec, msec, out);
}

void format_timestamp(char out[TIMESTAMP_LEN], long long ns)
{
        if (ns < 0)
                ns = 0;
        format_timestamp_sec(out, (uint64_t) (ns / 1000000000), (unsigned) (ns / 1000000 % 1000));
}

const char *timestamp_to_second(const char *ts, char buf[TIMESTAMP_LEN])
{
        size_t n = strlen(ts);

        if (n <= 20 || n >= TIMESTAMP_LEN || ts[19] != '.' || ts[n - 1] != 'Z')
                return ts;
        snprintf(buf, TIMESTAMP_LEN, "%.19sZ", ts);
        return buf;
}

static void json_strv(struct json *j, const char *key, const struct strv *v)
{
        size_t i;

        json_array_begin(j, key);
        for (i = 0; v && i < v->n; i++)
                json_string(j, NULL, v->v[i]);
        json_array_end(j);
}

static void json_bytes(struct json *j, const char *key, const char *s, size_t n)
{
        json_string_n(j, key, s, n);
}

static void json_args(struct json *j, const char *key, const char *const *args, size_t n)
{
        size_t i;

        json_array_begin(j, key);
        for (i = 0; i < n; i++)
                json_string(j, NULL, args[i] ? args[i] : "");
        json_array_end(j);
}


static void json_container(struct json *j, const struct finding_container *c)
{
        json_object_begin(j, "container");
        if (c->id)
                json_string(j, "id", c->id);
        if (c->name)
                json_string(j, "name", c->name);
        if (c->runtime)
                json_string(j, "runtime", c->runtime);
        if (c->image_name || c->image_tag || c->image_digest) {
                json_object_begin(j, "image");
                if (c->image_name)
                        json_string(j, "name", c->image_name);
                if (c->image_tag) {
                        json_array_begin(j, "tag");
                        json_string(j, NULL, c->image_tag);
                        json_array_end(j);
                }
                if (c->image_digest) {
                        json_object_begin(j, "hash");
                        json_array_begin(j, "all");
                        json_string(j, NULL, c->image_digest);
                        json_array_end(j);
                        json_object_end(j);
                }
                json_object_end(j);
        }
        json_object_end(j);
}

static void json_process(struct json *j, const struct finding_process *p)
{
        const struct ecs_process e = {
                .pid = p->pid, .ppid = p->ppid,
                .name = ecs_cstr(p->name), .executable = ecs_cstr(p->executable), .title = ecs_cstr(p->title),
                .args_cstr = p->args, .n_args = p->n_args,
                .parent_name = ecs_cstr(p->parent_name), .parent_executable = ecs_cstr(p->parent_executable),
                .uid = p->uid, .euid = p->euid, .auid = p->auid, .auid_name = ecs_cstr(p->auid_name),
        };

        ecs_json_process(j, &e);
}

static void json_ancestry(struct json *j, const struct finding_ancestor *an, size_t n)
{
        size_t i;

        json_array_begin(j, "ancestry");
        for (i = 0; i < n; i++) {
                json_object_begin(j, NULL);
                if (an[i].pid >= 0)
                        json_int(j, "pid", an[i].pid);
                if (an[i].name)
                        json_string(j, "name", an[i].name);
                if (an[i].executable)
                        json_string(j, "exe", an[i].executable);
                if (an[i].n_args)
                        json_args(j, "args", an[i].args, an[i].n_args);
                if (an[i].inferred)
                        json_bool(j, "inferred", true);
                json_object_end(j);
        }
        json_array_end(j);
}

void finding_audit_init(struct finding_audit *a)
{
        *a = (struct finding_audit) { .syscall_number = -1, .success = -1, .ses = -1 };
}

static void json_fold(struct json *j, const char *key, const struct finding_fold *f, bool upgrade)
{
        const char *p = f->paths;
        size_t i;

        json_object_begin(j, key);
        if (upgrade) {
                json_string(j, "upgrader", f->upgrader);
                json_string(j, "reason", f->reason);
        }
        json_int(j, "writes", (int64_t) f->writes);
        json_int(j, "paths_count", (int64_t) f->paths_count);
        if (upgrade)
                json_int(j, "commands", (int64_t) f->commands);
        else
                json_int(j, "seconds", (int64_t) f->seconds);
        json_object_begin(j, "surfaces");
        for (i = 0; i < f->n_surfaces; i++)
                if (f->counts[i])
                        json_int(j, f->surfaces[i].surface, (int64_t) f->counts[i]);
        json_object_end(j);
        json_array_begin(j, "paths");
        for (i = 0; i < f->n_paths; i++, p += strlen(p) + 1)
                json_string(j, NULL, p);
        json_array_end(j);
        json_object_end(j);
}

static void json_audit(struct json *j, const struct finding_audit *a)
{
        size_t i;

        json_object_begin(j, "audit");
        if (a->id)
                json_string(j, "id", a->id);
        if (a->node.len)
                json_bytes(j, "node", a->node.s, a->node.len);
        if (a->syscall.len)
                json_bytes(j, "syscall", a->syscall.s, a->syscall.len);
        if (a->syscall_number >= 0)
                json_int(j, "syscall_number", a->syscall_number);
        if (a->success >= 0)
                json_bool(j, "success", a->success);
        if (a->has_exit)
                json_int(j, "exit", a->exit);
        if (a->key.len)
                json_bytes(j, "key", a->key.s, a->key.len);
        if (a->tty.len)
                json_bytes(j, "tty", a->tty.s, a->tty.len);
        if (audit_id_set(a->ses))
                json_int_string(j, "ses", a->ses);
        if (a->target)
                json_string(j, "target", a->target);
        if (a->target_from)
                json_string(j, "target_from", a->target_from);
        if (a->target_logged)
                json_string(j, "target_logged", a->target_logged);
        if (a->via)
                json_string(j, "via", a->via);
        if (a->from.s)
                json_bytes(j, "from", a->from.s, a->from.len);
        if (a->to.s)
                json_bytes(j, "to", a->to.s, a->to.len);
        if (a->from_written)
                json_string(j, "from_written", a->from_written);
        if (a->dir_from)
                json_string(j, "dir_from", a->dir_from);
        if (a->has_paths) {
                json_array_begin(j, "paths");
                for (i = 0; i < a->n_paths; i++)
                        json_bytes(j, NULL, a->paths[i].s, a->paths[i].len);
                json_array_end(j);
        }
        if (a->upgrade)
                json_fold(j, "upgrade", a->upgrade, true);
        if (a->bulk)
                json_fold(j, "bulk", a->bulk, false);
        if (a->health) {
                json_object_begin(j, "health");
                json_int(j, "count", (int64_t) a->health->count);
                if (a->health->amount)
                        json_int(j, a->health->amount_name, (int64_t) a->health->amount);
                if (a->health->key && a->health->key[0])
                        json_string(j, "key", a->health->key);
                json_object_end(j);
        }
        if (a->silence) {
                json_object_begin(j, "silence");
                json_string(j, "from", a->silence->from);
                json_int(j, "seconds", (int64_t) a->silence->seconds);
                json_object_end(j);
        }
        if (a->mount) {
                char hex[24];

                json_object_begin(j, "mount");
                json_string(j, "operation", a->mount->operation);
                if (a->mount->source.len)
                        json_bytes(j, "source", a->mount->source.s, a->mount->source.len);
                if (a->mount->has_flags) {
                        snprintf(hex, sizeof(hex), "0x%" PRIx64, a->mount->flags);
                        json_string(j, "flags_raw", hex);
                        json_string(j, "flags", a->mount->flag_names ? a->mount->flag_names : "");
                }
                if (a->mount->note)
                        json_string(j, "note", a->mount->note);
                json_object_end(j);
        }
        json_object_end(j);
}

static void json_image(struct json *j, const struct finding_image *im)
{
        size_t i;

        json_object_begin(j, "image");
        if (im->name)
                json_string(j, "name", im->name);
        if (im->class)
                json_string(j, "class", im->class);
        if (im->form)
                json_string(j, "form", im->form);
        if (im->search_path)
                json_string(j, "search_path", im->search_path);
        if (im->lifetime)
                json_string(j, "lifetime", im->lifetime);
        if (im->has_size)
                json_int(j, "size", (int64_t) im->size);
        if (im->mtime)
                json_string(j, "mtime", im->mtime);
        if (im->sha256)
                json_string(j, "sha256", im->sha256);
        json_array_begin(j, "sidecars");
        for (i = 0; i < im->n_sidecars; i++)
                json_string(j, NULL, im->sidecars[i]);
        json_array_end(j);
        if (im->roothash)
                json_string(j, "roothash", im->roothash);
        if (im->release_file)
                json_string(j, "release_file", im->release_file);
        if (im->release_note)
                json_string(j, "release_note", im->release_note);
        if (im->n_release) {
                json_object_begin(j, "release");
                for (i = 0; i < im->n_release; i++)
                        json_string(j, im->release[2 * i], im->release[2 * i + 1]);
                json_object_end(j);
        }
        if (im->compatible)
                json_string(j, "compatible", im->compatible);
        if (im->compatible_reason)
                json_string(j, "compatible_reason", im->compatible_reason);
        if (im->shadowed_by)
                json_string(j, "shadowed_by", im->shadowed_by);
        if (im->merged >= 0)
                json_bool(j, "merged", im->merged);
        if (im->n_partitions) {
                json_array_begin(j, "partitions");
                for (i = 0; i < im->n_partitions; i++) {
                        const struct finding_partition *p = &im->partitions[i];

                        json_object_begin(j, NULL);
                        json_int(j, "number", p->number);
                        json_string(j, "type_uuid", p->type_uuid);
                        if (p->type)
                                json_string(j, "type", p->type);
                        json_string(j, "uuid", p->uuid);
                        if (p->label)
                                json_string(j, "label", p->label);
                        json_int(j, "offset", (int64_t) p->offset);
                        json_int(j, "size", (int64_t) p->size);
                        json_object_end(j);
                }
                json_array_end(j);
        }
        if (im->partitions_error)
                json_string(j, "partitions_error", im->partitions_error);
        if (im->sig_source || im->sig_error) {
                json_object_begin(j, "signature");
                if (im->sig_source)
                        json_string(j, "source", im->sig_source);
                if (im->sig_status)
                        json_string(j, "status", im->sig_status);
                if (im->sig_signer)
                        json_string(j, "signer", im->sig_signer);
                if (im->sig_fingerprint)
                        json_string(j, "fingerprint", im->sig_fingerprint);
                if (im->sig_reason)
                        json_string(j, "reason", im->sig_reason);
                if (im->sig_error)
                        json_string(j, "error", im->sig_error);
                if (im->sig_json_roothash)
                        json_string(j, "root_hash", im->sig_json_roothash);
                if (im->sig_json_fingerprint)
                        json_string(j, "certificate_fingerprint", im->sig_json_fingerprint);
                json_object_end(j);
        }
        if (im->verity_status || im->verity_reason) {
                json_object_begin(j, "verity");
                if (im->verity_status)
                        json_string(j, "status", im->verity_status);
                if (im->verity_reason)
                        json_string(j, "reason", im->verity_reason);
                if (im->verity_has_block) {
                        json_int(j, "level", im->verity_level);
                        json_int(j, "block", (int64_t) im->verity_block);
                }
                json_object_end(j);
        }
        json_object_end(j);
}

/* A before or after value; bytes that are not UTF-8 (a symlink target, an
 * xattr value) also as "<attr>_hex", exact, as paths get path_hex. */
static void json_value(struct json *j, const char *attr, const char *v, size_t n)
{
        char key[320];  /* "xattr:" and a name of up to 255 bytes, "_hex" */

        json_bytes(j, attr, v, n);
        snprintf(key, sizeof(key), "%s_hex", attr);
        json_hex_unless_utf8(j, key, v, n);
}

/* The ECS version the JSON output follows (docs/output.md). */
#define ECS_VERSION "8.11.0"

/* The analysed host as a finding names it: the audit record's node for an
 * audit finding that has one, else the output's host. */
static void finding_host(const struct output *o, const struct finding *f, struct finding_bytes *ret_name,
                         const char **ret_id)
{
        if (f->audit && f->audit->node.len) {
                *ret_name = f->audit->node;
                *ret_id = NULL;
                return;
        }
        *ret_name = (struct finding_bytes) { o->host, o->host ? strlen(o->host) : 0 };
        *ret_id = o->host_id;
}

/* One field of the event id's input: a tag, the bytes, a NUL (a tag is never
 * a prefix of another, and lengths are written, so no two inputs collide). */
static int id_field(struct buf *b, const char *tag, const char *s, size_t n)
{
        int r = buf_printf(b, "%s:%zu:", tag, n);

        if (r >= 0 && n)
                r = buf_append(b, s, n);
        return r >= 0 ? buf_putc(b, '\0') : r;
}

static int id_str(struct buf *b, const char *tag, const char *s)
{
        return s ? id_field(b, tag, s, strlen(s)) : 0;
}

static int id_finish(struct buf *b, char ret[EVENT_ID_LEN])
{
        uint8_t md[SHA256_LEN];
        int r = sha256_buf(b->data, b->len, md);

        if (r < 0)
                return r;
        for (size_t i = 0; i < (EVENT_ID_LEN - 1) / 2; i++)
                snprintf(ret + 2 * i, 3, "%02x", md[i]);
        return 0;
}

/* The host part of an event id: its machine-id, else its name, else nothing. */
static int id_host(struct buf *b, const struct output *o, const struct finding *f)
{
        struct finding_bytes name;
        const char *id;

        finding_host(o, f, &name, &id);
        if (id)
                return id_str(b, "host.id", id);
        return id_field(b, "host.name", name.s, name.len);
}

int finding_event_id(const struct output *o, const struct finding *f, char ret[EVENT_ID_LEN])
{
        _cleanup_(buf_release) struct buf b = { 0 };
        bool subject;
        size_t i;
        int r;

        /* Bounded by what the finding holds: 64 values and a path of at most 16 KiB. */
        buf_init(&b, (size_t) 64 << 20);
        r = id_str(&b, "rule", f->rule ? f->rule->id : NULL);
        r = r ?: id_host(&b, o, f);
        r = r ?: id_str(&b, "kind", f->alert ? "alert" : f->state ? "state" : "event");
        r = r ?: id_str(&b, "action", f->action);
        /* The event's own time (an audit record's, a journal entry's); a
         * finding of the run's time has none (f->timestamp NULL). */
        r = r ?: id_str(&b, "time", f->timestamp);
        if (f->path)
                r = r ?: id_field(&b, "path", f->path, f->path_len);
        if (f->audit) {
                r = r ?: id_str(&b, "audit.id", f->audit->id);
                if (f->audit->node.len)
                        r = r ?: id_field(&b, "audit.node", f->audit->node.s, f->audit->node.len);
        }
        if (f->container) {
                r = r ?: id_str(&b, "container.id", f->container->id);
                r = r ?: id_str(&b, "container.path", f->container->path);
        }
        if (f->image) {
                r = r ?: id_str(&b, "image.name", f->image->name);
                r = r ?: id_str(&b, "image.search_path", f->image->search_path);
        }
        if (f->process)
                r = r ?: id_str(&b, "unit", f->process->unit);
        for (i = 0; i < f->n_changed; i++)
                r = r ?: id_str(&b, "changed", f->changed[i]);
        for (i = 0; i < f->n_values; i++)
                if (f->values[i].after) {
                        r = r ?: id_str(&b, "after", f->values[i].attr);
                        r = r ?: id_field(&b, "value", f->values[i].after, f->values[i].after_len);
                }
        if (f->file && f->file->has_sha256)
                r = r ?: id_field(&b, "sha256", (const char *) f->file->sha256, sizeof(f->file->sha256));
        if (f->run) {
                /* Each run is an event of its own: its time is part of it. */
                r = r ?: id_str(&b, "command", f->run->command);
                for (i = 0; i < f->run->n_coverage; i++)
                        r = r ?: id_str(&b, "coverage", f->run->coverage[i]);
                r = r ?: buf_printf(&b, "start:%lld", f->run->start_ns);
        }
        /* Nothing else says what it is about: its sentence does. */
        subject = f->path || f->audit || f->container || f->image || f->n_values || f->run;
        if (!subject)
                r = r ?: id_str(&b, "message", f->message);
        if (r < 0)
                return r;
        return id_finish(&b, ret);
}

static int msg_word(struct buf *m, const char *s)
{
        return escape_text(m, s, strlen(s));
}

/* message: the finding's own, else one sentence from its rule, action and
 * subject ("sshd configuration changed: /etc/ssh/sshd_config modified (mode)"). */
static void json_message(struct json *j, const struct finding *f)
{
        _cleanup_(buf_release) struct buf m = { 0 };
        const char *verb = NULL;
        int r;

        if (f->message) {
                json_string(j, "message", f->message);
                return;
        }
        if (f->type && strcmp(f->type, "creation") == 0)
                verb = "added";
        else if (f->type && strcmp(f->type, "deletion") == 0)
                verb = "removed";
        else if (f->type && strcmp(f->type, "change") == 0)
                verb = "modified";
        buf_init(&m, (size_t) 1 << 20);
        r = buf_puts(&m, f->rule ? f->rule->name : f->action ? f->action : "driftwatch finding");
        if (r >= 0 && f->path) {
                r = buf_puts(&m, ": ");
                r = r ?: escape_text(&m, f->path, f->path_len);  /* no control character in a sentence */
                if (verb)
                        r = r ?: buf_printf(&m, " %s", verb);
        } else if (r >= 0 && f->container && (f->container->name || f->container->id)) {
                r = buf_puts(&m, ": container ");
                r = r ?: msg_word(&m, f->container->name ? f->container->name : f->container->id);
        } else if (r >= 0 && f->image && f->image->name) {
                r = buf_puts(&m, ": image ");
                r = r ?: msg_word(&m, f->image->name);
        }
        for (size_t i = 0; r >= 0 && i < f->n_changed; i++)
                r = buf_printf(&m, "%s%s", i ? ", " : " (", f->changed[i]);
        if (r >= 0 && f->n_changed)
                r = buf_putc(&m, ')');
        if (r >= 0 && f->process && (f->process->executable || f->process->name)) {
                r = buf_puts(&m, " by ");
                r = r ?: msg_word(&m, f->process->executable ? f->process->executable : f->process->name);
        }
        json_string_n(j, "message", r >= 0 ? m.data : "", r >= 0 ? m.len : 0);
}

/* ECS file.*: the path and, when known, the file as it is now. */
static void json_file(struct json *j, const struct output *o, const struct finding *f)
{
        const struct finding_file *e = f->file;
        const char *owner = NULL, *group = NULL;
        char v[TIMESTAMP_LEN];

        if (e && e->has_stat) {
                owner = e->owner ? e->owner : o->users ? passwd_map_name(o->users, e->uid) : NULL;
                group = e->group ? e->group : o->groups ? passwd_map_name(o->groups, e->gid) : NULL;
        }

        json_object_begin(j, "file");
        json_bytes(j, "path", f->path, f->path_len);
        if (e && e->type)
                json_string(j, "type", e->type);
        if (e && e->has_stat) {
                snprintf(v, sizeof(v), "%04o", (unsigned) e->mode & 07777);
                json_string(j, "mode", v);
                json_int_string(j, "uid", e->uid);
                json_int_string(j, "gid", e->gid);
        }
        if (owner)
                json_string(j, "owner", owner);
        if (group)
                json_string(j, "group", group);
        if (e && e->has_size)
                json_int(j, "size", (int64_t) e->size);
        if (e && e->mtime_ns) {
                format_timestamp(v, e->mtime_ns);
                json_string(j, "mtime", v);
        }
        if (e && e->has_inode)
                json_int_string(j, "inode", (int64_t) e->inode);
        if (e && e->target)
                json_bytes(j, "target_path", e->target, e->target_len);
        if (e && e->has_sha256) {
                json_object_begin(j, "hash");
                json_hex(j, "sha256", e->sha256, sizeof(e->sha256));
                json_object_end(j);
        }
        json_object_end(j);
}

/* host.* (the analysed host) and observer.* (the machine driftwatch ran on). */
static void json_hosts(struct json *j, const struct output *o, const struct finding *f)
{
        struct finding_bytes name;
        const char *id;

        finding_host(o, f, &name, &id);
        if (name.len || id) {
                json_object_begin(j, "host");
                if (name.len)
                        json_bytes(j, "name", name.s, name.len);
                if (id)
                        json_string(j, "id", id);
                json_object_end(j);
        }
        json_object_begin(j, "observer");
        if (o->observer.name)
                json_string(j, "hostname", o->observer.name);
        /* ECS has no observer.id: the machine-id is the observer's serial number. */
        if (o->observer.id)
                json_string(j, "serial_number", o->observer.id);
        json_string(j, "product", "driftwatch");
        json_string(j, "type", "host");
        json_object_end(j);
}

/* rule.* with rule.reference: a URL of the rule's triage, the anchor a
 * Markdown renderer makes of its "#### DW-..." heading in docs/rules.md (the
 * id in lower case) after the installed file or the configured base. */
static void json_rule(struct json *j, const struct output *o, const struct rule *rule)
{
        char ref[DW_CONF_MAX_VALUE + 256];
        size_t n;

        json_object_begin(j, "rule");
        json_string(j, "id", rule->id);
        json_string(j, "name", rule->name);
        json_string(j, "ruleset", "default");
        if (o->rule_reference_base)
                n = (size_t) snprintf(ref, sizeof(ref), "%s#", o->rule_reference_base);
        else
                n = (size_t) snprintf(ref, sizeof(ref), "file://%s/rules.md#", DW_DOCDIR);
        for (const char *c = rule->id; *c && n + 1 < sizeof(ref); c++)
                ref[n++] = (char) (*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
        ref[n < sizeof(ref) ? n : sizeof(ref) - 1] = '\0';
        json_string(j, "reference", ref);
        json_object_end(j);
}

/* threat.*: the rule's techniques, their names and their tactics (attack.h). */
static void json_threat(struct json *j, const struct strv *techniques)
{
        const struct attack_tactic *seen[16];
        size_t n_seen = 0, i, k, t;

        json_object_begin(j, "threat");
        json_string(j, "framework", "MITRE ATT&CK");
        json_object_begin(j, "technique");
        json_strv(j, "id", techniques);
        json_array_begin(j, "name");
        for (i = 0; i < techniques->n; i++) {
                const struct attack_technique *at = attack_technique_find(techniques->v[i]);

                json_string(j, NULL, at ? at->name : "");
                for (t = 0; at && t < ATTACK_MAX_TACTICS && at->tactics[t]; t++) {
                        for (k = 0; k < n_seen && seen[k] != at->tactics[t]; k++)
                                ;
                        if (k == n_seen && n_seen < ARRAY_SIZE(seen))
                                seen[n_seen++] = at->tactics[t];
                }
        }
        json_array_end(j);
        json_object_end(j);
        if (n_seen) {
                json_object_begin(j, "tactic");
                json_array_begin(j, "id");
                for (k = 0; k < n_seen; k++)
                        json_string(j, NULL, seen[k]->id);
                json_array_end(j);
                json_array_begin(j, "name");
                for (k = 0; k < n_seen; k++)
                        json_string(j, NULL, seen[k]->name);
                json_array_end(j);
                json_object_end(j);
        }
        json_object_end(j);
}

static int render_json(struct output *o, const struct finding *f, struct buf *b)
{
        const struct rule *rule = f->rule;
        enum severity sev = finding_severity(f);
        char ts[TIMESTAMP_LEN];
        char id[EVENT_ID_LEN];
        struct json j;
        struct timespec now;
        size_t i;
        int r;

        if (!f->timestamp) {
                clock_gettime(CLOCK_REALTIME, &now);
                format_timestamp(ts, (long long) now.tv_sec * 1000000000 + now.tv_nsec);
        }
        r = finding_event_id(o, f, id);
        if (r < 0)
                return r;
        json_init(&j, b);
        json_object_begin(&j, NULL);
        json_string(&j, "@timestamp", f->timestamp ? f->timestamp : ts);
        json_message(&j, f);
        json_object_begin(&j, "ecs");
        json_string(&j, "version", ECS_VERSION);
        json_object_end(&j);

        json_object_begin(&j, "event");
        json_string(&j, "id", id);
        json_string(&j, "kind", f->alert ? "alert" : f->state ? "state" : "event");
        json_array_begin(&j, "category");
        json_string(&j, NULL, f->category ? f->category : "host");
        json_array_end(&j);
        json_array_begin(&j, "type");
        json_string(&j, NULL, f->type ? f->type : "info");
        json_array_end(&j);
        if (f->action)
                json_string(&j, "action", f->action);
        if (f->outcome)
                json_string(&j, "outcome", f->outcome);
        json_int(&j, "severity", severity_number(sev));
        json_string(&j, "module", "driftwatch");
        if (f->dataset)
                json_string(&j, "dataset", f->dataset);
        if (f->run) {
                format_timestamp(ts, f->run->start_ns);
                json_string(&j, "start", ts);
                format_timestamp(ts, f->run->start_ns + f->run->duration_ns);
                json_string(&j, "end", ts);
                json_int(&j, "duration", f->run->duration_ns);
        }
        json_object_end(&j);

        if (rule)
                json_rule(&j, o, rule);
        if (f->path)
                json_file(&j, o, f);
        if (f->process)
                json_process(&j, f->process);
        if (f->container)
                json_container(&j, f->container);
        json_hosts(&j, o, f);
        if ((rule && rule->techniques.n) || (f->techniques && f->techniques->n)) {
                struct strv all = { 0 };
                size_t k;

                /* the rule's, then the finding's own that it does not have */
                for (k = 0; rule && k < rule->techniques.n; k++)
                        (void) strv_push(&all, rule->techniques.v[k]);
                for (k = 0; f->techniques && k < f->techniques->n; k++) {
                        size_t m;

                        for (m = 0; m < all.n && strcmp(all.v[m], f->techniques->v[k]) != 0; m++)
                                ;
                        if (m == all.n)
                                (void) strv_push(&all, f->techniques->v[k]);
                }
                json_threat(&j, &all);
                strv_release(&all);
        }

        json_object_begin(&j, "driftwatch");
        json_string(&j, "severity", severity_name(sev));
        if (rule)
                json_strv(&j, "controls", &rule->controls);
        if (f->surface || (rule && rule->surface))
                json_string(&j, "surface", f->surface ? f->surface : rule->surface);
        if (f->root)
                json_string(&j, "root", f->root);
        if (f->path)
                json_hex_unless_utf8(&j, "path_hex", f->path, f->path_len);
        if (f->merge) {
                json_object_begin(&j, "merge");
                json_string(&j, "fate", f->merge);
                if (f->merge_target)
                        json_string(&j, "target", f->merge_target);
                if (f->merge_reason)
                        json_string(&j, "reason", f->merge_reason);
                if (f->merge_model)
                        json_string(&j, "model", f->merge_model);
                if (f->n_merge_loses) {
                        json_array_begin(&j, "loses");
                        for (i = 0; i < f->n_merge_loses; i++)
                                json_string(&j, NULL, f->merge_loses[i]);
                        json_array_end(&j);
                        json_int(&j, "loses_total", (int64_t) f->merge_loses_total);
                }
                json_object_end(&j);
        }
        if (f->allowed_by)
                json_string(&j, "allowlist", f->allowed_by);
        if (o->seen && o->emit_new >= 0)
                json_bool(&j, "new_since_last_run", o->emit_new == 1);
        json_array_begin(&j, "changed");
        for (i = 0; i < f->n_changed; i++)
                json_string(&j, NULL, f->changed[i]);
        json_array_end(&j);
        if (f->n_values) {
                json_object_begin(&j, "before");
                for (i = 0; i < f->n_values; i++)
                        if (f->values[i].before)
                                json_value(&j, f->values[i].attr, f->values[i].before, f->values[i].before_len);
                json_object_end(&j);
                json_object_begin(&j, "after");
                for (i = 0; i < f->n_values; i++)
                        if (f->values[i].after)
                                json_value(&j, f->values[i].attr, f->values[i].after, f->values[i].after_len);
                json_object_end(&j);
        }
        json_array_begin(&j, "quality");
        for (i = 0; i < f->n_quality; i++)
                json_string(&j, NULL, f->quality[i]);
        json_array_end(&j);
        if (f->error)
                json_string(&j, "error", f->error);
        if (f->process)
                json_ancestry(&j, f->ancestry, f->n_ancestry);
        if (f->container && (f->container->path || f->container->layer)) {
                json_object_begin(&j, "container");
                if (f->container->path)
                        json_string(&j, "path", f->container->path);
                if (f->container->layer)
                        json_string(&j, "layer", f->container->layer);
                json_object_end(&j);
        }
        /* ECS has no unit field: filebeat's journald input calls it systemd.unit. */
        if (f->process && f->process->unit) {
                json_object_begin(&j, "systemd");
                json_string(&j, "unit", f->process->unit);
                if (f->process->unit_source)
                        json_string(&j, "unit_source", f->process->unit_source);
                json_object_end(&j);
        }
        if (f->suppressed_by) {
                json_object_begin(&j, "suppressed");
                json_string(&j, "by", f->suppressed_by);
                if (f->suppressed_reason)
                        json_string(&j, "reason", f->suppressed_reason);
                json_object_end(&j);
        }
        if (f->audit)
                json_audit(&j, f->audit);
        if (f->json_extra)
                f->json_extra(&j, f->json_extra_data);
        if (f->image)
                json_image(&j, f->image);
        json_object_end(&j);
        json_object_end(&j);
        if (json_finish(&j) < 0)
                return j.error;
        return buf_putc(b, '\n');
}

/* The text view. Times are shown to the second and hashes by their first 12
 * hex digits (JSON keeps both whole); see docs/output.md. */

#define TEXT_HASH_SHOWN 12
#define TEXT_HASH_MIN 32        /* shorter runs of hex digits are no hash (an inode, a serial) */

static bool is_hex(char c)
{
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

static bool is_word(char c)
{
        return is_hex(c) || (c >= 'g' && c <= 'z') || (c >= 'G' && c <= 'Z') || c == '_';
}

/* Whether s[i] is the '.' of "HH:MM:SS.fraction" (the fraction then ends
 * with 'Z', an offset or the end of the time). */
static bool is_fraction(const char *s, size_t n, size_t i)
{
        static const char shape[] = "dd:dd:dd";
        size_t k;

        if (s[i] != '.' || i < 8 || i + 1 >= n || !is_digit(s[i + 1]))
                return false;
        for (k = 0; k < 8; k++)
                if (shape[k] == 'd' ? !is_digit(s[i - 8 + k]) : s[i - 8 + k] != ':')
                        return false;
        return true;
}

/* s as a person reads it: escaped (escape_text, or escape_text_token when
 * token), a run of TEXT_HASH_MIN or more hex digits cut to its first
 * TEXT_HASH_SHOWN, the fraction of a second of a time left out. */
static int text_humane(struct buf *b, const char *s, size_t n, bool token)
{
        _cleanup_(buf_release) struct buf t = { 0 };
        size_t i = 0, run;
        int r = 0;

        buf_init(&t, n + 1);
        while (r >= 0 && i < n) {
                for (run = 0; i + run < n && is_hex(s[i + run]); run++)
                        ;
                if (run >= TEXT_HASH_MIN && (i == 0 || !is_word(s[i - 1])) &&
                    (i + run == n || !is_word(s[i + run]))) {
                        r = buf_append(&t, s + i, TEXT_HASH_SHOWN);
                        i += run;
                } else if (is_fraction(s, n, i)) {
                        for (i++; i < n && is_digit(s[i]); i++)
                                ;
                } else {
                        /* a word is copied whole: no hash starts inside it */
                        for (run = 1; i + run < n && is_word(s[i]) && is_word(s[i + run]); run++)
                                ;
                        r = buf_append(&t, s + i, run);
                        i += run;
                }
        }
        if (r < 0)
                return r;
        return token ? escape_text_token(b, t.data ?: "", t.len) : escape_text(b, t.data ?: "", t.len);
}

static int text_str(struct buf *b, const char *s)
{
        return text_humane(b, s, strlen(s), false);
}

static int text_word(struct buf *b, const char *s)
{
        return escape_text_token(b, s ? s : "?", s ? strlen(s) : 1);
}

/* The SGR colour of each severity, on a terminal only. */
static const char *severity_color(enum severity s)
{
        switch (s) {
        case SEVERITY_CRITICAL:
                return "\033[1;35m";
        case SEVERITY_HIGH:
                return "\033[1;31m";
        case SEVERITY_MEDIUM:
                return "\033[33m";
        case SEVERITY_LOW:
                return "\033[36m";
        }
        return NULL;
}

/* "high    " in its column, coloured when o->color. */
static int text_severity(const struct output *o, const struct finding *f, struct buf *b)
{
        enum severity sev = finding_severity(f);
        const char *word = f->alert ? severity_name(sev) : f->state ? "state" : "event";
        const char *color = o->color && f->alert ? severity_color(sev) : NULL;

        if (!color)
                return buf_printf(b, "%-8s ", word);
        return buf_printf(b, "%s%s\033[0m%*s ", color, word, (int) (strlen(word) < 8 ? 8 - strlen(word) : 0), "");
}

/* "         container web (0123456789ab) image quay.io/x/web:1 layer 5ca287abcbe6",
 * under the finding as the other details are, hashes shortened */
static int text_container(struct buf *b, const struct finding_container *c)
{
        const struct {
                const char *label, *value;
                size_t max;
        } parts[] = {
                { " container ", c->name, SIZE_MAX },
                { c->name ? " (" : " container ", c->id, 12 },
                { " image ", c->image_name, SIZE_MAX },
                { " layer ", c->layer, 12 },
        };
        int r = buf_puts(b, "        ");

        for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(parts); i++) {
                if (!parts[i].value)
                        continue;
                r = buf_puts(b, parts[i].label);
                if (r >= 0)
                        r = text_humane(b, parts[i].value, strnlen(parts[i].value, parts[i].max), false);
                if (r >= 0 && i == 1 && c->name)
                        r = buf_putc(b, ')');
        }
        return r >= 0 ? buf_putc(b, '\n') : r;
}

/* " by /usr/bin/bash[1234] auid=1000(alice) unit=x.service", and with -v the
 * parent chain " <- sshd[1200] <- systemd[1]"; then, with -v and when
 * suppressed, the reason on a line of its own. */
static int text_process(const struct output *o, const struct finding *f, struct buf *b)
{
        const struct finding_process *p = f->process;
        size_t i;
        int r;

        r = buf_puts(b, " by ");
        if (r >= 0)
                r = text_word(b, p->executable ? p->executable : p->name);
        if (r >= 0 && p->pid >= 0)
                r = buf_printf(b, "[%lld]", p->pid);
        if (r >= 0 && audit_id_set(p->auid))
                r = buf_printf(b, " auid=%lld", p->auid);
        if (r >= 0 && audit_id_set(p->auid) && p->auid_name) {
                r = buf_putc(b, '(');
                if (r >= 0)
                        r = text_word(b, p->auid_name);
                if (r >= 0)
                        r = buf_putc(b, ')');
        }
        if (r >= 0 && p->unit) {
                r = buf_puts(b, " unit=");
                if (r >= 0)
                        r = text_word(b, p->unit);
        }
        for (i = 0; r >= 0 && o->verbose && i < f->n_ancestry; i++) {
                r = buf_puts(b, " <- ");
                if (r >= 0)
                        r = text_word(b, f->ancestry[i].name ? f->ancestry[i].name : f->ancestry[i].executable);
                if (r >= 0 && f->ancestry[i].pid >= 0)
                        r = buf_printf(b, "[%lld]", f->ancestry[i].pid);
        }
        if (r >= 0)
                r = buf_putc(b, '\n');
        if (r >= 0 && o->verbose && f->suppressed_reason) {
                r = buf_puts(b, "         because ");
                if (r >= 0)
                        r = escape_text(b, f->suppressed_reason, strlen(f->suppressed_reason));
                if (r >= 0)
                        r = buf_putc(b, '\n');
        }
        return r;
}

/* The second line of a finding from a log: when, the event id to pivot
 * with, the node and who ("         at 2023-11-14T22:13:20Z event
 * 1700000000.000:5002 (ausearch -a 5002) node web1 by /usr/bin/cp[1002] auid=1000"). */
static int text_context(const struct output *o, const struct finding *f, struct buf *b)
{
        const struct finding_audit *a = f->audit;
        const char *serial = a && a->id ? strrchr(a->id, ':') : NULL;
        int r = buf_puts(b, "        ");

        if (r >= 0 && a && f->timestamp) {
                r = buf_puts(b, " at ");
                if (r >= 0)
                        r = text_humane(b, f->timestamp, strlen(f->timestamp), true);
        }
        if (r >= 0 && a && a->id) {
                r = buf_puts(b, " event ");
                if (r >= 0)
                        r = text_word(b, a->id);
                if (r >= 0 && serial)
                        r = buf_printf(b, " (ausearch -a %s)", serial + 1);
        }
        if (r >= 0 && a && a->node.len) {
                r = buf_puts(b, " node ");
                if (r >= 0)
                        r = escape_text_token(b, a->node.s, a->node.len);
        }
        if (r >= 0 && f->process)
                return text_process(o, f, b);
        return r >= 0 ? buf_putc(b, '\n') : r;
}

static bool is_changed(const struct finding *f, const char *attr)
{
        for (size_t i = 0; i < f->n_changed; i++)
                if (strcmp(f->changed[i], attr) == 0)
                        return true;
        return false;
}

/* -v: "         mode: 0644 -> 4755" for a value that changed ("(none)" for
 * a side it did not have); when both sides read the same to the second,
 * says so. */
static int text_change(const struct finding_value *v, struct buf *b)
{
        size_t mark;
        int r = buf_puts(b, "         ");

        if (r >= 0)
                r = escape_text(b, v->attr, strlen(v->attr));
        if (r >= 0)
                r = buf_puts(b, ": ");
        mark = b->len;
        if (r >= 0)
                r = v->before ? text_humane(b, v->before, v->before_len, true) : buf_puts(b, "(none)");
        if (r >= 0)
                r = buf_puts(b, " -> ");
        if (r >= 0)
                r = v->after ? text_humane(b, v->after, v->after_len, true) : buf_puts(b, "(none)");
        if (r >= 0 && v->before && v->after && (b->len - mark - 4) % 2 == 0 &&
            memcmp(b->data + mark, b->data + mark + (b->len - mark - 4) / 2 + 4, (b->len - mark - 4) / 2) == 0 &&
            (v->before_len != v->after_len || memcmp(v->before, v->after, v->before_len) != 0))
                r = buf_puts(b, " (within the second; --format json has the nanoseconds)");
        return r >= 0 ? buf_putc(b, '\n') : r;
}

/* -v: the values only there after (an added file: "         type file,
 * mode 0644, size 2") or before ("         was: type file, ..."), one line. */
static int text_side(const struct finding *f, bool after, struct buf *b)
{
        bool any = false;
        size_t i;
        int r = 0;

        for (i = 0; r >= 0 && i < f->n_values; i++) {
                const struct finding_value *v = &f->values[i];
                const char *s = after ? v->after : v->before;

                if (!s || (after ? v->before : v->after) || is_changed(f, v->attr))
                        continue;       /* shown by text_change(), or context text_changed_only leaves out */
                if (f->text_changed_only)
                        continue;
                r = buf_puts(b, any ? ", " : after ? "         " : "         was: ");
                if (r >= 0)
                        r = escape_text(b, v->attr, strlen(v->attr));
                if (r >= 0)
                        r = buf_putc(b, ' ');
                if (r >= 0)
                        r = text_humane(b, s, after ? v->after_len : v->before_len, true);
                any = true;
        }
        return r >= 0 && any ? buf_putc(b, '\n') : r;
}

/* The details -v adds under a finding. */
static int text_details(const struct finding *f, struct buf *b)
{
        size_t i;
        int r = 0;

        for (i = 0; r >= 0 && i < f->n_merge_loses; i++) {
                r = buf_puts(b, "         loses ");
                if (r >= 0)
                        r = text_str(b, f->merge_loses[i]);
                if (r >= 0)
                        r = buf_putc(b, '\n');
        }
        if (r >= 0 && f->container)
                r = text_container(b, f->container);
        /* A value on one side only is context (an added file's mode) or what
         * was there: on one line, never as "(none) -> x". */
        for (i = 0; r >= 0 && i < f->n_values; i++) {
                const struct finding_value *v = &f->values[i];

                if (is_changed(f, v->attr) || (v->before && v->after && !f->text_changed_only))
                        r = text_change(v, b);
        }
        if (r >= 0)
                r = text_side(f, false, b);
        if (r >= 0)
                r = text_side(f, true, b);
        if (r >= 0 && f->n_quality) {
                r = buf_puts(b, "         quality:");
                for (i = 0; r >= 0 && i < f->n_quality; i++) {
                        r = buf_putc(b, ' ');
                        if (r >= 0)
                                r = text_str(b, f->quality[i]);
                }
                if (r >= 0)
                        r = buf_putc(b, '\n');
        }
        return r;
}

/* One line per finding: severity, action, what (path, else the container,
 * else "-": the column is never empty), rule id, what changed, the message;
 * a finding from a log adds the line of its time, event and process; -v the
 * details. */
static int render_text(const struct output *o, const struct finding *f, struct buf *b)
{
        size_t i;
        int r;

        r = text_severity(o, f, b);
        if (r >= 0)
                r = buf_printf(b, "%-14s ", f->action ? f->action : "-");
        if (r >= 0 && f->path)
                r = escape_text_token(b, f->path, f->path_len);
        /* the container, unless the message names it */
        if (r >= 0 && f->container && !f->message && (f->container->name || f->container->id)) {
                r = buf_puts(b, f->path ? " in " : "container ");
                if (r >= 0)
                        r = f->container->name ? text_word(b, f->container->name)
                                               : escape_text(b, f->container->id, strnlen(f->container->id, 12));
        } else if (r >= 0 && !f->path)
                r = buf_putc(b, '-');
        if (r >= 0 && f->rule)
                r = buf_printf(b, "  %s", f->rule->id);
        if (r >= 0 && f->n_changed) {
                r = buf_puts(b, "  [");
                for (i = 0; r >= 0 && i < f->n_changed; i++) {
                        if (i)
                                r = buf_putc(b, ' ');
                        if (r >= 0)
                                r = escape_text(b, f->changed[i], strlen(f->changed[i]));
                }
                if (r >= 0)
                        r = buf_putc(b, ']');
        }
        if (r >= 0 && f->message) {
                r = buf_puts(b, "  ");
                if (r >= 0)
                        r = text_str(b, f->message);
        }
        if (r >= 0 && f->error)
                r = buf_printf(b, "  (%s)", f->error);
        if (r >= 0 && f->merge)
                r = buf_printf(b, "  next deployment: %s", f->merge);
        if (r >= 0 && f->merge_reason) {
                r = buf_puts(b, " (");
                if (r >= 0)
                        r = text_str(b, f->merge_reason);
                if (r >= 0)
                        r = buf_putc(b, ')');
        }
        if (r >= 0 && f->allowed_by) {
                r = buf_puts(b, "  allowed: ");
                if (r >= 0)
                        r = escape_text(b, f->allowed_by, strlen(f->allowed_by));
        }
        if (r >= 0 && f->suppressed_by)
                r = buf_printf(b, "  suppressed (%s)", f->suppressed_by);
        /* new since the previous scan (none recorded: no mark) */
        if (r >= 0 && o->seen && o->seen->previous && o->emit_new == 1)
                r = buf_puts(b, "  new");
        if (r >= 0)
                r = buf_putc(b, '\n');
        if (r >= 0 && ((f->audit && f->timestamp) || f->process))
                r = text_context(o, f, b);
        if (r >= 0 && o->verbose)
                r = text_details(f, b);
        return r;
}

static void count_kind(struct output *o, const struct finding *f)
{
        const char *action = f->action ? f->action : "-";
        struct output_kind *k;
        size_t i;

        for (i = 0; i < o->n_kinds; i++)
                if (strncmp(o->kinds[i].action, action, sizeof(o->kinds[i].action) - 1) == 0)
                        break;
        if (i == OUTPUT_MAX_KINDS) {
                i = OUTPUT_MAX_KINDS - 1;       /* the last slot ("") counts every action past the others */
        } else if (i == o->n_kinds) {
                o->n_kinds++;
                snprintf(o->kinds[i].action, sizeof(o->kinds[i].action), "%s",
                         i == OUTPUT_MAX_KINDS - 1 ? "" : action);
        }
        k = &o->kinds[i];
        if (f->alert)
                k->alerts++;
        else
                k->events++;
}

/* The signals that ask a command to stop interrupt a write() blocked on a
 * full pipe (their handlers have no SA_RESTART, cli/common.c), and stdio then
 * drops what it had buffered, cutting a line. So into a pipe, a socket or a
 * terminal the lines are written with write(2), what is left written again
 * after EINTR (a second signal kills: SA_RESETHAND): a line is out whole or
 * not at all. A regular file (never EINTR) keeps stdio's buffer, and so does
 * a memory stream (no descriptor). */
int output_write(struct output *o, const char *p, size_t n)
{
        struct stat st;
        ssize_t k;
        int fd;

        if (o->checked_f != o->f) {
                fd = fileno(o->f);
                o->checked_f = o->f;
                o->direct = fd >= 0 && fstat(fd, &st) == 0 && !S_ISREG(st.st_mode);
        }
        if (!o->direct) {
                if (n && fwrite(p, 1, n, o->f) != n) {
                        o->error = o->error ?: negative_errno();
                        return o->error;
                }
                return 0;
        }
        if (fflush(o->f) != 0) {        /* what someone wrote with stdio goes first */
                o->error = o->error ?: negative_errno();
                return o->error;
        }
        fd = fileno(o->f);
        while (n > 0) {
                k = write(fd, p, n);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        o->error = o->error ?: negative_errno();
                        return o->error;
                }
                p += k;
                n -= (size_t) k;
        }
        return 0;
}

static int text_write(struct output *o, const char *p, size_t n)
{
        if (o->error)
                return o->error;
        return output_write(o, p, n);
}

/* A finding's lines: held back for the summary to go first, or out now when
 * streaming (the held ones first, once there are too many to hold). */
static int text_put(struct output *o, const struct buf *b)
{
        int r;

        if (!o->streaming && o->held.len + b->len <= o->hold_max)
                return buf_append(&o->held, b->data, b->len);
        if (!o->streaming) {
                r = output_text_stream(o, "more findings than the text view holds: they follow as they come, "
                                          "the summary after them");
                if (r >= 0)
                        r = text_write(o, o->held.data, o->held.len);
                buf_release(&o->held);
                if (r < 0)
                        return r;
        }
        return text_write(o, b->data, b->len);
}

int output_emit(struct output *o, const struct finding *f)
{
        _cleanup_(buf_release) struct buf b = { 0 };   /* released on the early return too */
        int r;

        if (f->rule && f->rule->disabled)
                return 0;       /* a rules layer disabled it: not reported, not counted */
        if (f->alert) {
                o->alerts++;
                o->by_severity[finding_severity(f)]++;
        } else {
                o->events++;
        }
        count_kind(o, f);
        o->emit_new = -1;
        if (o->seen) {
                char id[EVENT_ID_LEN];

                r = finding_event_id(o, f, id);
                if (r < 0)
                        return r;
                o->emit_new = seen_ids_note(o->seen, id);
                o->seen->new_alerts += f->alert && o->emit_new;
        }
        if (o->min_level && finding_severity(f) < o->min_level) {
                o->below++;
                return 0;
        }
        if (o->format == OUTPUT_TEXT && !f->alert && o->events_listed)
                return 0;
        /* An allowed change is shown as such: the allowlist may be wrong. */
        if (o->format == OUTPUT_TEXT && !f->alert && !o->show_events && !o->verbose && !f->allowed_by) {
                o->hidden++;
                return 0;
        }
        /* One line of at most 64 MiB: a mount table snapshot of 100,000 mounts
         * (driftwatch mounts) is one event. */
        buf_init(&b, (size_t) 64 << 20);
        r = o->format == OUTPUT_JSON ? render_json(o, f, &b) : render_text(o, f, &b);
        o->emit_new = -1;
        if (r < 0)
                return r;
        if (o->format == OUTPUT_TEXT) {
                /* the columns' names once, above the first finding's line */
                if (!o->shown++ && !o->no_summary) {
                        const char *header = o->seen && o->seen->previous ? OUTPUT_TEXT_HEADER "  NEW\n"
                                                                           : OUTPUT_TEXT_HEADER "\n";

                        r = output_text(o, header, strlen(header));
                        if (r < 0)
                                return r;
                }
                return text_put(o, &b);
        }
        return output_write(o, b.data, b.len);
}

int output_text(struct output *o, const char *s, size_t n)
{
        const struct buf b = { .data = (char *) s, .len = n };

        return text_put(o, &b);
}

int output_note(struct output *o, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = buf_vprintf(&o->notes, fmt, ap);
        va_end(ap);
        return r < 0 ? r : buf_putc(&o->notes, '\n');
}

void output_hold(struct output *o)
{
        if (o->format == OUTPUT_TEXT)
                o->streaming = false;
}

int output_text_stream(struct output *o, const char *what)
{
        _cleanup_(buf_release) struct buf b = { 0 };
        int r;

        if (o->format != OUTPUT_TEXT || o->streaming)
                return 0;
        o->streaming = true;
        if (o->no_summary)
                return 0;
        buf_init(&b, 4096);
        r = buf_printf(&b, "%s: %s\n", o->command ? o->command : "driftwatch", what);
        return r < 0 ? r : text_write(o, b.data, b.len);
}

static const char *plural(unsigned long n, const char *one, const char *many)
{
        return n == 1 ? one : many;
}

/* "3 alerts (1 critical, 2 high)" or "1 event" */
static int text_count(struct buf *b, unsigned long n, const char *one, const char *many)
{
        return buf_printf(b, "%lu %s", n, plural(n, one, many));
}

/* "check: 3 alerts (1 high, 2 medium), 5 events": the first line of the text
 * summary, and the message of the run summary event. */
static int summary_counts(struct buf *b, const char *command, const struct output *o)
{
        bool first = true;
        int r;

        r = buf_printf(b, "%s: ", command ? command : "driftwatch");
        if (r >= 0)
                r = text_count(b, o->alerts, "alert", "alerts");
        for (int s = SEVERITY_CRITICAL; r >= 0 && s >= SEVERITY_LOW; s--) {
                if (!o->by_severity[s])
                        continue;
                r = buf_printf(b, "%s%lu %s", first ? " (" : ", ", o->by_severity[s], severity_name(s));
                first = false;
        }
        if (r >= 0 && !first)
                r = buf_putc(b, ')');
        if (r >= 0)
                r = buf_puts(b, ", ");
        if (r >= 0)
                r = text_count(b, o->events, "event", "events");
        return r;
}

/* The summary, as AIDE's starts its report: the counts by severity, then by
 * kind (event.action), then the command's own lines. */
static int text_summary(struct output *o, struct buf *b)
{
        size_t i, width = strlen("(others)");
        int r;

        r = summary_counts(b, o->command, o);
        if (r >= 0 && o->below)
                r = buf_printf(b, "; %lu below --min-severity %s not shown", o->below, severity_name(o->min_level));
        if (r >= 0 && o->hidden)
                r = buf_printf(b, "; %lu event%s not shown (-v shows them)", o->hidden, o->hidden == 1 ? "" : "s");
        if (r >= 0)
                r = buf_putc(b, '\n');
        for (i = 0; i < o->n_kinds; i++)
                if (strlen(o->kinds[i].action) > width)
                        width = strlen(o->kinds[i].action);
        /* the kinds with alerts first, then those of events only */
        for (i = 0; r >= 0 && i < 2 * o->n_kinds; i++) {
                const struct output_kind *k = &o->kinds[i % o->n_kinds];

                if ((i < o->n_kinds) != (k->alerts > 0))
                        continue;
                r = buf_printf(b, "  %-*s ", (int) width, k->action[0] ? k->action : "(others)");
                if (r >= 0 && k->alerts)
                        r = text_count(b, k->alerts, "alert", "alerts");
                if (r >= 0 && k->alerts && k->events)
                        r = buf_puts(b, ", ");
                if (r >= 0 && k->events)
                        r = text_count(b, k->events, "event", "events");
                if (r >= 0)
                        r = buf_putc(b, '\n');
        }
        if (r >= 0 && o->notes.len)
                r = buf_append(b, o->notes.data, o->notes.len);
        return r;
}

int output_flush(struct output *o)
{
        _cleanup_(buf_release) struct buf b = { 0 };
        int r = 0;

        if (o->format != OUTPUT_TEXT || o->streaming)
                return o->error;
        buf_init(&b, (size_t) 1 << 20);
        if (!o->no_summary)
                r = text_summary(o, &b);
        if (r >= 0 && !o->no_summary && o->held.len)
                r = buf_putc(&b, '\n');
        if (r >= 0 && text_write(o, b.data, b.len) >= 0)
                r = text_write(o, o->held.data, o->held.len);
        buf_release(&o->held);
        o->streaming = o->summarized = true;
        o->notes_done = o->notes.len;
        if (r < 0 && !o->error)
                o->error = r;
        return o->error;
}

void output_release(struct output *o)
{
        buf_release(&o->held);
        buf_release(&o->notes);
}

int output_finish(struct output *o)
{
        _cleanup_(buf_release) struct buf b = { 0 };
        int r = 0;

        if (o->format == OUTPUT_TEXT && o->summarized) {
                /* output_flush() wrote the summary: what was noted since */
                if (!o->no_summary && o->notes.len > o->notes_done)
                        r = text_write(o, o->notes.data + o->notes_done, o->notes.len - o->notes_done);
        } else if (o->format == OUTPUT_TEXT) {
                buf_init(&b, (size_t) 1 << 20);
                /* streaming: a blank line between the findings and the summary that closes them */
                if (!o->no_summary && o->streaming && o->shown)
                        r = buf_putc(&b, '\n');
                if (r >= 0 && !o->no_summary)
                        r = text_summary(o, &b);
                if (r >= 0 && !o->no_summary && !o->streaming && o->held.len)
                        r = buf_putc(&b, '\n');
                /* streaming: the findings went out already, the summary closes them */
                if (r >= 0 && !o->streaming)
                        r = text_write(o, b.data, b.len) < 0 ? o->error : text_write(o, o->held.data, o->held.len);
                else if (r >= 0)
                        r = text_write(o, b.data, b.len);
        }
        output_release(o);
        if (r < 0 && !o->error)
                o->error = r;
        return o->error;
}

static void json_run(struct json *j, const void *data)
{
        const struct output_run *run = ((const struct output_run *const *) data)[0];
        const struct output *o = ((const struct output *const *) data)[1];

        json_object_begin(j, "run");
        json_string(j, "command", run->command ? run->command : "");
        json_array_begin(j, "coverage");
        for (size_t i = 0; i < run->n_coverage; i++)
                json_string(j, NULL, run->coverage[i]);
        json_array_end(j);
        if (run->baseline)
                json_string(j, "baseline", run->baseline);
        json_int(j, "exit_status", run->exit_status);
        json_int(j, "alerts", (int64_t) o->alerts);
        json_int(j, "events", (int64_t) o->events);
        json_object_begin(j, "by_severity");
        for (int s = SEVERITY_CRITICAL; s >= SEVERITY_LOW; s--)
                json_int(j, severity_name(s), (int64_t) o->by_severity[s]);
        json_object_end(j);
        json_object_end(j);
}

int output_run_summary(struct output *o, const struct rule *rule, const struct output_run *run)
{
        _cleanup_(buf_release) struct buf msg = { 0 }, b = { 0 };
        const void *data[2] = { run, o };
        char ts[TIMESTAMP_LEN];
        struct finding f;
        int r;

        /* the text view's summary, first on stdout, says it already */
        if (o->format != OUTPUT_JSON || (rule && rule->disabled))
                return 0;
        buf_init(&msg, (size_t) 64 << 10);
        r = summary_counts(&msg, run->command, o);
        r = r ?: buf_printf(&msg, "; exit status %d", run->exit_status);
        if (r < 0)
                return r;
        buf_init(&b, (size_t) 1 << 20);
        format_timestamp(ts, run->start_ns + run->duration_ns);
        finding_init(&f);
        f.timestamp = ts;       /* in its id too: each run is an event of its own */
        f.rule = rule;
        f.category = "host";
        f.type = "info";
        f.action = "run-summary";
        f.dataset = "driftwatch.run";
        f.outcome = run->exit_status <= 1 ? "success" : "failure";
        f.message = msg.data;
        f.run = run;
        f.json_extra = json_run;
        f.json_extra_data = data;
        r = render_json(o, &f, &b);
        finding_release(&f);
        if (r < 0)
                return r;
        return output_write(o, b.data, b.len);
}
