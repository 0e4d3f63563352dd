/* driftwatch's own configuration file, /etc/driftwatch/driftwatch.conf: an INI
 * file in the GLib key file syntax (src/parse/keyfile.h). Group [driftwatch]
 * holds defaults for every command (state-dir, rules-dir, allowlist, format,
 * fail-on, outputs, ...), a group named after a command ([scan], [etc-diff],
 * [baseline create]) defaults for that command only. Keys are option names:
 * the command line wins over the file (docs/configuration.md). This is the
 * syntax check; which option a key sets is the command line's business
 * (src/cli/options.c). Pure: (buf, len) in, entries out; never prints. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "basic/macros.h"
#include "parse/keyfile.h"

#define DW_CONF_GROUP "driftwatch"
#define DW_CONF_MAX_VALUE 4096
#define DW_CONF_MAX_OUTPUTS 16

/* Where findings go, for the agent (issue #15); the one-shot commands print on stdout. */
enum dw_output_kind {
        DW_OUTPUT_FILE,         /* file:/ABSOLUTE/PATH, JSON Lines appended */
        DW_OUTPUT_SYSLOG,       /* syslog */
        DW_OUTPUT_JOURNAL,      /* journal, journal: */
        DW_OUTPUT_URL,          /* syslog+tcp://, syslog+tls://, relp://, https://: the URL in path */
};

struct dw_conf_output {
        enum dw_output_kind kind;
        const char *path;       /* DW_OUTPUT_FILE: the path, DW_OUTPUT_URL: the URL (into the entry's value) */
};

struct dw_conf {
        struct keyfile *kf;
        struct dw_conf_output outputs[DW_CONF_MAX_OUTPUTS];
        size_t n_outputs;
        char *outputs_buf;      /* the outputs value, split in place */
};

/* The keys [driftwatch] may hold, and the commands each is a default for:
 * "scan etc-diff", or NULL for every command with an option of that name
 * ("" for none: outputs is the agent's). An option of the same name that
 * means another thing (container digests --approved, a list of images) is
 * left alone. */
struct dw_conf_key {
        const char *key;
        const char *commands;
};
extern const struct dw_conf_key dw_conf_keys[];

/* Whether key of [driftwatch] is a default for command ("baseline create"). */
bool dw_conf_applies(const char *key, const char *command);

/* -EBADMSG (malformed: a syntax error, an unknown key in [driftwatch], a
 * group that is no command's name in form, a value with a control character
 * or an unknown output) or -E2BIG, with *ret_error "line N: reason". */
int dw_conf_parse(const char *buf, size_t len, struct dw_conf **ret, char **ret_error);
struct dw_conf *dw_conf_free(struct dw_conf *c);
DEFINE_FREEP(struct dw_conf, dw_conf_free)
