/* File drift explained by the package manager (check, scan): a finding on a
 * path an installed package owns, whose content is what the package shipped,
 * is folded into one DW-FIM-PACKAGE-CHANGE finding per package (its name,
 * version, architecture and install time in driftwatch.package, the count
 * of its files); one whose content differs from the package's digest stays
 * as it is and says so. The package database (fim/packages.h) is read on
 * the first finding only. A database that cannot be read is one
 * DW-FIM-PACKAGE-DB finding, and the findings stay as they are. */
#pragma once

#include "capability/capability.h"
#include "fim/diff.h"

struct package_fold;

/* For the tree at root: *ret is NULL when the tree has no package database. */
int package_fold_new(const struct dw_context *ctx, const char *root, struct output *out,
                     struct package_fold **ret);
struct package_fold *package_fold_free(struct package_fold *pf);
DEFINE_FREEP(struct package_fold, package_fold_free);

/* For an alert f built from c: 1 when it is folded (not to be emitted), 0
 * when it stands (perhaps with a message and driftwatch.package), -errno. */
int package_fold_amend(struct package_fold *pf, struct finding *f, const struct fim_change *c);

/* One finding per package that files were folded into, in the database's order. */
int package_fold_report(struct package_fold *pf);
