/* Fuzz harness for the Linux-PAM configuration reader (src/parse/pam.h): the
 * input as a pam.d file and as pam.conf gives entries or -EBADMSG / -E2BIG
 * with a one-line printable reason "line N: ...". Entries keep their limits:
 * at most PAM_MAX_ENTRIES, lines in order and within the input's, a known
 * type, a control libpam knows (pam_control_action gives one of its actions
 * for it), a module, at most PAM_MAX_ARGS arguments, no C0 controls but a tab.
 * Never a crash, a leak or a hang. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "basic/escape.h"
#include "parse/pam.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Strings hold no C0 control but a tab, and no DEL: binary input is refused.
 * (C1 controls may come out of escapes: the output escapes them.) */
static void check_str(const char *s)
{
        if (!s || !s[0])
                abort();
        for (; *s; s++)
                if (((unsigned char) *s < 0x20 && *s != '\t') || *s == 0x7f)
                        abort();
}

static bool action_ok(const char *a)
{
        static const char *const actions[] = { "ignore", "ok", "done", "bad", "die", "reset" };

        for (size_t k = 0; k < sizeof(actions) / sizeof(*actions); k++)
                if (strcmp(a, actions[k]) == 0)
                        return true;
        return a[0] >= '0' && a[0] <= '9' && strspn(a, "0123456789") == strlen(a);
}

static void one(const uint8_t *data, size_t size, bool conf, unsigned lines)
{
        struct pam_file *f = NULL;
        char *err = NULL, act[32];
        unsigned last = 0;
        size_t i, k;
        int r;

        r = pam_parse((const char *) data, size, conf, &f, &err);
        if (r < 0) {
                if ((r != -EBADMSG && r != -E2BIG && r != -ENOMEM) || f)
                        abort();
                if (err && (strncmp(err, "line ", 5) != 0 || has_control(err, strlen(err))))
                        abort();
                free(err);
                return;
        }
        if (err || !f || f->n > PAM_MAX_ENTRIES)
                abort();
        for (i = 0; i < f->n; i++) {
                const struct pam_entry *e = &f->v[i];

                if (e->line < last || e->line < 1 || e->line > lines || conf != (e->service != NULL))
                        abort();
                last = e->line;
                check_str(e->module);
                if (e->service)
                        check_str(e->service);
                if (e->args.n > PAM_MAX_ARGS)
                        abort();
                for (k = 0; k < e->args.n; k++)
                        check_str(e->args.v[k]);
                if (e->at_include) {
                        if (e->type || e->control)
                                abort();
                        continue;
                }
                if (strcmp(e->type, "auth") != 0 && strcmp(e->type, "account") != 0 &&
                    strcmp(e->type, "session") != 0 && strcmp(e->type, "password") != 0)
                        abort();
                check_str(e->control);
                if (!action_ok(pam_control_action(e->control, "success", act, sizeof(act))) ||
                    !action_ok(pam_control_action(e->control, "auth_err", act, sizeof(act))))
                        abort();
        }
        pam_file_free(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        unsigned lines = 1;

        for (size_t i = 0; i < size; i++)
                lines += data[i] == '\n';
        one(data, size, false, lines);
        one(data, size, true, lines);
        return 0;
}
