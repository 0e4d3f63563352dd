/* Unit tests for src/cli/options.c: one table gives parsing (--name value,
 * --name=value, any order, "--"), the usage errors, --help, and the
 * suggestions for a mistyped name. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/options.h"
#include "parse/dw-conf.h"

struct req {
        const char *baseline;
        bool full;
        char **paths;
        size_t n_paths;
        enum output_format format;
        unsigned threads;
        long window;
};

static int parse(struct req *q, char **operands_out[], size_t *n_out, int argc, const char **argv)
{
        const struct option_spec options[] = {
                OPT_REQUIRED_STRING("baseline", &q->baseline, "FILE", "the baseline"),
                OPT_BOOL("full", &q->full, "re-hash"),
                OPT_PATHS("path", &q->paths, &q->n_paths, "PREFIX", "below PREFIX"),
                OPT_FORMAT(&q->format),
                OPT_THREADS(&q->threads),
                OPT_NUMBER("window", &q->window, 1, 100, "N", "window"),
                OPT_END(),
        };
        const struct command_spec spec = {
                .name = "test", .operands = "[FILE]...", .max_operands = 3, .options = options,
        };

        return options_parse(&spec, argc, (char **) argv, operands_out, n_out);
}

/* Runs parse with stderr captured into err (when given). */
static int parse_err(struct req *q, char *err, size_t size, int argc, const char **argv)
{
        char **ops = NULL;
        size_t n = 0;
        FILE *f = tmpfile();
        int saved = dup(STDERR_FILENO), r;

        assert_non_null(f);
        fflush(stderr);
        dup2(fileno(f), STDERR_FILENO);
        r = parse(q, &ops, &n, argc, argv);
        fflush(stderr);
        dup2(saved, STDERR_FILENO);
        close(saved);
        rewind(f);
        if (err) {
                size_t k = fread(err, 1, size - 1, f);

                err[k] = '\0';
        }
        fclose(f);
        free(ops);
        cli_strv_free(q->paths, q->n_paths);
        q->paths = NULL;
        q->n_paths = 0;
        return r;
}

static void test_parse_forms(void **state)
{
        const char *argv[] = { "test", "a.log", "--baseline=b.db", "--path", "/etc", "--full", "--path=/usr",
                               "--format", "json", "--threads=2", "--window", "7", "--", "--literal" };
        struct req q = { 0 };
        char **ops = NULL;
        size_t n = 0;

        assert_int_equal(parse(&q, &ops, &n, ARRAY_SIZE(argv), argv), PARSE_OK);
        assert_string_equal(q.baseline, "b.db");
        assert_true(q.full);
        assert_int_equal(q.n_paths, 2);
        assert_string_equal(q.paths[0], "/etc");
        assert_string_equal(q.paths[1], "/usr");
        assert_int_equal(q.format, OUTPUT_JSON);
        assert_int_equal(q.threads, 2);
        assert_int_equal(q.window, 7);
        assert_int_equal(n, 2);
        assert_string_equal(ops[0], "a.log");
        assert_string_equal(ops[1], "--literal");
        free(ops);
        cli_strv_free(q.paths, q.n_paths);
}

static void test_usage_errors(void **state)
{
        const char *missing[] = { "test", "--full" };
        const char *typo[] = { "test", "--baseline", "b", "--ful" };
        const char *twice[] = { "test", "--baseline", "a", "--baseline", "b" };
        const char *noval[] = { "test", "--baseline" };
        const char *range[] = { "test", "--baseline", "b", "--window", "101" };
        const char *many[] = { "test", "--baseline", "b", "1", "2", "3", "4" };
        const char *dotdot[] = { "test", "--baseline", "b", "--path", "/etc/../x" };
        const char *boolval[] = { "test", "--baseline", "b", "--full=yes" };
        struct req q = { 0 };
        char err[512];

        assert_int_equal(parse_err(&q, err, sizeof(err), ARRAY_SIZE(missing), missing), -EINVAL);
        assert_non_null(strstr(err, "--baseline is required"));
        assert_int_equal(parse_err(&q, err, sizeof(err), ARRAY_SIZE(typo), typo), -EINVAL);
        assert_non_null(strstr(err, "did you mean '--full'?"));
        assert_int_equal(parse_err(&q, err, sizeof(err), ARRAY_SIZE(twice), twice), -EINVAL);
        assert_non_null(strstr(err, "given twice"));
        assert_int_equal(parse_err(&q, err, sizeof(err), ARRAY_SIZE(noval), noval), -EINVAL);
        assert_non_null(strstr(err, "--baseline needs FILE"));
        assert_int_equal(parse_err(&q, err, sizeof(err), ARRAY_SIZE(range), range), -EINVAL);
        assert_non_null(strstr(err, "from 1 to 100"));
        assert_int_equal(parse_err(&q, err, sizeof(err), ARRAY_SIZE(many), many), -EINVAL);
        assert_non_null(strstr(err, "unexpected argument '4'"));
        assert_int_equal(parse_err(&q, err, sizeof(err), ARRAY_SIZE(dotdot), dotdot), -EINVAL);
        assert_int_equal(parse_err(&q, err, sizeof(err), ARRAY_SIZE(boolval), boolval), -EINVAL);
        /* One line each, naming the command and the way to --help. */
        assert_non_null(strstr(err, "driftwatch test: "));
        assert_non_null(strstr(err, "(see 'driftwatch test --help')\n"));
        assert_null(strchr(err, '\n') == err + strlen(err) - 1 ? NULL : "more than one line");
}

static void test_globals_anywhere(void **state)
{
        const char *argv[] = { "test", "--baseline", "b", "--quiet", "--rules", "r.yaml" };
        struct req q = { 0 };

        cli.quiet = false;
        cli.rules_path = NULL;
        assert_int_equal(parse_err(&q, NULL, 0, ARRAY_SIZE(argv), argv), PARSE_OK);
        assert_true(cli.quiet);
        assert_string_equal(cli.rules_path, "r.yaml");
}

static void test_suggest(void **state)
{
        const char *names[] = { "scan", "baseline", "check", "status", "etc-diff" };

        assert_string_equal(options_suggest("chekc", names, ARRAY_SIZE(names)), "check");
        assert_string_equal(options_suggest("staus", names, ARRAY_SIZE(names)), "status");
        assert_string_equal(options_suggest("basline", names, ARRAY_SIZE(names)), "baseline");
        assert_null(options_suggest("frobnicate", names, ARRAY_SIZE(names)));
}

static void test_help_from_table(void **state)
{
        const struct option_spec options[] = {
                OPT_REQUIRED_STRING("baseline", NULL, "FILE", "the baseline to compare with"),
                OPT_BOOL("full", NULL, "re-hash every file"),
                OPT_END(),
        };
        const struct command_spec spec = { .name = "test", .description = "Does a test.", .options = options };
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);

        assert_non_null(f);
        options_help(&spec, f);
        fclose(f);
        assert_non_null(strstr(text, "usage: driftwatch test --baseline FILE [--full]\n"));
        assert_non_null(strstr(text, "Does a test."));
        assert_non_null(strstr(text, "--baseline FILE  the baseline to compare with\n"));
        assert_non_null(strstr(text, "--full           re-hash every file\n"));
        free(text);
}

/* The configuration file's values are the defaults: [driftwatch] for every
 * command, [test] for this one; the command line wins, and its --path
 * replaces the file's list. A key the command lacks names file and line. */
static void test_config_defaults(void **state)
{
        static const char conf[] = "[driftwatch]\nformat = json\nthreads = 3\n"
                                   "[test]\nbaseline = conf.db\npath = /etc; /boot\nwindow = 9\n";
        static const char bad[] = "[test]\n\nbogus = 1\n";
        const char *plain[] = { "test" };
        const char *given[] = { "test", "--path", "/usr", "--window", "2", "--format", "text" };
        struct req q = { 0 };
        char **ops = NULL, err[512];
        size_t n = 0;

        assert_int_equal(dw_conf_parse(conf, strlen(conf), &cli_conf, NULL), 0);
        cli_conf_path = "test.conf";
        assert_int_equal(parse(&q, &ops, &n, 1, plain), PARSE_OK);
        assert_string_equal(q.baseline, "conf.db");       /* a required option, from the file */
        assert_int_equal(q.format, OUTPUT_JSON);
        assert_int_equal(q.threads, 3);
        assert_int_equal(q.window, 9);
        assert_int_equal(q.n_paths, 2);
        assert_string_equal(q.paths[0], "/etc");
        assert_string_equal(q.paths[1], "/boot");
        free(ops);
        cli_strv_free(q.paths, q.n_paths);

        q = (struct req) { 0 };
        assert_int_equal(parse(&q, &ops, &n, ARRAY_SIZE(given), given), PARSE_OK);
        assert_int_equal(q.format, OUTPUT_TEXT);
        assert_int_equal(q.window, 2);
        assert_int_equal(q.n_paths, 1);
        assert_string_equal(q.paths[0], "/usr");
        free(ops);
        cli_strv_free(q.paths, q.n_paths);

        cli_conf = dw_conf_free(cli_conf);
        assert_int_equal(dw_conf_parse(bad, strlen(bad), &cli_conf, NULL), 0);
        q = (struct req) { 0 };
        assert_int_equal(parse_err(&q, err, sizeof(err), 1, plain), -EINVAL);
        assert_string_equal(err, "driftwatch: bad configuration 'test.conf': line 3: 'test' has no option --bogus\n");
        cli_conf = dw_conf_free(cli_conf);
        cli_conf_path = NULL;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_forms),
                cmocka_unit_test(test_usage_errors),
                cmocka_unit_test(test_globals_anywhere),
                cmocka_unit_test(test_suggest),
                cmocka_unit_test(test_help_from_table),
                cmocka_unit_test(test_config_defaults),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
