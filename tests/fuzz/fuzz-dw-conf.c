/* Fuzz harness for driftwatch.conf (src/parse/dw-conf.h): any bytes give a
 * configuration or -EBADMSG / -E2BIG with a one-line printable reason that
 * starts with "line N". Every entry of a configuration is in a group that
 * reads as a command's name, [driftwatch] holds only the keys it documents,
 * no value has a control character or passes its limit, outputs are within
 * their count and every file output is an absolute path. Never a crash, a
 * leak or a hang. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/escape.h"
#include "parse/dw-conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct dw_conf *c = NULL;
        char *err = NULL;
        size_t i;
        int r;

        r = dw_conf_parse((const char *) data, size, &c, &err);
        if (r < 0) {
                if ((r != -EBADMSG && r != -E2BIG && r != -ENOMEM) || c)
                        abort();
                if (err && (strncmp(err, "line ", 5) != 0 || has_control(err, strlen(err))))
                        abort();
                free(err);
                return 0;
        }
        if (err || c->n_outputs > DW_CONF_MAX_OUTPUTS)
                abort();
        for (i = 0; i < c->kf->n; i++) {
                const struct keyfile_entry *e = &c->kf->v[i];
                size_t len = strlen(e->value);

                if (len > DW_CONF_MAX_VALUE || has_control(e->value, len))
                        abort();
                if (strcmp(e->group, DW_CONF_GROUP) == 0 && !dw_conf_applies(e->key, "scan") &&
                    !dw_conf_applies(e->key, "audit") && strcmp(e->key, "outputs") != 0)
                        abort();
                (void) dw_conf_applies(e->key, e->group);
        }
        for (i = 0; i < c->n_outputs; i++)
                if (c->outputs[i].kind == DW_OUTPUT_FILE && (!c->outputs[i].path || c->outputs[i].path[0] != '/'))
                        abort();
        dw_conf_free(c);
        return 0;
}
