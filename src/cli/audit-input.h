/* The inputs of driftwatch audit (audit-input.c). */
#pragma once

#include "audit/event.h"
#include "basic/strv.h"

/* Adds one command-line input: "-" (standard input), a file, a directory (its
 * audit.log.N ... audit.log.1 audit.log, oldest first) or a quoted glob
 * (expanded in the same rotation order). EXIT_CLEAN, or the error printed and
 * EXIT_TROUBLE. */
int audit_input_add(const char *arg, struct strv *files);

/* Feeds every input in order into a. EXIT_CLEAN; EXIT_TROUBLE with the error
 * printed (an input that cannot be opened or read, an interruption); or the
 * negative error the assembler's callback returned, not printed. */
int audit_inputs_read(const struct strv *files, struct audit_assembler *a);
