/* The configuration file on the command line: which file, read once before
 * the command's options are parsed (options.c sets the options from it). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "basic/fd-util.h"
#include "cli.h"
#include "parse/dw-conf.h"

struct dw_conf *cli_conf;
const char *cli_conf_path;

const char *cli_rule_reference_base(void)
{
        const struct keyfile_entry *e = cli_conf ? keyfile_get(cli_conf->kf, DW_CONF_GROUP, "rule-reference-base") : NULL;

        return e ? e->value : NULL;
}

int cli_config_load(int argc, char **argv)
{
        _cleanup_(freep) char *buf = NULL, *msg = NULL;
        const char *path = NULL;
        size_t len = 0;
        int i, r;

        for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
                if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
                        path = argv[++i];
                else if (strncmp(argv[i], "--config=", 9) == 0)
                        path = argv[i] + 9;
        /* The default file may be missing; one named on the command line may not. */
        r = read_file(path ?: DEFAULT_CONFIG_PATH, KEYFILE_MAX_BYTES, &buf, &len);
        if (r == -ENOENT && !path)
                return EXIT_CLEAN;
        if (!path)
                path = DEFAULT_CONFIG_PATH;
        if (r < 0)
                return error("cannot read configuration '%s': %s", path, strerror(-r));
        r = dw_conf_parse(buf, len, &cli_conf, &msg);
        if (r < 0)
                return error("bad configuration '%s': %s", path, msg ?: strerror(-r));
        cli_conf_path = path;
        return EXIT_CLEAN;
}
