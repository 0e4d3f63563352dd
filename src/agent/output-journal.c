/* The journal: output: each event one journal entry through sd_journal_sendv()
 * (libsystemd, loaded on first use): MESSAGE (the finding's message, else its
 * rule's id), PRIORITY (the syslog severity), SYSLOG_IDENTIFIER=driftwatch,
 * DRIFTWATCH_EVENT_ID, the whole line as DRIFTWATCH_JSON, and the finding's
 * fields as journal fields: each scalar of the ECS object by its dotted path
 * in the journal's form (event.kind as DW_EVENT_KIND, file.path as
 * DW_FILE_PATH; an array's items repeat the field), at most 256 fields and
 * names of 64 characters. An entry the journal accepted is acknowledged; with
 * no journald socket, nothing is (libsystemd would drop the entries silently). */
#define _GNU_SOURCE
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include "agent/event.h"
#include "agent/output-internal.h"
#include "basic/buf.h"
#include "basic/dlopen-util.h"
#include "rules/rules.h"

#define JOURNAL_MAX_FIELDS 256
#define JOURNAL_NAME_MAX 64
#define JOURNAL_SOCKET "/run/systemd/journal/socket"

static typeof(sd_journal_sendv) *sym_sendv;
static pthread_once_t sendv_once = PTHREAD_ONCE_INIT;
static int sendv_error;

static void load(void)
{
        const struct dl_symbol symbols[] = { DL_SYMBOL("sd_journal_sendv", sym_sendv) };

        sendv_error = dlopen_symbols("libsystemd.so.0", symbols, 1);
}

struct journal_output {
        struct iovec iov[JOURNAL_MAX_FIELDS + 8];
        size_t n;
        struct buf fields;      /* "NAME=value" one after the other, NUL-separated */
        size_t offsets[JOURNAL_MAX_FIELDS + 8], lengths[JOURNAL_MAX_FIELDS + 8];
};

static void journal_close(struct agent_output *o)
{
        struct journal_output *j = (struct journal_output *) o;

        if (!j)
                return;
        buf_release(&j->fields);
        free(j);
}

static int journal_open(const char *url, struct agent_output **ret, struct dw_error *e)
{
        struct journal_output *j;

        if (strcmp(url, "journal:") != 0 && strcmp(url, "journal") != 0)
                return dw_error_set(e, -EINVAL, url, "bad output '%s': the journal output takes no path (journal:)",
                                    url);
        pthread_once(&sendv_once, load);
        if (sendv_error < 0)
                return dw_error_set(e, sendv_error, url, "cannot use output '%s': libsystemd cannot be loaded", url);
        j = calloc(1, sizeof(*j));
        if (!j)
                return -ENOMEM;
        buf_init(&j->fields, (size_t) 128 << 20);
        *ret = (struct agent_output *) j;
        return 0;
}

static int add_field(struct journal_output *j, const char *name, const char *value, size_t len)
{
        size_t start = j->fields.len;
        int r;

        if (j->n >= JOURNAL_MAX_FIELDS + 8)
                return 0;
        r = buf_printf(&j->fields, "%s=", name);
        if (r >= 0)
                r = buf_append(&j->fields, value, len);
        if (r < 0)
                return r;
        j->offsets[j->n] = start;
        j->lengths[j->n] = j->fields.len - start;
        j->n++;
        return 0;
}

/* DW_ and the path in upper case, anything but A-Z 0-9 as '_'. */
static void field_name(char out[JOURNAL_NAME_MAX + 1], const char *path)
{
        size_t k = 0;

        k += (size_t) snprintf(out, JOURNAL_NAME_MAX + 1, "DW_");
        for (const char *p = path; *p && k < JOURNAL_NAME_MAX; p++)
                out[k++] = (*p >= 'a' && *p <= 'z') ? (char) (*p - 'a' + 'A') :
                           ((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')) ? *p : '_';
        out[k] = '\0';
}

static int add_json(struct journal_output *j, const char *path, json_t *v, unsigned depth)
{
        char name[JOURNAL_NAME_MAX + 1], num[64], sub[256];
        const char *key;
        json_t *item;
        size_t i;
        int r = 0;

        if (depth > 8 || j->n >= JOURNAL_MAX_FIELDS)
                return 0;
        switch (json_typeof(v)) {
        case JSON_OBJECT:
                json_object_foreach(v, key, item) {
                        snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "_" : "", key);
                        r = add_json(j, sub, item, depth + 1);
                        if (r < 0)
                                return r;
                }
                return 0;
        case JSON_ARRAY:
                json_array_foreach(v, i, item)
                        if (!json_is_object(item) && !json_is_array(item)) {
                                r = add_json(j, path, item, depth + 1);
                                if (r < 0)
                                        return r;
                        }
                return 0;
        case JSON_STRING:
                field_name(name, path);
                return add_field(j, name, json_string_value(v), json_string_length(v));
        case JSON_INTEGER:
                field_name(name, path);
                snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
                return add_field(j, name, num, strlen(num));
        case JSON_REAL:
                field_name(name, path);
                snprintf(num, sizeof(num), "%g", json_real_value(v));
                return add_field(j, name, num, strlen(num));
        case JSON_TRUE:
        case JSON_FALSE:
                field_name(name, path);
                return add_field(j, name, json_is_true(v) ? "true" : "false", json_is_true(v) ? 4 : 5);
        default:
                return 0;
        }
}

static int journal_entry(struct journal_output *j, const struct agent_event *ev)
{
        json_t *root, *m, *rule;
        char prio[2] = { 0 };
        int r, sev;

        buf_reset(&j->fields);
        j->n = 0;
        root = json_loadb(ev->json, ev->len, JSON_DECODE_ANY, NULL);
        if (!root)
                return -EBADMSG;
        m = json_object_get(root, "message");
        rule = json_object_get(json_object_get(root, "rule"), "id");
        r = json_is_string(m) ? add_field(j, "MESSAGE", json_string_value(m), json_string_length(m)) :
            json_is_string(rule) ? add_field(j, "MESSAGE", json_string_value(rule), json_string_length(rule)) :
                                   add_field(j, "MESSAGE", "driftwatch finding", 18);
        sev = ev->severity > SEVERITY_CRITICAL ? agent_event_severity(ev->json, ev->len) : ev->severity;
        prio[0] = (char) ('0' + (sev >= SEVERITY_CRITICAL ? 2 : sev == SEVERITY_HIGH ? 3 : sev == SEVERITY_MEDIUM ? 4 : 5));
        if (r >= 0)
                r = add_field(j, "PRIORITY", prio, 1);
        if (r >= 0)
                r = add_field(j, "SYSLOG_IDENTIFIER", "driftwatch", 10);
        if (r >= 0)
                r = add_field(j, "DRIFTWATCH_EVENT_ID", ev->id, strlen(ev->id));
        if (r >= 0)
                r = add_field(j, "DRIFTWATCH_JSON", ev->json, ev->len);
        if (r >= 0)
                r = add_json(j, "", root, 0);
        json_decref(root);
        if (r < 0)
                return r;
        for (size_t i = 0; i < j->n; i++)
                j->iov[i] = (struct iovec) { j->fields.data + j->offsets[i], j->lengths[i] };
        return sym_sendv(j->iov, (int) j->n);
}

static int journal_send(struct agent_output *o, const struct agent_event *events, size_t n, bool *acked,
                        struct dw_error *e)
{
        struct journal_output *j = (struct journal_output *) o;
        struct stat st;

        /* sd_journal_sendv() succeeds silently when journald is not there:
         * nothing would be delivered, so nothing may be acknowledged. */
        if (stat(JOURNAL_SOCKET, &st) < 0 || !S_ISSOCK(st.st_mode))
                return dw_error_set(e, -ENOENT, "journal:", "cannot write to the journal: journald is not running "
                                    "(no socket " JOURNAL_SOCKET ")");
        for (size_t i = 0; i < n; i++) {
                int r = journal_entry(j, &events[i]);

                if (r == -EBADMSG) {
                        acked[i] = true;        /* not JSON: it never will be; the spool lets it go */
                        continue;
                }
                if (r < 0)
                        return dw_error_set(e, r, "journal:", "cannot write to the journal: %s", strerror(-r));
                acked[i] = true;
        }
        return 0;
}

const struct agent_output_ops agent_output_journal_ops = {
        .scheme = "journal",
        .open = journal_open,
        .send = journal_send,
        .close = journal_close,
};
