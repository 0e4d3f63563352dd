/* Findings and their text and JSON Lines outputs; see finding.h. */
#define _GNU_SOURCE
#include "finding.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "basic/escape.h"
#include "json.h"

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
        *o = (struct output) { .format = format, .f = f, .host = host };
}

void format_timestamp(char out[TIMESTAMP_LEN], long long ns)
{
        time_t sec = (time_t) (ns / 1000000000);
        struct tm tm;

        gmtime_r(&sec, &tm);
        snprintf(out, TIMESTAMP_LEN, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int) ((ns / 1000000) % 1000));
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

static int render_json(struct output *o, const struct finding *f, struct buf *b)
{
        const struct rule *rule = f->rule;
        enum severity sev = finding_severity(f);
        char ts[TIMESTAMP_LEN];
        struct json j;
        struct timespec now;
        size_t i;

        if (!f->timestamp) {
                clock_gettime(CLOCK_REALTIME, &now);
                format_timestamp(ts, (long long) now.tv_sec * 1000000000 + now.tv_nsec);
        }
        json_init(&j, b);
        json_object_begin(&j, NULL);
        json_string(&j, "@timestamp", f->timestamp ? f->timestamp : ts);
        if (f->message)
                json_string(&j, "message", f->message);

        json_object_begin(&j, "event");
        json_string(&j, "kind", f->alert ? "alert" : "event");
        json_array_begin(&j, "category");
        json_string(&j, NULL, f->category ? f->category : "host");
        json_array_end(&j);
        json_array_begin(&j, "type");
        json_string(&j, NULL, f->type ? f->type : "info");
        json_array_end(&j);
        if (f->action)
                json_string(&j, "action", f->action);
        json_int(&j, "severity", severity_number(sev));
        json_string(&j, "module", "driftwatch");
        if (f->dataset)
                json_string(&j, "dataset", f->dataset);
        json_object_end(&j);

        if (rule) {
                json_object_begin(&j, "rule");
                json_string(&j, "id", rule->id);
                json_string(&j, "name", rule->name);
                json_string(&j, "ruleset", "default");
                json_object_end(&j);
        }
        if (f->path) {
                json_object_begin(&j, "file");
                json_bytes(&j, "path", f->path, f->path_len);
                json_object_end(&j);
        }
        if (o->host) {
                json_object_begin(&j, "host");
                json_string(&j, "name", o->host);
                json_object_end(&j);
        }
        if (rule && rule->techniques.n) {
                json_object_begin(&j, "threat");
                json_string(&j, "framework", "MITRE ATT&CK");
                json_object_begin(&j, "technique");
                json_strv(&j, "id", &rule->techniques);
                json_object_end(&j);
                json_object_end(&j);
        }

        json_object_begin(&j, "driftwatch");
        json_string(&j, "severity", severity_name(sev));
        if (rule)
                json_strv(&j, "controls", &rule->controls);
        if (f->surface || (rule && rule->surface))
                json_string(&j, "surface", f->surface ? f->surface : rule->surface);
        if (f->root)
                json_string(&j, "root", f->root);
        if (f->path && !utf8_valid(f->path, f->path_len)) {
                /* JSON strings cannot carry these bytes: file.path has U+FFFD in
                 * their place, path_hex keeps the name exactly. */
                struct buf hex;

                buf_init(&hex, 0);
                if (hex_encode(&hex, f->path, f->path_len) < 0) {
                        buf_release(&hex);
                        return -ENOMEM;
                }
                json_string(&j, "path_hex", hex.data);
                buf_release(&hex);
        }
        if (f->merge) {
                json_object_begin(&j, "merge");
                json_string(&j, "fate", f->merge);
                if (f->merge_target)
                        json_string(&j, "target", f->merge_target);
                json_object_end(&j);
        }
        if (f->allowed_by)
                json_string(&j, "allowlist", f->allowed_by);
        json_array_begin(&j, "changed");
        for (i = 0; i < f->n_changed; i++)
                json_string(&j, NULL, f->changed[i]);
        json_array_end(&j);
        if (f->n_values) {
                json_object_begin(&j, "before");
                for (i = 0; i < f->n_values; i++)
                        if (f->values[i].before)
                                json_bytes(&j, f->values[i].attr, f->values[i].before, f->values[i].before_len);
                json_object_end(&j);
                json_object_begin(&j, "after");
                for (i = 0; i < f->n_values; i++)
                        if (f->values[i].after)
                                json_bytes(&j, f->values[i].attr, f->values[i].after, f->values[i].after_len);
                json_object_end(&j);
        }
        json_array_begin(&j, "quality");
        for (i = 0; i < f->n_quality; i++)
                json_string(&j, NULL, f->quality[i]);
        json_array_end(&j);
        if (f->error)
                json_string(&j, "error", f->error);
        json_object_end(&j);
        json_object_end(&j);
        if (json_finish(&j) < 0)
                return j.error;
        return buf_putc(b, '\n');
}

static int render_text(const struct finding *f, struct buf *b)
{
        enum severity sev = finding_severity(f);
        size_t i;
        int r;

        r = buf_printf(b, "%-8s %-14s ", f->alert ? severity_name(sev) : "event", f->action ? f->action : "-");
        if (r >= 0 && f->path)
                r = escape_text_token(b, f->path, f->path_len);
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
                        r = escape_text(b, f->message, strlen(f->message));
        }
        if (r >= 0 && f->error)
                r = buf_printf(b, "  (%s)", f->error);
        if (r >= 0 && f->merge)
                r = buf_printf(b, "  next deployment: %s", f->merge);
        if (r >= 0 && f->allowed_by) {
                r = buf_puts(b, "  allowed: ");
                if (r >= 0)
                        r = escape_text(b, f->allowed_by, strlen(f->allowed_by));
        }
        if (r >= 0)
                r = buf_putc(b, '\n');
        for (i = 0; r >= 0 && i < f->n_values; i++) {
                const struct finding_value *v = &f->values[i];

                r = buf_puts(b, "         ");
                if (r >= 0)
                        r = escape_text(b, v->attr, strlen(v->attr));
                if (r >= 0)
                        r = buf_puts(b, ": ");
                if (r >= 0)
                        r = v->before ? escape_text_token(b, v->before, v->before_len) : buf_puts(b, "(none)");
                if (r >= 0)
                        r = buf_puts(b, " -> ");
                if (r >= 0)
                        r = v->after ? escape_text_token(b, v->after, v->after_len) : buf_puts(b, "(none)");
                if (r >= 0)
                        r = buf_putc(b, '\n');
        }
        return r;
}

int output_emit(struct output *o, const struct finding *f)
{
        _cleanup_(buf_release) struct buf b = { 0 };   /* released on the early return too */
        int r;

        if (f->alert) {
                o->alerts++;
                o->by_severity[finding_severity(f)]++;
        } else {
                o->events++;
        }
        if (o->format == OUTPUT_TEXT && !f->alert && !o->show_events)
                return 0;
        buf_init(&b, (size_t) 16 << 20);
        r = o->format == OUTPUT_JSON ? render_json(o, f, &b) : render_text(f, &b);
        if (r < 0)
                return r;
        if (fwrite(b.data, 1, b.len, o->f) != b.len) {
                o->error = -EIO;
                return -EIO;
        }
        return 0;
}
