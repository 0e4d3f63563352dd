/* The agent's outputs by URL scheme. Each backend defines its ops in its own
 * src/agent/output-*.c and is added here by one line in the table below. */
#include "agent/output.h"
#include "agent/output-internal.h"

#include <string.h>

/* Each backend: its ops declared in output-internal.h and one line here. */
static const struct agent_output_ops *const output_table[] = {
        &agent_output_file_ops,
        &agent_output_syslog_tcp_ops,
        &agent_output_syslog_tls_ops,
        &agent_output_journal_ops,
        &agent_output_relp_ops,
        &agent_output_relp_tls_ops,
        &agent_output_https_ops,
        &agent_output_http_ops,
        NULL
};

/* The scheme is what precedes the first ':' ("file", "syslog+tcp",
 * "journal"); a URL with no ':' names no output. */
const struct agent_output_ops *agent_output_lookup(const char *url)
{
        const char *colon;
        size_t n;

        if (!url)
                return NULL;
        colon = strchr(url, ':');
        if (!colon)
                return NULL;
        n = (size_t) (colon - url);
        for (size_t i = 0; output_table[i]; i++)
                if (strlen(output_table[i]->scheme) == n && strncmp(output_table[i]->scheme, url, n) == 0)
                        return output_table[i];
        return NULL;
}
