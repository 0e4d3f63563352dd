/* File drift explained by the package manager; see package-fold.h. */
#define _GNU_SOURCE
#include "package-fold.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "basic/strv.h"
#include "fim/packages.h"
#include "report/json.h"

/* Paths of a package's files listed in its finding (the count is whole). */
#define PACKAGE_SAMPLE_PATHS 16

struct package_count {
        unsigned long added, modified;
        struct strv sample;
};

struct package_fold {
        const struct dw_context *ctx;
        struct output *out;
        struct pkgdb *db;
        bool failed;                    /* the database could not be read: reported once */
        struct package_count *counts;   /* per package of db, made on the first fold */
};

/* Changes a package install or upgrade makes: content, size, times. A new
 * mode, owner, type or xattr is not the package's to explain (dpkg records
 * no modes): such a finding stands. */
#define PACKAGE_CHANGES (ATTR_SIZE | ATTR_MTIME | ATTR_CONTENT | ATTR_LINK | ATTR_STATCACHE)

int package_fold_new(const struct dw_context *ctx, const char *root, struct output *out,
                     struct package_fold **ret)
{
        _cleanup_(pkgdb_freep) struct pkgdb *db = NULL;
        struct package_fold *pf;
        int r;

        r = pkgdb_new(root, ctx->scratch_dir, &db);
        if (r < 0)
                return r;
        if (!pkgdb_present(db)) {
                *ret = NULL;
                return 0;
        }
        pf = calloc(1, sizeof(*pf));
        if (!pf)
                return -ENOMEM;
        *pf = (struct package_fold) { .ctx = ctx, .out = out, .db = TAKE_PTR(db) };
        *ret = pf;
        return 0;
}

struct package_fold *package_fold_free(struct package_fold *pf)
{
        if (!pf)
                return NULL;
        if (pf->counts)
                for (size_t i = 0; i < pkgdb_count(pf->db); i++)
                        strv_release(&pf->counts[i].sample);
        free(pf->counts);
        pkgdb_free(pf->db);
        free(pf);
        return NULL;
}

static void format_second(char out[32], int64_t sec)
{
        time_t t = (time_t) sec;
        struct tm tm;

        if (!gmtime_r(&t, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
                snprintf(out, 32, "%lld", (long long) sec);
}

struct package_json {
        const struct pkg_info *pkg;
        const struct package_count *count;      /* the package's finding; NULL on a file's */
        bool config, ghost;                     /* a file's: a dpkg conffile or rpm %config; an rpm %ghost */
};

/* driftwatch.package */
static void json_package(struct json *j, const void *data)
{
        const struct package_json *pj = data;
        char ts[32];

        json_object_begin(j, "package");
        json_string(j, "name", pj->pkg->name);
        json_string(j, "version", pj->pkg->version);
        json_string(j, "architecture", pj->pkg->architecture);
        if (pj->pkg->installed) {
                format_second(ts, pj->pkg->installed);
                json_string(j, "installed", ts);
                json_string(j, "installed_from", pj->pkg->installed_from);
        }
        json_string(j, "manager", pj->pkg->manager);
        if (pj->config)
                json_bool(j, "config_file", true);
        if (pj->ghost)
                json_bool(j, "ghost_file", true);
        if (pj->count) {
                json_int(j, "files", (int64_t) (pj->count->added + pj->count->modified));
                json_int(j, "added", (int64_t) pj->count->added);
                json_int(j, "modified", (int64_t) pj->count->modified);
                json_array_begin(j, "paths");
                for (size_t i = 0; i < pj->count->sample.n; i++)
                        json_string(j, NULL, pj->count->sample.v[i]);
                json_array_end(j);
        }
        json_object_end(j);
}

/* The database could not be read: one finding naming the file, once. */
static int report_failure(struct package_fold *pf)
{
        struct finding f;
        int r;

        pf->failed = true;
        finding_init(&f);
        f.alert = true;
        f.rule = ruleset_rule(pf->ctx->rules, "DW-FIM-PACKAGE-DB");
        f.category = "package";
        f.type = "info";
        f.action = "package-database-unreadable";
        f.dataset = "driftwatch.fim";
        f.message = pkgdb_error(pf->db);
        r = output_emit(pf->out, &f);
        finding_release(&f);
        return r;
}

int package_fold_amend(struct package_fold *pf, struct finding *f, const struct fim_change *c)
{
        const struct fim_entry *e = c->new;
        const struct pkg_info *pkg;
        struct package_count *pc;
        struct package_json *pj;
        struct pkg_lookup lk;
        enum pkg_verdict v;
        int r;

        if (!pf || pf->failed || !f->alert || !e || (c->kind != CHANGE_ADDED && c->kind != CHANGE_MODIFIED))
                return 0;
        r = pkgdb_lookup(pf->db, f->path, f->path_len, S_ISREG(e->type),
                         (e->flags & ENTRY_HAS_HASH) ? e->sha256 : NULL, &lk);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return report_failure(pf);
        v = lk.verdict;
        pkg = lk.pkg;
        if (v == PKG_NOT_OWNED)
                return 0;
        pj = arena_alloc(&f->arena, sizeof(*pj));
        if (!pj)
                return -ENOMEM;
        *pj = (struct package_json) { .pkg = pkg, .config = lk.config, .ghost = lk.ghost };
        if (v == PKG_DIFFERS || (v == PKG_LISTED && S_ISREG(e->type)) ||
            (c->kind == CHANGE_MODIFIED && (c->changed & ~PACKAGE_CHANGES))) {
                /* Not what the package shipped, or nothing to tell: it stands, named. */
                f->message = v == PKG_DIFFERS
                                     ? arena_printf(&f->arena, "differs from package %s %s's %s", pkg->name,
                                                    pkg->version, lk.digest)
                             : v == PKG_LISTED && S_ISREG(e->type) && lk.ghost
                                     ? arena_printf(&f->arena, "a %%ghost file of package %s %s, which records no "
                                                    "content for it", pkg->name, pkg->version)
                             : v == PKG_LISTED && S_ISREG(e->type)
                                     ? arena_printf(&f->arena, "owned by package %s %s, which records no digest of it",
                                                    pkg->name, pkg->version)
                                     : arena_printf(&f->arena, "owned by package %s %s, which does not explain "
                                                    "this change", pkg->name, pkg->version);
                if (!f->message)
                        return -ENOMEM;
                if (!f->json_extra) {
                        f->json_extra = json_package;
                        f->json_extra_data = pj;
                }
                return 0;
        }
        if (!pf->counts) {
                pf->counts = calloc(pkgdb_count(pf->db), sizeof(*pf->counts));
                if (!pf->counts)
                        return -ENOMEM;
        }
        pc = &pf->counts[pkgdb_index(pf->db, pkg)];
        if (c->kind == CHANGE_ADDED)
                pc->added++;
        else
                pc->modified++;
        if (pc->sample.n < PACKAGE_SAMPLE_PATHS) {
                _cleanup_(freep) char *p = strndup(f->path, f->path_len);

                if (!p || strv_push(&pc->sample, p) < 0)
                        return -ENOMEM;
        }
        return 1;
}

int package_fold_report(struct package_fold *pf)
{
        const struct rule *rule;
        char ts[32];
        int r = 0;

        if (!pf || !pf->counts)
                return 0;
        rule = ruleset_rule(pf->ctx->rules, "DW-FIM-PACKAGE-CHANGE");
        for (size_t i = 0; r >= 0 && i < pkgdb_count(pf->db); i++) {
                const struct package_count *pc = &pf->counts[i];
                const struct pkg_info *pkg = pkgdb_package(pf->db, i);
                struct package_json pj = { .pkg = pkg, .count = pc };
                unsigned long n = pc->added + pc->modified;
                struct finding f;

                if (!n)
                        continue;
                if (pkg->installed)
                        format_second(ts, pkg->installed);
                finding_init(&f);
                f.alert = true;
                f.rule = rule;
                f.category = "package";
                f.type = pc->modified ? "change" : "installation";
                f.action = "package-changed";
                f.dataset = "driftwatch.fim";
                f.json_extra = json_package;
                f.json_extra_data = &pj;
                f.message = arena_printf(&f.arena, "package %s %s (%s)%s%s: %lu file%s as the package shipped "
                                         "%s (%lu added, %lu modified)",
                                         pkg->name, pkg->version, pkg->architecture[0] ? pkg->architecture : "-",
                                         pkg->installed ? " installed " : "", pkg->installed ? ts : "", n,
                                         n == 1 ? "" : "s", n == 1 ? "it" : "them", pc->added, pc->modified);
                r = f.message ? output_emit(pf->out, &f) : -ENOMEM;
                finding_release(&f);
        }
        return r;
}
