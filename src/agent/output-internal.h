/* What the output backends share: their ops (one per scheme, listed in
 * output.c) and the helpers of the stream outputs (syslog, RELP). */
#pragma once

#include "agent/output.h"

extern const struct agent_output_ops agent_output_file_ops;
extern const struct agent_output_ops agent_output_syslog_tcp_ops;
extern const struct agent_output_ops agent_output_syslog_tls_ops;
extern const struct agent_output_ops agent_output_journal_ops;
extern const struct agent_output_ops agent_output_relp_ops;      /* output-relp.c */
extern const struct agent_output_ops agent_output_relp_tls_ops;
extern const struct agent_output_ops agent_output_https_ops;     /* output-http.c */
extern const struct agent_output_ops agent_output_http_ops;
