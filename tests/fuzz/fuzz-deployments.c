/* Fuzz harness for what driftwatch does with the values of ostree origin files
 * and commits. Those files are parsed by GLib's GKeyFile inside libostree
 * (src/image/sysroot-ostree.c only asks for "refspec" and
 * "container-image-reference"), so there is no parser of ours to fuzz; what is
 * ours is everything after: the deployment lookup (sysroot_find) and both
 * renderings of `image deployments`. The input, split at newlines, gives the
 * sysroot path and per deployment its os name, commit, refspec, image
 * reference, version and a flags word. Every JSON line must parse, every text
 * line must be printable UTF-8 and the text must have exactly the lines it
 * should (no value starts one), and a lookup must return what it names. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basic/escape.h"
#include "capability/image.h"
#include "image/sysroot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_DEPLOYMENTS 8
#define FIELDS 6

struct fields {
        const char *p, *end;
};

/* The next newline-terminated field as a new string, "" past the end
 * (NULL only when out of memory). */
static char *next_field(struct fields *f)
{
        const char *nl;
        char *s;

        if (f->p >= f->end)
                return strdup("");
        nl = memchr(f->p, '\n', (size_t) (f->end - f->p));
        if (!nl)
                nl = f->end;
        s = strndup(f->p, (size_t) (nl - f->p));
        f->p = nl + 1;
        return s;
}

/* An empty field is an absent value. */
static char *optional(char *s)
{
        if (s && !*s) {
                free(s);
                return NULL;
        }
        return s;
}

static struct sysroot *build(const uint8_t *data, size_t size, char **ret_which)
{
        static const char *const unlocked[] = { "none", "development", "hotfix", "transient" };
        struct fields f = { (const char *) data, (const char *) data + size };
        struct sysroot *ds = calloc(1, sizeof(*ds));
        char *flags;

        if (!ds || !(ds->v = calloc(MAX_DEPLOYMENTS, sizeof(*ds->v))))
                goto fail;
        ds->sysroot = next_field(&f);
        if (!ds->sysroot)
                goto fail;
        while (ds->n < MAX_DEPLOYMENTS && f.end - f.p >= FIELDS) {
                struct sysroot_deployment *x = &ds->v[ds->n++];
                unsigned char b;

                x->index = (unsigned) ds->n - 1;
                x->osname = next_field(&f);
                x->checksum = next_field(&f);
                x->refspec = optional(next_field(&f));
                x->image = optional(next_field(&f));
                x->version = optional(next_field(&f));
                flags = next_field(&f);
                if (!x->osname || !x->checksum || !flags ||
                    asprintf(&x->path, "%s/ostree/deploy/%s/deploy/%s.0", ds->sysroot, x->osname, x->checksum) < 0) {
                        free(flags);
                        goto fail;
                }
                b = (unsigned char) flags[0];
                x->role = (enum sysroot_role) (b % (SYSROOT_OTHER + 1));
                x->pinned = b & 0x08;
                x->staged = x->role == SYSROOT_STAGED;
                x->booted = x->role == SYSROOT_BOOTED;
                x->commit_present = b & 0x10;
                x->unlocked = unlocked[(b >> 5) & 3];
                x->serial = flags[0] ? atoi(flags + 1) : 0;
                x->timestamp = x->commit_present ? strtoull(flags + (flags[0] != 0), NULL, 10) : 0;
                free(flags);
        }
        *ret_which = optional(next_field(&f));
        return ds;
fail:
        sysroot_free(ds);
        return NULL;
}

static void check_find(const struct sysroot *ds, const char *which)
{
        static const struct { const char *name; enum sysroot_role role; } roles[] = {
                { "booted", SYSROOT_BOOTED }, { "staged", SYSROOT_STAGED },
                { "pending", SYSROOT_PENDING }, { "rollback", SYSROOT_ROLLBACK },
        };
        const struct sysroot_deployment *x;
        const char *dot = strchr(which, '.');
        size_t len = dot ? (size_t) (dot - which) : strlen(which);
        bool ambiguous = true;

        x = sysroot_find(ds, which, &ambiguous);
        if (x && ambiguous)
                abort();
        if (!x)
                return;
        if (x < ds->v || x >= ds->v + ds->n)
                abort();
        for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
                if (strcmp(which, roles[i].name) == 0) {
                        if (x->role != roles[i].role)
                                abort();
                        return;
                }
        if (len < 6 || strncmp(x->checksum, which, len) != 0)
                abort();
}

/* Every line of the JSON output is a JSON object. */
static void check_json(const char *s, size_t n, size_t want_lines)
{
        size_t lines = 0;

        for (const char *p = s, *nl; p < s + n; p = nl + 1) {
                json_t *j;

                nl = memchr(p, '\n', (size_t) (s + n - p));
                if (!nl)
                        abort();
                j = json_loadb(p, (size_t) (nl - p), 0, NULL);
                if (!j || !json_is_object(j))
                        abort();
                json_decref(j);
                lines++;
        }
        if (lines != want_lines)
                abort();
}

/* Printable UTF-8 lines, exactly as many as the values call for. */
static void check_text(const struct sysroot *ds, const char *s, size_t n)
{
        /* the summary's counts and sysroot lines, a blank line before a list */
        size_t want = ds->n ? 3 : 2, lines = 0, l;
        unsigned cp;

        for (size_t i = 0; i < ds->n; i++)
                want += 1 + !!ds->v[i].image + !!ds->v[i].refspec + !!ds->v[i].version + !ds->v[i].commit_present;
        for (size_t i = 0; i < n; i += l) {
                l = utf8_sequence((const unsigned char *) s + i, n - i, &cp);
                if (l == 0)
                        abort();
                if (cp == '\n')
                        lines++;
                else if (char_never_raw(cp))
                        abort();
        }
        if (lines != want || (n && s[n - 1] != '\n'))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct ruleset *rules;
        struct sysroot *ds;
        char *which = NULL, *s = NULL;
        size_t n = 0;
        FILE *f;

        if (!rules && ruleset_default(&rules, NULL) < 0)
                abort();
        ds = build(data, size, &which);
        if (!ds)
                return 0;

        check_find(ds, "booted");
        check_find(ds, "staged");
        check_find(ds, "pending");
        check_find(ds, "rollback");
        if (which)
                check_find(ds, which);
        for (size_t i = 0; i < ds->n; i++) {
                char *w;

                check_find(ds, ds->v[i].checksum);
                if (asprintf(&w, "%.6s.%d", ds->v[i].checksum, ds->v[i].serial) >= 0) {
                        check_find(ds, w);
                        free(w);
                }
        }

        f = open_memstream(&s, &n);
        if (f) {
                struct dw_context ctx = { .rules = rules };
                struct output out;

                output_init(&out, OUTPUT_JSON, f, "fuzz");
                if (capability_deployments(&ctx, ds, &out, NULL) < 0 || fflush(f) != 0)
                        abort();
                check_json(s, n, ds->n);
                fclose(f);
                free(s);
        }
        s = NULL, n = 0;
        f = open_memstream(&s, &n);
        if (f) {
                struct output out;

                output_init(&out, OUTPUT_TEXT, f, NULL);
                output_hold(&out);
                if (capability_deployments_text(ds, &out, NULL) < 0 || output_finish(&out) < 0 || fflush(f) != 0)
                        abort();
                check_text(ds, s, n);
                fclose(f);
                free(s);
        }
        free(which);
        sysroot_free(ds);
        return 0;
}
