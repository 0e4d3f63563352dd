/* Capability: journal analytics; see journal.h.
 *
 * A --file is a journal file when it starts with the journal's signature
 * ("LPKSHHRH"), read through sd-journal; anything else (and '-', standard
 * input) is an export stream, read in chunks through the bounded parser. */
#define _GNU_SOURCE
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "basic/fd-util.h"
#include "capability/status.h"
#include "image/status-policy.h"
#include "journal/sd-journal-reader.h"

#define READ_CHUNK ((size_t) 64 << 10)
#define JOURNAL_SIGNATURE "LPKSHHRH"

/* What sd-journal returns for a file it cannot make sense of. */
#define IN_SET_CORRUPT(r) \
        ((r) == -EBADMSG || (r) == -ENODATA || (r) == -EUCLEAN || (r) == -EIDRM || (r) == -ESHUTDOWN || \
         (r) == -EPROTONOSUPPORT || (r) == -EADDRNOTAVAIL || (r) == -ENOTRECOVERABLE)

static int on_entry(const struct journal_entry *e, void *userdata)
{
        return journal_analyzer_entry(userdata, e);
}

/* An export stream from fd, bytes already read (head) first. */
static int read_export(const struct dw_context *ctx, int fd, const char *head, size_t n_head,
                       struct export_parser *p, export_entry_fn fn, void *userdata, const char *label,
                       struct dw_error *ret_error)
{
        _cleanup_(freep) char *chunk = malloc(READ_CHUNK);
        int r;

        if (!chunk)
                return dw_error_set(ret_error, -ENOMEM, NULL, "out of memory");
        r = export_parser_feed(p, head, n_head, fn, userdata);
        while (r >= 0) {
                ssize_t n;

                if (ctx->cancel && *ctx->cancel)
                        return dw_error_set(ret_error, -ECANCELED, NULL, "interrupted");
                n = read(fd, chunk, READ_CHUNK);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return dw_error_set(ret_error, negative_errno(), NULL, "cannot read journal %s: %s", label, strerror(errno));
                if (n == 0) {
                        r = export_parser_finish(p, fn, userdata);
                        break;
                }
                r = export_parser_feed(p, chunk, (size_t) n, fn, userdata);
        }
        if (r == -EBADMSG)
                return dw_error_set(ret_error, r, NULL, "cannot read journal %s: not a journal export stream: %s "
                                    "(at byte %llu)", label, export_parser_error(p),
                                    (unsigned long long) export_parser_offset(p));
        if (r < 0)
                return dw_error_set(ret_error, r, NULL, "cannot write output: %s", strerror(-r));
        return 0;
}

int journal_read_input(const struct dw_context *ctx, const struct journal_input *in, struct export_parser *p,
                       export_entry_fn fn, void *userdata, struct dw_error *ret_error)
{
        _cleanup_(closep) int fd = -1;
        char label[512], head[8];
        size_t n_head = 0;
        bool stdin_ = in->kind == JOURNAL_INPUT_EXPORT && strcmp(in->path, "-") == 0;
        int r;

        if (stdin_)
                snprintf(label, sizeof(label), "from standard input");
        else
                snprintf(label, sizeof(label), "'%s'", in->path);
        if (in->kind == JOURNAL_INPUT_DIRECTORY)
                goto sd_journal;
        if (stdin_)
                return read_export(ctx, STDIN_FILENO, NULL, 0, p, fn, userdata, label, ret_error);

        fd = open(in->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return dw_error_set(ret_error, negative_errno(), in->path, "cannot open journal %s: %s", label, strerror(errno));
        while (n_head < sizeof(head)) {
                ssize_t n = read(fd, head + n_head, sizeof(head) - n_head);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return dw_error_set(ret_error, negative_errno(), in->path, "cannot read journal %s: %s",
                                            label, strerror(errno));
                if (n == 0)
                        break;
                n_head += (size_t) n;
        }
        if (n_head < sizeof(head) || memcmp(head, JOURNAL_SIGNATURE, sizeof(head)) != 0)
                return read_export(ctx, fd, head, n_head, p, fn, userdata, label, ret_error);

sd_journal:
        r = sd_journal_read_path(in->path, in->kind == JOURNAL_INPUT_DIRECTORY, p, fn, userdata, ctx->cancel);
        if (r == -ECANCELED)
                return dw_error_set(ret_error, r, NULL, "interrupted");
        if (r == -ELIBACC || r == -ELIBBAD)
                return dw_error_set(ret_error, r, in->path, "cannot read journal %s: libsystemd (libsystemd.so.0) "
                                    "cannot be loaded", label);
        if (IN_SET_CORRUPT(r))
                return dw_error_set(ret_error, r, in->path, "cannot read journal %s: truncated or corrupt journal "
                                    "file (%s)", label, strerror(-r));
        if (r < 0)
                return dw_error_set(ret_error, r, in->path, "cannot read journal %s: %s", label, strerror(-r));
        return 0;
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
        for (size_t i = 0; i < n; i++) {
                /* A new parser per input: one stream's broken end is not the next one's start. */
                if (i > 0) {
                        export_parser_free(p);
                        p = NULL;
                        r = export_parser_new(&p);
                        if (r < 0)
                                return dw_error_set(ret_error, r, NULL, "out of memory");
                }
                journal_analyzer_input(a, inputs[i].path);
                r = journal_read_input(ctx, &inputs[i], p, on_entry, a, ret_error);
                if (r < 0)
                        return r;
        }
        r = journal_analyzer_finish(a, ret_stats);
        if (fflush(out->f) != 0 && r >= 0)
                r = negative_errno();
        if (r < 0)
                return dw_error_set(ret_error, out->error ?: r, NULL, "cannot write output: %s",
                                    strerror(-(out->error ?: r)));
        return 0;
}
